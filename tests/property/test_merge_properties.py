"""The merges that make re-runs idempotent: `merge_items` (a partition's items) and
`build_stories` (items into stories), and `stories_table` (the same stories made in Arrow)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from unittest.mock import patch

from hypothesis import assume, example, given
from hypothesis import strategies as st
from property_settings import scaled

from riverbed.core.items import merge_items
from riverbed.core.models import Item
from riverbed.core.neardup import DEFAULT, near_duplicate_groups
from riverbed.core.stories import build_stories
from riverbed.lake.schemas import ITEMS, STORIES
from riverbed.lake.store import rows_to_table
from riverbed.pipeline.stories import stories_table

T0 = datetime(2025, 6, 1, tzinfo=UTC)
_hours = st.integers(0, 23).map(lambda h: T0 + timedelta(hours=h))
_ids = st.sampled_from([f"i{n}" for n in range(8)])


@st.composite
def _item(draw: st.DrawFn, item_id: str) -> Item:
    first = draw(_hours)
    return Item(
        item_id=item_id,
        source_id=draw(st.sampled_from(["hn", "lobsters"])),
        kind="rss",
        external_id=item_id,
        url=None,
        canonical_url=None,
        title=draw(st.sampled_from(["A", "B", "C"])),
        author=None,
        published_at=None,
        first_seen_at=first,
        last_seen_at=first + timedelta(minutes=draw(st.integers(0, 90))),
        text=None,
        summary_html=None,
        score=draw(st.one_of(st.none(), st.integers(0, 3))),
        comments=None,
        comments_url=None,
        tags=draw(st.lists(st.sampled_from(["x", "y"]), max_size=2, unique=True)),
    )


def _batch(min_size: int = 0) -> st.SearchStrategy[list[Item]]:
    """Items with distinct ids, as `build_items` makes them."""
    return st.lists(_ids, min_size=min_size, max_size=6, unique=True).flatmap(
        lambda ids: st.tuples(*(_item(i) for i in ids)).map(list)
    )


def _rows(items: list[Item]) -> list[dict[str, Any]]:
    return merge_items([], items).rows


@scaled(0.5)
@given(_batch(), _batch())
def test_merge_keeps_every_item_once_and_nothing_is_lost(old: list[Item], new: list[Item]) -> None:
    merged = merge_items(_rows(old), new)
    ids = [r["item_id"] for r in merged.rows]
    assert ids == sorted(set(ids))  # sorted, no duplicate keys
    assert set(ids) == {i.item_id for i in old} | {i.item_id for i in new}
    assert merged.added == len({i.item_id for i in new} - {i.item_id for i in old})
    seen = {i.item_id: i for i in old}
    for row in merged.rows:
        observations = [
            i for i in [seen.get(row["item_id"]), *new] if i and i.item_id == row["item_id"]
        ]
        assert row["first_seen_at"] == min(o.first_seen_at for o in observations)
        assert row["last_seen_at"] == max(o.last_seen_at for o in observations)


@scaled(0.5)
@given(_batch(), _batch())
def test_merging_the_same_batch_twice_adds_and_changes_nothing(
    old: list[Item], new: list[Item]
) -> None:
    once = merge_items(_rows(old), new)
    twice = merge_items(once.rows, new)
    assert twice.rows == once.rows
    assert (twice.added, twice.updated) == (0, 0)


@scaled(0.5)
@given(_batch(), _batch(), st.randoms(use_true_random=False))
def test_merge_does_not_depend_on_batch_order(old: list[Item], new: list[Item], rnd: Any) -> None:
    assert (
        merge_items(_rows(old), new).rows == merge_items(_rows(old), rnd.sample(new, len(new))).rows
    )


@scaled(0.5)
@given(_batch(), _batch())
def test_two_runs_merge_to_the_same_rows_in_either_order(a: list[Item], b: list[Item]) -> None:
    # Order-independent when the same item's observations are at different times (the later
    # one wins); two observations at the same instant are a tie the later merge breaks.
    by_id = {i.item_id: i for i in a}
    assume(all(by_id[i.item_id].last_seen_at != i.last_seen_at for i in b if i.item_id in by_id))
    ab = merge_items(merge_items([], a).rows, b).rows
    ba = merge_items(merge_items([], b).rows, a).rows
    assert ab == ba


# --- stories ---------------------------------------------------------------------------------

TITLES = [
    "Postgres 18 released with async I/O",
    "PostgreSQL 18 is out: async I/O and more",
    "Quillstack raises $40M",
    "Notes on CRDTs",
    "Show HN: a tiny Rust database",
]
_story_item = st.fixed_dictionaries(
    {
        "source_id": st.sampled_from(["hn", "lobsters", "blog"]),
        "canonical_url": st.one_of(
            st.none(), st.sampled_from(["https://a.example/1", "https://b.example/2"])
        ),
        "title": st.sampled_from(TITLES),
        "text": st.one_of(st.none(), st.sampled_from(["Postgres 18 ships async I/O.", "CRDTs"])),
        "first_seen_at": _hours,
        "published_at": st.one_of(st.none(), _hours),
        "hidden_by": st.one_of(st.none(), st.just("global.block[0] title~x")),
        "score": st.one_of(st.none(), st.integers(0, 5)),
        "tags": st.lists(st.sampled_from(["db", "rust"]), max_size=2),
    }
)


def _story_items(raw: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {**r, "item_id": f"id{n}", "url": r["canonical_url"], "comments_url": None, "comments": 1}
        for n, r in enumerate(raw)
    ]


def _story_of(stories: list[dict[str, Any]]) -> dict[str, str]:
    return {i: s["story_id"] for s in stories for i in s["item_ids"]}


@scaled(0.5)
@given(st.lists(_story_item, max_size=8), st.booleans(), st.randoms(use_true_random=False))
def test_every_visible_item_is_in_exactly_one_story_whatever_the_input_order(
    raw: list[dict[str, Any]], near: bool, rnd: Any
) -> None:
    items = _story_items(raw)
    config = DEFAULT if near else None
    stories = build_stories(items, "2025-06-01", near_duplicates=config)
    members = [i for s in stories for i in s["item_ids"]]
    assert sorted(members) == sorted(i["item_id"] for i in items if not i["hidden_by"])
    assert build_stories(rnd.sample(items, len(items)), "2025-06-01", near_duplicates=config) == (
        stories
    )
    story_of = _story_of(stories)
    for a in items:  # one canonical URL, one story
        for b in items:
            if a["canonical_url"] and a["canonical_url"] == b["canonical_url"]:
                assert story_of.get(a["item_id"], "") == story_of.get(b["item_id"], "") or (
                    a["hidden_by"] or b["hidden_by"]
                )


@scaled(0.5)
@given(st.lists(_story_item, min_size=1, max_size=8))
def test_hiding_items_never_changes_a_story_id(raw: list[dict[str, Any]]) -> None:
    items = _story_items(raw)
    shown = _story_of(build_stories([{**i, "hidden_by": None} for i in items], "2025-06-01"))
    with_rules = _story_of(build_stories(items, "2025-06-01"))
    for item_id, story in with_rules.items():
        assert shown[item_id] == story


_table_item = st.fixed_dictionaries(
    {
        "source_id": st.sampled_from(["hn", "lobsters", "blog"]),
        "canonical_url": st.one_of(
            st.none(), st.sampled_from(["", "https://a.example/1", "https://b.example/2"])
        ),
        "url": st.one_of(st.none(), st.sampled_from(["https://b.example/2", "https://c.example/"])),
        "title": st.sampled_from(TITLES),
        "text": st.one_of(
            st.none(), st.sampled_from(["", "Postgres 18 ships async I/O.", "CRDTs", "Rust"])
        ),
        "first_seen_at": st.integers(0, 2).map(lambda h: T0 + timedelta(hours=h)),  # ties
        "published_at": st.one_of(
            st.none(), st.integers(0, 2).map(lambda h: T0 + timedelta(hours=h))
        ),
        "hidden_by": st.one_of(st.none(), st.just(""), st.just("global.block[0] title~x")),
        "score": st.one_of(st.none(), st.integers(0, 5)),
        "comments": st.one_of(st.none(), st.integers(0, 5)),
        "comments_url": st.one_of(st.none(), st.just("https://news.example/item?id=1")),
        "tags": st.one_of(st.none(), st.lists(st.sampled_from(["db", "rust"]), max_size=2)),
    }
)


def _one_url(hour: int, text: str | None, source: str = "hn") -> dict[str, Any]:
    return {
        "source_id": source,
        "canonical_url": "https://a.example/1",
        "url": "https://a.example/1",
        "title": TITLES[hour % 2],
        "text": text,
        "first_seen_at": T0 + timedelta(hours=hour),
        "published_at": None,
        "hidden_by": None,
        "score": None,
        "comments": None,
        "comments_url": None,
        "tags": None,
    }


@scaled(1.0)
@given(st.lists(_table_item, max_size=12), st.permutations(range(12)))
@example(  # a URL group speaks through its earliest title and its first text
    [
        _one_url(2, "Rust"),
        _one_url(1, ""),
        _one_url(0, None),
        _one_url(1, "CRDTs", "blog"),
        {**_one_url(0, None), "canonical_url": None, "url": None},  # a second URL group
    ],
    list(range(12)),
)
def test_stories_made_in_arrow_are_those_of_build_stories(
    raw: list[dict[str, Any]], ids: list[int]
) -> None:
    items = [{**r, "item_id": f"i{ids[n]}"} for n, r in enumerate(raw)]  # ids in any order
    calls: dict[str, list[Any]] = {"rows": [], "arrow": []}

    def recorder(way: str) -> Any:  # the near-duplicate pass's inputs, as each way gives them
        def record(titles: Any, texts: Any, cfg: Any, sites: Any) -> list[int]:
            calls[way].append((list(titles), list(texts), list(sites)))
            return near_duplicate_groups(titles, texts, cfg, sites=sites)

        return record

    for config in (DEFAULT, None):
        with patch("riverbed.core.stories.near_duplicate_groups", recorder("rows")):
            rows = build_stories(items, "2025-06-01", near_duplicates=config)
        with patch("riverbed.pipeline.stories.near_duplicate_groups", recorder("arrow")):
            made = stories_table(rows_to_table(items, ITEMS), "2025-06-01", near_duplicates=config)
        assert made.equals(rows_to_table(rows, STORIES))
    assert calls["arrow"] == calls["rows"]
