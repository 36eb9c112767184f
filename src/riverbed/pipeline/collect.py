"""Collect a batch of catalogue sources for one day: fetch (or replay from bronze), parse,
merge into each source's day partition, and journal fetches, errors and source health."""

from __future__ import annotations

import asyncio
import time
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pyarrow as pa

from riverbed.core.errors import ErrorKind, RiverbedError
from riverbed.core.ids import stable_id
from riverbed.core.items import build_items, merge_items
from riverbed.core.models import Item, ItemProblem, ParseResult
from riverbed.fetch.client import HttpClient
from riverbed.fetch.redact import redact_url
from riverbed.fetch.session import Body, FetchSession, ReplayTransport, Transport, UrlState
from riverbed.fetch.types import FetchSettings
from riverbed.lake.blobs import BlobStore
from riverbed.lake.journal import Journal
from riverbed.lake.schemas import ITEMS
from riverbed.lake.state import SourceState
from riverbed.lake.store import Lake, rows_to_table
from riverbed.pipeline.slots import DaySlots
from riverbed.sources.registry import COLLECTORS, SingleRequestCollector


def fetch_settings(settings: Any) -> FetchSettings:
    """FetchSettings from the catalogue's `settings` block."""
    return FetchSettings(
        user_agent=settings.user_agent,
        per_host_concurrency=settings.per_host_concurrency,
        per_host_delay_ms=settings.per_host_delay_ms,
        connect_timeout_s=settings.connect_timeout_s,
        timeout_s=settings.timeout_s,
        max_body_bytes=int(settings.max_body_mb * 1024 * 1024),
        resolve=dict(settings.resolve),
        allow_private_hosts=tuple(settings.allow_private_hosts),
        proxy=settings.proxy or None,
    )


@dataclass(slots=True)
class SourceOutcome:
    source_id: str
    kind: str
    run_id: str  # the run whose fetches this outcome used (the original run when replaying)
    status: str  # ok | failed | not_modified
    items: list[Item] = field(default_factory=list)
    problems: list[ItemProblem] = field(default_factory=list)
    error: RiverbedError | None = None
    latency_ms: int = 0
    bytes: int = 0
    http_status: int | None = None
    fetch_ids: list[str] = field(default_factory=list)
    fetch_rows: list[dict[str, Any]] = field(default_factory=list)
    url: str | None = None


@dataclass(slots=True)
class SourceReport:
    """Per-source result of a collect step (one `source_health` row's worth)."""

    source_id: str
    kind: str
    status: str
    items_seen: int
    items_new: int
    items_updated: int
    latency_ms: int
    bytes: int
    http_status: int | None
    error_kind: str | None
    message: str | None


@dataclass(slots=True)
class CollectResult:
    # slot -> the day partition's full table (merged); a slot is the source id, or the
    # source's bucket in a kind with many sources (`riverbed.core.slots`)
    tables: dict[str, pa.Table]
    reports: list[SourceReport]
    # source_id -> its new fetch state (last success, validators): saved by `finish` only
    # once `tables` are stored, so a run killed in between fetches the source again instead
    # of taking it for collected (its cadence would skip it, its validators get a 304)
    states: dict[str, dict[str, Any]] = field(default_factory=dict)
    day: DaySlots | None = None

    def finish(self, lake: Lake) -> None:
        """Call after `tables` are written: take moved rows out of their old slots, then
        record each source's fetch state."""
        if self.day is not None:
            self.day.clear_moved()
        store = SourceState(lake)
        for source_id, state in self.states.items():
            store.save(source_id, state)


@dataclass(slots=True)
class _Fetched:
    """Phase one of a source: what it fetched, or how it failed."""

    body: Body | None = None  # single-request kinds: parsed in phase two
    result: ParseResult | None = None  # multi-request kinds parse as they go
    error: RiverbedError | None = None
    latency_ms: int = 0


def _guarded(exc: BaseException) -> RiverbedError:
    if isinstance(exc, RiverbedError):
        return exc
    # one source's bug must never fail the others
    return RiverbedError(ErrorKind.INTERNAL, f"{type(exc).__name__}: {exc}")


async def _fetch_one(source: Any, session: FetchSession) -> _Fetched:
    """Phase one: the network. Single-request kinds only GET; the others run their collector."""
    started = time.monotonic()
    collector = COLLECTORS[source.kind]
    out = _Fetched()
    try:
        if isinstance(collector, SingleRequestCollector):
            out.body = await session.get(collector.request_url(source), trusted=True)
        else:
            out.result = await collector.collect(source, session)
    except Exception as exc:
        out.error = _guarded(exc)
    out.latency_ms = int((time.monotonic() - started) * 1000)
    return out


def _finish_one(
    source: Any, session: FetchSession, fetched: _Fetched, run_id: str
) -> SourceOutcome:
    """Phase two: the CPU. Parse (single-request kinds), build items, describe the fetches."""
    out = SourceOutcome(
        source_id=source.id,
        kind=source.kind,
        run_id=run_id,
        status="ok",
        url=redact_url(str(source.url)),  # for `errors` rows: no token from the catalogue
    )
    try:
        if fetched.error is not None:
            raise fetched.error
        result = fetched.result
        if result is None:
            collector = COLLECTORS[source.kind]
            assert isinstance(collector, SingleRequestCollector) and fetched.body is not None
            result = collector.finish(source, fetched.body)
        latest = max(session.bodies, key=lambda b: b.observed_at, default=None)
        out.items = build_items(
            result.items,
            source_id=source.id,
            kind=source.kind,
            observed_at=latest.observed_at if latest else datetime.now(UTC),
            source_tags=list(source.tags),
            run_id=latest.observed_run_id if latest else run_id,
            fetch_id=latest.observed_fetch_id if latest else None,
        )
        out.problems = list(result.problems)
        if session.bodies and all(b.status == 304 for b in session.bodies):
            out.status = "not_modified"
    except Exception as exc:
        out.status, out.error = "failed", _guarded(exc)
    out.latency_ms = fetched.latency_ms
    out.fetch_rows = session.rows
    # sorted: concurrent requests finish in any order, keys derived from them must not
    out.fetch_ids = sorted(
        {r["fetch_id"] for r in session.rows} or {b.fetch_id for b in session.bodies}
    )
    out.bytes = sum(len(b.data) for b in session.bodies if not b.from_cache)
    statuses = [r["status"] for r in session.rows if r["status"] is not None]
    out.http_status = statuses[-1] if statuses else (200 if session.bodies else None)
    return out


async def _collect_one(source: Any, session: FetchSession, run_id: str) -> SourceOutcome:
    return _finish_one(source, session, await _fetch_one(source, session), run_id)


async def _collect_live(
    sources: Sequence[Any],
    settings: FetchSettings,
    store: BlobStore,
    states: dict[str, dict[str, UrlState]],
    run_id: str,
) -> list[SourceOutcome]:
    async with HttpClient(settings) as client:
        sessions = [
            FetchSession(
                client,
                store,
                source_id=s.id,
                run_id=run_id,
                state=states[s.id],
                headers=dict(s.headers or {}),
            )
            for s in sources
        ]
        # every source's network first, then the parsing: CPU work never stalls responses in
        # flight, and the connections are released as early as the network allows
        fetched = await asyncio.gather(*(_fetch_one(s, ss) for s, ss in zip(sources, sessions)))
    return [
        _finish_one(s, ss, f, run_id) for s, ss, f in zip(sources, sessions, fetched, strict=True)
    ]


async def _collect_replay(
    source: Any, fetch_rows: Sequence[Mapping[str, Any]], store: BlobStore
) -> list[SourceOutcome]:
    """Re-run a source's collection for every earlier run of the day, oldest first."""
    by_run: dict[str, list[Mapping[str, Any]]] = defaultdict(list)
    for row in fetch_rows:
        by_run[row["run_id"]].append(row)
    order = sorted(by_run, key=lambda r: min(x["fetched_at"] for x in by_run[r]))
    state: dict[str, UrlState] = {}
    outcomes = []
    for original_run in order:
        transport: Transport = ReplayTransport(by_run[original_run], store)
        session = FetchSession(
            transport, store, source_id=source.id, run_id=original_run, state=state, record=False
        )
        outcomes.append(await _collect_one(source, session, original_run))
        outcomes[-1].fetch_ids = sorted({r["fetch_id"] for r in by_run[original_run]})
    return outcomes


def _error_rows(out: SourceOutcome, at: datetime) -> list[dict[str, Any]]:
    fetch_key = ",".join(out.fetch_ids)
    rows = []
    if out.error is not None:
        rows.append(
            {
                "error_key": stable_id("collect", out.source_id, out.error.kind, fetch_key),
                "run_id": out.run_id,
                "stage": "collect",
                "source_id": out.source_id,
                "url": out.url,
                "item_id": None,
                "error_kind": out.error.kind.value,
                "message": out.error.message,
                "at": at,
            }
        )
    for p in out.problems:
        rows.append(
            {
                "error_key": stable_id(
                    "collect",
                    out.source_id,
                    p.error_kind,
                    p.external_id,
                    p.url,
                    p.message,
                    fetch_key,
                ),
                "run_id": out.run_id,
                "stage": "collect",
                "source_id": out.source_id,
                "url": p.url or out.url,
                "item_id": p.external_id,
                "error_kind": p.error_kind.value,
                "message": p.message,
                "at": at,
            }
        )
    return rows


def collect(
    lake: Lake,
    sources: Sequence[Any],
    settings: Any,
    date: str,
    run_id: str,
    *,
    replay: bool = False,
    now: datetime | None = None,
    slots: Mapping[str, str] | None = None,
    known: set[str] | None = None,
) -> CollectResult:
    """Collect `sources` (all of one kind) into their `date` partitions of the
    `<kind>_items` table: each source's slot (`slots`, source id -> slot; by default its own
    partition). A bucket slot keeps the rows of its sources not collected now, and drops
    those of sources not `known` (no longer in the catalogue).

    Live: fetch through the one HTTP client, merging with what the partition already holds.
    Replay: rebuild each partition from that day's stored responses only (no network).
    A failing source never affects the others: it keeps its previous partition and gets an
    `errors` row and a failed `source_health` row.

    The caller stores `tables`, then calls `result.finish(lake)`: the sources' fetch state
    must never say "collected" before their items are in the lake.
    """
    now = now or datetime.now(UTC)
    kinds = {s.kind for s in sources}
    if len(kinds) > 1:
        raise ValueError(f"collect takes sources of one kind, not {sorted(kinds)}")
    store, journal, state_store = BlobStore(lake), Journal(lake), SourceState(lake)
    states_raw = {s.id: state_store.load(s.id) for s in sources}
    url_states = {
        # keyed by the redacted URL, as FetchSession keeps them (older states: redacted here)
        sid: {redact_url(u): UrlState.from_json(v) for u, v in (st.get("urls") or {}).items()}
        for sid, st in states_raw.items()
    }

    outcomes: dict[str, list[SourceOutcome]] = {}
    if replay:
        fetches = journal.read("fetches", date).to_pylist()
        rows_by_source: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for row in fetches:
            rows_by_source[row["source_id"]].append(row)
        for s in sources:
            outcomes[s.id] = asyncio.run(_collect_replay(s, rows_by_source.get(s.id, []), store))
    else:
        live = asyncio.run(
            _collect_live(sources, fetch_settings(settings), store, url_states, run_id)
        )
        outcomes = {o.source_id: [o] for o in live}

    tables: dict[str, pa.Table] = {}
    reports: list[SourceReport] = []
    new_states: dict[str, dict[str, Any]] = {}
    fetch_rows, error_rows, health_rows, metric_rows = [], [], [], []
    slot_of = dict(slots) if slots is not None else {s.id: s.id for s in sources}
    day = DaySlots(lake, next(iter(kinds)), date, slot_of) if sources else None
    for s in sources:
        if replay and not outcomes[s.id]:
            continue  # nothing was fetched for it that day: leave its rows alone
        assert day is not None
        existing = day.claim(s.id)  # a closed day's partitions may be compacted
        # a replay rebuilds the source's rows from the day's responses alone
        rows: list[dict[str, Any]] = [] if replay else existing.to_pylist()
        seen = new = updated = 0
        last = outcomes[s.id][-1] if outcomes[s.id] else None
        prev_success = states_raw[s.id].get("last_success_at")
        for out in outcomes[s.id]:
            merged = merge_items(rows, out.items)
            rows, added = merged.rows, merged.added
            seen, new = len(out.items), (new + added if replay else added)
            updated = updated + merged.updated if replay else merged.updated
            fetch_rows.extend(out.fetch_rows)
            error_rows.extend(_error_rows(out, now))
            metric_rows.extend(_metric_rows(out))
            if out.status != "failed":
                prev_success = max(prev_success or "", _iso(now if not replay else _obs(out)))
            health_rows.append(_health_row(s, out, seen, added, merged.updated, prev_success, now))
        tables[s.id] = rows_to_table(rows, ITEMS)
        if last is not None:
            reports.append(
                SourceReport(
                    source_id=s.id,
                    kind=s.kind,
                    status=last.status,
                    items_seen=seen,
                    items_new=new,
                    items_updated=updated,
                    latency_ms=last.latency_ms,
                    bytes=last.bytes,
                    http_status=last.http_status,
                    error_kind=last.error.kind.value if last.error else None,
                    message=last.error.message if last.error else None,
                )
            )
        if not replay:
            state = dict(states_raw[s.id])
            state["urls"] = {u: st.to_json() for u, st in url_states[s.id].items()}
            state["last_attempt_at"] = _iso(now)
            state["last_status"] = last.status if last else None
            if prev_success:
                state["last_success_at"] = prev_success
            new_states[s.id] = state

    if not replay:
        journal.append("fetches", date, fetch_rows, run_id)
    journal.append("errors", date, error_rows, run_id)
    journal.append("item_metrics", date, metric_rows, run_id)
    journal.append("source_health", date, health_rows, run_id)
    by_slot = day.assemble(tables, known) if day is not None else {}
    return CollectResult(tables=by_slot, reports=reports, states=new_states, day=day)


def _metric_rows(out: SourceOutcome) -> list[dict[str, Any]]:
    """Every observation's score and comment count (engagement history, `item_metrics`);
    none for an item with neither (most feeds': no engagement to record).

    An observation is keyed by (item, observed_at); a 304 or an identical body re-uses the
    first observation's time, so it adds nothing, and a replay maps onto the same keys."""
    return [
        {
            "item_id": i.item_id,
            "source_id": i.source_id,
            "observed_at": i.last_seen_at,
            "score": i.score,
            "comments": i.comments,
            "run_id": i.run_id or out.run_id,
        }
        for i in out.items
        if i.score is not None or i.comments is not None
    ]


def _iso(when: datetime) -> str:
    return when.astimezone(UTC).isoformat()


def _obs(out: SourceOutcome) -> datetime:
    return max((i.last_seen_at for i in out.items), default=datetime.min.replace(tzinfo=UTC))


def _health_row(
    source: Any,
    out: SourceOutcome,
    seen: int,
    added: int,
    updated: int,
    last_success: str | None,
    now: datetime,
) -> dict[str, Any]:
    return {
        # the original run and its fetches identify a health record; a replay of the same
        # responses maps onto the same key and adds nothing
        "health_key": stable_id("health", out.source_id, out.run_id, *out.fetch_ids),
        "run_id": out.run_id,
        "source_id": out.source_id,
        "kind": source.kind,
        "status": out.status,
        "items_seen": seen,
        "items_new": added,
        "items_updated": updated,
        "latency_ms": out.latency_ms,
        "bytes": out.bytes,
        "http_status": out.http_status,
        "last_success_at": datetime.fromisoformat(last_success) if last_success else None,
        "error_kind": out.error.kind.value if out.error else None,
        "message": out.error.message if out.error else None,
        "at": now,
    }
