"""Source kinds: how each fetches through a `FetchSession` and parses what it got."""

from __future__ import annotations

from typing import Any, Protocol

from riverbed.core.models import ParseResult
from riverbed.fetch.session import FetchSession
from riverbed.sources.rss import parse_feed


class Collector(Protocol):
    kind: str

    async def collect(self, source: Any, session: FetchSession) -> ParseResult:
        """Fetch and parse one catalogue source; raise `RiverbedError` if it fails entirely."""
        ...


class RssCollector:
    kind = "rss"

    async def collect(self, source: Any, session: FetchSession) -> ParseResult:
        body = await session.get(str(source.url), trusted=True)
        return parse_feed(body.data, content_type=body.content_type, base_url=body.final_url)


COLLECTORS: dict[str, Collector] = {c.kind: c for c in (RssCollector(),)}
