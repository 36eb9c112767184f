"""Source kinds: how each fetches through a `FetchSession` and parses what it got."""

from __future__ import annotations

from typing import Any

from riverbed.core.models import ParseResult
from riverbed.fetch.session import Body
from riverbed.sources.base import Collector, SingleRequestCollector
from riverbed.sources.rss import parse_feed

__all__ = ["COLLECTORS", "Collector", "RssCollector", "SingleRequestCollector"]


class RssCollector(SingleRequestCollector):
    kind = "rss"

    def request_url(self, source: Any) -> str:
        return str(source.url)

    def parse(self, source: Any, body: Body) -> ParseResult:
        return parse_feed(
            body.data,
            content_type=body.content_type,
            base_url=body.final_url,
            now=body.observed_at,
        )


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
