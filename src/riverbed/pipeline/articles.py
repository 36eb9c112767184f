"""Fetch and extract the pages stories link to: politely, safely, once per page.

For each story of the day with a link of its own (not a discussion page), the article URL
is fetched through the one HTTP client as an *untrusted* URL (the private-address guard
applies at connect time and at every redirect), after its host's robots.txt allows it, and
the page's main text is extracted (`core.extract.extract_article`). What is remembered, per
host, in `state/articles/<host>.json`:

- robots.txt (fetched at most once per `ROBOTS_TTL`; a 4xx means no restrictions, RFC 9309;
  a 5xx, timeout or connection failure means "disallow for now", retried after
  `ROBOTS_RETRY`);
- every article URL: its conditional-GET state (ETag/Last-Modified, body hash), the outcome
  and error kind of the last attempt, and when to try again (transient failures back off
  exponentially; `ok`, `thin`, `skipped` and permanent refusals are not fetched again);
- which extractor worked on the domain last (`prefer`, tried first next time).

Extractions are cached by content: `cache/extract/<key>.json`, key = hash(body, extraction
version, feed text), so an unchanged page is never re-extracted, on any
run or executor. At most `settings.article_budget` pages are fetched per run (stories in
ranked order); the rest are rows with outcome `skipped` / `budget_exhausted`, fetched by later
runs. Replay answers every request from the day's `fetches` journal and bronze (no network).
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
import urllib.robotparser
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime, timedelta
from multiprocessing import current_process, get_context
from typing import Any
from urllib.parse import urlsplit

import pyarrow as pa

from riverbed.core.errors import ErrorKind, RiverbedError
from riverbed.core.extract import EXTRACTION_VERSION, Extraction, extract_article
from riverbed.core.ids import stable_id
from riverbed.fetch.client import HttpClient
from riverbed.fetch.redact import redact_url
from riverbed.fetch.session import FetchSession, ReplayTransport, Transport, UrlState
from riverbed.lake.blobs import BlobStore
from riverbed.lake.journal import Journal
from riverbed.lake.schemas import ARTICLES
from riverbed.lake.store import Lake, rows_to_table
from riverbed.pipeline.collect import fetch_settings

ROBOTS_TTL = timedelta(hours=24)
ROBOTS_RETRY = timedelta(hours=1)
RETRY_BASE = timedelta(hours=1)  # transient failures: 1 h, 2 h, 4 h … capped at RETRY_MAX
RETRY_MAX = timedelta(hours=24)
ROBOTS_MAX_CHARS = 512 * 1024
ARTICLE_HOST_CONCURRENCY = 2  # article pages: at most this many at once per host
POOL_MIN_PAGES = 24  # fewer pages than this are extracted in-process (a pool costs ~1 s)
ROBOTS_AGENT = "riverbed"
# Media types an article page may be served as; anything else (PDF, images, video, archives)
# is recorded as a link (`skipped`, `content_type`) without downloading it. Types that might
# hide HTML are read and sniffed by the extractor.
ARTICLE_TYPES = (
    "text/html",
    "application/xhtml+xml",
    "text/plain",
    "application/octet-stream",
    "application/xml",
    "text/xml",
)

log = logging.getLogger(__name__)

# Failures worth another try later; everything else is final for that URL.
TRANSIENT = {
    ErrorKind.TIMEOUT,
    ErrorKind.CONNECT_ERROR,
    ErrorKind.RATE_LIMITED,
    ErrorKind.ROBOTS_DISALLOWED,  # only when robots.txt itself was unavailable (5xx/timeout)
    ErrorKind.BUDGET_EXHAUSTED,
    ErrorKind.INTERNAL,
}


@dataclass(slots=True)
class Target:
    """One article to have: a story's own link."""

    story_id: str
    url: str
    feed_text: str | None
    source_id: str | None  # the story's first source, for `errors` rows


@dataclass(slots=True)
class Attempted:
    """What phase one (the network) got for a target."""

    target: Target
    body: bytes | None = None
    body_sha256: str | None = None
    content_type: str | None = None
    final_url: str | None = None
    http_status: int | None = None
    fetched_at: datetime | None = None
    error: RiverbedError | None = None
    robots_transient: bool = False


@dataclass(slots=True)
class ArticlesResult:
    table: pa.Table
    counts: dict[str, int]  # outcome -> rows
    fetched: int  # pages requested this run
    deferred: int  # over the budget, left for later runs


BLOCKED = {ErrorKind.BLOCKED_ADDRESS, ErrorKind.ROBOTS_DISALLOWED, ErrorKind.SCHEME_REJECTED}


def _transient(ext: Extraction, a: Attempted) -> bool:
    """Worth another try later: a timeout, a 5xx, robots.txt being unavailable …"""
    if ext.error_kind is ErrorKind.ROBOTS_DISALLOWED:
        return a.robots_transient
    if ext.error_kind is ErrorKind.HTTP_STATUS:
        return (a.http_status or 0) >= 500 or a.http_status == 429
    return ext.error_kind in TRANSIENT


# -- choosing what to fetch ----------------------------------------------------------------


# what `targets_of` reads of a story beside the ranking's fields, and of an item
TARGET_STORY_FIELDS = ("canonical_url", "url", "first_source_id")
TARGET_ITEM_FIELDS = ("item_id", "url", "comments_url", "text")


def targets_of(
    stories: Iterable[Mapping[str, Any]], items: Iterable[Mapping[str, Any]]
) -> list[Target]:
    """The day's article targets in story order (the caller passes stories ranked).

    A story whose members are all discussions without a link of their own (Ask HN, a Reddit
    self post: their `url` is their `comments_url`) has no article; a blog post whose
    comments live at `post#comments` does. The feed text is the longest text of the story's
    members (the extraction gate flags pages that say less than the feed did)."""
    by_id = {i["item_id"]: i for i in items}
    seen: set[str] = set()
    out = []
    for s in stories:
        url = s.get("canonical_url") or s.get("url")
        if not url or url in seen or not url.startswith(("http://", "https://")):
            continue
        members = [by_id[i] for i in s.get("item_ids") or [] if i in by_id]
        if members and all(m.get("url") and m["url"] == m.get("comments_url") for m in members):
            continue
        seen.add(url)
        texts = [m["text"] for m in members if m.get("text")]
        out.append(
            Target(
                story_id=s["story_id"],
                url=s.get("url") or url,
                feed_text=max(texts, key=len) if texts else None,
                source_id=s.get("first_source_id"),
            )
        )
    return out


def host_of(url: str) -> str:
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    return f"{host}:{parts.port}" if parts.port else host


def _due(record: Mapping[str, Any] | None, now: datetime) -> bool:
    if record is None:
        return True
    retry_at = record.get("retry_at")
    return retry_at is not None and datetime.fromisoformat(retry_at) <= now


def _retry_at(record: Mapping[str, Any] | None, now: datetime) -> str:
    tries = int((record or {}).get("tries", 0)) + 1
    wait = min(RETRY_BASE * (2 ** (tries - 1)), RETRY_MAX)
    return (now + wait).isoformat()


# -- per-host state ------------------------------------------------------------------------


class HostStates:
    """`state/articles/<host>.json`, loaded lazily, written back when changed."""

    def __init__(self, lake: Lake) -> None:
        self.lake = lake
        self.loaded: dict[str, dict[str, Any]] = {}
        self.dirty: set[str] = set()

    def _path(self, host: str) -> Any:
        safe = host.replace(":", "_").replace("/", "_")
        return self.lake.path("state", "articles", f"{safe}.json")

    def get(self, host: str) -> dict[str, Any]:
        if host not in self.loaded:
            self.loaded[host] = self.lake.read_json(self._path(host)) or {"urls": {}}
        return self.loaded[host]

    def touch(self, host: str) -> None:
        self.dirty.add(host)

    def save(self) -> None:
        for host in sorted(self.dirty):
            self.lake.write_json(self._path(host), self.loaded[host])
        self.dirty.clear()


# -- robots.txt ----------------------------------------------------------------------------


@dataclass(slots=True)
class Robots:
    """A host's robots.txt verdict source: rules, or allow-all, or disallow-for-now."""

    mode: str  # "rules" | "allow" | "unavailable"
    text: str = ""

    def allows(self, url: str, agent: str = ROBOTS_AGENT) -> bool:
        if self.mode == "allow":
            return True
        if self.mode == "unavailable":
            return False
        parser = urllib.robotparser.RobotFileParser()
        parser.parse(self.text.splitlines())
        return parser.can_fetch(agent, url)


def robots_from_response(status: int | None, text: str | None, error: ErrorKind | None) -> Robots:
    """RFC 9309: 2xx -> the rules; 4xx -> no restrictions; 5xx, timeout, no connection ->
    assume complete disallow for now."""
    if status is not None and 200 <= status < 300 and text is not None:
        return Robots("rules", text[:ROBOTS_MAX_CHARS])
    if status is not None and 400 <= status < 500:
        return Robots("allow")
    if error in (ErrorKind.BLOCKED_ADDRESS, ErrorKind.SCHEME_REJECTED):
        return Robots("allow")  # the page itself will be refused for the same reason
    return Robots("unavailable")


# -- the network phase ---------------------------------------------------------------------


async def _run(
    targets: Sequence[Target],
    transport: Transport,
    store: BlobStore,
    url_states: dict[str, UrlState],
    run_id: str,
    hosts: HostStates,
    now: datetime,
    *,
    replay: bool,
) -> tuple[list[Attempted], list[dict[str, Any]]]:
    """Robots first (once per host), then every allowed page, concurrently; article fetches
    have no source (`fetches.source_id` is null)."""
    session = FetchSession(
        transport, store, source_id=None, run_id=run_id, state=url_states, record=not replay
    )
    robots_locks: dict[str, asyncio.Lock] = defaultdict(asyncio.Lock)
    robots_cache: dict[str, Robots] = {}

    async def robots_for(url: str) -> Robots:
        host = host_of(url)
        async with robots_locks[host]:
            if host in robots_cache:
                return robots_cache[host]
            state = hosts.get(host)
            cached = state.get("robots")
            if cached and not replay and datetime.fromisoformat(cached["expires_at"]) > now:
                robots = Robots(cached["mode"], cached.get("text", ""))
            else:
                parts = urlsplit(url)
                robots_url = f"{parts.scheme}://{parts.netloc}/robots.txt"
                try:
                    body = await session.get(robots_url, trusted=False)
                    text = body.data[:ROBOTS_MAX_CHARS].decode("utf-8", errors="replace")
                    robots = robots_from_response(body.status, text, None)
                    if body.status == 304:
                        robots = Robots("rules", text)
                except RiverbedError as e:
                    robots = robots_from_response(_http_status(e), None, e.kind)
                if not replay:
                    ttl = ROBOTS_RETRY if robots.mode == "unavailable" else ROBOTS_TTL
                    state["robots"] = {
                        "mode": robots.mode,
                        "text": robots.text,
                        "expires_at": (now + ttl).isoformat(),
                    }
                    hosts.touch(host)
            robots_cache[host] = robots
            return robots

    async def one(target: Target) -> Attempted:
        out = Attempted(target=target)
        robots = await robots_for(target.url)
        if not robots.allows(target.url):
            out.robots_transient = robots.mode == "unavailable"
            why = (
                "robots.txt unavailable (5xx, timeout or no connection): disallowed for now"
                if out.robots_transient
                else "robots.txt disallows this page"
            )
            out.error = RiverbedError(ErrorKind.ROBOTS_DISALLOWED, why)
            return out
        try:
            body = await session.get(target.url, trusted=False, accept=ARTICLE_TYPES)
        except RiverbedError as e:
            out.error = e
            out.http_status = _http_status(e)
        else:
            out.body, out.content_type = body.data, body.content_type
            out.final_url, out.http_status = body.final_url, body.status
            out.fetched_at = body.observed_at
            state = session.known(target.url)
            out.body_sha256 = state.body_sha256 if state else None
        return out

    attempted = list(await asyncio.gather(*(one(t) for t in targets)))
    return attempted, session.rows


def _http_status(error: RiverbedError) -> int | None:
    """The status of an HTTP error answer (not of a 200 refused for its content type)."""
    return error.http_status if error.kind is ErrorKind.HTTP_STATUS else None


# -- the CPU phase -------------------------------------------------------------------------


def _extract_key(sha: str, feed_text: str | None) -> str:
    """The cache key of an extraction: the page's bytes, the extraction code's version and
    the feed text the gate compares with. Not the domain's preferred extractor: that only
    changes the order extractors are tried in, and keying on it would make the next run (and
    every replay) re-extract pages whose preference was just learnt."""
    digest = hashlib.sha256()
    # a new extraction version recomputes: cached results of older code are not reused
    for part in (sha, EXTRACTION_VERSION, feed_text or ""):
        digest.update(part.encode())
        digest.update(b"\0")
    return digest.hexdigest()


def _cache_path(lake: Lake, key: str) -> Any:
    return lake.path("cache", "extract", key[:2], f"{key}.json")


def _cached(lake: Lake, key: str) -> dict[str, Any] | None:
    value = lake.read_json(_cache_path(lake, key))
    return value if isinstance(value, dict) else None


def _to_json(e: Extraction) -> dict[str, Any]:
    d = asdict(e)
    d["published_at"] = e.published_at.isoformat() if e.published_at else None
    d["error_kind"] = e.error_kind.value if e.error_kind else None
    return d


def _from_json(d: Mapping[str, Any]) -> Extraction:
    names = Extraction.__dataclass_fields__
    kw = {k: v for k, v in d.items() if k in names}
    kw["published_at"] = (
        datetime.fromisoformat(d["published_at"]) if d.get("published_at") else None
    )
    kw["error_kind"] = ErrorKind(d["error_kind"]) if d.get("error_kind") else None
    return Extraction(**kw)


def _extract_job(job: Job) -> Extraction:
    body, url, content_type, feed_text, prefer = job
    try:
        return extract_article(
            body, url=url, content_type=content_type, feed_text=feed_text, prefer=prefer
        )
    except Exception as exc:  # a bug in extraction fails one page, never the step
        return Extraction(
            outcome="failed",
            error_kind=ErrorKind.INTERNAL,
            reason=f"{type(exc).__name__}: {exc}"[:500],
        )


Job = tuple[bytes, str, str | None, str | None, str | None]  # body, url, type, feed text, prefer


def _extract_many(jobs: list[Job]) -> list[Extraction]:
    """Extract in a process pool when there is enough work (CPU-bound, GIL-bound)."""
    workers = min(os.cpu_count() or 1, 8)
    # a daemonic process (a Celery prefork worker's pool process) may not start children:
    # there the parallelism is the workers' own
    daemonic = current_process().daemon
    if len(jobs) < POOL_MIN_PAGES or workers < 2 or daemonic:
        return [_extract_job(j) for j in jobs]
    try:
        ctx = get_context("forkserver")
        with ProcessPoolExecutor(max_workers=workers, mp_context=ctx) as pool:
            return list(pool.map(_extract_job, jobs, chunksize=4))
    except (BrokenProcessPool, OSError) as exc:
        # e.g. called from a script without an `if __name__ == "__main__"` guard (workers
        # re-import the main module), or no process may be started: do it here, slower
        log.warning("extraction pool unavailable (%s); extracting in-process", exc)
        return [_extract_job(j) for j in jobs]


# -- the step ------------------------------------------------------------------------------


@dataclass(slots=True)
class ArticlePlan:
    """What a run does with each of the day's article targets, decided once for all buckets:
    fetch now (new, or due for a retry, within the budget, ranked stories first), defer (over
    the budget) or keep the last known row."""

    targets: list[Target]  # story order
    fetch: set[str]  # URLs fetched this run
    deferred: set[str]  # URLs left for later runs
    budget: int

    def bucket(self, index: int, buckets: int) -> ArticlePlan:
        """The part of the plan whose hosts hash to `index` (hosts never straddle buckets:
        robots.txt, pacing and host state stay with one worker)."""
        mine = [t for t in self.targets if bucket_of(t.url, buckets) == index]
        urls = {t.url for t in mine}
        return ArticlePlan(mine, self.fetch & urls, self.deferred & urls, self.budget)


def bucket_of(url: str, buckets: int) -> int:
    digest = hashlib.sha256(host_of(url).encode()).digest()
    return int.from_bytes(digest[:8], "big") % max(buckets, 1)


def plan_articles(
    lake: Lake,
    stories: Sequence[Mapping[str, Any]],
    items: Sequence[Mapping[str, Any]],
    settings: Any,
    *,
    replay: bool = False,
    now: datetime | None = None,
) -> ArticlePlan:
    now = now or datetime.now(UTC)
    hosts = HostStates(lake)
    targets = targets_of(stories, items)
    wanted = [
        t.url for t in targets if replay or _due(hosts.get(host_of(t.url))["urls"].get(t.url), now)
    ]
    budget = getattr(settings, "article_budget", len(wanted))
    if replay:
        return ArticlePlan(targets, set(wanted), set(), budget)
    return ArticlePlan(targets, set(wanted[:budget]), set(wanted[budget:]), budget)


def collect_articles(
    lake: Lake,
    stories: Sequence[Mapping[str, Any]],
    items: Sequence[Mapping[str, Any]],
    settings: Any,
    date: str,
    run_id: str,
    *,
    replay: bool = False,
    now: datetime | None = None,
) -> ArticlesResult:
    """Rows of the day's `articles` table; journals fetches and errors; updates host state."""
    plan = plan_articles(lake, stories, items, settings, replay=replay, now=now)
    return collect_planned(lake, plan, settings, date, run_id, replay=replay, now=now, first=True)


def merge_results(parts: Sequence[ArticlesResult]) -> ArticlesResult:
    """The buckets of one run as one result (rows ordered by URL, as one bucket orders them)."""
    tables = [p.table for p in parts if p.table.num_rows]
    table = pa.concat_tables(tables) if tables else ARTICLES.empty_table()
    counts: dict[str, int] = defaultdict(int)
    for p in parts:
        for outcome, n in p.counts.items():
            counts[outcome] += n
    return ArticlesResult(
        table.sort_by("canonical_url"),
        dict(counts),
        fetched=sum(p.fetched for p in parts),
        deferred=sum(p.deferred for p in parts),
    )


def collect_planned(
    lake: Lake,
    plan: ArticlePlan,
    settings: Any,
    date: str,
    run_id: str,
    *,
    replay: bool = False,
    now: datetime | None = None,
    first: bool = True,
    deferred_total: int | None = None,
) -> ArticlesResult:
    """Carry out (a bucket of) a plan. `first`: this part also records the run-level budget
    note (`deferred_total` pages deferred over all buckets)."""
    now = now or datetime.now(UTC)
    journal, store, hosts = Journal(lake), BlobStore(lake), HostStates(lake)
    targets = plan.targets
    records: dict[str, dict[str, Any] | None] = {
        t.url: hosts.get(host_of(t.url))["urls"].get(t.url) for t in targets
    }
    fetch_now = [t for t in targets if t.url in plan.fetch]
    deferred_urls = plan.deferred
    budget = plan.budget
    n_deferred = len(deferred_urls) if deferred_total is None else deferred_total

    url_states: dict[str, UrlState] = {}
    for t in fetch_now:
        st = (records[t.url] or {}).get("http")
        if st:
            url_states[redact_url(t.url)] = UrlState.from_json(st)  # FetchSession's key

    attempted: list[Attempted] = []
    fetch_rows: list[dict[str, Any]] = []
    if fetch_now and replay:
        recorded = [r for r in journal.read("fetches", date).to_pylist() if not r["source_id"]]
        asked = {redact_url(r["request_url"]) for r in recorded if r.get("request_url")}
        # the others stay as they are
        fetch_now = [t for t in fetch_now if redact_url(t.url) in asked]
        transport: Transport = ReplayTransport(recorded, store)
        attempted, _ = asyncio.run(
            _run(fetch_now, transport, store, url_states, run_id, hosts, now, replay=True)
        )
    elif fetch_now:
        polite = replace(
            fetch_settings(settings),
            per_host_concurrency=min(settings.per_host_concurrency, ARTICLE_HOST_CONCURRENCY),
            per_host_delay_ms=max(settings.per_host_delay_ms, settings.article_delay_ms),
        )

        async def live() -> tuple[list[Attempted], list[dict[str, Any]]]:
            async with HttpClient(polite) as client:
                return await _run(
                    fetch_now, client, store, url_states, run_id, hosts, now, replay=False
                )

        attempted, fetch_rows = asyncio.run(live())

    # extraction: cached by content, the rest in a pool
    jobs: list[Job] = []
    job_of: dict[int, int] = {}
    extractions: dict[int, Extraction] = {}
    keys: dict[int, str] = {}
    for n, a in enumerate(attempted):
        if a.body is None or a.body_sha256 is None:
            continue
        host = host_of(a.target.url)
        prefer = hosts.get(host).get("prefer")
        key = _extract_key(a.body_sha256, a.target.feed_text)
        keys[n] = key
        cached = _cached(lake, key)
        if cached is not None:
            extractions[n] = _from_json(cached)
            continue
        job_of[n] = len(jobs)
        url = a.final_url or a.target.url
        jobs.append((a.body, url, a.content_type, a.target.feed_text, prefer))
    for n, result in zip(job_of, _extract_many(jobs), strict=True):
        extractions[n] = result
        if result.error_kind is not ErrorKind.INTERNAL:
            lake.write_json(_cache_path(lake, keys[n]), _to_json(result))

    rows: dict[str, dict[str, Any]] = {}
    error_rows: list[dict[str, Any]] = []
    for n, a in enumerate(attempted):
        t = a.target
        host = host_of(t.url)
        hstate = hosts.get(host)
        record = dict(records.get(t.url) or {})
        ext = extractions.get(n)
        if ext is None:  # fetch failed or refused
            kind = a.error.kind if a.error else ErrorKind.INTERNAL
            outcome = (
                "blocked"
                if kind in BLOCKED
                else "skipped"
                if kind is ErrorKind.CONTENT_TYPE
                else "failed"
            )
            ext = Extraction(outcome, error_kind=kind, reason=a.error.message if a.error else None)
        transient = _transient(ext, a)
        # a replay reproduces the row of the run that fetched the page (its host record)
        row_run = (record.get("run_id") if replay else None) or run_id
        row = _row(t, ext, a, date, row_run)
        rows[t.url] = row
        if not replay:
            record.update(
                {
                    "outcome": ext.outcome,
                    "error_kind": ext.error_kind.value if ext.error_kind else None,
                    "last_attempt_at": now.isoformat(),
                    "tries": (int(record.get("tries", 0)) + 1) if transient else 0,
                    "retry_at": _retry_at(record, now) if transient else None,
                    "extract_key": keys.get(n),
                    "reason": ext.reason,
                    "final_url": a.final_url,
                    "http_status": a.http_status,
                    "body_sha256": a.body_sha256,
                    "fetched_at": a.fetched_at.isoformat() if a.fetched_at else None,
                    "run_id": run_id,
                }
            )
            st = url_states.get(redact_url(t.url))
            if st is not None:
                record["http"] = st.to_json()
            hstate["urls"][t.url] = record
            if ext.outcome == "ok" and ext.extractor:
                hstate["prefer"] = ext.extractor
            hosts.touch(host)
        if ext.error_kind is not None:
            error_rows.append(_error_row(t, ext, a, row_run, now))

    # pages not fetched this run: their last known row (text from the extraction cache)
    for t in targets:
        if t.url in rows:
            continue
        known = records.get(t.url)
        if t.url in deferred_urls or known is None or "outcome" not in known:
            rows[t.url] = _row(
                t,
                Extraction(
                    outcome="skipped",
                    error_kind=ErrorKind.BUDGET_EXHAUSTED,
                    reason=f"over this run's article_budget of {budget} pages; fetched later",
                ),
                Attempted(target=t),
                date,
                run_id,
            )
            continue
        rows[t.url] = _remembered_row(lake, t, known, date)
    if first and n_deferred:
        error_rows.append(
            {
                "error_key": stable_id("articles", "budget", date, run_id),
                "run_id": run_id,
                "stage": "articles",
                "source_id": None,
                "url": None,
                "item_id": None,
                "error_kind": ErrorKind.BUDGET_EXHAUSTED.value,
                "message": f"{n_deferred} article pages left for later runs "
                f"(article_budget {budget} per run)",
                "at": now,
            }
        )

    if not replay:
        hosts.save()
        journal.append("fetches", date, fetch_rows, run_id)
    journal.append("errors", date, error_rows, run_id)
    table = rows_to_table([rows[k] for k in sorted(rows)], ARTICLES)
    counts: dict[str, int] = defaultdict(int)
    for r in rows.values():
        counts[r["outcome"]] += 1
    return ArticlesResult(table, dict(counts), fetched=len(fetch_now), deferred=len(deferred_urls))


def _remembered_row(lake: Lake, t: Target, record: Mapping[str, Any], date: str) -> dict[str, Any]:
    """The row of a page not fetched this run, from its host record and the extraction cache."""
    key = record.get("extract_key")
    known = _cached(lake, key) if key else None
    kind = record.get("error_kind")
    ext = (
        _from_json(known)
        if known is not None
        else Extraction(
            record["outcome"],
            error_kind=ErrorKind(kind) if kind else None,
            reason=record.get("reason"),
        )
    )
    when = record.get("fetched_at")
    seen = Attempted(
        target=t,
        body_sha256=record.get("body_sha256"),
        final_url=record.get("final_url"),
        http_status=record.get("http_status"),
        fetched_at=datetime.fromisoformat(when) if when else None,
    )
    return _row(t, ext, seen, date, record.get("run_id") or "")


def _row(t: Target, ext: Extraction, a: Attempted, date: str, run_id: str) -> dict[str, Any]:
    return {
        "date": date,
        "story_id": t.story_id,
        "canonical_url": t.url,
        "final_url": a.final_url,
        "outcome": ext.outcome,
        "http_status": a.http_status,
        "title": ext.title,
        "author": ext.author,
        "text": ext.text,
        "word_count": ext.word_count,
        "lang": ext.lang,
        "published_at": ext.published_at,
        "extractor": ext.extractor,
        "error_kind": ext.error_kind.value if ext.error_kind else None,
        "reason": ext.reason,
        "body_sha256": a.body_sha256,
        "fetched_at": a.fetched_at,
        "run_id": run_id,
    }


def _error_row(
    t: Target, ext: Extraction, a: Attempted, run_id: str, now: datetime
) -> dict[str, Any]:
    kind = ext.error_kind.value if ext.error_kind else None
    return {
        # the page, what went wrong, the body and the run that fetched it: a replay (which
        # passes the original run) maps onto the same key and adds nothing
        "error_key": stable_id("articles", t.url, kind, a.body_sha256, run_id),
        "run_id": run_id,
        "stage": "articles",
        "source_id": t.source_id,
        "url": t.url,
        "item_id": None,
        "error_kind": kind,
        "message": ext.reason or kind,
        "at": now,
    }
