"""Single-request kinds: the collect step fetches every source before it parses any, and a
source's `limit` caps its items whatever the kind."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from platform_server import PlatformServer, Reply

from riverbed.core.catalogue import parse_catalogue
from riverbed.lake import Lake
from riverbed.pipeline.collect import collect
from riverbed.sources.registry import RssCollector

FEEDS = Path(__file__).parent.parent / "fixtures" / "feeds"


def _catalogue(server: PlatformServer, n: int, limit: int | None = None) -> object:
    extra = f", limit: {limit}" if limit else ""
    lines = ["sources:"] + [
        f"  - {{id: s{i}, kind: rss, url: '{server.url}/feed{i}.xml'{extra}}}" for i in range(n)
    ]
    return parse_catalogue("\n".join(lines) + "\n", env={})


def test_every_source_is_fetched_before_any_is_parsed(server, tmp_path, monkeypatch):
    body = (FEEDS / "rss20_wordpress.xml").read_bytes()
    for i in range(6):
        server.routes[f"/feed{i}.xml"] = [Reply(body=body, content_type="application/rss+xml")]
    server.delay_s = 0.05
    parsed_at: list[float] = []
    real_parse = RssCollector.parse

    def parse(self, source, fetched):
        parsed_at.append(time.monotonic())
        return real_parse(self, source, fetched)

    monkeypatch.setattr(RssCollector, "parse", parse)
    cat = _catalogue(server, 6)
    result = collect(Lake(tmp_path), cat.sources, cat.settings, "2026-11-26", "run-1")
    assert [r.status for r in result.reports] == ["ok"] * 6
    assert len(parsed_at) == 6
    assert max(s.at for s in server.requests) < min(parsed_at)


@pytest.mark.parametrize("limit", [1, 3])
def test_limit_caps_the_items_of_a_feed(server, tmp_path, limit):
    body = (FEEDS / "rss20_wordpress.xml").read_bytes()
    server.routes["/feed0.xml"] = [Reply(body=body, content_type="application/rss+xml")]
    cat = _catalogue(server, 1, limit)
    result = collect(Lake(tmp_path), cat.sources, cat.settings, "2026-11-26", "run-1")
    assert result.reports[0].items_seen == limit
    assert result.tables["s0"].num_rows == limit
