"""Publish steps: rank the day's stories and render the digest under `published/`."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pyarrow as pa

from riverbed.core.models import Digest, DigestEntry, Discussion
from riverbed.core.ranking import rank_stories
from riverbed.core.render import (
    render_digest_html,
    render_digest_markdown,
    render_json_feed,
    render_rss,
)
from riverbed.core.stories import EXCERPT_CHARS
from riverbed.core.text import shorten
from riverbed.lake.schemas import DIGEST
from riverbed.lake.store import Lake, rows_to_table

DIGEST_SIZE = 50


def digest_rows(
    stories: pa.Table, date: str, limit: int = DIGEST_SIZE, articles: pa.Table | None = None
) -> list[dict[str, Any]]:
    """The day's ranked digest entries. A story whose article was extracted (`ok`) shows the
    article's opening as its excerpt; otherwise the feed's."""
    ranked = rank_stories(stories.to_pylist(), date, limit=limit)
    article_text = {
        a["story_id"]: a["text"]
        for a in (articles.to_pylist() if articles is not None else [])
        if a["outcome"] == "ok" and a["text"]
    }
    return [
        {
            "digest_date": date,
            "rank": n,
            "story_id": r.story["story_id"],
            "topic_id": None,
            "title": r.story["title"],
            "url": r.story["url"],
            "score": r.score,
            "why": r.why,
            "discussions": r.story["discussions"],
            "source_ids": r.story["source_ids"],
            "n_sources": r.story["n_sources"],
            "published_at": r.story["published_at"],
            "first_seen_at": r.story["first_seen_at"],
            "excerpt": (
                shorten(article_text[r.story["story_id"]], EXCERPT_CHARS)
                if r.story["story_id"] in article_text
                else r.story["excerpt"]
            ),
            "tags": r.story["tags"],
        }
        for n, r in enumerate(ranked, start=1)
    ]


def digest_table(rows: list[dict[str, Any]]) -> pa.Table:
    return rows_to_table(rows, DIGEST)


def to_digest(rows: list[dict[str, Any]], date: str, title: str = "riverbed digest") -> Digest:
    # generated_at comes from the data, not the wall clock: same inputs, same bytes
    day_start = datetime.fromisoformat(f"{date}T00:00:00+00:00")
    generated = max((r["first_seen_at"] for r in rows), default=day_start)
    entries = [
        DigestEntry(
            rank=r["rank"],
            story_id=r["story_id"],
            title=r["title"],
            url=r["url"],
            score=r["score"],
            why=r["why"],
            published_at=r["published_at"],
            first_seen_at=r["first_seen_at"],
            source_ids=list(r["source_ids"]),
            discussions=[Discussion(**d) for d in r["discussions"]],
            excerpt=r.get("excerpt"),
            topic_id=r.get("topic_id"),
            tags=list(r.get("tags") or []),
        )
        for r in rows
    ]
    return Digest(digest_date=date, generated_at=generated, entries=entries, title=title)


def publish(lake: Lake, rows: list[dict[str, Any]], date: str) -> dict[str, str]:
    """Render the day's digest (HTML, Markdown, RSS 2.0, JSON Feed 1.1) and, when it is the
    newest digest, the stable latest-digest files and per-tag feeds. Returns written paths."""
    digest = to_digest(rows, date)
    day_dir = lake.path("published", "digest", date)
    files = {
        "index.html": render_digest_html(digest).encode(),
        "index.md": render_digest_markdown(digest).encode(),
        "feed.xml": render_rss(digest, feed_url=None, title=f"riverbed digest {date}"),
        "feed.json": render_json_feed(digest, feed_url=None, title=f"riverbed digest {date}"),
    }
    written = {}
    for name, data in files.items():
        lake.write_bytes(day_dir / name, data)
        written[name] = str(day_dir / name)

    latest_marker = lake.path("published", "latest.json")
    latest = (lake.read_json(latest_marker) or {}).get("date")
    if latest is None or date >= latest:
        top = lake.path("published")
        for name in ("index.html", "feed.xml", "feed.json"):
            lake.write_bytes(top / name, files[name])
        _publish_tags(lake, digest)
        lake.write_json(latest_marker, {"date": date})
        written["latest"] = str(top / "index.html")
    return written


def _publish_tags(lake: Lake, digest: Digest) -> None:
    by_tag: dict[str, list[DigestEntry]] = {}
    for e in digest.entries:
        for tag in e.tags:
            by_tag.setdefault(tag, []).append(e)
    for tag, entries in sorted(by_tag.items()):
        safe = "".join(c for c in tag.lower() if c.isalnum() or c in "-_")[:64]
        if not safe:
            continue
        sub = Digest(
            digest_date=digest.digest_date,
            generated_at=digest.generated_at,
            entries=entries,
            title=f"{digest.title} — {tag}",
        )
        base = lake.path("published", "tags", safe)
        lake.write_bytes(base / "index.html", render_digest_html(sub).encode())
        lake.write_bytes(base / "feed.xml", render_rss(sub, feed_url=None, title=sub.title))
        lake.write_bytes(base / "feed.json", render_json_feed(sub, feed_url=None, title=sub.title))
