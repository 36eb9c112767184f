"""The digest's ranking formula.

    score = 0.5 * recency + 0.3 * reach + 0.2 * engagement          (each term in [0, 1])

- recency    = 0.5 ** (age_hours / 24): halves every 24 h. Age is measured from the story's
               publication time (its first sighting when the feed gave no date) to the END of
               the digest day, so a re-run later the same day ranks identically.
- reach      = log2(1 + n_sources) / log2(1 + 8): more independent sources, more reach;
               saturates at 8 sources.
- engagement = the best member's (score + comments) divided by the highest (score + comments)
               seen in that member's source that day, so a busy platform does not drown a
               quiet one; 0 when no source reports engagement.
Ties break on story_id, so the order is total and deterministic.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

W_RECENCY, W_REACH, W_ENGAGEMENT = 0.5, 0.3, 0.2
HALF_LIFE_HOURS = 24.0
REACH_SATURATION = 8


@dataclass(frozen=True, slots=True)
class Ranked:
    story: Mapping[str, Any]
    score: float
    recency: float
    reach: float
    engagement: float
    age_hours: float
    why: str


def _engagement(d: Mapping[str, Any]) -> int | None:
    if d.get("score") is None and d.get("comments") is None:
        return None
    return (d.get("score") or 0) + (d.get("comments") or 0)


def _why(story: Mapping[str, Any], age_hours: float, best: Mapping[str, Any] | None) -> str:
    n = story["n_sources"]
    sources = ", ".join(story["source_ids"][:5]) + ("…" if n > 5 else "")
    parts = [f"{n} source{'s' if n != 1 else ''} ({sources})"]
    parts.append(f"{age_hours:.0f} h old" if age_hours >= 1 else "under an hour old")
    if best is not None:
        bits = []
        if best.get("score") is not None:
            bits.append(f"{best['score']} points")
        if best.get("comments") is not None:
            bits.append(f"{best['comments']} comments")
        parts.append(f"{', '.join(bits)} on {best['source_id']}")
    return " · ".join(parts)


def rank_stories(
    stories: Sequence[Mapping[str, Any]], digest_date: str, limit: int = 50
) -> list[Ranked]:
    """Rank a day's stories; returns at most `limit`, best first."""
    reference = datetime.fromisoformat(f"{digest_date}T00:00:00+00:00") + timedelta(days=1)
    source_max: dict[str, int] = defaultdict(int)
    for s in stories:
        for d in s["discussions"]:
            e = _engagement(d)
            if e is not None:
                source_max[d["source_id"]] = max(source_max[d["source_id"]], e)

    ranked = []
    for s in stories:
        when = s["published_at"] or s["first_seen_at"]
        age_hours = max(0.0, (reference - when).total_seconds() / 3600)
        recency = 0.5 ** (age_hours / HALF_LIFE_HOURS)
        reach = min(1.0, math.log2(1 + s["n_sources"]) / math.log2(1 + REACH_SATURATION))
        engagement, best = 0.0, None
        for d in s["discussions"]:
            e = _engagement(d)
            top = source_max.get(d["source_id"], 0)
            if e is not None and top > 0 and e / top >= engagement:
                engagement, best = e / top, d
        score = W_RECENCY * recency + W_REACH * reach + W_ENGAGEMENT * engagement
        ranked.append(
            Ranked(
                s, round(score, 6), recency, reach, engagement, age_hours, _why(s, age_hours, best)
            )
        )
    ranked.sort(key=lambda r: (-r.score, r.story["story_id"]))
    return ranked[:limit]
