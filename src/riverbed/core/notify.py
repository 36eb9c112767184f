"""Alerts (`settings.notify`): which events a run's outcome calls for, and what is POSTed.

Pure: no I/O. The caller observes each source (its last attempt failed? is it stale by
`riverbed.pipeline.status.is_stale`?), `decide` compares that with what was last notified
and returns only the state changes, and `render` turns one event into a request body for a
target's format.

A source's condition is `failed` (its last attempt failed), else `stale` (no success for
3 x `every`), else `ok`. Events, one per change of condition:
- `source_failed`: ok/stale -> failed (a source that has never succeeded starts here too);
- `source_stale`: ok -> stale (a failing source has already been reported as failed);
- `source_recovered`: failed/stale -> ok.
A source never attempted has no condition and no event; one never notified counts as `ok`.
`run_failed` is per Dagster run (de-duplicated by run id by the caller).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

Condition = Literal["ok", "failed", "stale"]
EventName = Literal["run_failed", "source_failed", "source_stale", "source_recovered"]
Format = Literal["json", "slack", "ntfy"]

# The condition a source moves to -> the event announcing it (recovered: back to ok).
_EVENT_FOR: dict[Condition, EventName] = {
    "failed": "source_failed",
    "stale": "source_stale",
    "ok": "source_recovered",
}
REDACTED = "REDACTED"
MIN_SECRET_LEN = 4  # shorter values would blank out ordinary words


@dataclass(frozen=True, slots=True)
class Event:
    """One notification; `as_json` is the contract's json body."""

    event: EventName
    source_id: str | None
    run_id: str | None
    error_kind: str | None
    message: str
    at: datetime

    def as_json(self) -> dict[str, str | None]:
        return {
            "event": self.event,
            "source_id": self.source_id,
            "run_id": self.run_id,
            "error_kind": self.error_kind,
            "message": self.message,
            "at": self.at.astimezone(UTC).isoformat().replace("+00:00", "Z"),
        }


@dataclass(frozen=True, slots=True)
class SourceObservation:
    """A source as a run leaves it. `attempted`: it has ever been collected; `failed`: its
    last attempt failed; `stale`: the status rule's verdict. `run_id`, `error_kind` and
    `message` describe the last attempt when this run made it (None otherwise)."""

    source_id: str
    attempted: bool
    failed: bool
    stale: bool
    run_id: str | None = None
    error_kind: str | None = None
    message: str | None = None
    last_success_at: datetime | None = None


def condition_of(obs: SourceObservation) -> Condition | None:
    """failed before stale: a failing source is reported once, as failed."""
    if not obs.attempted:
        return None
    if obs.failed:
        return "failed"
    return "stale" if obs.stale else "ok"


@dataclass(frozen=True, slots=True)
class Decision:
    events: list[Event]
    # source id -> its new notified condition, for the sources whose condition changed
    changed: dict[str, Condition]


def decide(
    notified: Mapping[str, str],
    observations: Iterable[SourceObservation],
    at: datetime,
    run_id: str | None = None,
) -> Decision:
    """The events for every source whose condition differs from the one last notified.

    `notified`: source id -> condition last announced (absent: `ok`). `run_id` stands in
    for sources this run did not attempt (a stale source)."""
    events: list[Event] = []
    changed: dict[str, Condition] = {}
    for obs in observations:
        now = condition_of(obs)
        before = notified.get(obs.source_id, "ok")
        if now is None or now == before:
            continue
        changed[obs.source_id] = now
        events.append(
            Event(
                event=_EVENT_FOR[now],
                source_id=obs.source_id,
                run_id=obs.run_id or run_id,
                error_kind=obs.error_kind if now == "failed" else None,
                message=_message(now, before, obs),
                at=at,
            )
        )
    return Decision(events=events, changed=changed)


def _message(now: Condition, before: str, obs: SourceObservation) -> str:
    if now == "failed":
        return obs.message or f"{obs.source_id}: the last fetch failed"
    since = (
        f"since {obs.last_success_at.astimezone(UTC).isoformat()}"
        if obs.last_success_at
        else "ever"
    )
    if now == "stale":
        return f"{obs.source_id}: no successful fetch {since} (3 x its every)"
    return f"{obs.source_id}: collected successfully again (was {before})"


def run_failed(run_id: str, message: str, at: datetime) -> Event:
    return Event("run_failed", None, run_id, None, message, at)


# -- secrets -----------------------------------------------------------------------------------


def scrub(text: str, secrets: Iterable[str]) -> str:
    """`text` with every secret value (longest first) replaced by REDACTED."""
    for secret in sorted({s for s in secrets if len(s) >= MIN_SECRET_LEN}, key=len, reverse=True):
        text = text.replace(secret, REDACTED)
    return text


def scrub_event(event: Event, secrets: Iterable[str]) -> Event:
    """The event with secrets removed from its free text (messages quote fetch errors)."""
    return Event(
        event.event,
        event.source_id,
        event.run_id,
        event.error_kind,
        scrub(event.message, secrets),
        event.at,
    )


# -- bodies ------------------------------------------------------------------------------------

_HEADLINE: dict[EventName, str] = {
    "run_failed": "run failed",
    "source_failed": "source failed",
    "source_stale": "source stale",
    "source_recovered": "source recovered",
}


def title(event: Event) -> str:
    """One short line: `riverbed: source failed: lobsters` (ASCII: it may be a header)."""
    subject = event.source_id or (f"run {event.run_id}" if event.run_id else "run")
    return f"riverbed: {_HEADLINE[event.event]}: {subject}"


def text(event: Event) -> str:
    """The human-readable form (slack `text`, ntfy body)."""
    detail = f"{event.error_kind}: {event.message}" if event.error_kind else event.message
    run = f" (run {event.run_id})" if event.run_id else ""
    return f"{title(event)}\n{detail}{run}"


def render(event: Event, fmt: Format) -> tuple[bytes, dict[str, str]]:
    """The POST body and the headers it needs for a target's `format`:
    json -> the contract's object; slack -> {"text"}; ntfy -> plain text + Title."""
    if fmt == "json":
        return json.dumps(event.as_json()).encode(), {"Content-Type": "application/json"}
    if fmt == "slack":
        return json.dumps({"text": text(event)}).encode(), {"Content-Type": "application/json"}
    body = text(event).split("\n", 1)[1]
    return body.encode(), {"Content-Type": "text/plain; charset=utf-8", "Title": title(event)}
