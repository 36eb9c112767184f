"""Progress of `riverbed run` / `replay` / `demo`, always on stderr (stdout is for results).

A pipeline run is a short sequence of Dagster runs (`riverbed.orchestrate`): each is a
*stage* here — "collect rss: a … z" or "refine and publish <date>". The orchestrator tells a
`RunProgress` when a stage starts and ends and hands it the stage's Dagster events, turned
into plain `StageEvent`s (this module never imports Dagster). Three flavours:

- `RunProgress`: messages only (through a callable), stages ignored; `silent()` drops even the
  messages (`--quiet`, `--format json`);
- `LineProgress`: one plain line per stage start, per finished step and per stage end — for
  logs, CI and pipes (stderr not a terminal);
- `BarProgress`: rich progress bars, one per stage, counting sources (collect) or assets
  (refine and publish), with the step running now; for a terminal.

`for_cli(quiet, fmt)` picks one. Progress is cosmetic: the orchestrator swallows any error a
progress object raises, so a display problem can never fail a run.

Progress writes to its own duplicate of the stderr file descriptor: while a step runs, Dagster
captures the process's stdout/stderr into compute-log files (`dup2` on fds 1 and 2) and copies
them back to the terminal through a `tail` process, late and out of order — bars drawn there
froze for the whole step.
"""

from __future__ import annotations

import contextlib
import io
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import IO, Any, Literal

from riverbed.run_report import SHOWN

EventKind = Literal["step_started", "step_succeeded", "step_failed", "materialized"]


@dataclass(frozen=True, slots=True)
class StageEvent:
    """What a stage's Dagster run reported: a step started / succeeded / failed, or an asset
    (partition) was materialised. For a collect partition `source` is its slot (a source id,
    or a bucket of `sources` sources), `status` a source's outcome (`ok`, `failed`,
    `not_modified`, `skipped`) and `failed` a bucket's sources that failed."""

    kind: EventKind
    step: str | None = None
    asset: str | None = None
    source: str | None = None
    status: str | None = None
    duration_s: float | None = None
    message: str | None = None
    sources: int = 1
    failed: tuple[str, ...] = ()


@dataclass(slots=True)
class Stage:
    """One Dagster run of a pipeline run. `sources`: the source partitions it collects (None
    for the daily run); `assets`: how many assets it materialises."""

    what: str
    sources: int | None = None
    assets: int = 0
    started: float = field(default_factory=time.monotonic)
    done_sources: int = 0
    failed_sources: list[str] = field(default_factory=list)
    done_assets: set[str] = field(default_factory=set)
    running: str | None = None  # the step running now

    def record(self, event: StageEvent) -> None:
        """Fold one event into the stage's counters."""
        if event.kind == "step_started":
            self.running = event.step
        elif event.kind in ("step_succeeded", "step_failed") and self.running == event.step:
            self.running = None
        elif event.kind == "materialized" and event.asset:
            if event.source is not None and self.sources is not None:
                self.done_sources += event.sources
                if event.status == "failed":
                    self.failed_sources.append(event.source)
                self.failed_sources.extend(event.failed)
            self.done_assets.add(event.asset)

    @property
    def elapsed_s(self) -> float:
        return time.monotonic() - self.started


class RunProgress:
    """Messages only: `progress("text")` passes the text to `say` (nothing when None)."""

    def __init__(self, say: Callable[[str], None] | None = None) -> None:
        self._say = say

    def __call__(self, message: str) -> None:
        if self._say is not None:
            self._say(message)

    def start_stage(self, stage: Stage) -> None:
        """A stage's Dagster run is about to start (its clock starts now)."""
        stage.started = time.monotonic()

    def event(self, stage: Stage, event: StageEvent) -> None:
        """One event of the stage's run: as it happens in process; under other executors the
        run's materialisations once it has ended (read back from the event log)."""
        stage.record(event)

    def finish_stage(self, stage: Stage, cause: str | None) -> None:
        """The stage's run ended; `cause` is why it failed, None when it succeeded."""

    def close(self) -> None:
        """Stop drawing (bars): call before printing anything after the run."""

    def __enter__(self) -> RunProgress:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def silent() -> RunProgress:
    return RunProgress(None)


def own_stream(stream: IO[str]) -> IO[str]:
    """A text stream on a duplicate of `stream`'s file descriptor (unaffected by a later
    `dup2` onto the original); `stream` itself when it has no descriptor (a test's buffer)."""
    try:
        fd = os.dup(stream.fileno())
    except (AttributeError, OSError, io.UnsupportedOperation):
        return stream
    encoding = getattr(stream, "encoding", None) or "utf-8"
    return os.fdopen(fd, "w", buffering=1, encoding=encoding, errors="replace")


def _stage_tally(stage: Stage) -> str:
    if stage.sources is not None:
        failed = len(stage.failed_sources)
        return f"{stage.done_sources}/{stage.sources} sources" + (
            f", {failed} failed" if failed else ""
        )
    return f"{len(stage.done_assets)}/{stage.assets} assets"


class LineProgress(RunProgress):
    """Plain lines on `stream` (default stderr): a stage's start, each finished step of the
    daily stage, the run's first `SHOWN` failed sources (then one line for the rest: a network
    down fails thousands; the stage ends count them, the run's report groups them), the
    stage's end."""

    def __init__(self, stream: IO[str] | None = None) -> None:
        super().__init__(self._write)
        self.stream = stream
        self.named = 0  # failed sources named so far in this run

    def _write(self, message: str) -> None:
        out = self.stream or sys.stderr
        out.write(message + "\n")
        out.flush()

    def close(self) -> None:
        if self.stream is not None:
            with contextlib.suppress(OSError):
                self.stream.flush()

    def start_stage(self, stage: Stage) -> None:
        super().start_stage(stage)
        self._write(f"{stage.what} …")

    def event(self, stage: Stage, event: StageEvent) -> None:
        stage.record(event)
        if event.kind == "step_failed":
            self._write(f"  step {event.step} failed: {event.message or '(no message)'}")
        elif event.kind == "materialized":
            own = (event.source,) if event.status == "failed" and event.source else ()
            for source in own + event.failed:
                self._name_failed(source)
        elif event.kind == "step_succeeded" and stage.sources is None:
            took = f" {event.duration_s:.1f}s" if event.duration_s is not None else ""
            self._write(f"  {event.step} ok{took}")

    def _name_failed(self, source: str) -> None:
        self.named += 1
        if self.named <= SHOWN:
            self._write(f"  source {source} failed")
        elif self.named == SHOWN + 1:
            self._write(
                f"  (more sources failed: the first {SHOWN} are named; "
                "the stage ends count them all)"
            )

    def finish_stage(self, stage: Stage, cause: str | None) -> None:
        outcome = "done" if cause is None else "FAILED"
        self._write(f"{stage.what}: {outcome}, {_stage_tally(stage)}, {stage.elapsed_s:.1f}s")


class BarProgress(RunProgress):
    """rich progress bars on stderr (or `console`), one per stage; messages print above."""

    def __init__(self, console: Any = None) -> None:
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            SpinnerColumn,
            TextColumn,
            TimeElapsedColumn,
        )

        super().__init__(self._print)
        self.console = console or Console(stderr=True)
        self.bars = Progress(
            SpinnerColumn(finished_text="[green]✓"),
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[unit]}"),
            TimeElapsedColumn(),
            TextColumn("[dim]{task.fields[now]}"),
            console=self.console,
            transient=False,
            redirect_stdout=False,  # stdout is for results, never for progress
        )
        self.tasks: dict[int, Any] = {}
        self.started = False

    def _print(self, message: str) -> None:
        self.console.print(message, markup=False, highlight=False)

    def _start(self) -> None:
        if not self.started:
            self.bars.start()
            self.started = True

    def start_stage(self, stage: Stage) -> None:
        super().start_stage(stage)
        self._start()
        unit = "sources" if stage.sources is not None else "assets"
        total = stage.sources if stage.sources is not None else stage.assets
        self.tasks[id(stage)] = self.bars.add_task(
            stage.what, total=total or None, unit=unit, now=""
        )

    def event(self, stage: Stage, event: StageEvent) -> None:
        stage.record(event)
        task = self.tasks.get(id(stage))
        if task is None:
            return
        done = stage.done_sources if stage.sources is not None else len(stage.done_assets)
        failed = len(stage.failed_sources)
        now = stage.running or ""
        if failed:
            now = f"{failed} failed  {now}".rstrip()
        self.bars.update(task, completed=done, now=now)
        if event.kind == "step_failed":
            self._print(f"step {event.step} failed: {event.message or '(no message)'}")

    def finish_stage(self, stage: Stage, cause: str | None) -> None:
        task = self.tasks.get(id(stage))
        if task is None:
            return
        total = self.bars.tasks[task].total
        failed = len(stage.failed_sources)
        if cause is None:
            now = f"[red]{failed} failed" if failed else ""
            self.bars.update(task, completed=total or 0, total=total or 1, now=now)
        else:
            self.bars.update(task, description=f"[red]✗ {stage.what}", now="[red]failed")
            self.bars.stop_task(task)

    def close(self) -> None:
        if self.started:
            self.bars.stop()
            self.started = False


def for_cli(quiet: bool, fmt: str, stream: IO[str] | None = None) -> RunProgress:
    """The progress a CLI command shows: none with `--quiet` or `--format json` (scripts read
    stdout, and stderr then carries errors only), bars when stderr is a terminal, plain lines
    otherwise."""
    if quiet or fmt == "json":
        return silent()
    out = stream or sys.stderr
    if out.isatty():
        from rich.console import Console

        return BarProgress(Console(file=own_stream(out)))
    return LineProgress(own_stream(out))
