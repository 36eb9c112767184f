"""Identity, merge and story grouping: the rules that make re-runs idempotent."""

from __future__ import annotations

from dataclasses import asdict, replace
from datetime import UTC, datetime, timedelta

from riverbed.core.ids import story_id as story_id_of
from riverbed.core.items import build_items, merge_items
from riverbed.core.models import ParsedItem
from riverbed.core.stories import build_stories

T0 = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)


def _items(source: str, entries: list[ParsedItem], at: datetime = T0):
    return build_items(entries, source_id=source, kind="rss", observed_at=at, source_tags=["tech"])


def test_same_entry_gets_same_item_id_in_any_order():
    a = ParsedItem(title="A", url="https://ex.org/a", external_id="1")
    b = ParsedItem(title="B", url="https://ex.org/b", external_id="2")
    first = {i.external_id: i.item_id for i in _items("s1", [a, b])}
    second = {i.external_id: i.item_id for i in _items("s1", [b, a])}
    assert first == second
    assert first["1"] != first["2"]


def test_item_id_depends_on_source():
    a = ParsedItem(title="A", url="https://ex.org/a", external_id="1")
    assert _items("s1", [a])[0].item_id != _items("s2", [a])[0].item_id


def test_duplicate_guids_in_one_document_keep_the_first():
    a = ParsedItem(title="first", url="https://ex.org/a", external_id="dup")
    b = ParsedItem(title="second", url="https://ex.org/b", external_id="dup")
    out = _items("s1", [a, b])
    assert [i.title for i in out] == ["first"]


def test_source_tags_are_added_once():
    a = ParsedItem(title="A", url="https://ex.org/a", tags=["db", "tech"])
    assert _items("s1", [a])[0].tags == ["db", "tech"]


def test_merge_keeps_items_that_left_the_feed_window_and_earliest_first_seen():
    old = _items(
        "s1",
        [
            ParsedItem(title="A", url="https://ex.org/a"),
            ParsedItem(title="B", url="https://ex.org/b"),
        ],
    )
    first = merge_items([], old)
    rows = first.rows
    assert (first.added, first.updated) == (2, 0)
    later = T0 + timedelta(hours=1)
    new = _items(
        "s1",
        [
            ParsedItem(title="A (updated)", url="https://ex.org/a"),
            ParsedItem(title="C", url="https://ex.org/c"),
        ],
        later,
    )
    result = merge_items(rows, new)
    assert (result.added, result.updated) == (1, 1)  # C is new; A changed its title
    by_title = {r["title"]: r for r in result.rows}
    assert set(by_title) == {"A (updated)", "B", "C"}
    assert by_title["A (updated)"]["first_seen_at"] == T0
    assert by_title["A (updated)"]["last_seen_at"] == later


def test_merge_is_idempotent():
    items = _items("s1", [ParsedItem(title="A", url="https://ex.org/a")])
    rows = merge_items([], items).rows
    again = merge_items(rows, items)
    assert again.rows == rows and (again.added, again.updated) == (0, 0)
    later = [replace(i, last_seen_at=i.last_seen_at + timedelta(hours=1)) for i in items]
    assert merge_items(rows, later).updated == 0  # seen again, nothing changed


def test_a_score_change_is_an_update():
    items = _items("s1", [ParsedItem(title="A", url="https://ex.org/a", score=3)])
    rows = merge_items([], items).rows
    later = [replace(i, score=9, last_seen_at=i.last_seen_at + timedelta(hours=1)) for i in items]
    assert merge_items(rows, later).updated == 1


def test_merge_never_rolls_back_to_an_older_observation():
    newer = _items("s1", [ParsedItem(title="new", url="https://ex.org/a")], T0 + timedelta(hours=2))
    older = [replace(i, title="old", first_seen_at=T0, last_seen_at=T0) for i in newer]
    rows = merge_items([], newer).rows
    merged = merge_items(rows, older).rows
    assert merged[0]["title"] == "new"
    assert merged[0]["first_seen_at"] == T0


def _rows(*items):
    return [asdict(i) for i in items]


def test_stories_merge_exact_canonical_urls_across_sources():
    a = _items(
        "blog",
        [
            ParsedItem(
                title="Postgres 18 released", url="https://News.example.com/pg18?utm_source=rss"
            )
        ],
        T0,
    )
    b = _items(
        "agg",
        [
            ParsedItem(
                title="PG 18 is out", url="https://news.example.com/pg18", score=120, comments=40
            )
        ],
        T0 + timedelta(minutes=5),
    )
    c = _items("other", [ParsedItem(title="Unrelated", url="https://other.example.com/x")], T0)
    stories = build_stories(_rows(*a, *b, *c), "2026-11-24")
    assert len(stories) == 2
    pg = next(s for s in stories if s["n_sources"] == 2)
    assert pg["first_source_id"] == "blog"
    assert pg["title"] == "Postgres 18 released"
    assert pg["source_ids"] == ["agg", "blog"]
    assert {d["source_id"]: d["score"] for d in pg["discussions"]} == {"agg": 120, "blog": None}
    assert pg["score"] == 120


def test_story_id_does_not_depend_on_arrival_order():
    a = _items("blog", [ParsedItem(title="X", url="https://ex.org/x")], T0)
    b = _items("agg", [ParsedItem(title="X", url="https://ex.org/x")], T0 + timedelta(hours=1))
    one = build_stories(_rows(*a, *b), "d")
    two = build_stories(_rows(*b, *a), "d")
    assert one == two


def test_hidden_items_are_left_out_and_linkless_items_are_their_own_story():
    a = _items("blog", [ParsedItem(title="Ask: how do you?", url=None, external_id="q1")], T0)
    b = _items("blog", [ParsedItem(title="Sponsored", url="https://ads.example.com/")], T0)
    rows = _rows(*a, *b)
    rows[1]["hidden_by"] = "block[0]"
    stories = build_stories(rows, "d")
    assert [s["title"] for s in stories] == ["Ask: how do you?"]
    assert stories[0]["canonical_url"] is None


def _day(*items):
    """Rows of several sources' items: (source, minutes after T0, ParsedItem)."""
    rows = []
    for source, minutes, entry in items:
        rows += _rows(*_items(source, [entry], T0 + timedelta(minutes=minutes)))
    return rows


PG_TEXT = "Postgres 18 adds async I/O, which the maintainers call the biggest change in years."
NEAR_DUPLICATE_DAY = [
    (
        "techwire",
        0,
        ParsedItem(
            title="Postgres 18 ships async I/O", url="https://techwire.example/pg18", text=PG_TEXT
        ),
    ),
    (
        "devdispatch",
        30,
        ParsedItem(
            title="Postgres 18 released with async I/O",
            url="https://devdispatch.example/postgres-18",
            text="Async I/O arrives in Postgres 18.",
        ),
    ),
    (
        "hn",
        45,
        ParsedItem(
            title="Postgres 18 released with async I/O",
            url="https://devdispatch.example/postgres-18?utm_source=hn",
            score=300,
        ),
    ),
    (
        "partner",
        60,
        ParsedItem(
            title="Postgres 18 ships async I/O | TechWire",
            url="https://partner.example/syndicated/pg18",
            text=PG_TEXT,
        ),
    ),
    (
        "techwire",
        10,
        ParsedItem(
            title="Postgres 17 ships async I/O",
            url="https://techwire.example/pg17",
            text="Postgres 17 adds async I/O.",
        ),
    ),
    (
        "hn",
        5,
        ParsedItem(
            title="Ask HN: how do you handle async I/O in Postgres?", url=None, external_id="ask1"
        ),
    ),
    (
        "blog",
        20,
        ParsedItem(
            title="Notes on MVCC",
            url="https://blog.example/mvcc",
            text="We rewrote our engine around multi-version rows.",
        ),
    ),
    (
        "other",
        25,
        ParsedItem(
            title="Notes on MVCC",
            url="https://other.example/notes-mvcc",
            text="A reading list on snapshot isolation for a course.",
        ),
    ),
    (
        "blog",
        40,
        ParsedItem(
            title="Reading notes",
            url="https://blog.example/reading",
            text="My notes from this week's papers.",
        ),
    ),
]


def test_stories_merge_near_duplicates_beyond_exact_urls_with_provenance():
    stories = build_stories(_day(*NEAR_DUPLICATE_DAY), "2026-11-24")
    by_title = {s["title"]: s for s in stories}
    pg18 = by_title["Postgres 18 ships async I/O"]
    assert pg18["canonical_urls"] == [
        "https://techwire.example/pg18",
        "https://devdispatch.example/postgres-18",
        "https://partner.example/syndicated/pg18",
    ]
    assert pg18["story_id"] == story_id_of("https://techwire.example/pg18", pg18["item_ids"][0])
    assert pg18["first_source_id"] == "techwire"
    assert pg18["amplified_by"] == ["devdispatch", "hn", "partner"]
    assert pg18["source_ids"] == ["devdispatch", "hn", "partner", "techwire"]
    assert pg18["n_sources"] == 4 and len(pg18["item_ids"]) == 4
    assert pg18["score"] == 300
    # other facts, a link-less self post and two posts under one generic title stay apart
    assert by_title["Postgres 17 ships async I/O"]["canonical_urls"] == [
        "https://techwire.example/pg17"
    ]
    ask = by_title["Ask HN: how do you handle async I/O in Postgres?"]
    assert ask["canonical_urls"] == [] and ask["amplified_by"] == []
    assert len([s for s in stories if s["title"] == "Notes on MVCC"]) == 2
    assert len(stories) == 6


def test_near_duplicate_merge_does_not_depend_on_arrival_order():
    rows = _day(*NEAR_DUPLICATE_DAY)
    assert build_stories(rows, "d") == build_stories(list(reversed(rows)), "d")


def test_near_duplicate_merge_can_be_turned_off():
    stories = build_stories(_day(*NEAR_DUPLICATE_DAY), "d", near_duplicates=None)
    assert len(stories) == 8  # exact URLs only: the hn post joins devdispatch's URL
    assert all(len(s["canonical_urls"]) <= 1 for s in stories)
