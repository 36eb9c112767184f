"""The digest's ranking formula.

    score = w_recency·recency + w_reach·reach + w_velocity·velocity + w_interest·interest

Every term lies in [0, 1] and the weights sum to 1, so the score does too:

| term     | weight | weight without interests |
|----------|--------|--------------------------|
| recency  | 0.30   | 0.375                    |
| reach    | 0.25   | 0.3125                   |
| velocity | 0.25   | 0.3125                   |
| interest | 0.20   | 0                        |

- recency  = 0.5 ** (age_hours / 24): halves every 24 h. Age runs from the story's publication
             (its first sighting when the feed gave no date; a future date counts as brand new)
             to the digest's "now": the latest observation in the inputs (the newest story's
             first sighting or the newest engagement observation), capped at the end of the
             digest day. The clock is never read, so the same inputs always rank the same.
- reach    = log2(1 + n_sources) / log2(1 + 8): more independent sources, more reach;
             saturates at 8 sources.
- velocity = how fast people engage with the story, relative to its platform. For each member
             item, engagement is score + comments, and its velocity (engagement per hour) is:
               * the gain between the item's first and last observation in `item_metrics`
                 (score gain plus comments gain, each floored at 0) divided by the hours
                 between them, when they are at least 30 min apart;
               * otherwise its latest engagement divided by the hours from the story's
                 publication to that observation (to "now" when the item was never
                 observed), with a floor of 2 h so a post seen minutes after it went up does
                 not look explosive.
             Each member's velocity is divided by the highest velocity of its source among the
             day's stories, so a busy platform does not drown a quiet one (the top item of
             every platform scores 1). A source that reports engagement for fewer than 5 of
             the day's items (a blog's comment count) counts for n/5 of that: one lonely
             number is no evidence of a trend. The story takes its best member; 0 when no
             member reports engagement (plain feeds).
- interest = the story's `interest_score` (similarity to the best-matching phrase of
             `settings.interests`, clamped to [0, 1]). When no story has an interest (none
             configured, or no enrichments), the term is 0 everywhere and its weight is shared
             out among the other three in proportion to their weights: the order is then
             exactly the one the other three terms give.

Ties (scores equal to 6 decimals) break on story_id, so the order is total and deterministic.

`Ranked.why` says in words which terms put a story there: its sources when there are several,
its velocity when it is at least a quarter of its platform's best ("rising fast on
hackernews: +85 points/h" from observations; "top on lobsters: 40 points, 12 comments" or
"popular on …" otherwise), the interest it matches, and always its age.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, NamedTuple

W_RECENCY, W_REACH, W_VELOCITY, W_INTEREST = 0.30, 0.25, 0.25, 0.20
HALF_LIFE_HOURS = 24.0
REACH_SATURATION = 8
MIN_SPAN_HOURS = 0.5  # observations closer than this measure noise, not a trend
AGE_FLOOR_HOURS = 2.0
VELOCITY_MENTION = 0.25  # share of the platform's best velocity worth a word in `why`
VELOCITY_FAST = 0.6
SOURCE_EVIDENCE_ITEMS = 5  # items with engagement a source needs for full normalised credit
WHY_SOURCES = 3  # source names spelled out in `why`


@dataclass(frozen=True, slots=True)
class Weights:
    recency: float
    reach: float
    velocity: float
    interest: float


def weights(with_interest: bool) -> Weights:
    """The weights in use: the interest weight goes to the other terms, in proportion to
    theirs, when no story has an interest."""
    if with_interest:
        return Weights(W_RECENCY, W_REACH, W_VELOCITY, W_INTEREST)
    rest = W_RECENCY + W_REACH + W_VELOCITY
    return Weights(W_RECENCY / rest, W_REACH / rest, W_VELOCITY / rest, 0.0)


class Interest(NamedTuple):
    """A story's match against `settings.interests` (from `enrichments`)."""

    label: str | None  # the best-matching phrase; None when no phrase matches well enough
    score: float | None  # similarity in [0, 1]


@dataclass(frozen=True, slots=True)
class Velocity:
    """One member item's engagement speed.

    `measured`: `score`/`comments` are gains between two observations `hours` apart;
    otherwise they are the latest totals, `hours` after publication (floored)."""

    source_id: str
    per_hour: float  # (score + comments) / hours
    score: int | None
    comments: int | None
    hours: float
    measured: bool


@dataclass(frozen=True, slots=True)
class Ranked:
    story: Mapping[str, Any]
    score: float
    recency: float
    reach: float
    velocity: float  # normalised per source, [0, 1]
    interest: float  # [0, 1]
    age_hours: float
    why: str
    best: Velocity | None  # the member that gave the velocity term
    interest_label: str | None
    weights: Weights


@dataclass(slots=True)
class ItemTrend:
    """An item's first and last observation of the day."""

    source_id: str
    first: tuple[datetime, int, int | None, int | None]  # (at, engagement, score, comments)
    last: tuple[datetime, int, int | None, int | None]


def _engagement(score: int | None, comments: int | None) -> int | None:
    if score is None and comments is None:
        return None
    return max(0, score or 0) + max(0, comments or 0)


def _utc(dt: datetime) -> datetime:
    return dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt


def item_trends(item_metrics: Iterable[Mapping[str, Any]]) -> dict[str, ItemTrend]:
    """item_id -> its first and last observation (rows of `item_metrics`; observations that
    report neither score nor comments are skipped). Independent of row order."""
    trends: dict[str, ItemTrend] = {}
    for row in item_metrics:
        at = row.get("observed_at")
        e = _engagement(row.get("score"), row.get("comments"))
        if at is None or e is None or row.get("item_id") is None:
            continue
        obs = (_utc(at), e, row.get("score"), row.get("comments"))
        t = trends.get(row["item_id"])
        if t is None:
            trends[row["item_id"]] = ItemTrend(row.get("source_id") or "", obs, obs)
            continue
        if obs[:2] < t.first[:2]:
            t.first = obs
        if obs[:2] > t.last[:2]:
            t.last = obs
    return trends


def _gain(a: int | None, b: int | None) -> int | None:
    if a is None and b is None:
        return None
    return max(0, (b or 0) - (a or 0))


def _since_published(
    source_id: str,
    score: int | None,
    comments: int | None,
    published: datetime,
    at: datetime,
) -> Velocity | None:
    e = _engagement(score, comments)
    if e is None:
        return None
    hours = max(AGE_FLOOR_HOURS, (at - published).total_seconds() / 3600)
    return Velocity(source_id, e / hours, score, comments, hours, measured=False)


def _from_trend(t: ItemTrend, published: datetime) -> Velocity | None:
    span = (t.last[0] - t.first[0]).total_seconds() / 3600
    if span >= MIN_SPAN_HOURS:
        score, comments = _gain(t.first[2], t.last[2]), _gain(t.first[3], t.last[3])
        # each count's own gain, so a score that fell cannot hide comments that rose
        gained = (score or 0) + (comments or 0)
        return Velocity(t.source_id, gained / span, score, comments, span, measured=True)
    return _since_published(t.source_id, t.last[2], t.last[3], published, t.last[0])


def _member_velocities(
    story: Mapping[str, Any], trends: Mapping[str, ItemTrend], now: datetime
) -> list[Velocity]:
    published = _utc(story["published_at"] or story["first_seen_at"])
    found = [trends[i] for i in story.get("item_ids") or [] if i in trends]
    out = [v for t in found if (v := _from_trend(t, published)) is not None]
    # Members the metrics do not cover (no item_metrics given, or an item missing from them)
    # fall back on the engagement the story recorded for them.
    observed_sources = {t.source_id for t in found}
    for d in story.get("discussions") or []:
        if d["source_id"] in observed_sources:
            continue
        v = _since_published(d["source_id"], d.get("score"), d.get("comments"), published, now)
        if v is not None:
            out.append(v)
    return out


def _interest(value: Interest | tuple[str | None, float | None] | None) -> tuple[str | None, float]:
    if value is None:
        return None, 0.0
    label, score = value
    s = float(score) if isinstance(score, int | float) and math.isfinite(score) else 0.0
    return (label or None), min(1.0, max(0.0, s))


def digest_now(
    stories: Sequence[Mapping[str, Any]],
    digest_date: str,
    trends: Mapping[str, ItemTrend] | None = None,
) -> datetime:
    """The digest's "now": the latest observation in the inputs, capped at the end of the
    digest day (the end of the day when there is nothing to go by)."""
    end = datetime.fromisoformat(f"{digest_date}T00:00:00+00:00") + timedelta(days=1)
    seen = [_utc(s["first_seen_at"]) for s in stories if s.get("first_seen_at") is not None]
    seen += [t.last[0] for t in (trends or {}).values()]
    return min(end, max(seen)) if seen else end


def _age(hours: float) -> str:
    if hours < 1:
        return "under an hour old"
    if hours < 48:
        return f"{hours:.0f} h old"
    return f"{hours / 24:.0f} days old"


def _rate(n: float) -> str:
    return f"{n:.0f}" if n >= 10 else f"{n:.1f}".removesuffix(".0")


def _velocity_words(v: Velocity, term: float) -> str:
    if v.measured:
        bits = []
        if v.score:
            bits.append(f"+{_rate(v.score / v.hours)} points/h")
        if v.comments:
            bits.append(f"+{_rate(v.comments / v.hours)} comments/h")
        lead = "rising fast" if term >= VELOCITY_FAST else "rising"
        return f"{lead} on {v.source_id}: {', '.join(bits)}"
    bits = []
    if v.score is not None:
        bits.append(f"{v.score} point{'' if v.score == 1 else 's'}")
    if v.comments is not None:
        bits.append(f"{v.comments} comment{'' if v.comments == 1 else 's'}")
    # without two observations we only know it leads its own source, not that it is rising
    lead = "top" if term >= VELOCITY_FAST else "popular"
    return f"{lead} on {v.source_id}: {', '.join(bits)}"


def _why(
    story: Mapping[str, Any],
    age_hours: float,
    velocity: float,
    best: Velocity | None,
    interest_label: str | None,
) -> str:
    sources = list(story.get("source_ids") or [])
    n = story.get("n_sources") or len(sources)
    parts = []
    if n >= 2:
        shown = ", ".join(sources[:WHY_SOURCES]) + (", …" if len(sources) > WHY_SOURCES else "")
        parts.append(f"{n} sources ({shown})")
    moving = best is not None and velocity >= VELOCITY_MENTION and best.per_hour > 0
    if n < 2 and sources and not moving:
        parts.append(f"from {sources[0]}")
    if moving and best is not None:
        parts.append(_velocity_words(best, velocity))
    if interest_label:
        parts.append(f"matches your interest “{interest_label}”")
    parts.append(_age(age_hours))
    return " · ".join(parts)


def rank_stories(
    stories: Sequence[Mapping[str, Any]],
    digest_date: str,
    limit: int = 50,
    *,
    item_metrics: Iterable[Mapping[str, Any]] | None = None,
    interests: Mapping[str, Interest | tuple[str | None, float | None]] | None = None,
    now: datetime | None = None,
) -> list[Ranked]:
    """Rank a day's stories (rows of `stories`); returns at most `limit`, best first.

    `item_metrics`: rows of the day's `item_metrics` (engagement observations); without them
    velocity comes from the engagement the stories recorded. `interests`: story_id -> its
    `Interest`; without any the interest weight is redistributed. `now` overrides the digest's
    "now" (see the module docstring)."""
    trends = item_trends(item_metrics or [])
    reference = _utc(now) if now is not None else digest_now(stories, digest_date, trends)
    interest_of = {s["story_id"]: _interest((interests or {}).get(s["story_id"])) for s in stories}
    w = weights(any(label or score > 0 for label, score in interest_of.values()))

    members = {s["story_id"]: _member_velocities(s, trends, reference) for s in stories}
    source_max: dict[str, float] = {}
    source_items: dict[str, int] = {}
    for vs in members.values():
        for v in vs:
            source_max[v.source_id] = max(source_max.get(v.source_id, 0.0), v.per_hour)
            source_items[v.source_id] = source_items.get(v.source_id, 0) + 1
    scale = {
        src: min(1.0, source_items[src] / SOURCE_EVIDENCE_ITEMS) / top if top > 0 else 0.0
        for src, top in source_max.items()
    }

    ranked = []
    for s in stories:
        when = _utc(s["published_at"] or s["first_seen_at"])
        age_hours = max(0.0, (reference - when).total_seconds() / 3600)
        recency = 0.5 ** (age_hours / HALF_LIFE_HOURS)
        reach = min(1.0, math.log2(1 + s["n_sources"]) / math.log2(1 + REACH_SATURATION))
        velocity, best = 0.0, None
        shares = [(v.per_hour * scale[v.source_id], v) for v in members[s["story_id"]]]
        if shares:
            # the fastest member wins; equal shares go to the faster, then the first source
            velocity, best = min(
                shares, key=lambda sv: (-sv[0], -sv[1].per_hour, sv[1].source_id, sv[1].hours)
            )
        label, interest = interest_of[s["story_id"]]
        score = (
            w.recency * recency + w.reach * reach + w.velocity * velocity + w.interest * interest
        )
        ranked.append(
            Ranked(
                story=s,
                score=round(score, 6),
                recency=recency,
                reach=reach,
                velocity=velocity,
                interest=interest,
                age_hours=age_hours,
                why=_why(s, age_hours, velocity, best, label),
                best=best,
                interest_label=label,
                weights=w,
            )
        )
    ranked.sort(key=lambda r: (-r.score, r.story["story_id"]))
    return ranked[:limit]
