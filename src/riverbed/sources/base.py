"""What a source kind implements.

Most kinds are one GET and a parse of its body (`SingleRequestCollector`): the collect step
fetches every such source first and parses afterwards, so CPU work never delays responses in
flight (deadlines measure wall time) and the fetch phase ends as soon as the network allows.
Kinds that need answers to decide what to fetch next (Hacker News items, Reddit and Lobsters
pages) implement `collect` and parse as they go.
"""

from __future__ import annotations

from typing import Any, Protocol

from riverbed.core.models import ParseResult
from riverbed.fetch.session import Body, FetchSession


class Collector(Protocol):
    kind: str

    async def collect(self, source: Any, session: FetchSession) -> ParseResult:
        """Fetch and parse one catalogue source; raise `RiverbedError` if it fails entirely."""
        ...


class SingleRequestCollector:
    """A kind that is one GET (`request_url`) and a pure parse of the body (`parse`)."""

    kind: str

    def request_url(self, source: Any) -> str:
        raise NotImplementedError

    def parse(self, source: Any, body: Body) -> ParseResult:
        """The items of `body`; raise `RiverbedError` when it is not what the kind expects.

        Dates relative to "now" ("2 hours ago", clamping of future dates) are taken relative
        to `body.observed_at`, the first time these bytes were fetched: the same body always
        gives the same items, on a re-run and in a replay."""
        raise NotImplementedError

    def finish(self, source: Any, body: Body) -> ParseResult:
        """`parse`, then the source's `limit` (most items taken per fetch)."""
        result = self.parse(source, body)
        if getattr(source, "limit", None):
            result.items = result.items[: source.limit]
        return result

    async def collect(self, source: Any, session: FetchSession) -> ParseResult:
        return self.finish(source, await session.get(self.request_url(source), trusted=True))
