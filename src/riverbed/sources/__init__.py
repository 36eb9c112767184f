"""One module per source kind: build requests and parse responses into `ParsedItem`s.

Parsing is pure (bytes in, items out); `registry.COLLECTORS` maps a catalogue `kind` to the
collector that fetches through a `FetchSession`.
"""
