"""The documented ranking formula, term by term, and the sentence that explains it."""

from __future__ import annotations

import math
import random
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from riverbed.core.ranking import (
    SOURCE_EVIDENCE_ITEMS,
    W_INTEREST,
    W_REACH,
    W_RECENCY,
    W_VELOCITY,
    Interest,
    digest_now,
    rank_stories,
    weights,
)

DAY = "2026-11-24"
END = datetime(2026, 11, 25, tzinfo=UTC)
NOW = datetime(2026, 11, 24, 18, tzinfo=UTC)


def disc(source: str, score: int | None = None, comments: int | None = None) -> dict[str, Any]:
    return {
        "source_id": source,
        "url": None,
        "comments_url": None,
        "score": score,
        "comments": comments,
    }


def story(
    sid: str,
    hours_old: float,
    n_sources: int = 1,
    discussions: list[dict[str, Any]] | None = None,
    item_ids: list[str] | None = None,
) -> dict[str, Any]:
    when = NOW - timedelta(hours=hours_old)
    discussions = discussions or [disc(f"s{i}") for i in range(n_sources)]
    sources = sorted({d["source_id"] for d in discussions})
    return {
        "story_id": sid,
        "published_at": when,
        "first_seen_at": min(when, NOW),
        "n_sources": max(n_sources, len(sources)),
        "source_ids": sources if len(sources) >= n_sources else [f"s{i}" for i in range(n_sources)],
        "discussions": discussions,
        "item_ids": item_ids or [],
    }


def obs(item: str, source: str, hours_before_now: float, score: int, comments: int = 0):
    return {
        "item_id": item,
        "source_id": source,
        "observed_at": NOW - timedelta(hours=hours_before_now),
        "score": score,
        "comments": comments,
    }


def by_id(ranked: list[Any]) -> dict[str, Any]:
    return {r.story["story_id"]: r for r in ranked}


def crowd(source: str, n: int = 4) -> list[dict[str, Any]]:
    """`n` slow stories on `source` (1 point in 30 h), so that it has enough items with
    engagement for full per-source credit (`SOURCE_EVIDENCE_ITEMS`)."""
    return [story(f"{source}-bg{i}", 30, discussions=[disc(source, 1)]) for i in range(n)]


# --- weights and terms --------------------------------------------------------------------


def test_weights_sum_to_one_and_interest_weight_is_shared_in_proportion() -> None:
    with_i, without = weights(True), weights(False)
    for w in (with_i, without):
        assert w.recency + w.reach + w.velocity + w.interest == pytest.approx(1.0)
    assert (with_i.recency, with_i.reach, with_i.velocity, with_i.interest) == (
        W_RECENCY,
        W_REACH,
        W_VELOCITY,
        W_INTEREST,
    )
    assert without.interest == 0
    assert without.recency / without.reach == pytest.approx(W_RECENCY / W_REACH)
    assert without.reach / without.velocity == pytest.approx(W_REACH / W_VELOCITY)


def test_score_follows_the_formula() -> None:
    [r] = rank_stories([story("a", 24, n_sources=3)], DAY, now=NOW)
    w = weights(False)
    assert r.recency == pytest.approx(0.5)
    assert r.reach == pytest.approx(math.log2(4) / math.log2(9))
    assert r.velocity == 0 and r.interest == 0 and r.best is None
    assert r.weights == w
    assert r.score == pytest.approx(w.recency * 0.5 + w.reach * r.reach, abs=1e-6)


def test_newer_and_wider_stories_rank_higher() -> None:
    ranked = rank_stories(
        [story("old", 48), story("new", 2), story("wide", 48, n_sources=8)], DAY, now=NOW
    )
    assert [r.story["story_id"] for r in ranked] == ["new", "wide", "old"]


@pytest.mark.parametrize(
    ("first_seen", "expected"),
    [
        # the newest first sighting is "now"
        ([datetime(2026, 11, 24, 9, tzinfo=UTC), datetime(2026, 11, 24, 15, tzinfo=UTC)], 15),
        # capped at the end of the digest day
        ([datetime(2026, 11, 26, 3, tzinfo=UTC)], 24),
    ],
)
def test_now_is_the_latest_observation_capped_at_the_end_of_the_day(
    first_seen: list[datetime], expected: int
) -> None:
    stories = [{"first_seen_at": t} for t in first_seen]
    assert digest_now(stories, DAY) == datetime(2026, 11, 24, tzinfo=UTC) + timedelta(
        hours=expected
    )
    assert digest_now([], DAY) == END


def test_age_is_measured_to_the_digests_now_not_the_end_of_the_day() -> None:
    s = story("a", 3)
    s["first_seen_at"] = NOW  # published at 15:00, first seen at 18:00
    [r] = rank_stories([s], DAY)
    assert r.age_hours == pytest.approx(3)
    assert r.why.endswith("3 h old")


def test_future_dates_count_as_brand_new() -> None:
    [r] = rank_stories([story("f", -5)], DAY, now=NOW)
    assert r.age_hours == 0 and r.recency == 1
    assert r.why.endswith("under an hour old")


# --- velocity -----------------------------------------------------------------------------

PUBLISHED_5H = 5.0


@pytest.mark.parametrize(
    ("observations", "discussion", "per_hour", "measured"),
    [
        # two observations 2 h apart: the gain per hour (score 10 -> 50, comments 2 -> 12)
        ([(2, 10, 2), (0, 50, 12)], None, 25.0, True),
        # order of rows does not matter
        ([(0, 50, 12), (2, 10, 2)], None, 25.0, True),
        # only 10 minutes apart: latest engagement per hour since publication (5 h)
        ([(1 / 6, 40, 0), (0, 50, 0)], None, 10.0, False),
        # a single observation 1 h ago: 60 points over the 4 h since publication
        ([(1, 60, 0)], None, 15.0, False),
        # a score that went down gained nothing; the comments that came still count
        ([(3, 90, 0), (0, 70, 0)], None, 0.0, True),
        ([(2, 90, 0), (0, 70, 20)], None, 10.0, True),
        # no metrics: the story's recorded engagement over the 5 h to now
        ([], (100, 50), 30.0, False),
        # no metrics for a post seen 30 minutes after it went up: the 2 h floor
        (None, (100, 0), 50.0, False),
    ],
)
def test_member_velocity(
    observations: list[tuple[float, int, int]] | None,
    discussion: tuple[int, int] | None,
    per_hour: float,
    measured: bool,
) -> None:
    hours_old = 0.5 if observations is None else PUBLISHED_5H
    score, comments = discussion or (None, None)
    s = story("a", hours_old, discussions=[disc("hn", score, comments)], item_ids=["i1"])
    metrics = [obs("i1", "hn", h, sc, c) for h, sc, c in observations or []]
    [r] = rank_stories([s], DAY, item_metrics=metrics, now=NOW)
    assert r.best is not None
    assert r.best.per_hour == pytest.approx(per_hour)
    assert r.best.measured is measured
    # alone on its platform: its best, but one item is a fifth of the evidence needed
    assert r.velocity == pytest.approx(1 / SOURCE_EVIDENCE_ITEMS if per_hour > 0 else 0.0)


@pytest.mark.parametrize(("items", "top_share"), [(1, 0.2), (2, 0.4), (4, 0.8), (5, 1.0), (9, 1.0)])
def test_a_source_with_few_engaged_items_gets_partial_credit(items: int, top_share: float) -> None:
    stories = [story("top", 5, discussions=[disc("blog", 0, 40)])] + [
        story(f"other{i}", 5, discussions=[disc("blog", 0, 1)]) for i in range(items - 1)
    ]
    r = by_id(rank_stories(stories, DAY, now=NOW))
    assert r["top"].velocity == pytest.approx(top_share)
    for i in range(items - 1):
        assert r[f"other{i}"].velocity == pytest.approx(top_share / 40)


def test_velocity_is_normalised_per_source_so_a_busy_platform_does_not_drown_a_quiet_one() -> None:
    stories = [
        story("hn_fast", 5, discussions=[disc("hn", 400)], item_ids=["h1"]),
        story("hn_half", 5, discussions=[disc("hn", 200)], item_ids=["h2"]),
        story("lob_top", 5, discussions=[disc("lobsters", 12)], item_ids=["l1"]),
        story("lob_quarter", 5, discussions=[disc("lobsters", 3)], item_ids=["l2"]),
        story("feed", 5, discussions=[disc("blog")]),
        *crowd("hn", 3),
        *crowd("lobsters", 3),
    ]
    metrics = [
        obs("h1", "hn", 2, 0),
        obs("h1", "hn", 0, 400),  # +200/h
        obs("h2", "hn", 2, 0),
        obs("h2", "hn", 0, 200),  # +100/h
        obs("l1", "lobsters", 2, 0),
        obs("l1", "lobsters", 0, 12),  # +6/h
        obs("l2", "lobsters", 2, 0),
        obs("l2", "lobsters", 0, 3),  # +1.5/h
    ]
    r = by_id(rank_stories(stories, DAY, item_metrics=metrics, now=NOW))
    assert {k: r[k].velocity for k in ("hn_fast", "hn_half", "lob_top", "lob_quarter", "feed")} == (
        pytest.approx(
            {"hn_fast": 1.0, "hn_half": 0.5, "lob_top": 1.0, "lob_quarter": 0.25, "feed": 0.0}
        )
    )
    w = weights(False)
    assert r["hn_fast"].score == pytest.approx(r["lob_top"].score, abs=1e-6)
    assert r["hn_fast"].score - r["hn_half"].score == pytest.approx(w.velocity * 0.5, abs=1e-5)


def test_a_story_takes_its_best_member_relative_to_its_own_platform() -> None:
    s = story(
        "both",
        5,
        discussions=[disc("hn", 50), disc("lobsters", 30)],
        item_ids=["h1", "l1"],
    )
    other = story("hn_top", 5, discussions=[disc("hn", 500)], item_ids=["h2"])
    metrics = [
        obs("h1", "hn", 1, 0),
        obs("h1", "hn", 0, 50),  # 50/h: a tenth of hn's best
        obs("h2", "hn", 1, 0),
        obs("h2", "hn", 0, 500),
        obs("l1", "lobsters", 1, 0),
        obs("l1", "lobsters", 0, 30),  # 30/h: lobsters' best
    ]
    stories = [s, other, *crowd("hn", 3), *crowd("lobsters", 4)]
    r = by_id(rank_stories(stories, DAY, item_metrics=metrics, now=NOW))["both"]
    assert r.velocity == pytest.approx(1.0)
    assert r.best is not None and r.best.source_id == "lobsters"
    assert "rising fast on lobsters: +30 points/h" in r.why


def test_members_missing_from_the_metrics_use_the_engagement_the_story_recorded() -> None:
    s = story(
        "mixed",
        5,
        discussions=[disc("hn", 10), disc("reddit", 500, 100)],
        item_ids=["h1", "r1"],
    )
    metrics = [obs("h1", "hn", 2, 0), obs("h1", "hn", 0, 10)]  # reddit not observed
    stories = [s, *crowd("hn"), *crowd("reddit")]
    r = by_id(rank_stories(stories, DAY, item_metrics=metrics, now=NOW))["mixed"]
    # both members are the best of their platform (share 1); the faster one speaks for it:
    # reddit at 600 over 5 h, not hn at +5/h measured
    assert r.velocity == 1.0
    assert r.best is not None and (r.best.source_id, r.best.measured) == ("reddit", False)
    assert r.best.per_hour == pytest.approx(120.0)


# --- interest -----------------------------------------------------------------------------


def test_interest_adds_its_weighted_score() -> None:
    stories = [story("plain", 5), story("liked", 5)]
    interests = {"liked": Interest("databases", 0.9), "plain": Interest(None, 0.1)}
    r = by_id(rank_stories(stories, DAY, interests=interests, now=NOW))
    assert r["liked"].weights == weights(True)
    assert (r["liked"].interest, r["plain"].interest) == (0.9, 0.1)
    assert r["liked"].score - r["plain"].score == pytest.approx(W_INTEREST * 0.8, abs=1e-5)
    assert "matches your interest “databases”" in r["liked"].why
    assert "interest" not in r["plain"].why


@pytest.mark.parametrize(
    "interests",
    [
        None,
        {},
        {"a": Interest(None, None), "b": Interest(None, 0.0)},
        {"a": (None, float("nan"))},
    ],
)
def test_without_interests_the_weight_is_redistributed_and_the_order_kept(
    interests: dict[str, Any] | None,
) -> None:
    stories = [
        story("a", 2),
        story("b", 20, n_sources=4),
        story("c", 6, n_sources=2, discussions=[disc("hn", 300), disc("lobsters")]),
    ]
    ranked = rank_stories(stories, DAY, interests=interests, now=NOW)
    w = weights(False)
    for r in ranked:
        assert r.interest == 0 and r.weights == w
        expected = w.recency * r.recency + w.reach * r.reach + w.velocity * r.velocity
        assert r.score == pytest.approx(expected, abs=1e-6)
    # the same order as the three terms with their original weights
    three = sorted(
        ranked,
        key=lambda r: -(W_RECENCY * r.recency + W_REACH * r.reach + W_VELOCITY * r.velocity),
    )
    assert [r.story["story_id"] for r in ranked] == [r.story["story_id"] for r in three]


@pytest.mark.parametrize(("given", "used"), [(1.7, 1.0), (-0.3, 0.0), (0.42, 0.42)])
def test_interest_scores_are_clamped_to_the_unit_interval(given: float, used: float) -> None:
    [r] = rank_stories([story("a", 1)], DAY, interests={"a": Interest("rust", given)}, now=NOW)
    assert r.interest == pytest.approx(used)
    assert 0 <= r.score <= 1


# --- determinism --------------------------------------------------------------------------


def test_ranking_ignores_input_order_and_ties_break_on_story_id() -> None:
    stories = [story(sid, 5) for sid in ("b", "a", "c")] + [
        story("d", 3, discussions=[disc("hn", 40)], item_ids=["h"]),
        story("e", 3, discussions=[disc("hn", 40), disc("lobsters", 9)], item_ids=["h2", "l"]),
    ]
    metrics = [obs("h", "hn", 2, 0), obs("h", "hn", 0, 40), obs("l", "lobsters", 0, 9)]
    interests = {"c": Interest("rust", 0.3)}
    first = rank_stories(stories, DAY, item_metrics=metrics, interests=interests)
    for seed in range(5):
        shuffled, rows = stories[:], metrics[:]
        random.Random(seed).shuffle(shuffled)
        random.Random(seed).shuffle(rows)
        again = rank_stories(shuffled, DAY, item_metrics=rows, interests=interests)
        assert [(r.story["story_id"], r.score, r.why) for r in again] == [
            (r.story["story_id"], r.score, r.why) for r in first
        ]
    ties = [r.story["story_id"] for r in first if r.story["story_id"] in {"a", "b"}]
    assert ties == ["a", "b"]
    assert len(rank_stories(stories, DAY, limit=2)) == 2


# --- why ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("stories", "metrics", "interests", "expected"),
    [
        pytest.param(
            [story("x", 3, discussions=[disc("lobsters")])],
            [],
            {},
            "from lobsters · 3 h old",
            id="single quiet source",
        ),
        pytest.param(
            [
                story(
                    "x",
                    3,
                    discussions=[disc("hackernews", 200, 70)]
                    + [disc(s) for s in ("lobsters", "reddit", "tildes")],
                    item_ids=["h"],
                ),
                *crowd("hackernews"),
            ],
            [obs("h", "hackernews", 2, 30, 10), obs("h", "hackernews", 0, 200, 70)],
            {"x": Interest("databases", 0.7)},
            "4 sources (hackernews, lobsters, reddit, …) · rising fast on hackernews: "
            "+85 points/h, +30 comments/h · matches your interest “databases” · 3 h old",
            id="everything that matters",
        ),
        pytest.param(
            [
                story("x", 10, discussions=[disc("hn", 40, 12)]),
                story("y", 10, discussions=[disc("hn", 100, 60)]),
                *crowd("hn", 3),
            ],
            None,
            {},
            "popular on hn: 40 points, 12 comments · 10 h old",
            id="not measured, half the platform's best",
        ),
        pytest.param(
            [
                story("x", 10, discussions=[disc("hn", 100, 60)]),
                story("y", 10, discussions=[disc("hn", 40, 12)]),
                *crowd("hn", 3),
            ],
            None,
            {},
            "top on hn: 100 points, 60 comments · 10 h old",
            id="not measured, the platform's best",
        ),
        pytest.param(
            [
                story("x", 10, discussions=[disc("hn", 1, 0)]),
                story("y", 10, discussions=[disc("hn", 500, 0)]),
            ],
            None,
            {},
            "from hn · 10 h old",
            id="slow on its platform: not worth a word",
        ),
        pytest.param(
            [story("x", 72, n_sources=2)],
            None,
            {"x": Interest(None, 0.2)},
            "2 sources (s0, s1) · 3 days old",
            id="interest below the enricher's threshold is not mentioned",
        ),
    ],
)
def test_why_says_what_put_the_story_there(
    stories: list[dict[str, Any]],
    metrics: list[dict[str, Any]] | None,
    interests: dict[str, Interest],
    expected: str,
) -> None:
    r = by_id(rank_stories(stories, DAY, item_metrics=metrics, interests=interests, now=NOW))
    assert r["x"].why == expected
