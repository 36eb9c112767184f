"""Alerts at the edges: observe sources in the lake, remember what was notified, POST events.

`notify_run_end` is what `riverbed run` / `demo` call once when the run ends (an in-process
run has no daemon, so no sensor would fire for it); `notify_run_failure` is what the Dagster
run-failure sensor calls for runs launched from the UI or a schedule. Both de-duplicate
through the lake:
- `state/notify/sources.json`: source id -> the condition last announced, so a second run in
  the same state sends nothing (see `riverbed.core.notify.decide`);
- `state/notify/runs/<run_id>.json`: a run already announced as failed (by the CLI or by
  the sensor, whichever came first).
The state moves on whether or not a POST got through: an undelivered event is recorded (an
`errors` row with stage `notify`, and a warning in the log) and not re-sent later.

Sending goes through the one HTTP client (`HttpClient.post`: deadline, retries with backoff
on 429/5xx and connection failures). A webhook that stays down never fails the run, and
after one undelivered event a target is not tried again in the same run. The expanded URL
and header values are never logged, recorded or put in a payload.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote, urlsplit

from riverbed.core.catalogue import Catalogue, NotifyTarget
from riverbed.core.ids import stable_id
from riverbed.core.notify import (
    Event,
    SourceObservation,
    decide,
    render,
    run_failed,
    scrub,
    scrub_event,
)
from riverbed.fetch.client import HttpClient
from riverbed.fetch.types import FetchSettings
from riverbed.lake.journal import Journal
from riverbed.lake.lease import NOTIFY_LEASE, leased
from riverbed.lake.store import Lake
from riverbed.pipeline.collect import SourceState, fetch_settings
from riverbed.pipeline.status import is_stale

log = logging.getLogger(__name__)

STAGE = "notify"
MIN_TOKEN_LEN = 8
# the fetch layer logs request URLs (redacted for credentials in userinfo and query, but a
# webhook's secret is often its path): scrubbed while a notification is being sent
_CLIENT_LOGGER = "riverbed.fetch.client"


# -- what was notified -------------------------------------------------------------------------


class NotifiedState:
    """What was last announced, in the lake under `state/notify/`."""

    def __init__(self, lake: Lake) -> None:
        self.lake = lake
        self._sources = lake.path("state", "notify", "sources.json")

    def conditions(self) -> dict[str, str]:
        """source id -> condition last announced (`ok`, `failed`, `stale`)."""
        data = self.lake.read_json(self._sources) or {}
        return {k: v["condition"] for k, v in data.items() if isinstance(v, dict)}

    def record(self, changed: Mapping[str, str], at: datetime, run_id: str | None) -> None:
        if not changed:
            return
        data = self.lake.read_json(self._sources) or {}
        for source_id, condition in changed.items():
            data[source_id] = {"condition": condition, "since": at.isoformat(), "run_id": run_id}
        self.lake.write_json(self._sources, data)

    def claim_run(self, run_id: str, at: datetime) -> bool:
        """True the first time a failed run is claimed for announcing; False afterwards."""
        marker = self.lake.path("state", "notify", "runs", f"{run_id}.json")
        if self.lake.exists(marker):
            return False
        self.lake.write_json(marker, {"run_id": run_id, "at": at.isoformat()})
        return True


# -- observing sources -------------------------------------------------------------------------


def observe(
    lake: Lake,
    sources: Sequence[Any],
    health_rows: Iterable[Mapping[str, Any]],
    now: datetime,
) -> list[SourceObservation]:
    """Every catalogue source as the lake has it now: its last attempt (per-source state,
    written by collect) and `is_stale`, the rule `riverbed status` applies. `health_rows`:
    this run's `source_health` rows, for the failing attempt's run id, kind and message."""
    latest: dict[str, Mapping[str, Any]] = {}
    for health in sorted(health_rows, key=lambda r: r["at"]):
        latest[health["source_id"]] = health
    states = SourceState(lake)
    out = []
    for s in sources:
        state = states.load(s.id)
        last_success = state.get("last_success_at")
        last_success_at = datetime.fromisoformat(last_success) if last_success else None
        row = latest.get(s.id)
        out.append(
            SourceObservation(
                source_id=s.id,
                attempted=bool(state.get("last_attempt_at")),
                failed=state.get("last_status") == "failed",
                stale=is_stale(s.every_td, last_success_at, now),
                run_id=row["run_id"] if row else None,
                error_kind=row["error_kind"] if row else None,
                message=row["message"] if row else None,
                last_success_at=last_success_at,
            )
        )
    return out


# -- secrets -----------------------------------------------------------------------------------


def catalogue_secrets(catalogue: Catalogue) -> list[str]:
    """Values that must not appear in a log, a payload or an `errors` row: notify URLs (whole,
    and their userinfo, path and query, where webhook tokens live) and header values,
    source header values, the proxy."""
    found: list[str] = []
    for target in catalogue.settings.notify:
        url = str(target.url)
        parts = urlsplit(url)
        found += [url, parts.query, parts.netloc.rpartition("@")[0]]
        if len(parts.path) >= MIN_TOKEN_LEN:
            found += [parts.path, unquote(parts.path)]
        found += [p for p in parts.path.split("/") if _token_like(p)]
        found += list(target.headers.values())
    for source in catalogue.sources:
        found += list((getattr(source, "headers", None) or {}).values())
    if catalogue.settings.proxy:
        found.append(catalogue.settings.proxy)
    return [s for s in found if s and s != "/"]


def _token_like(segment: str) -> bool:
    """A path segment that looks like a credential (`B0123XYZ`), not a word (`services`)."""
    return len(segment) >= MIN_TOKEN_LEN and not re.fullmatch(r"[a-z-]+", segment)


class _Scrub(logging.Filter):
    def __init__(self, secrets: Sequence[str]) -> None:
        super().__init__()
        self.secrets = secrets

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = scrub(record.getMessage(), self.secrets)
        record.args = ()
        return True


@contextlib.contextmanager
def _scrubbed_client_log(secrets: Sequence[str]) -> Iterator[None]:
    logger = logging.getLogger(_CLIENT_LOGGER)
    guard = _Scrub(secrets)
    logger.addFilter(guard)
    try:
        yield
    finally:
        logger.removeFilter(guard)


# -- sending -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Delivery:
    """One event for one target: delivered, or why not (a message without secrets)."""

    target: int  # index in settings.notify
    event: Event
    ok: bool
    status: int | None = None
    error_kind: str | None = None
    error: str | None = None

    def describe(self) -> str:
        return f"settings.notify[{self.target}]: {self.event.event} " + (
            f"delivered (HTTP {self.status})" if self.ok else f"not delivered: {self.error}"
        )


def send(
    targets: Sequence[NotifyTarget],
    events: Sequence[Event],
    settings: FetchSettings,
    secrets: Sequence[str] = (),
) -> list[Delivery]:
    """POST each event to every target subscribed to it (`on`), in order per target, the
    targets side by side. Never raises for delivery trouble: see each `Delivery`."""
    if not any(e.event in t.on for t in targets for e in events):
        return []
    with _scrubbed_client_log(secrets):
        return asyncio.run(_send_all(targets, events, settings, secrets))


async def _send_all(
    targets: Sequence[NotifyTarget],
    events: Sequence[Event],
    settings: FetchSettings,
    secrets: Sequence[str],
) -> list[Delivery]:
    async with HttpClient(settings) as client:
        per_target = await asyncio.gather(
            *(
                _send_to(client, index, target, [e for e in events if e.event in target.on])
                for index, target in enumerate(targets)
            )
        )
    return [scrubbed(d, secrets) for deliveries in per_target for d in deliveries]


def scrubbed(delivery: Delivery, secrets: Sequence[str]) -> Delivery:
    error = scrub(delivery.error, secrets) if delivery.error else None
    return Delivery(
        delivery.target, delivery.event, delivery.ok, delivery.status, delivery.error_kind, error
    )


async def _send_to(
    client: HttpClient, index: int, target: NotifyTarget, events: Sequence[Event]
) -> list[Delivery]:
    out: list[Delivery] = []
    broken: tuple[str, str] | None = None  # after one undelivered event, left alone
    for event in events:
        if broken is not None:
            out.append(Delivery(index, event, False, error_kind=broken[0], error=broken[1]))
            continue
        body, headers = render(event, target.format)
        response = await client.post(
            str(target.url), body, headers={**headers, **target.headers}, trusted=True
        )
        if response.ok:
            out.append(Delivery(index, event, True, status=response.status))
            continue
        # the client's own message quotes the URL: say what happened without it
        kind = response.error_kind.value if response.error_kind else "http_status"
        status = f" HTTP {response.status}" if response.status else ""
        tries = len(response.attempts)
        error = f"{kind}{status} after {tries} attempt{'s' if tries != 1 else ''}"
        out.append(Delivery(index, event, False, response.status, kind, error))
        broken = (kind, f"not tried: an earlier event to this target failed ({error})")
    return out


# -- run end / run failure ---------------------------------------------------------------------


def notify_run_end(
    catalogue: Catalogue,
    lake: Lake,
    summary: Any,
    now: datetime | None = None,
    settings: FetchSettings | None = None,
) -> list[Delivery]:
    """Announce what changed in this run (`summary`: `riverbed.orchestrate.RunSummary`): one
    `run_failed` per failed Dagster run (swept dead runs included), then the source state
    changes. No-op without notify targets. Never raises: trouble is logged (and recorded
    when the lake allows)."""
    if not catalogue.settings.notify:
        return []
    try:
        return _notify_run_end(catalogue, lake, summary, now or datetime.now(UTC), settings)
    except Exception as exc:  # alerts must never turn a run into a failure
        secrets = catalogue_secrets(catalogue)
        log.warning("notify: could not decide or send: %s", scrub(f"{exc!r}", secrets))
        return []


def _notify_run_end(
    catalogue: Catalogue,
    lake: Lake,
    summary: Any,
    now: datetime,
    settings: FetchSettings | None,
) -> list[Delivery]:
    state = NotifiedState(lake)
    events: list[Event] = []
    failed_runs: dict[str, str] = dict(summary.failed_runs)
    for run_id in summary.swept_runs:
        failed_runs.setdefault(run_id, "the process running it is gone (marked failed)")
    # deciding reads and updates the notified state: one run at a time (sending is not)
    with leased(lake, [NOTIFY_LEASE], summary.run_ids[-1] if summary.run_ids else "riverbed"):
        for run_id, cause in failed_runs.items():
            if state.claim_run(run_id, now):
                events.append(run_failed(run_id, cause, now))
        events += _source_events(catalogue, lake, state, summary.run_ids, summary.date, now)
    return _deliver(catalogue, lake, events, summary.date, settings)


def _source_events(
    catalogue: Catalogue,
    lake: Lake,
    state: NotifiedState,
    run_ids: Sequence[str],
    date: str,
    now: datetime,
) -> list[Event]:
    """The source state changes since the last notification; recorded as notified."""
    wanted = set(run_ids)
    health = [
        r for r in Journal(lake).read("source_health", date).to_pylist() if r["run_id"] in wanted
    ]
    observations = observe(lake, catalogue.sources, health, now)
    last_run = run_ids[-1] if run_ids else None
    decision = decide(state.conditions(), observations, now, last_run)
    state.record(decision.changed, now, last_run)
    return decision.events


def notify_source_changes(
    catalogue: Catalogue,
    lake: Lake,
    run_id: str,
    date: str,
    now: datetime | None = None,
    settings: FetchSettings | None = None,
) -> list[Delivery]:
    """The source state changes after a collect run launched outside the CLI (the sensor's
    side of `notify_run_end`). De-duplicated like it: a state already announced is silent."""
    if not catalogue.settings.notify:
        return []
    now = now or datetime.now(UTC)
    events = _source_events(catalogue, lake, NotifiedState(lake), [run_id], date, now)
    return _deliver(catalogue, lake, events, date, settings)


def notify_run_failure(
    catalogue: Catalogue,
    lake: Lake,
    run_id: str,
    cause: str,
    now: datetime | None = None,
    settings: FetchSettings | None = None,
) -> list[Delivery]:
    """Announce one failed Dagster run, unless it was announced already (by the CLI that ran
    it, or by an earlier tick). Raises nothing for delivery trouble."""
    if not catalogue.settings.notify:
        return []
    now = now or datetime.now(UTC)
    with leased(lake, [NOTIFY_LEASE], run_id):
        if not NotifiedState(lake).claim_run(run_id, now):
            return []
    return _deliver(
        catalogue, lake, [run_failed(run_id, cause, now)], now.date().isoformat(), settings
    )


def _deliver(
    catalogue: Catalogue,
    lake: Lake,
    events: Sequence[Event],
    date: str,
    settings: FetchSettings | None,
) -> list[Delivery]:
    secrets = catalogue_secrets(catalogue)
    events = [scrub_event(e, secrets) for e in events]
    deliveries = send(
        catalogue.settings.notify,
        events,
        settings or fetch_settings(catalogue.settings),
        secrets,
    )
    failed = [d for d in deliveries if not d.ok]
    for d in failed:
        log.warning("notify: %s", d.describe())
    if failed:
        try:
            Journal(lake).append(
                "errors",
                date,
                [error_row(d) for d in failed],
                failed[0].event.run_id or "notify",
            )
        except OSError as exc:
            log.warning("notify: could not record undelivered events: %s", scrub(str(exc), secrets))
    return deliveries


def error_row(d: Delivery) -> dict[str, Any]:
    """An `errors` row for an undelivered event (no URL: it may carry the webhook's token)."""
    e = d.event
    return {
        "error_key": stable_id(
            STAGE, str(d.target), e.event, e.source_id, e.run_id, e.at.isoformat()
        ),
        "run_id": e.run_id,
        "stage": STAGE,
        "source_id": e.source_id,
        "url": None,
        "item_id": None,
        "error_kind": d.error_kind,
        "message": f"settings.notify[{d.target}]: {e.event} not delivered: {d.error}",
        "at": e.at,
    }
