"""Publish steps: rank the day's stories and render the digest under `published/`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
from upath import UPath

from riverbed.core.dates import is_day
from riverbed.core.models import Digest, DigestEntry, Discussion
from riverbed.core.ranking import Interest, rank_stories
from riverbed.core.render import (
    render_digest_html,
    render_digest_markdown,
    render_index_html,
    render_json_feed,
    render_rss,
    render_tags_html,
)
from riverbed.core.render.sanitize import safe_url
from riverbed.core.render.tags import tag_slug, tags_by_slug
from riverbed.core.render.view import MAX_TAGS, label, topic_order
from riverbed.core.stories import EXCERPT_CHARS
from riverbed.core.text import shorten
from riverbed.lake.schemas import ARTICLES, DIGEST, ENRICHMENTS, TOPICS
from riverbed.lake.store import Lake, TableSource, conform, read_columns, rows_to_table
from riverbed.pipeline.rank import (
    RANK_FIELDS,
    TREND_FIELDS,
    ranking_rows,
    story_rows,
    trend_rows,
)

DIGEST_SIZE = 50
ENRICHMENT_FIELDS = ["keywords", "topic_id", "summary", "summary_method", "interest_score"]
# the columns `digest_rows` reads of each input beside `stories` (the digest step asks its
# IO manager for these only)
DIGEST_READS = {
    "articles": ["story_id", "outcome", "text"],
    "enrichments": ["story_id", "interest", *ENRICHMENT_FIELDS],
    "topics": ["digest_date", "topic_id", "label", "story_ids"],
    "item_metrics": list(TREND_FIELDS),
}


def _topic_labels(
    topics: pa.Table | None, date: str, story_ids: Sequence[str]
) -> tuple[dict[str, str], dict[str, str]]:
    """(topic_id -> label, story_id -> topic_id for `story_ids`) from the day's `topics` rows
    (a story in two topics: the first row's)."""
    if topics is None or topics.num_rows == 0:
        return {}, {}
    table = conform(topics, TOPICS, ["digest_date", "topic_id", "label", "story_ids"])
    day = pc.fill_null(pc.equal(table.column("digest_date"), date), True)
    table = table.filter(pc.and_(day, pc.is_valid(table.column("topic_id"))))
    meta = table.select(["topic_id", "label"]).to_pylist()
    labels = {t["topic_id"]: t["label"] for t in meta if t["label"]}
    members: dict[str, str] = {}
    if story_ids and table.num_rows:
        lists = table.column("story_ids")
        flat = pc.list_flatten(lists)
        hit = pc.is_in(flat, value_set=pa.array(list(story_ids), pa.string()))
        rows = pc.list_parent_indices(lists).filter(hit).to_pylist()
        for row, sid in zip(rows, flat.filter(hit).to_pylist(), strict=True):
            members.setdefault(sid, meta[row]["topic_id"])
    return labels, members


def _by_story(
    table: pa.Table | None, schema: pa.Schema, columns: list[str], story_ids: Sequence[str]
) -> dict[str, dict[str, Any]]:
    """story_id -> the row of `table` (`columns` only) for `story_ids`; the last row wins."""
    if table is None or table.num_rows == 0 or not story_ids:
        return {}
    wanted = pa.array(list(story_ids), pa.string())
    picked = conform(table, schema, ["story_id", *columns])
    picked = picked.filter(pc.is_in(picked.column("story_id"), value_set=wanted))
    return {row["story_id"]: row for row in picked.to_pylist()}


def _interests(enrichments: pa.Table | None) -> dict[str, Interest]:
    """story_id -> its `Interest`, for the stories that have one (the last row wins)."""
    if enrichments is None or enrichments.num_rows == 0:
        return {}
    table = conform(enrichments, ENRICHMENTS, ["story_id", "interest", "interest_score"])
    some = pc.or_(
        pc.is_valid(table.column("interest")), pc.is_valid(table.column("interest_score"))
    )
    return {
        e["story_id"]: Interest(e["interest"], e["interest_score"])
        for e in table.filter(some).to_pylist()
    }


def digest_rows(
    stories: pa.Table | TableSource,
    date: str,
    limit: int = DIGEST_SIZE,
    articles: pa.Table | None = None,
    *,
    enrichments: pa.Table | None = None,
    topics: pa.Table | None = None,
    item_metrics: pa.Table | None = None,
) -> list[dict[str, Any]]:
    """The day's digest: the `limit` best stories (formula in `core.ranking`), in display
    order: grouped by topic (groups ordered by their best story, stories by rank; stories
    without a topic last). `rank` is the global rank, `topic_rank` the group's position.

    Every enrichment table is optional (None or empty): without `item_metrics` velocity comes
    from the engagement the stories recorded, without `enrichments` there is no interest term,
    summary or keywords, without `topics` no grouping. The excerpt is the opening of the
    story's extracted article (`ok`) when there is one, else the feed's; the summary is the
    enricher's (renderers show it in place of the excerpt).

    Every story is ranked from the few fields ranking reads (`pipeline.rank`); only the kept
    stories' whole rows, enrichments, articles and topics become Python objects. Given a
    `TableSource`, `stories` is read for those fields, then a batch at a time for the kept
    rows."""
    ranked = rank_stories(
        ranking_rows(read_columns(stories, RANK_FIELDS)),
        date,
        limit=limit,
        item_metrics=trend_rows(item_metrics),
        interests=_interests(enrichments),
    )
    kept = [r.story["story_id"] for r in ranked]
    whole = {r["story_id"]: r for r in story_rows(stories, kept)}
    enriched = _by_story(enrichments, ENRICHMENTS, ENRICHMENT_FIELDS, kept)
    ok_articles = None
    if articles is not None and articles.num_rows:
        ok_articles = conform(articles, ARTICLES, ["story_id", "outcome", "text"])
        ok_articles = ok_articles.filter(
            pc.and_(
                pc.equal(ok_articles.column("outcome"), "ok"),
                pc.is_valid(ok_articles.column("text")),
            )
        )
    article_text = {
        sid: a["text"]
        for sid, a in _by_story(ok_articles, ARTICLES, ["text"], kept).items()
        if a["text"]
    }
    labels, topic_members = _topic_labels(topics, date, kept)
    rows = []
    for n, r in enumerate(ranked, start=1):
        sid = r.story["story_id"]
        story = whole[sid]
        e = enriched.get(sid, {})
        topic_id = e.get("topic_id") or topic_members.get(sid)
        rows.append(
            {
                "digest_date": date,
                "rank": n,
                "story_id": sid,
                "topic_id": topic_id,
                "topic_label": labels.get(topic_id) if topic_id else None,
                "title": story["title"],
                "url": story["url"],
                "score": r.score,
                "why": r.why,
                "discussions": story["discussions"],
                "source_ids": story["source_ids"],
                "n_sources": story["n_sources"],
                "published_at": story["published_at"],
                "first_seen_at": story["first_seen_at"],
                "excerpt": (
                    shorten(article_text[sid], EXCERPT_CHARS)
                    if sid in article_text
                    else story["excerpt"]
                ),
                "tags": story["tags"],
                "summary": e.get("summary") or None,
                "summary_method": e.get("summary_method") if e.get("summary") else None,
                "keywords": list(e.get("keywords") or []),
                "interest": r.interest_label,
                "interest_score": r.interest if e.get("interest_score") is not None else None,
                "recency": round(r.recency, 6),
                "reach": round(r.reach, 6),
                "velocity": round(r.velocity, 6),
            }
        )
    for row, group in zip(rows, topic_order([r["topic_label"] for r in rows]), strict=True):
        row["topic_rank"] = group
    return sorted(rows, key=lambda r: (r["topic_rank"], r["rank"]))


def digest_table(rows: list[dict[str, Any]]) -> pa.Table:
    return rows_to_table(rows, DIGEST)


_DISCUSSION_FIELDS = tuple(f.name for f in fields(Discussion))


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
            # only the fields a Discussion has: the lake's struct may grow
            discussions=[
                Discussion(**{k: d.get(k) for k in _DISCUSSION_FIELDS}) for d in r["discussions"]
            ],
            excerpt=r.get("excerpt"),
            topic_id=r.get("topic_id"),
            topic_label=r.get("topic_label"),
            tags=list(r.get("tags") or []),
            topic_rank=r.get("topic_rank"),
            summary=r.get("summary"),
            summary_method=r.get("summary_method"),
            keywords=list(r.get("keywords") or []),
            interest=r.get("interest"),
            interest_score=r.get("interest_score"),
        )
        for r in rows
    ]
    return Digest(digest_date=date, generated_at=generated, entries=entries, title=title)


def public_base(url: str | None) -> str | None:
    """`url` (where `published/` is served) as a base ending in '/', None when unset.
    Raises ValueError when it is set but not an absolute http(s) URL."""
    if not url:
        return None
    base = safe_url(url)
    if base is None:
        raise ValueError(f"the public URL {url!r} is not an absolute http(s) URL")
    return base if base.endswith("/") else base + "/"


def publish(
    lake: Lake, rows: list[dict[str, Any]], date: str, *, public_url: str | None = None
) -> dict[str, str]:
    """Render the day's digest (HTML, Markdown, RSS 2.0, JSON Feed 1.1) under
    `published/digest/<date>/` and, when it is the newest digest, the stable latest-digest
    files `published/{index.html,index.md,feed.xml,feed.json}` and the per-tag files
    `published/tags/<slug>/{index.html,index.md,feed.xml,feed.json}` (`publish_tags`).

    `public_url` is where `published/` is served (`public_base`): with it the feeds name
    their own URL and the page they belong to (RSS `<link>`/`atom:link rel=self`, JSON Feed
    `home_page_url`/`feed_url`); without it they leave those out. Returns the written paths
    by name."""
    base = public_base(public_url)
    digest = to_digest(rows, date)
    digest.home_url = base
    day_dir = lake.path("published", "digest", date)
    files = render_files(
        digest,
        feed_title=f"riverbed digest {date}",
        folder_url=f"{base}digest/{date}/" if base else None,
        archive_href="../../archive.html",
    )
    written = {}
    for name, data in files.items():
        lake.write_bytes(day_dir / name, data)
        written[name] = str(day_dir / name)
    written["archive"] = str(publish_archive(lake, date, len(digest.entries)))

    latest_marker = lake.path("published", "latest.json")
    latest = (lake.read_json(latest_marker) or {}).get("date")
    if latest is None or date >= latest:
        top = lake.path("published")
        # the latest page links each tag to its page; a day's page stays as it was that day
        latest_files = render_files(
            digest,
            feed_title=f"riverbed digest {date}",
            folder_url=base,
            tags_base="tags/",
            archive_href="archive.html",
        )
        for name, data in latest_files.items():
            lake.write_bytes(top / name, data)
        for slug in publish_tags(lake, digest, base=base):
            written[f"tags/{slug}"] = str(top / "tags" / slug / "index.html")
        lake.write_json(latest_marker, {"date": date})
        written["latest"] = str(top / "index.html")
    return written


def publish_archive(lake: Lake, date: str, stories: int) -> UPath:
    """Add the day to the page of past digests, `published/archive.html`, and its index
    `published/archive.json` (`{date: stories}`); returns the page's path. A day folder under
    `published/digest/` the index lacks (published by a run beside this one, or before the
    archive existed) is added with the stories its `feed.json` lists."""
    top = lake.path("published")
    before = lake.read_json(top / "archive.json")
    known: dict[str, int] = {
        d: n
        for d, n in (before.items() if isinstance(before, dict) else ())
        if is_day(d) and isinstance(n, int)
    }
    known[date] = stories
    for day in lake.list_dirs(lake.path("published", "digest")):
        if is_day(day) and day not in known:
            feed = lake.read_json(lake.path("published", "digest", day, "feed.json"))
            items = feed.get("items") if isinstance(feed, dict) else None
            known[day] = len(items) if isinstance(items, list) else 0
    lake.write_json(top / "archive.json", dict(sorted(known.items())))
    page = top / "archive.html"
    lake.write_bytes(page, render_index_html(sorted(known.items())).encode())
    return page


def render_files(
    digest: Digest,
    *,
    feed_title: str | None = None,
    folder_url: str | None = None,
    tags_base: str | None = None,
    archive_href: str | None = None,
) -> dict[str, bytes]:
    """The four renderings of `digest` by file name: index.html, index.md (headed by the
    digest's title), feed.xml and feed.json (titled `feed_title`, else the digest's title;
    `folder_url`: the public URL of the folder they are written to, when known; the page's
    links: `render_digest_html`)."""
    title = feed_title or digest.title
    rss_url, json_url = (
        (f"{folder_url}feed.xml", f"{folder_url}feed.json") if folder_url else (None, None)
    )
    return {
        "index.html": render_digest_html(
            digest, tags_base=tags_base, archive_href=archive_href
        ).encode(),
        "index.md": render_digest_markdown(digest).encode(),
        "feed.xml": render_rss(digest, feed_url=rss_url, title=title),
        "feed.json": render_json_feed(digest, feed_url=json_url, title=title),
    }


@dataclass(frozen=True, slots=True)
class TagDigest:
    tag: str  # the tag as shown: its first spelling in the digest, cleaned
    digest: Digest


def tag_digests(digest: Digest) -> dict[str, TagDigest]:
    """One digest per tag the stories carry (item tags and their sources' tags, as the
    `stories` table merges them), keyed by `tag_slug`, in slug order: the stories with that
    tag, in the digest's ranks. Tags sharing a slug ('Rust', 'rust') share one digest. A
    story counts for its first `MAX_TAGS` tags, the ones its card shows (and links)."""
    members: dict[str, list[DigestEntry]] = {}
    shown: dict[str, str] = {}
    for e in digest.entries:
        for slug, tag in list(tags_by_slug(e.tags).items())[:MAX_TAGS]:
            shown.setdefault(slug, tag)
            members.setdefault(slug, []).append(e)
    return {
        slug: TagDigest(shown[slug], _titled(digest, shown[slug], members[slug]))
        for slug in sorted(members)
    }


def _titled(digest: Digest, tag: str, entries: list[DigestEntry]) -> Digest:
    return Digest(
        digest_date=digest.digest_date,
        generated_at=digest.generated_at,
        entries=entries,
        title=f"{digest.title} — {tag}",
        home_url=digest.home_url,
    )


def publish_tags(lake: Lake, digest: Digest, *, base: str | None = None) -> list[str]:
    """Write `published/tags/<slug>/` for every tag of `digest` (`tag_digests`) and the index
    `published/tags/index.json` (`{slug: {"tag": shown, "stories": n}}`) with its page
    `published/tags/index.html`. A tag folder left by an earlier digest whose tag has no
    story now is rewritten empty (and listed with 0 stories), so its feed does not go on
    showing stale stories as the latest. Returns the slugs written, today's first. `base`:
    the public base URL (`public_base`), if any."""
    folder = lake.path("published", "tags")

    def write(slug: str, sub: Digest, tags_base: str | None) -> None:
        url = f"{base}tags/{slug}/" if base else None
        sub.home_url = url
        pages = render_files(
            sub, folder_url=url, tags_base=tags_base, archive_href="../../archive.html"
        )
        for name, data in pages.items():
            lake.write_bytes(folder / slug / name, data)

    by_slug = tag_digests(digest)
    for slug, t in by_slug.items():
        write(slug, t.digest, "../")
    before = lake.read_json(folder / "index.json")
    index: dict[str, dict[str, Any]] = {
        slug: {"tag": t.tag, "stories": len(t.digest.entries)} for slug, t in by_slug.items()
    }
    # only folders named like our slugs: nothing else that may sit under tags/ is touched
    for slug in lake.list_dirs(folder):
        if slug in by_slug or tag_slug(slug) != slug:
            continue
        tag = _shown_tag(before, slug)
        if _count(before, slug) != 0:  # emptied once is enough
            write(slug, _titled(digest, tag, []), None)
        index[slug] = {"tag": tag, "stories": 0}
    lake.write_json(folder / "index.json", index)
    rows = [(slug, str(v["tag"]), int(v["stories"])) for slug, v in index.items()]
    lake.write_bytes(folder / "index.html", render_tags_html(rows).encode())
    return list(index)


def _count(index: Any, slug: str) -> int | None:
    """The number of stories an earlier `tags/index.json` gave `slug`, None when unknown."""
    entry = index.get(slug) if isinstance(index, dict) else None
    n = entry.get("stories") if isinstance(entry, dict) else None
    return n if isinstance(n, int) else None


def _shown_tag(index: Any, slug: str) -> str:
    """The tag an earlier `tags/index.json` showed for `slug`, else the slug itself."""
    entry = index.get(slug) if isinstance(index, dict) else None
    tag = entry.get("tag") if isinstance(entry, dict) else None
    return (label(tag) if isinstance(tag, str) else "") or slug
