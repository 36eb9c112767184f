"""The `riverbed` command line (Typer). Exit codes: 0 ok, 1 a source failed entirely,
2 bad usage / configuration / SQL, 3 the run could not complete."""

from __future__ import annotations

import faulthandler
import os
import sys
from datetime import UTC, datetime
from datetime import date as date_cls
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer

from riverbed.output import FORMATS, render

app = typer.Typer(
    name="riverbed",
    help="Aggregation pipeline on Dagster: sources in; one clean, ranked stream of stories out.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
sources_app = typer.Typer(help="Check and convert source catalogues.", no_args_is_help=True)
app.add_typer(sources_app, name="sources")
rules_app = typer.Typer(help="Preview keep/block rules.", no_args_is_help=True)
app.add_typer(rules_app, name="rules")

EXIT_OK, EXIT_SOURCE_FAILED, EXIT_USAGE, EXIT_RUN_FAILED = 0, 1, 2, 3

SourcesOpt = Annotated[
    Path | None,
    typer.Option("--sources", help="Catalogue file (env RIVERBED_SOURCES, default ./sources.yaml)"),
]
LakeOpt = Annotated[
    str | None,
    typer.Option("--lake", help="Lake URI or folder (env RIVERBED_LAKE, default ./.riverbed/lake)"),
]
DateOpt = Annotated[
    str | None, typer.Option("--date", help="Day to process, YYYY-MM-DD (UTC); default today")
]
FormatOpt = Annotated[str, typer.Option("--format", help="table | json | csv")]
RunFormatOpt = Annotated[
    str,
    typer.Option(
        "--format",
        help="table (default): per-source rows on stdout, progress and summary on stderr;"
        " json: one JSON array on stdout and nothing else",
    ),
]
QuietOpt = Annotated[
    bool, typer.Option("--quiet", "-q", help="No progress and no summary: errors only (stderr)")
]
ExecutorOpt = Annotated[
    str | None,
    typer.Option(
        "--executor",
        help="in_process (default) | multiprocess | celery | k8s (env RIVERBED_EXECUTOR);"
        " see docs/deployment.md",
    ),
]


@app.callback()
def check_settings() -> None:
    """Every command: a tuning variable in the environment that is not a number in its range
    (`riverbed.settings`) is a configuration error, named before anything starts."""
    from riverbed.settings import problems

    if found := problems():
        for problem in found:
            err(f"error: {problem}")
        err("  fix or unset it (docs/deployment.md lists the RIVERBED_* variables)")
        raise typer.Exit(EXIT_USAGE)


def resolve_executor(value: str | None) -> str:
    from riverbed.defs.executors import executor_name

    try:
        return executor_name(value or os.environ.get("RIVERBED_EXECUTOR") or "in_process")
    except ValueError as exc:
        err(f"error: {exc}")
        raise typer.Exit(EXIT_USAGE) from None


def err(message: str) -> None:
    typer.echo(message, err=True)


def resolve_sources(path: Path | None) -> str:
    return str((path or Path(os.environ.get("RIVERBED_SOURCES") or "sources.yaml")).absolute())


def resolve_lake(uri: str | None) -> str:
    value = uri or os.environ.get("RIVERBED_LAKE") or "./.riverbed/lake"
    return value if "://" in value else str(Path(value).expanduser().absolute())


def check_format(fmt: str, allowed: tuple[str, ...] = FORMATS) -> None:
    if fmt not in allowed:
        err(f"error: --format must be one of {', '.join(allowed)}, not {fmt!r}")
        raise typer.Exit(EXIT_USAGE)


def check_date(value: str | None) -> str | None:
    if value is None:
        return None
    try:
        return date_cls.fromisoformat(value).isoformat()
    except ValueError:
        err(f"error: --date must be YYYY-MM-DD, not {value!r}")
        raise typer.Exit(EXIT_USAGE) from None


def load_or_exit(path: str) -> Any:
    from riverbed.core.catalogue import CatalogueError, load_catalogue_cached

    try:
        return load_catalogue_cached(Path(path))
    except CatalogueError as exc:
        for problem in exc.problems:
            err(str(problem))
        if any(p.line is None and p.message == "no such file" for p in exc.problems):
            err(
                "  create one (examples/sources.yaml is a real-world example; `riverbed sources"
                " import-opml` converts an OPML export) or pass --sources FILE"
                " (or set RIVERBED_SOURCES)"
            )
        raise typer.Exit(EXIT_USAGE) from None


def lake_hint(lake_uri: str) -> str:
    """What to check when the lake cannot be read or written."""
    if lake_uri.startswith("s3://"):
        return (
            "  check that the S3 endpoint answers (AWS_ENDPOINT_URL), the credentials"
            " (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY) and that the bucket exists;"
            " or pass --lake FOLDER for a local lake"
        )
    return f"  check that {lake_uri} is a folder you can write to, or pass --lake URI"


# -- sources -----------------------------------------------------------------------------------
@sources_app.command("validate")
def sources_validate(
    file: Annotated[Path, typer.Argument(help="The sources.yaml to check")],
) -> None:
    """Check a catalogue; every problem is printed with file, line and field (exit 2)."""
    catalogue = load_or_exit(str(file))
    kinds: dict[str, int] = {}
    for s in catalogue.sources:
        kinds[s.kind] = kinds.get(s.kind, 0) + 1
    summary = ", ".join(f"{n} {k}" for k, n in sorted(kinds.items())) or "no sources"
    typer.echo(f"{file}: ok ({len(catalogue.sources)} sources: {summary})")


@sources_app.command("import-opml")
def sources_import_opml(
    file: Annotated[Path, typer.Argument(help="An OPML subscription list")],
    output: Annotated[
        Path | None, typer.Option("-o", "--output", help="Write here instead of stdout")
    ] = None,
) -> None:
    """Convert an OPML subscription list into a catalogue."""
    from riverbed.core.opml import OpmlError, import_opml

    try:
        text = import_opml(file.read_bytes())
    except FileNotFoundError:
        err(f"{file}: no such file")
        raise typer.Exit(EXIT_USAGE) from None
    except OpmlError as exc:
        err(f"{file}: {exc}")
        raise typer.Exit(EXIT_USAGE) from None
    if output is None:
        typer.echo(text, nl=False)
    else:
        output.write_text(text)
        err(f"wrote {output}")


# -- query -------------------------------------------------------------------------------------
@app.command()
def query(
    sql: Annotated[str, typer.Argument(help="SQL; every lake table is a view of its name")],
    lake: LakeOpt = None,
    fmt: FormatOpt = "table",
) -> None:
    """Run SQL (DuckDB) over the lake tables."""
    import duckdb

    from riverbed.lake import Lake
    from riverbed.lake.query import connect, tables_named

    check_format(fmt)
    lake_uri = resolve_lake(lake)
    try:
        opened = Lake(lake_uri)
        con = connect(opened, only=tables_named(opened, sql))
        cur = con.execute(sql)
    except duckdb.Error as exc:
        err(f"SQL error: {exc}")
        err(
            '  every lake table is a view of its name: `riverbed query "show tables"` lists them,'
            ' `riverbed query "describe items"` shows a table\'s columns'
        )
        raise typer.Exit(EXIT_USAGE) from None
    except OSError as exc:
        err(f"error: cannot read the lake: {exc}")
        err(lake_hint(lake_uri))
        raise typer.Exit(EXIT_RUN_FAILED) from None
    columns = [d[0] for d in cur.description or []]
    rows = [dict(zip(columns, r)) for r in cur.fetchall()]
    typer.echo(render(rows, columns, fmt))


@app.command()
def compact(
    lake: LakeOpt = None,
    before: Annotated[
        str | None,
        typer.Option("--before", help="Compact days before this one (default: yesterday UTC)"),
    ] = None,
    grace_s: Annotated[
        float,
        typer.Option("--grace-s", help="Keep the compacted parts this long for running readers"),
    ] = 600.0,
    fmt: FormatOpt = "table",
) -> None:
    """Compact closed days: each per-source table's day becomes one object (`riverbed run`
    does it too, for the days before yesterday). Queries see the same rows throughout."""
    from datetime import UTC, datetime, timedelta

    from riverbed.lake import Lake
    from riverbed.lake.compact import compact_closed

    check_format(fmt)
    lake_uri = resolve_lake(lake)
    day = before or (datetime.now(UTC).date() - timedelta(days=1)).isoformat()
    try:
        done = compact_closed(Lake(lake_uri), before=day, grace_s=grace_s)
    except OSError as exc:
        err(f"error: cannot compact the lake: {exc}")
        err(lake_hint(lake_uri))
        raise typer.Exit(EXIT_RUN_FAILED) from None
    for r in done:
        if r.skipped:  # another compaction of the day holds its lease: it does the work
            err(f"skipped {r.table} {r.date}: {r.skipped}")
    columns = ["table", "date", "parts", "rows", "deleted"]
    rows = [{c: getattr(r, c) for c in columns} for r in done if r.written or r.deleted]
    typer.echo(render(rows, columns, fmt))


# -- run / replay / demo -------------------------------------------------------------------------
SOURCE_COLUMNS = ["source_id", "status", "items_new", "error_kind"]


def print_sources(summary: Any, fmt: str, quiet: bool) -> None:
    """stdout: one row per source (a JSON array with --format json; nothing with --quiet in
    table mode)."""
    if fmt == "json":
        typer.echo(render(summary.sources, SOURCE_COLUMNS, "json"))
    elif not quiet and summary.sources:
        typer.echo(render(summary.sources, SOURCE_COLUMNS, "table"))


def report_failures_quietly(
    failed: list[dict[str, Any]], lake_uri: str, catalogue: str | None
) -> None:
    """--quiet in table mode: failed sources are the errors it still prints (stderr), the
    first `SHOWN` by name."""
    from riverbed.run_report import SHOWN, more_failed, next_steps

    for f in failed[:SHOWN]:
        err(f"error: source {f['source_id']} failed: {f['error_kind']}: {f['message']}")
    if more := more_failed(failed):
        err(f"error: {more}")
    for line in next_steps(failed, lake_uri, catalogue):
        err(line)


def _print_summary(
    summary: Any, fmt: str, quiet: bool, lake_uri: str, catalogue: str, title: str
) -> None:
    """The sources on stdout, the end-of-run report on stderr (none with --format json)."""
    from riverbed.run_report import lake_facts, next_steps, render_report, summary_rows

    print_sources(summary, fmt, quiet)
    failed = summary.failed_sources
    if fmt == "json":
        return
    if quiet:
        report_failures_quietly(failed, lake_uri, catalogue)
        return
    stories, digest = lake_facts(lake_uri, summary.date)
    rows = summary_rows(summary, stories=stories, digest=digest, lake_uri=lake_uri)
    steps = next_steps(failed, lake_uri, catalogue)
    err("\n" + render_report(f"{title} — summary", rows, failed, steps))


def guarded(fn: Any, *args: Any, **kwargs: Any) -> Any:
    """Run `fn`; storage or orchestration trouble exits 3 naming the cause, not a traceback."""
    try:
        return fn(*args, **kwargs)
    except OSError as exc:
        err(f"error: the lake or Dagster home is not usable: {type(exc).__name__}: {exc}")
        lake = os.environ.get("RIVERBED_LAKE")
        if lake:
            err(lake_hint(lake))
    except Exception as exc:
        err(f"error: the run could not complete: {type(exc).__name__}: {exc}")
        err("  run it again; if it fails the same way, please report it with this message")
    raise typer.Exit(EXIT_RUN_FAILED)


def _exit_code(summary: Any, expected_failures: set[str] | None = None) -> int:
    if summary.failed_runs:
        for run_id, cause in summary.failed_runs.items():
            err(f"error: Dagster run {run_id} failed: {cause}")
        err(
            "  every event of a run (the failing step's full traceback included) is in the"
            " Dagster UI: `riverbed ui`, then Runs; fix the cause and run again"
        )
        return EXIT_RUN_FAILED
    failed = {s["source_id"] for s in summary.failed_sources}
    if failed - (expected_failures or set()):
        return EXIT_SOURCE_FAILED
    return EXIT_OK


def _run(
    sources: Path | None, lake: str | None, date: str | None, quiet: bool, fmt: str, **kwargs: Any
) -> None:
    """`run` and `replay`: one pipeline run, its summary, its exit code."""
    from riverbed.orchestrate import run_pipeline
    from riverbed.progress import for_cli

    check_format(fmt, ("table", "json"))
    day = check_date(date)
    path = resolve_sources(sources)
    catalogue = load_or_exit(path)
    lake_uri = resolve_lake(lake)
    with for_cli(quiet, fmt) as progress:
        summary = guarded(run_pipeline, catalogue, path, lake_uri, day, progress=progress, **kwargs)
    title = f"riverbed {'replay' if kwargs.get('replay') else 'run'} {summary.date}"
    _print_summary(summary, fmt, quiet, lake_uri, path, title)
    raise typer.Exit(_exit_code(summary))


@app.command()
def run(
    sources: SourcesOpt = None,
    lake: LakeOpt = None,
    date: DateOpt = None,
    select: Annotated[
        str | None, typer.Option("--select", help="Dagster asset selection, e.g. 'rss_items+'")
    ] = None,
    all_sources: Annotated[
        bool, typer.Option("--all", help="Collect every source, due or not")
    ] = False,
    quiet: QuietOpt = False,
    fmt: RunFormatOpt = "table",
    executor: ExecutorOpt = None,
) -> None:
    """Materialise the pipeline: every due source, then everything downstream, for a day."""
    chosen = resolve_executor(executor)
    _run(sources, lake, date, quiet, fmt, force=all_sources, select=select, executor=chosen)


@app.command()
def replay(
    sources: SourcesOpt = None,
    date: DateOpt = None,
    lake: LakeOpt = None,
    quiet: QuietOpt = False,
    fmt: RunFormatOpt = "table",
    executor: ExecutorOpt = None,
) -> None:
    """Re-derive every table of a day from the stored raw responses, with no network."""
    _run(sources, lake, date, quiet, fmt, replay=True, executor=resolve_executor(executor))


@app.command()
def demo(
    lake: LakeOpt = None,
    date: DateOpt = None,
    keep_server: Annotated[
        bool, typer.Option("--keep-server", help="Keep serving the corpus until Ctrl-C")
    ] = False,
    quiet: QuietOpt = False,
    fmt: RunFormatOpt = "table",
    executor: ExecutorOpt = None,
) -> None:
    """Run the whole pipeline offline on the bundled demo corpus (served on 127.0.0.1)."""
    from riverbed.demo.run import run_demo

    check_format(fmt, ("table", "json"))
    day = check_date(date)
    chosen = resolve_executor(executor)
    raise typer.Exit(
        run_demo(
            lake=lake, date=day, keep_server=keep_server, quiet=quiet, fmt=fmt, executor=chosen
        )
    )


# -- status / ui ---------------------------------------------------------------------------------
@app.command()
def status(sources: SourcesOpt = None, lake: LakeOpt = None, fmt: FormatOpt = "table") -> None:
    """One row per catalogue source, read from the lake only (no Dagster import)."""
    from riverbed.lake import Lake
    from riverbed.pipeline.status import source_status

    check_format(fmt, ("table", "json"))
    path = resolve_sources(sources)
    catalogue = load_or_exit(path)
    lake_uri = resolve_lake(lake)
    try:
        rows = source_status(Lake(lake_uri), catalogue.sources, datetime.now(UTC))
    except OSError as exc:
        err(f"error: cannot read the lake: {exc}")
        err(lake_hint(lake_uri))
        raise typer.Exit(EXIT_RUN_FAILED) from None
    cols = ["source_id", "status", "last_success_at", "items_new", "error_rate", "stale"]
    typer.echo(render(rows, cols, fmt))
    if fmt == "table" and rows and all(r["status"] == "never_run" for r in rows):
        err(f"no run of these sources is recorded in {lake_uri}: `riverbed run --sources {path}`")


@rules_app.command("test")
def rules_test(sources: SourcesOpt = None, lake: LakeOpt = None, fmt: FormatOpt = "table") -> None:
    """Per keep/block rule: stored items it matches and hides (reads the lake only)."""
    from riverbed.core.rules import PREVIEW_COLUMNS
    from riverbed.lake import Lake
    from riverbed.pipeline.rules_preview import preview_stored_items

    check_format(fmt, ("table", "json"))
    catalogue = load_or_exit(resolve_sources(sources))
    try:
        rows = preview_stored_items(Lake(resolve_lake(lake)), catalogue)
    except OSError as exc:
        err(f"error: cannot read the lake: {exc}")
        raise typer.Exit(EXIT_RUN_FAILED) from None
    typer.echo(render(rows, PREVIEW_COLUMNS, fmt))


@app.command()
def ui(
    host: Annotated[str, typer.Option("--host")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port")] = 3000,
    sources: SourcesOpt = None,
    lake: LakeOpt = None,
) -> None:
    """The Dagster UI (webserver + daemon) on this project."""
    from riverbed.orchestrate import prepare_dagster_home

    env = dict(os.environ)
    env["RIVERBED_SOURCES"] = resolve_sources(sources)
    env["RIVERBED_LAKE"] = resolve_lake(lake)
    env["DAGSTER_HOME"] = prepare_dagster_home()
    cmd = [
        sys.executable,
        "-m",
        "dagster",
        "dev",
        "-m",
        "riverbed.definitions",
        "-h",
        host,
        "-p",
        str(port),
    ]
    err(f"Dagster UI on http://{host}:{port} (lake {env['RIVERBED_LAKE']}); Ctrl-C stops it")
    raise typer.Exit(run_until_stopped(cmd, env))


# Stops a process group when the process that started it is gone without stopping it (a
# SIGKILL, the OOM killer): argv parent pid, group id, grace seconds. In a session of its
# own, so a terminal's Ctrl-C never reaches it; the parent ends it when it stops the group.
_WATCHDOG = """
import os, signal, sys, time
parent, group, grace = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
while os.getppid() == parent:
    time.sleep(0.25)
for sig in (signal.SIGTERM, signal.SIGKILL):
    try:
        os.killpg(group, sig)
    except ProcessLookupError:
        break
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline:
        try:
            os.killpg(group, 0)
        except ProcessLookupError:
            sys.exit(0)
        time.sleep(0.1)
"""


def run_until_stopped(cmd: list[str], env: dict[str, str], grace_s: float = 10.0) -> int:
    """Run `cmd` in a process group of its own until it ends, or until Ctrl-C / SIGTERM
    here: then the whole group gets SIGTERM and, after `grace_s`, SIGKILL. (`dagster dev`'s
    webserver ignores both signals, so stopping only the first child leaves it running.)
    Should this process be killed outright, a watchdog does the same. Returns the command's
    exit code, 0 when stopped by the user."""
    import signal
    import subprocess

    proc = subprocess.Popen(cmd, env=env, start_new_session=True)
    watchdog = subprocess.Popen(
        [sys.executable, "-c", _WATCHDOG, str(os.getpid()), str(proc.pid), str(grace_s)],
        start_new_session=True,
    )

    def interrupt(_signum: int, _frame: Any) -> None:
        raise KeyboardInterrupt

    # both set here: a process started in the background by a shell without job control
    # (`riverbed ui &` in a script) inherits SIGINT ignored, and would then leave `dagster
    # dev` (a session of its own) running when it is stopped with SIGINT
    previous = {s: signal.signal(s, interrupt) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        return proc.wait()
    except KeyboardInterrupt:
        err("stopping the Dagster UI …")
        for sig in (signal.SIGTERM, signal.SIGKILL):
            try:
                os.killpg(proc.pid, sig)
            except ProcessLookupError:
                break
            try:
                proc.wait(timeout=grace_s)
                if sig == signal.SIGTERM:
                    os.killpg(proc.pid, signal.SIGKILL)  # the webserver and daemon, if left
            except subprocess.TimeoutExpired:
                continue
            except ProcessLookupError:
                pass
            break
        return 0
    finally:
        watchdog.kill()  # the group is stopped (or ended by itself): nothing to watch
        watchdog.wait()
        for s, handler in previous.items():
            signal.signal(s, handler)


def main() -> None:
    # a native crash (SIGSEGV, SIGABRT …) prints every thread's Python stack: a bug report
    faulthandler.enable()
    try:
        app()
    except SystemExit as exc:
        code = exc.code
    else:
        code = 0
    leave(code)


def leave(code: object) -> NoReturn:
    """End the process with `code` (an int, None for 0, or a message meaning 1) without
    interpreter teardown: every result is written and closed by now, and tearing down native
    thread pools (pyarrow's) at exit occasionally aborted the process ("terminate called
    without an active exception", exit -6) after a successful run."""
    if isinstance(code, str):  # what sys.exit("message") would print
        print(code, file=sys.stderr)
        code = 1
    for stream in (sys.stdout, sys.stderr):
        stream.flush()
    os._exit(code if isinstance(code, int) else 0)


if __name__ == "__main__":
    main()
