"""The fetch layer: one async HTTP client (`HttpClient`) with an address guard, limits,
retries and bounded decompression; `FetchSession` on top of it for source-scoped fetching."""

from riverbed.fetch.client import HttpClient
from riverbed.fetch.text import decode_text
from riverbed.fetch.types import Attempt, FetchResponse, FetchSettings, Validators

__all__ = ["Attempt", "FetchResponse", "FetchSettings", "HttpClient", "Validators", "decode_text"]
