"""Scoring near-duplicate story merging against event labels, on tiny hand-made inputs."""

from __future__ import annotations

from typing import Any

import pytest

from riverbed.demo.labels import EventLabels, PairCounts, page_key, score_merge

A = "http://news.example-a.com/2025/06/10/pg-18-ships-async-io"
A_COVER = "http://www.example-b.com/2025/06/10/pg-18-brings-async-io"
A_COPY = "http://www.wire.example-c.com/stories/pg-18-ships-async-io"
B = "http://news.example-a.com/2025/06/10/pg-17-ships-logical-replication"
C = "http://blog.example-d.dev/posts/notes-on-vacuum"

LABELS = EventLabels(
    pages={page_key(u): e for u, e in ((A, A), (A_COVER, A), (A_COPY, A), (B, B), (C, C))},
    posts={("hn", "4001"): "post:hn:4001"},
    relations={page_key(A_COVER): "coverage", page_key(A_COPY): "syndicated"},
)


def item(
    item_id: str, url: str | None, *, source: str = "feed", ext: str | None = None
) -> dict[str, Any]:
    canonical = url.split("?")[0].lower().rstrip("/") if url else None  # a toy canonicaliser
    return {
        "item_id": item_id,
        "source_id": source,
        "external_id": ext,
        "url": url,
        "canonical_url": canonical,
        "title": f"title of {item_id}",
    }


ITEMS = [
    item("a1", A),
    item("a2", A + "?utm_source=x"),  # the same canonical URL as a1
    item("c1", A_COVER),
    item("s1", A_COPY),
    item("b1", B),
    item("d1", C),
]


def stories(*groups: list[str]) -> list[dict[str, Any]]:
    return [{"story_id": f"s{n}", "item_ids": g} for n, g in enumerate(groups)]


@pytest.mark.parametrize(
    ("groups", "url_groups", "item_pairs"),
    [
        # exact-URL merging only: every URL group alone, nothing joined
        (
            [["a1", "a2"], ["c1"], ["s1"], ["b1"], ["d1"]],
            PairCounts(predicted=0, true=3, correct=0),
            PairCounts(predicted=1, true=6, correct=1),
        ),
        # the event's three URL groups joined, the rest alone: perfect
        (
            [["a1", "a2", "c1", "s1"], ["b1"], ["d1"]],
            PairCounts(predicted=3, true=3, correct=3),
            PairCounts(predicted=6, true=6, correct=6),
        ),
        # the coverage missed: one of three pairs found
        (
            [["a1", "a2", "s1"], ["c1"], ["b1"], ["d1"]],
            PairCounts(predicted=1, true=3, correct=1),
            PairCounts(predicted=3, true=6, correct=3),
        ),
        # a hard negative (same template, other version) glued on: three wrong pairs
        (
            [["a1", "a2", "c1", "s1", "b1"], ["d1"]],
            PairCounts(predicted=6, true=3, correct=3),
            PairCounts(predicted=10, true=6, correct=6),
        ),
    ],
)
def test_pairs_are_counted_over_url_groups_and_items(
    groups: list[list[str]], url_groups: PairCounts, item_pairs: PairCounts
) -> None:
    score = score_merge(stories(*groups), ITEMS, LABELS)
    assert score.url_groups == url_groups
    assert score.items == item_pairs
    assert score.n_nodes == 5
    assert score.n_events == 3
    assert score.n_dup_events == 1
    assert not score.unlabelled and not score.split_nodes and not score.mixed_nodes


@pytest.mark.parametrize(
    ("counts", "precision", "recall"),
    [
        (PairCounts(predicted=0, true=0, correct=0), 1.0, 1.0),
        (PairCounts(predicted=0, true=4, correct=0), 1.0, 0.0),
        (PairCounts(predicted=4, true=2, correct=2), 0.5, 1.0),
        (PairCounts(predicted=10, true=20, correct=9), 0.9, 0.45),
    ],
)
def test_precision_and_recall_of_pair_counts(
    counts: PairCounts, precision: float, recall: float
) -> None:
    assert counts.precision == pytest.approx(precision)
    assert counts.recall == pytest.approx(recall)


def test_missed_and_wrong_pairs_name_the_url_groups_and_their_relations() -> None:
    score = score_merge(stories(["a1", "a2", "s1", "b1"], ["c1"], ["d1"]), ITEMS, LABELS)
    missed = {frozenset((a.relation, b.relation)) for a, b in score.missed}
    assert missed == {frozenset(("origin", "coverage")), frozenset(("syndicated", "coverage"))}
    wrong = {frozenset((a.key, b.key)) for a, b in score.wrong}
    assert wrong == {frozenset((A.lower(), B.lower())), frozenset((A_COPY.lower(), B.lower()))}
    report = score.report()
    assert "precision 0.333 (1/3)" in report and "recall 0.333 (1/3)" in report
    assert "missed pairs by kind: " in report and "coverage+origin 1" in report
    assert "wrongly joined pairs by kind: origin+origin 1, origin+syndicated 1" in report


def test_an_https_spelling_belongs_to_its_pages_event() -> None:
    secure = item("h1", A.replace("http://", "https://"))
    score = score_merge(stories(["a1", "a2", "h1"]), [*ITEMS, secure], LABELS)
    assert score.url_groups == PairCounts(predicted=1, true=1, correct=1)
    assert LABELS.relation_of(secure["url"]) == "https"


def test_link_less_items_are_url_groups_of_their_own_labelled_by_post() -> None:
    ask = item("p1", None, source="hn", ext="4001")
    other = item("p2", None, source="hn", ext="4002")  # a post the labels do not know
    score = score_merge(stories(["p1", "p2"], ["d1"]), [*ITEMS, ask, other], LABELS)
    assert score.n_nodes == 3
    assert score.url_groups == PairCounts(predicted=1, true=0, correct=0)
    assert score.unlabelled == ("p2",)


def test_a_post_label_wins_over_its_link() -> None:
    labels = EventLabels(pages={page_key(C): C}, posts={("hn", "9"): A})
    assert labels.event_of("hn", "9", C) == A
    assert labels.event_of("feed", "9", C) == C
    assert labels.event_of("feed", None, None) is None


def test_items_in_no_story_are_left_out() -> None:
    score = score_merge(stories(["a1"], ["b1"]), ITEMS, LABELS)  # the others hidden
    assert score.n_nodes == 2
    assert score.url_groups == PairCounts(predicted=0, true=0, correct=0)


def test_a_url_group_spread_over_two_stories_is_reported() -> None:
    score = score_merge(stories(["a1", "c1"], ["a2", "s1"]), ITEMS, LABELS)
    assert score.split_nodes == (A.lower(),)


def test_a_url_group_of_several_events_is_reported() -> None:
    stray = {**item("x1", B), "canonical_url": A.lower()}  # a canonicaliser gone wrong
    score = score_merge(stories(["a1", "a2", "x1"]), [*ITEMS, stray], LABELS)
    assert score.mixed_nodes == (A.lower(),)


def test_a_story_naming_an_unknown_item_is_an_error() -> None:
    with pytest.raises(ValueError, match="unknown item zz"):
        score_merge(stories(["a1", "zz"]), ITEMS, LABELS)


def test_score_does_not_depend_on_row_order() -> None:
    groups = stories(["a1", "a2", "s1", "b1"], ["c1"], ["d1"])
    first = score_merge(groups, ITEMS, LABELS)
    again = score_merge(list(reversed(groups)), list(reversed(ITEMS)), LABELS)
    assert first == again


@pytest.mark.parametrize(
    ("url", "key"),
    [
        ("http://Blog.Example.com/posts/a/", ("blog.example.com", "/posts/a")),
        ("https://blog.example.com/posts/a?utm_source=x#top", ("blog.example.com", "/posts/a")),
        ("http://blog.example.com/", ("blog.example.com", "")),
        ("  http://blog.example.com/p/x  ", ("blog.example.com", "/p/x")),
    ],
)
def test_page_key_ignores_how_a_link_is_spelled(url: str, key: tuple[str, str]) -> None:
    assert page_key(url) == key
