"""The documented ranking formula, term by term."""

from __future__ import annotations

import math
from datetime import UTC, datetime

import pytest

from riverbed.core.ranking import W_ENGAGEMENT, W_REACH, W_RECENCY, rank_stories

DAY = "2026-11-24"
END = datetime(2026, 11, 25, tzinfo=UTC)


def story(sid: str, hours_old: float, n_sources: int = 1, discussions=None):
    from datetime import timedelta

    when = END - timedelta(hours=hours_old)
    srcs = [f"s{i}" for i in range(n_sources)]
    return {
        "story_id": sid,
        "published_at": when,
        "first_seen_at": when,
        "n_sources": n_sources,
        "source_ids": srcs,
        "discussions": discussions
        or [
            {"source_id": s, "url": None, "comments_url": None, "score": None, "comments": None}
            for s in srcs
        ],
    }


def test_score_follows_the_formula():
    ranked = rank_stories([story("a", 24, n_sources=3)], DAY)
    r = ranked[0]
    assert r.recency == pytest.approx(0.5)
    assert r.reach == pytest.approx(math.log2(4) / math.log2(9))
    assert r.engagement == 0
    assert r.score == pytest.approx(W_RECENCY * 0.5 + W_REACH * r.reach, abs=1e-6)


def test_newer_and_wider_stories_rank_higher():
    ranked = rank_stories([story("old", 48), story("new", 2), story("wide", 48, n_sources=8)], DAY)
    assert ranked[0].story["story_id"] == "new"
    assert ranked[-1].story["story_id"] == "old"


def test_engagement_is_normalised_per_source():
    quiet = story(
        "quiet",
        10,
        discussions=[
            {"source_id": "small", "url": None, "comments_url": None, "score": 10, "comments": 0}
        ],
    )
    busy = story(
        "busy",
        10,
        discussions=[
            {"source_id": "big", "url": None, "comments_url": None, "score": 500, "comments": 0}
        ],
    )
    busier = story(
        "busier",
        10,
        discussions=[
            {"source_id": "big", "url": None, "comments_url": None, "score": 1000, "comments": 0}
        ],
    )
    by_id = {r.story["story_id"]: r for r in rank_stories([quiet, busy, busier], DAY)}
    assert by_id["quiet"].engagement == pytest.approx(1.0)
    assert by_id["busier"].engagement == pytest.approx(1.0)
    assert by_id["busy"].engagement == pytest.approx(0.5)
    assert (
        pytest.approx(by_id["busier"].score - by_id["busy"].score, abs=1e-6) == W_ENGAGEMENT * 0.5
    )
    assert "1000 points, 0 comments on big" in by_id["busier"].why


def test_ties_break_on_story_id_and_limit_applies():
    ranked = rank_stories([story("b", 5), story("a", 5), story("c", 5)], DAY, limit=2)
    assert [r.story["story_id"] for r in ranked] == ["a", "b"]


def test_future_dates_count_as_brand_new():
    r = rank_stories([story("f", -5)], DAY)[0]
    assert r.age_hours == 0 and r.recency == 1
