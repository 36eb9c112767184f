"""Progress on stderr: what each flavour shows for a stage's events (no Dagster run here; the
events are the plain ones `riverbed.orchestrate` derives from Dagster's)."""

from __future__ import annotations

import io

import pytest
from rich.console import Console

from riverbed.progress import (
    BarProgress,
    LineProgress,
    RunProgress,
    Stage,
    StageEvent,
    for_cli,
    own_stream,
)
from riverbed.run_report import SHOWN

COLLECT_EVENTS = [
    StageEvent("step_started", step="rss_items"),
    StageEvent("materialized", step="rss_items", asset="rss_items", source="wp", status="ok"),
    StageEvent("materialized", step="rss_items", asset="rss_items", source="down", status="failed"),
    StageEvent("materialized", step="rss_items", asset="rss_items", source="gh", status="ok"),
    StageEvent("step_succeeded", step="rss_items", duration_s=1.5),
]
DAILY_EVENTS = [
    StageEvent("step_started", step="items"),
    StageEvent("materialized", step="items", asset="items"),
    StageEvent("step_succeeded", step="items", duration_s=0.25),
    StageEvent("step_started", step="stories"),
    StageEvent("step_failed", step="stories", message="LakeError: cannot write stories"),
]


def _feed(progress: RunProgress, stage: Stage, events: list[StageEvent]) -> None:
    progress.start_stage(stage)
    for event in events:
        progress.event(stage, event)


def test_a_stage_counts_sources_and_remembers_the_failed_ones():
    stage = Stage("collect rss", sources=3)
    for event in COLLECT_EVENTS:
        stage.record(event)
    assert (stage.done_sources, stage.failed_sources, stage.running) == (3, ["down"], None)
    daily = Stage("refine", assets=2)
    for event in DAILY_EVENTS[:4]:
        daily.record(event)
    assert (daily.done_assets, daily.running, daily.done_sources) == ({"items"}, "stories", 0)


def test_a_stage_is_timed_from_its_start_not_from_when_it_was_planned():
    stage = Stage("collect rss", sources=1)
    stage.started -= 60  # planned a minute before its run starts (runs go one at a time)
    out = io.StringIO()
    progress = LineProgress(out)
    progress.start_stage(stage)
    progress.finish_stage(stage, None)
    assert out.getvalue().splitlines()[-1].endswith(", 0.0s")


def test_lines_name_each_stage_failed_source_finished_step_and_outcome():
    out = io.StringIO()
    progress = LineProgress(out)
    collect, daily = Stage("collect rss: wp … gh", sources=3), Stage("refine 2026-11-25", assets=2)
    _feed(progress, collect, COLLECT_EVENTS)
    progress.finish_stage(collect, None)
    _feed(progress, daily, DAILY_EVENTS)
    progress.finish_stage(daily, "stories: LakeError: cannot write stories")
    progress("a message")
    lines = out.getvalue().splitlines()
    assert lines[0] == "collect rss: wp … gh …"
    assert lines[1] == "  source down failed"
    assert lines[2].startswith("collect rss: wp … gh: done, 3/3 sources, 1 failed, ")
    assert lines[3:6] == [
        "refine 2026-11-25 …",
        "  items ok 0.2s",
        "  step stories failed: LakeError: cannot write stories",
    ]
    assert lines[6].startswith("refine 2026-11-25: FAILED, 1/2 assets, ")
    assert lines[7] == "a message"
    assert len(lines) == 8  # a collect step's own success is not a line: its stage end says it


def test_lines_name_the_runs_first_failed_sources_then_one_line_for_the_rest():
    """A network down fails thousands of sources: a log gets the first `SHOWN` of the run
    (single sources and buckets' sources alike, across stages), one line for the rest, and
    each stage end's count of all."""
    out = io.StringIO()
    progress = LineProgress(out)
    first, second = Stage("collect rss", sources=15), Stage("collect hn", sources=200)
    _feed(
        progress,
        first,
        [
            StageEvent("materialized", asset="rss_items", source=f"s{i}", status="failed")
            for i in range(15)
        ],
    )
    progress.finish_stage(first, None)
    _feed(
        progress,
        second,
        [
            StageEvent(
                "materialized",
                asset="hn_items",
                source=f"b{b}",
                status="ok",
                sources=100,
                failed=tuple(f"b{b}-{i}" for i in range(100)),
            )
            for b in range(2)
        ],
    )
    progress.finish_stage(second, None)
    lines = out.getvalue().splitlines()
    named = [line for line in lines if line.startswith("  source ")]
    assert named == [f"  source s{i} failed" for i in range(15)] + [
        f"  source b0-{i} failed" for i in range(SHOWN - 15)
    ]
    assert sum("more sources failed" in line for line in lines) == 1
    assert lines[-1].startswith("collect hn: done, 200/200 sources, 200 failed, ")
    assert len(lines) == 2 + 2 + SHOWN + 1


def test_bars_draw_one_bar_per_stage_with_its_count():
    buf = io.StringIO()
    progress = BarProgress(Console(file=buf, force_terminal=True, width=120))
    collect = Stage("collect rss", sources=3)
    _feed(progress, collect, COLLECT_EVENTS)
    progress.finish_stage(collect, None)
    daily = Stage("refine and publish", assets=2)
    _feed(progress, daily, DAILY_EVENTS)
    progress.finish_stage(daily, "stories failed")
    progress.close()
    text = buf.getvalue()
    assert "collect rss" in text and "3/3" in text and "1 failed" in text
    assert "step stories failed: LakeError: cannot write stories" in text
    assert "✗ refine and publish" in text and "1/2" in text
    assert not progress.started  # closed: the terminal is the caller's again


@pytest.mark.parametrize(
    ("quiet", "fmt", "tty", "expected"),
    [
        (False, "table", True, BarProgress),
        (False, "table", False, LineProgress),
        (True, "table", True, RunProgress),
        (False, "json", True, RunProgress),
        (False, "json", False, RunProgress),
    ],
)
def test_for_cli_picks_bars_for_a_terminal_lines_otherwise_nothing_for_scripts(
    quiet, fmt, tty, expected
):
    class Stream(io.StringIO):
        def isatty(self) -> bool:
            return tty

    progress = for_cli(quiet, fmt, Stream())
    assert type(progress) is expected
    progress.close()


def test_silent_progress_says_nothing(capsys):
    progress = for_cli(True, "table")
    stage = Stage("collect rss", sources=3)
    _feed(progress, stage, COLLECT_EVENTS)
    progress.finish_stage(stage, None)
    progress("not shown")
    captured = capsys.readouterr()
    assert (captured.out, captured.err) == ("", "")


def test_progress_writes_through_its_own_descriptor(tmp_path):
    """Dagster points fd 2 at its compute-log file while a step runs (dup2): progress keeps
    writing to where stderr went when the run started."""
    import os

    target = tmp_path / "terminal"
    elsewhere = tmp_path / "compute-log"
    with target.open("w") as terminal:
        stream = own_stream(terminal)
        assert stream is not terminal and stream.fileno() != terminal.fileno()
        with elsewhere.open("w") as other:
            os.dup2(other.fileno(), terminal.fileno())  # what the capture does to fd 2
        stream.write("still here\n")
        stream.close()
    assert target.read_text() == "still here\n"
    assert elsewhere.read_text() == ""
    buffer = io.StringIO()
    assert own_stream(buffer) is buffer  # no descriptor (a test's capture): the stream itself
