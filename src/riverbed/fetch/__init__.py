"""The fetch layer: one async HTTP client (`HttpClient`) with an address guard, limits,
retries and bounded decompression; `FetchSession` on top of it for source-scoped fetching.

The names below load on first use: the lake imports `riverbed.fetch.redact`, and readers of
the lake (`riverbed status`) must not pay for the HTTP client (aiohttp) they never use."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from riverbed.fetch.client import HttpClient
    from riverbed.fetch.text import decode_text
    from riverbed.fetch.types import Attempt, FetchResponse, FetchSettings, Validators

__all__ = ["Attempt", "FetchResponse", "FetchSettings", "HttpClient", "Validators", "decode_text"]

_HOME = {
    "HttpClient": "riverbed.fetch.client",
    "decode_text": "riverbed.fetch.text",
    "Attempt": "riverbed.fetch.types",
    "FetchResponse": "riverbed.fetch.types",
    "FetchSettings": "riverbed.fetch.types",
    "Validators": "riverbed.fetch.types",
}


def __getattr__(name: str) -> Any:
    if name not in _HOME:
        raise AttributeError(f"module 'riverbed.fetch' has no attribute {name!r}")
    value = getattr(importlib.import_module(_HOME[name]), name)
    globals()[name] = value
    return value
