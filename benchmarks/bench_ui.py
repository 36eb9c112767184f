"""The Dagster UI's asset pages in headless Chromium, and `riverbed status`, on a lake of 100k
items, side by side with the demo's lake as it comes (~2.3k items, one day).

1. `riverbed demo` once in a temporary folder (or `--demo DIR`, a folder a demo ran in): the
   real pipeline's catalogue, lake and Dagster instance (its runs and materialisations).
2. baseline: a copy of that lake and instance. scaled: another copy grown to `--items`
   items: the demo day's `items`, `stories`, `digest` and `item_metrics` partitions and its
   history journals (fetches, source_health, errors, item_metrics) are cloned onto earlier
   days (ids and URLs suffixed, times shifted by whole days), one partition per day as the
   IO manager writes them, and every materialisation of a daily asset the demo recorded that
   day (items, stories, digest ..., with their metadata) is recorded again for each cloned
   day in the scaled copy's Dagster instance, so the UI has that history to show (the
   collect assets' (day, source) partitions keep the demo's day only).
3. Per lake: `riverbed ui --port <free port>` with the copy's DAGSTER_HOME; one untimed load
   to warm the code location; then `--rounds` loads of each page in a fresh browser context
   (empty cache), then once more in that context (warm cache): time from `goto` until the
   page's content is visible, and how long the page's main thread was busy meanwhile
   (Chromium's TaskDuration: CPU work, which a loaded machine stretches in wall time) —
     /assets            the asset catalogue, when the `items`, `stories` and `digest` rows are;
     /assets/items      the `items` asset page, when its latest materialisation (with its
                        row count) is shown;
     stories lineage    /assets/stories?view=lineage, when the items/stories/digest nodes are;
   and `riverbed status --format json` (process start to exit) `--rounds` times.

Chromium is Debian's /usr/bin/chromium driven by Playwright; it resolves no host name, and any
request not to the UI's own address is reported. The machine's load average is printed
beside the numbers: on a shared 2-core machine it dominates them.

    uv run python benchmarks/bench_ui.py [--items 100000] [--rounds 5] [--demo DIR] [--keep]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import platform
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from playwright.sync_api import CDPSession, Locator, Page, sync_playwright

from riverbed.lake import Lake

CHROMIUM = Path("/usr/bin/chromium")
TARGET_S = 2.0
PAGE_TIMEOUT_MS = 60_000
STARTUP_TIMEOUT_S = 300
CLONED_TABLES = ("items", "stories", "digest", "item_metrics")
CLONED_JOURNALS = ("fetches", "source_health", "errors", "item_metrics")
# string columns made unique per cloned day (ids and links); list columns of ids alike
SUFFIXED = {"item_id", "story_id", "external_id", "url", "canonical_url", "comments_url"}
SUFFIXED_LISTS = {"item_ids"}
DAY_COLUMNS = {"date", "digest_date"}


# -- building the lakes ----------------------------------------------------------------------
def run_demo(work: Path) -> None:
    print(f"running `riverbed demo` in {work} ...", flush=True)
    subprocess.run(
        [sys.executable, "-m", "riverbed.cli", "demo", "--quiet"],
        cwd=work,
        check=True,
        stdout=subprocess.DEVNULL,
        env={**os.environ, "PYTHONWARNINGS": "ignore"},
    )


def demo_day(lake: Path) -> str:
    return str(json.loads((lake / "published" / "latest.json").read_text())["date"])


def shifted(table: pa.Table, back: int, day: str) -> pa.Table:
    """`table` (one day's rows) as if seen `back` days earlier, on `day`, with unique ids."""
    suffix = f"~d{back}"
    columns = []
    for field, original in zip(table.schema, table.columns, strict=True):
        column: pa.ChunkedArray | pa.Array = original
        if pa.types.is_timestamp(field.type):
            delta = pa.scalar(timedelta(days=back), pa.duration(field.type.unit))
            column = pc.subtract(original, delta).cast(field.type)
        elif field.name in DAY_COLUMNS and pa.types.is_string(field.type):
            column = pc.if_else(pc.is_null(original), original, pa.scalar(day))
        elif field.name in SUFFIXED and pa.types.is_string(field.type):
            column = pc.binary_join_element_wise(original, pa.scalar(suffix), "")
        elif field.name in SUFFIXED_LISTS:
            values = [[f"{v}{suffix}" for v in vs] if vs else vs for vs in original.to_pylist()]
            column = pa.array(values, field.type)
        columns.append(column)
    return pa.Table.from_arrays(columns, schema=table.schema)


def grow_lake(lake_dir: Path, target_items: int) -> tuple[int, list[str]]:
    """Clone the demo day onto earlier days until `items` holds at least `target_items` rows
    (the last day cut to hit it exactly). Returns (items, cloned days)."""
    lake = Lake(lake_dir)
    day = demo_day(lake_dir)
    items = pq.read_table(lake_dir / "tables" / "items" / f"date={day}" / "part.parquet")
    per_day = items.num_rows
    days_needed = math.ceil(target_items / per_day)
    total, cloned = per_day, []
    for back in range(1, days_needed):
        new_day = (date.fromisoformat(day) - timedelta(days=back)).isoformat()
        keep = min(per_day, target_items - total)
        for name in CLONED_TABLES:
            src = lake_dir / "tables" / name / f"date={day}" / "part.parquet"
            if not src.exists():
                continue
            table = pq.read_table(src)
            if name == "items":
                table = table.slice(0, keep)
            dest = lake.path("tables", name, f"date={new_day}", "part.parquet")
            lake.write_table(dest, shifted(table, back, new_day))
        for name in CLONED_JOURNALS:
            folder = lake_dir / "journal" / name / f"date={day}"
            for src in sorted(folder.glob("*.parquet")) if folder.exists() else []:
                dest = lake.path("journal", name, f"date={new_day}", f"d{back}-{src.name}")
                lake.write_table(dest, shifted(pq.read_table(src), back, new_day))
        total += keep
        cloned.append(new_day)
    return total, cloned


def replay_materialisations(dagster_home: Path, day: str, cloned: list[str]) -> int:
    """Record each daily materialisation of `day` again for every cloned day (same metadata),
    then once more for `day`.
    The (day, source) partitions of the collect assets are left out: recording them one by
    one (~10 events/s on SQLite) would take a quarter of an hour for 44 days."""
    os.environ["DAGSTER_HOME"] = str(dagster_home)
    import dagster as dg

    instance = dg.DagsterInstance.get()
    events = 0
    for key in instance.get_asset_keys():
        records = instance.fetch_materializations(key, limit=10_000).records
        for record in records:
            mat = record.asset_materialization
            if mat is None or mat.partition != day:  # daily partitions only: see the docstring
                continue
            # oldest first, as the days would have come, and the demo's day again last: it
            # stays the latest materialisation, as in a lake that grew day by day
            for new_day in [*sorted(cloned), day]:
                instance.report_runless_asset_event(
                    dg.AssetMaterialization(
                        asset_key=key,
                        partition=new_day,
                        metadata=dict(mat.metadata),
                        description=mat.description,
                    )
                )
                events += 1
    return events


# -- the UI ------------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def running_ui(work: Path, lake: Path, catalogue: Path, home: Path) -> Iterator[str]:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = (work / f"ui-{lake.name}.log").open("wb")
    started = time.perf_counter()
    proc = subprocess.Popen(
        [
            *(sys.executable, "-m", "riverbed.cli", "ui", "--port", str(port)),
            *("--sources", str(catalogue), "--lake", str(lake)),
        ],
        cwd=work,
        env={**os.environ, "DAGSTER_HOME": str(home), "PYTHONWARNINGS": "ignore"},
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        while True:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"`riverbed ui` did not come up; see {log.name}")
            with (
                contextlib.suppress(OSError),
                urllib.request.urlopen(f"{base}/server_info", timeout=2) as reply,
            ):
                if reply.status == 200:
                    break
            time.sleep(0.5)
        print(f"  ui serving after {time.perf_counter() - started:.1f} s", flush=True)
        yield base
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGINT)
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=5)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)  # dagster's webserver outlives SIGINT
        proc.wait()
        log.close()


@dataclass(frozen=True)
class UIPage:
    name: str
    path: str
    shown: Callable[[Page], list[Locator]]  # what must be visible for the page to count


ASSETS = ("items", "stories", "digest")
PAGES = [
    UIPage(
        "asset catalogue (/assets)",
        "/assets",
        lambda p: [p.locator(f'a[href="/assets/{name}"]') for name in ASSETS],
    ),
    UIPage(
        "items asset page (/assets/items)",
        "/assets/items",
        lambda p: [p.get_by_text("Latest materialization"), p.get_by_text("Row count")],
    ),
    UIPage(
        "stories lineage graph",
        "/assets/stories?view=lineage",
        lambda p: [p.locator("svg foreignObject").get_by_text(n, exact=True) for n in ASSETS],
    ),
]


def _task_duration(cdp: CDPSession) -> float:
    metrics = cdp.send("Performance.getMetrics")["metrics"]
    return float(next(m["value"] for m in metrics if m["name"] == "TaskDuration"))


def time_pages(base: str, rounds: int) -> dict[str, list[float]]:
    """Per page, `rounds` cold loads (a fresh browser context: empty cache) each followed by a
    warm one (the same context again: what a returning user sees). Requests are watched, not
    intercepted (interception would bypass the HTTP cache and add a round trip per request);
    Chromium resolves no host name, so nothing can leave 127.0.0.1 anyway."""
    args = ["--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1"]
    if os.geteuid() == 0:
        args.append("--no-sandbox")
    outside: list[str] = []
    own = (f"{base}/", f"blob:{base}/", "data:")  # blob: and data: URLs are the page's own

    def load(page: Page, cdp: CDPSession, spec: UIPage) -> tuple[float, float]:
        """(wall seconds, seconds the page's main thread was busy: CPU work that a shared
        machine's load stretches but does not add to)."""
        busy0 = _task_duration(cdp)
        t0 = time.perf_counter()
        page.goto(base + spec.path, wait_until="commit")
        for locator in spec.shown(page):
            locator.first.wait_for(state="visible", timeout=PAGE_TIMEOUT_MS)
        return time.perf_counter() - t0, _task_duration(cdp) - busy0

    out: dict[str, list[float]] = {}
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=args)
        for n in range(rounds + 1):  # round 0 warms the code location, untimed
            for spec in PAGES:
                context = browser.new_context(viewport={"width": 1400, "height": 900})
                context.on(
                    "request",
                    lambda r: None if r.url.startswith(own) else outside.append(r.url),
                )
                page = context.new_page()
                cdp = context.new_cdp_session(page)
                cdp.send("Performance.enable")
                cold, cold_busy = load(page, cdp, spec)
                page.goto("about:blank")
                warm, warm_busy = load(page, cdp, spec)
                context.close()
                if n:
                    for what, value in (
                        ("cold", cold),
                        ("warm", warm),
                        ("cold, main thread busy", cold_busy),
                        ("warm, main thread busy", warm_busy),
                    ):
                        out.setdefault(f"{spec.name}, {what}", []).append(value)
        browser.close()
    if outside:
        print(f"  note: {len(outside)} request(s) outside the UI (failed), e.g. {outside[0]}")
    return out


def time_status(work: Path, lake: Path, catalogue: Path, rounds: int) -> dict[str, list[float]]:
    """`riverbed status` as a user runs it (a new process: imports included), and the
    lake-reading part alone in this process (`pipeline.status.source_status`)."""
    from riverbed.core.catalogue import load_catalogue
    from riverbed.pipeline.status import source_status

    sources = load_catalogue(catalogue).sources
    out: dict[str, list[float]] = {
        "riverbed status (process)": [],
        "source_status() in-process": [],
    }
    for _ in range(rounds):
        t0 = time.perf_counter()
        subprocess.run(
            [
                *(sys.executable, "-m", "riverbed.cli", "status", "--format", "json"),
                *("--sources", str(catalogue), "--lake", str(lake)),
            ],
            cwd=work,
            check=True,
            stdout=subprocess.DEVNULL,
            env={**os.environ, "PYTHONWARNINGS": "ignore"},
        )
        out["riverbed status (process)"].append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        source_status(Lake(lake), sources, datetime.now(UTC))
        out["source_status() in-process"].append(time.perf_counter() - t0)
    return out


# -- report -------------------------------------------------------------------------------------
def _cpu() -> str:
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown CPU"


def measure(
    work: Path, lake: Path, catalogue: Path, home: Path, rounds: int
) -> dict[str, list[float]]:
    with running_ui(work, lake, catalogue, home) as base:
        results = time_pages(base, rounds)
    results.update(time_status(work, lake, catalogue, rounds))
    return results


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--items", type=int, default=100_000)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--demo", type=Path, help="a folder `riverbed demo` ran in (else run one)")
    ap.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = ap.parse_args(argv)
    if not CHROMIUM.exists():
        print(f"bench_ui: no Chromium at {CHROMIUM} (apt-get install chromium)", file=sys.stderr)
        return 2

    work = Path(tempfile.mkdtemp(prefix="bench-ui-"))
    try:
        demo_work = args.demo or work / "demo"
        if args.demo is None:
            demo_work.mkdir()
            run_demo(demo_work)
        demo_dir = demo_work / ".riverbed" / "demo"
        catalogue = work / "sources.yaml"
        shutil.copy(demo_dir / "sources.yaml", catalogue)
        lakes = {}
        for name in ("baseline", "scaled"):
            shutil.copytree(demo_dir / "lake", work / name / "lake")
            shutil.copytree(demo_dir / "dagster", work / name / "dagster")
            lakes[name] = work / name
        day = demo_day(work / "baseline" / "lake")
        base_items = pq.read_metadata(
            work / "baseline" / "lake" / "tables" / "items" / f"date={day}" / "part.parquet"
        ).num_rows

        t0 = time.perf_counter()
        scaled_items, cloned = grow_lake(work / "scaled" / "lake", args.items)
        grow_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        events = replay_materialisations(work / "scaled" / "dagster", day, cloned)
        print(
            f"scaled lake: {scaled_items:,} items over {len(cloned) + 1} days ({grow_s:.1f} s),"
            f" {events:,} materialisations recorded ({time.perf_counter() - t0:.1f} s)",
            flush=True,
        )

        results = {}
        loads: dict[str, float] = {}
        for name, root in lakes.items():
            loads[name] = os.getloadavg()[0]
            print(f"measuring {name} (load average {loads[name]:.1f}) ...", flush=True)
            results[name] = measure(work, root / "lake", catalogue, root / "dagster", args.rounds)
    finally:
        if args.keep:
            print(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)

    print()
    print(f"machine: {_cpu()}, {os.cpu_count()} cores; Chromium {CHROMIUM} headless")
    print(
        "load average (1 min) when each measurement started: "
        + ", ".join(f"{name} {load:.1f}" for name, load in loads.items())
    )
    print(
        f"baseline: the demo lake ({base_items:,} items, 1 day); scaled: {scaled_items:,} items"
        f" over {len(cloned) + 1} days; {args.rounds} rounds, fresh browser context each"
    )
    print(f"{'':58} {'baseline med/max':>18} {'scaled med/max':>18} {'ratio':>6}  target")
    for what in results["baseline"]:
        b, s = results["baseline"][what], results["scaled"][what]
        bm, sm = statistics.median(b), statistics.median(s)
        target = (
            ""
            if "status" in what or "busy" in what
            else (f"< {TARGET_S:.0f} s {'ok' if max(s) < TARGET_S else 'MISSED'}")
        )
        print(
            f"{what:58} {bm:8.2f} /{max(b):6.2f} s {sm:8.2f} /{max(s):6.2f} s"
            f" {sm / bm:6.2f}  {target}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
