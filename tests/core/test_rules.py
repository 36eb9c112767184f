"""keep/block semantics from the contract, with real catalogue rules."""

from __future__ import annotations

import pytest

from riverbed.core.catalogue import parse_catalogue
from riverbed.core.rules import NO_KEEP_MATCH, hidden_by

CATALOGUE = """
sources:
  - id: news
    kind: rss
    url: http://news.example/feed
    block: [{title: "(?i)^ask "}]
  - id: papers
    kind: rss
    url: http://papers.example/feed
    keep: [{tag: "^ml$"}, {title: "(?i)database", author: "Stonebraker"}]
  - id: plain
    kind: rss
    url: http://plain.example/feed
settings:
  block: [{title: "(?i)sponsored"}, {url: "utm_campaign=ads"}]
"""


def _hidden(source_id: str, **item) -> str | None:
    cat = parse_catalogue(CATALOGUE)
    source = cat.by_id[source_id]
    return hidden_by(
        {"source_id": source_id, "tags": [], **item},
        global_keep=cat.settings.keep,
        global_block=cat.settings.block,
        source_keep=source.keep,
        source_block=source.block,
    )


@pytest.mark.parametrize(
    ("source_id", "item", "expected"),
    [
        ("plain", {"title": "Postgres 18"}, None),
        ("plain", {"title": "Sponsored: buy this"}, "global.block[0]"),
        ("plain", {"title": "x", "url": "http://a/?utm_campaign=ads"}, "global.block[1]"),
        ("news", {"title": "Ask HN: anything?"}, "news.block[0]"),
        ("news", {"title": "Show HN: thing"}, None),
        ("papers", {"title": "Attention", "tags": ["ml"]}, None),
        ("papers", {"title": "Attention", "tags": ["mlops"]}, NO_KEEP_MATCH),
        ("papers", {"title": "A database paper", "author": "M. Stonebraker"}, None),
        # all fields of one rule must match
        ("papers", {"title": "A database paper", "author": "Someone"}, NO_KEEP_MATCH),
        # block wins over keep
        ("papers", {"title": "Sponsored ML", "tags": ["ml"]}, "global.block[0]"),
        # a missing field never matches
        ("papers", {"title": "No author database"}, NO_KEEP_MATCH),
    ],
)
def test_hidden_by(source_id, item, expected):
    got = _hidden(source_id, **item)
    if expected is None:
        assert got is None
    else:
        assert got is not None and got.startswith(expected)
