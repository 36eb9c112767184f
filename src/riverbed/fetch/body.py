"""Bounded, incremental decoding of a response body's Content-Encoding.

The raw (still compressed) bytes are fed as they arrive; every decompression step produces
at most `PIECE` bytes before the running total is checked, so a gzip/brotli bomb is stopped
at the cap with memory bounded by the cap (not by the inflated size).
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from typing import Protocol

import brotli

PIECE = 64 * 1024  # most output produced by one decompression step


class BodyTooLarge(Exception):
    """The body (raw or decoded) passed the byte cap."""


class BadEncoding(Exception):
    """The Content-Encoding is unsupported or its data is corrupt."""


class _Stage(Protocol):
    def feed(self, data: bytes) -> Iterator[bytes]: ...
    def flush(self) -> Iterator[bytes]: ...


class _Zlib:
    """gzip (multi-member) or deflate (zlib-wrapped or raw, sniffed from the first bytes)."""

    def __init__(self, gzip: bool) -> None:
        self._gzip = gzip
        self._d: zlib._Decompress | None = zlib.decompressobj(16 + zlib.MAX_WBITS) if gzip else None
        self._pending = b""  # deflate only: bytes held until the header can be sniffed
        self._done = False

    def feed(self, data: bytes) -> Iterator[bytes]:
        if self._d is None:
            self._pending += data
            if len(self._pending) < 2:
                return
            b0, b1 = self._pending[0], self._pending[1]
            wrapped = (b0 & 0x0F) == 8 and ((b0 << 8) | b1) % 31 == 0
            self._d = zlib.decompressobj(zlib.MAX_WBITS if wrapped else -zlib.MAX_WBITS)
            data, self._pending = self._pending, b""
        yield from self._run(data)

    def _run(self, data: bytes) -> Iterator[bytes]:
        d = self._d
        assert d is not None
        buf = data
        while not self._done:
            if d.eof:
                rest = d.unused_data + buf
                if self._gzip and rest.lstrip(b"\0"):  # another gzip member follows
                    d = self._d = zlib.decompressobj(16 + zlib.MAX_WBITS)
                    buf = rest
                else:
                    self._done = True  # trailing padding or garbage after the stream: ignored
                    return
            try:
                out = d.decompress(buf, PIECE)
            except zlib.error as exc:
                kind = "gzip" if self._gzip else "deflate"
                raise BadEncoding(f"corrupt {kind} data: {exc}") from exc
            if out:
                yield out
            buf = d.unconsumed_tail
            # A full piece may leave output pending inside zlib even with no input left.
            if not buf and len(out) < PIECE and not d.eof:
                return
            if not buf and d.eof and not d.unused_data:
                return

    def flush(self) -> Iterator[bytes]:
        if self._d is None:
            if self._pending:  # a 1-byte deflate body: let zlib judge it
                self._d = zlib.decompressobj(-zlib.MAX_WBITS)
                data, self._pending = self._pending, b""
                yield from self._run(data)
            return
        yield from self._run(b"")


class _Brotli:
    def __init__(self) -> None:
        self._d = brotli.Decompressor()

    def feed(self, data: bytes) -> Iterator[bytes]:
        try:
            out = self._d.process(data, output_buffer_limit=PIECE)
            if out:
                yield out
            # The decoder holds more output than the limit allowed: drain it before more input.
            while not self._d.can_accept_more_data():
                out = self._d.process(b"", output_buffer_limit=PIECE)
                if out:
                    yield out
        except brotli.error as exc:
            raise BadEncoding(f"corrupt brotli data: {exc}") from exc

    def flush(self) -> Iterator[bytes]:
        try:
            while not self._d.is_finished():
                out = self._d.process(b"", output_buffer_limit=PIECE)
                if not out:
                    return  # truncated stream: keep what was decoded
                yield out
        except brotli.error as exc:
            raise BadEncoding(f"corrupt brotli data: {exc}") from exc


def _stage(coding: str) -> _Stage:
    if coding in ("gzip", "x-gzip"):
        return _Zlib(gzip=True)
    if coding == "deflate":
        return _Zlib(gzip=False)
    if coding == "br":
        return _Brotli()
    raise BadEncoding(f"unsupported content-encoding {coding!r}")


class BodyDecoder:
    """Feed raw body bytes in, get the decoded body out; raises `BodyTooLarge` as soon as the
    raw or the decoded size passes `limit`, `BadEncoding` for corrupt or unknown codings.

    `content_encoding` is the response header as sent (`gzip`, `br`, `deflate`, `identity`,
    or a comma-separated chain such as `deflate, gzip`, decoded last-applied first).
    """

    def __init__(self, content_encoding: str | None, limit: int) -> None:
        codings = [c.strip().lower() for c in (content_encoding or "").split(",")]
        # Decoding undoes the codings in reverse order of application.
        self._stages = [_stage(c) for c in reversed(codings) if c and c != "identity"]
        self.limit = limit
        self.raw_bytes = 0
        self.decoded_bytes = 0
        self._out: list[bytes] = []

    def feed(self, data: bytes) -> None:
        self.raw_bytes += len(data)
        if self.raw_bytes > self.limit:
            raise BodyTooLarge(f"body passed {self.limit} bytes on the wire")
        self._emit(self._through(0, data))

    def finish(self) -> bytes:
        """Flush every stage and return the whole decoded body."""
        for i, stage in enumerate(self._stages):
            for piece in stage.flush():
                self._emit(self._through(i + 1, piece))
        return b"".join(self._out)

    def _through(self, index: int, data: bytes) -> Iterator[bytes]:
        if index == len(self._stages):
            if data:
                yield data
            return
        for piece in self._stages[index].feed(data):
            yield from self._through(index + 1, piece)

    def _emit(self, pieces: Iterator[bytes]) -> None:
        for piece in pieces:
            self.decoded_bytes += len(piece)
            if self.decoded_bytes > self.limit:
                raise BodyTooLarge(f"decoded body passed {self.limit} bytes")
            self._out.append(piece)
