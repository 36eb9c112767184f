"""Storage: the lake on a UPath (`file://` by default, `s3://` later), Parquet tables, the raw
blob store, append-only journals, per-source state and DuckDB views."""

from riverbed.lake.store import Lake

__all__ = ["Lake"]
