"""What each asset does, without Dagster: collect, refine and publish steps over the lake.

`defs/` adapts these functions to Dagster assets; tests call them directly.
"""
