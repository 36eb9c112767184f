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


def _all() -> tuple[Collector, ...]:
    from riverbed.sources.arxiv import ArxivCollector
    from riverbed.sources.github_trending import GithubTrendingCollector
    from riverbed.sources.hackernews import HackerNewsCollector
    from riverbed.sources.html import HtmlCollector
    from riverbed.sources.json_api import JsonApiCollector
    from riverbed.sources.lobsters import LobstersCollector
    from riverbed.sources.reddit import RedditCollector
    from riverbed.sources.youtube import YoutubeCollector

    return (
        RssCollector(),
        HackerNewsCollector(),
        RedditCollector(),
        LobstersCollector(),
        ArxivCollector(),
        GithubTrendingCollector(),
        YoutubeCollector(),
        HtmlCollector(),
        JsonApiCollector(),
    )


COLLECTORS: dict[str, Collector] = {c.kind: c for c in _all()}
