"""keep/block semantics from the contract, with real catalogue rules: which items are
hidden and by which rule, the per-rule preview of `riverbed rules test`, and stories."""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict
from datetime import UTC, datetime, timedelta

import pytest

from riverbed.core.catalogue import parse_catalogue
from riverbed.core.ids import story_id as story_id_of
from riverbed.core.items import build_items
from riverbed.core.models import ParsedItem
from riverbed.core.rules import NO_KEEP_MATCH, catalogue_rules, hidden_by, preview_rules
from riverbed.core.stories import build_stories

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
  - id: partners
    kind: rss
    url: http://partners.example/feed
    tags: [partner]
    block: [{tag: "^partner$", title: "(?i)webinar"}]
settings:
  block: [{title: "(?i)sponsored"}, {url: "utm_campaign=ads"}, {text: "(?i)affiliate link"}]
"""


def _hidden(source_id: str, **item) -> str | None:
    return catalogue_rules(parse_catalogue(CATALOGUE))({"source_id": source_id, **item})


@pytest.mark.parametrize(
    ("source_id", "item", "expected"),
    [
        ("plain", {"title": "Postgres 18"}, None),
        ("plain", {"title": "Sponsored: buy this"}, "global.block[0] title~(?i)sponsored"),
        ("plain", {"title": "x", "url": "http://a/?utm_campaign=ads"}, "global.block[1]"),
        ("news", {"title": "Ask HN: anything?"}, "news.block[0] title~(?i)^ask "),
        ("news", {"title": "Show HN: thing"}, None),
        ("papers", {"title": "Attention", "tags": ["ml"]}, None),
        ("papers", {"title": "Attention", "tags": ["mlops"]}, NO_KEEP_MATCH),
        ("papers", {"title": "A database paper", "author": "M. Stonebraker"}, None),
        # all fields of one rule must match
        ("papers", {"title": "A database paper", "author": "Someone"}, NO_KEEP_MATCH),
        # block wins over keep; global block rules are tried before the source's
        ("papers", {"title": "Sponsored ML", "tags": ["ml"]}, "global.block[0]"),
        ("news", {"title": "Ask: sponsored?"}, "global.block[0]"),
        # a missing field never matches
        ("papers", {"title": "No author database"}, NO_KEEP_MATCH),
        # url is the URL as published, not the canonical URL (which drops utm_ parameters)
        (
            "plain",
            {"title": "x", "url": "http://a/?utm_campaign=ads", "canonical_url": "http://a/"},
            "global.block[1] url~utm_campaign=ads",
        ),
        (
            "plain",
            {"title": "x", "url": "http://a/", "canonical_url": "http://a/?utm_campaign=ads"},
            None,
        ),
        # text is the feed's text, not its HTML summary
        ("plain", {"title": "x", "text": "Bought via an affiliate link."}, "global.block[2]"),
        ("plain", {"title": "x", "summary_html": "<p>an affiliate link</p>"}, None),
        # tag sees the item's tags and its source's tags in the catalogue
        ("partners", {"title": "Webinar: scaling", "tags": []}, "partners.block[0]"),
        ("partners", {"title": "Webinar: scaling", "tags": None}, "partners.block[0]"),
        ("partners", {"title": "Release notes", "tags": ["partner"]}, None),
        ("plain", {"title": "Webinar: scaling", "tags": ["partner"]}, None),
        # a source the catalogue no longer has: the global rules only
        ("gone", {"title": "Ask HN: sponsored"}, "global.block[0]"),
        ("gone", {"title": "Ask HN: anything"}, None),
    ],
)
def test_hidden_by(source_id, item, expected):
    got = _hidden(source_id, **item)
    if expected is None:
        assert got is None
    else:
        assert got is not None and got.startswith(expected)


def test_hidden_by_takes_source_tags_only_when_given():
    rule = parse_catalogue(CATALOGUE).by_id["partners"].block[0]
    item = {"source_id": "partners", "title": "Webinar", "tags": []}
    assert hidden_by(item, source_block=[rule]) is None
    assert hidden_by(item, source_block=[rule], source_tags=["partner"]) is not None


# -- preview: `riverbed rules test` ------------------------------------------------------------

ITEMS = [
    ("plain", {"title": "Sponsored: x"}),
    ("plain", {"title": "Sponsored x", "url": "http://a/?utm_campaign=ads"}),
    ("plain", {"title": "Postgres", "url": "http://b/?utm_campaign=ads"}),
    ("plain", {"title": "Deal", "text": "It has an affiliate link."}),
    ("plain", {"title": "Hello"}),
    ("news", {"title": "Ask HN: sponsored?"}),
    ("news", {"title": "Ask HN: real"}),
    ("papers", {"title": "Attention", "tags": ["ml"]}),
    ("papers", {"title": "Attention", "tags": ["mlops"]}),
    ("papers", {"title": "Sponsored ML", "tags": ["ml"]}),
    ("papers", {"title": "A database paper", "author": "Stonebraker"}),
    ("papers", {"title": "Sponsored thing"}),
    ("partners", {"title": "Webinar: scaling"}),
    ("partners", {"title": "Release"}),
    ("gone", {"title": "Sponsored"}),
]
ROWS = [{"source_id": source_id, "tags": [], **item} for source_id, item in ITEMS]

# scope, list, index, fields, matched, hidden
EXPECTED = [
    ("global", "block", 0, "title~(?i)sponsored", 6, 6),
    ("global", "block", 1, "url~utm_campaign=ads", 2, 1),
    ("global", "block", 2, "text~(?i)affiliate link", 1, 1),
    ("news", "block", 0, "title~(?i)^ask ", 2, 1),
    ("papers", "keep", 0, "tag~^ml$", 2, 0),
    ("papers", "keep", 1, "title~(?i)database, author~Stonebraker", 1, 0),
    ("partners", "block", 0, "title~(?i)webinar, tag~^partner$", 1, 1),
    (NO_KEEP_MATCH, "keep", None, None, 2, 1),
]


def _preview(catalogue: str = CATALOGUE, rows=ROWS):
    got = preview_rules(rows, parse_catalogue(catalogue))
    return [
        tuple(r[c] for c in ("scope", "list", "index", "fields", "matched", "hidden")) for r in got
    ]


def test_preview_counts_per_rule_what_it_matches_and_hides():
    assert _preview() == EXPECTED


def test_preview_hides_exactly_what_hidden_by_hides():
    """Each hidden item is counted once, against the rule `hidden_by` names."""
    hide = catalogue_rules(parse_catalogue(CATALOGUE))
    by_rule = Counter(h for h in map(hide, ROWS) if h)
    previewed = {
        NO_KEEP_MATCH if scope == NO_KEEP_MATCH else f"{scope}.{lst}[{i}] {fields}": hidden
        for scope, lst, i, fields, _matched, hidden in EXPECTED
    }
    assert by_rule == +Counter(previewed)


@pytest.mark.parametrize(
    ("catalogue", "rows", "expected"),
    [
        # no rules, no items: the keep row alone, at zero
        ("sources: []\n", [], [(NO_KEEP_MATCH, "keep", None, None, 0, 0)]),
        # a global keep list applies to every source's items
        (
            "sources: []\nsettings: {keep: [{title: db}]}\n",
            [{"source_id": "a", "title": "db"}, {"source_id": "b", "title": "web"}],
            [("global", "keep", 0, "title~db", 1, 0), (NO_KEEP_MATCH, "keep", None, None, 1, 1)],
        ),
        # rules of a source with no stored items match nothing
        (
            "sources: [{id: a, kind: rss, url: 'http://a.example/', block: [{title: x}]}]\n",
            [],
            [("a", "block", 0, "title~x", 0, 0), (NO_KEEP_MATCH, "keep", None, None, 0, 0)],
        ),
    ],
)
def test_preview_edges(catalogue, rows, expected):
    assert _preview(catalogue, rows) == expected


# -- stories: hidden members are left out, story ids never change -------------------------------

T0 = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)
PG_TEXT = "Postgres 18 adds async I/O, which the maintainers call the biggest change in years."
DAY = [
    ("techwire", 0, "Postgres 18 ships async I/O", "https://techwire.example/pg18", PG_TEXT),
    (
        "devdispatch",
        30,
        "Postgres 18 released with async I/O",
        "https://devdispatch.example/postgres-18",
        "Async I/O arrives in Postgres 18.",
    ),
    (
        "hn",
        45,
        "Postgres 18 released with async I/O",
        "https://devdispatch.example/postgres-18?utm_source=hn",
        None,
    ),
    (
        "partner",
        60,
        "Postgres 18 ships async I/O | TechWire",
        "https://partner.example/syndicated/pg18",
        PG_TEXT,
    ),
    ("blog", 20, "Notes on MVCC", "https://blog.example/mvcc", "We rewrote our engine."),
    ("ads", 5, "Sponsored: a database", "https://ads.example/db", None),
]


def _day() -> list[dict]:
    rows = []
    for source, minutes, title, url, text in DAY:
        entry = ParsedItem(title=title, url=url, text=text)
        at = T0 + timedelta(minutes=minutes)
        rows += [
            asdict(i) for i in build_items([entry], source_id=source, kind="rss", observed_at=at)
        ]
    return rows


def _hide(rows: list[dict], *sources: str) -> list[dict]:
    return [{**r, "hidden_by": "rule" if r["source_id"] in sources else None} for r in rows]


def _story_of(stories: list[dict]) -> dict[str, str]:
    return {i: s["story_id"] for s in stories for i in s["item_ids"]}


def test_hiding_the_earliest_member_keeps_the_story_id_and_shows_the_rest():
    everything = build_stories(_day(), "d")
    pg18 = next(s for s in everything if s["first_source_id"] == "techwire")
    assert pg18["n_sources"] == 4  # the near-duplicate merge joined three URLs
    stories = build_stories(_hide(_day(), "techwire"), "d")
    story = next(s for s in stories if s["story_id"] == pg18["story_id"])
    assert story["story_id"] == story_id_of("https://techwire.example/pg18", pg18["item_ids"][0])
    assert story["title"] == "Postgres 18 released with async I/O"
    assert story["first_source_id"] == "devdispatch"
    assert story["url"] == "https://devdispatch.example/postgres-18"
    assert "https://techwire.example/pg18" not in story["canonical_urls"]
    assert story["source_ids"] == ["devdispatch", "hn", "partner"]
    assert story["item_ids"] == pg18["item_ids"][1:]
    assert all(d["source_id"] != "techwire" for d in story["discussions"])


@pytest.mark.parametrize(
    "hidden",
    [(), ("ads",), ("techwire",), ("devdispatch",), ("techwire", "devdispatch"), ("blog", "hn")],
)
def test_rules_never_change_a_story_id_and_all_hidden_stories_disappear(hidden):
    everything = _story_of(build_stories(_day(), "d"))
    rows = _hide(_day(), *hidden)
    stories = build_stories(rows, "d")
    visible = {r["item_id"] for r in rows if not r["hidden_by"]}
    # every visible item is in the story it is in when nothing is hidden; no hidden one is
    assert _story_of(stories) == {i: everything[i] for i in visible}
    # a story is left out exactly when all its members are hidden
    assert {s["story_id"] for s in stories} == {everything[i] for i in visible}
