"""Every feed of the demo gives one GUID to one entry: two entries sharing a GUID are one entry
to any reader (riverbed keeps one), so the corpus's own count of distinct entries would be
wrong. The dates are ones where the generator once collided: two stories of a day with the
same title (tag GUIDs), two posts drawing the same WordPress `?p=` id."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from urllib.parse import urlsplit

import feedparser
import pytest

from riverbed.demo.corpus import build_corpus


@pytest.mark.parametrize("day", [date(2026, 11, 27), date(2026, 12, 8)])
def test_no_guid_names_two_entries(day: date) -> None:
    corpus = build_corpus(day)
    shared: list[tuple[str, str, list[str]]] = []
    checked = 0
    for feed in corpus.feeds:
        if feed.role in ("broken", "platform"):
            continue
        url = urlsplit(feed.url)
        doc = corpus.lookup(url.hostname or "", url.path + (f"?{url.query}" if url.query else ""))
        if doc is None:
            continue
        links: dict[str, set[str]] = defaultdict(set)
        for entry in feedparser.parse(doc.body).entries:
            if entry.get("id"):
                links[entry["id"]].add(entry.get("link"))
        checked += 1
        shared += [(feed.source_id, g, sorted(ls)) for g, ls in links.items() if len(ls) > 1]
    assert checked >= 150
    assert not shared
