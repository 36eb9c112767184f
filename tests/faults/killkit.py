"""Kill `riverbed run` anywhere, re-run it, and check nothing was lost or doubled.

The pieces, used by tests/faults/test_kill_rerun.py (a seeded handful of kills) and by
scripts/kill_runs.py (100 kills and a summary table):

- `Project`: one catalogue of every source kind served on loopback (`PlatformSites` from
  tests/test_run_platforms.py, plus its deliberately failing status page), a lake (a local
  folder or an `s3://` prefix) and a Dagster home. `riverbed` runs as a child process in its
  own process group with riverbed's clock frozen (`kill_child`), so every run of one
  project sees the same instant and the same responses.
- `Project.run()` runs to the end; `Project.run_killed(delay_s)` sends SIGKILL to the whole
  process group `delay_s` after the start and says which stage its progress lines had reached
  (`Kill.stage`: start-up, collect, refine, enrich or publish).
- `snapshot(lake)`: every current-state table (CONTRACT.md: items, articles, stories,
  enrichments, topics, digest, plus each `<kind>_items` table) as sorted rows, all columns but
  the provenance ones (`PROVENANCE`), keyed for duplicate detection.
- `unreadable_objects(lake)`: every object in the lake read back whole and parsed by its type.
- `dagster_leftovers(home)`: runs still STARTED/STARTING and concurrency-pool slots still held.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import re
import signal
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import yaml

TESTS = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(TESTS))  # loopback, test_run_platforms, kill_child (for the script)
sys.path.insert(0, str(Path(__file__).resolve().parent))

from kill_child import BOOTSTRAP, ENV, KILL_AT  # noqa: E402

from riverbed.lake import Lake  # noqa: E402
from riverbed.lake.blobs import BlobStore  # noqa: E402
from riverbed.lake.query import connect  # noqa: E402
from riverbed.lake.schemas import TABLES  # noqa: E402
from test_run_platforms import PlatformSites, catalogue_yaml  # noqa: E402

# The instant every riverbed run of a project sees (a fixed UTC day: the run's "today").
FROZEN_NOW = "2026-03-14T09:26:53+00:00"
# Current-state tables (CONTRACT.md) and the columns that identify one row of each.
CURRENT = ("items", "articles", "stories", "enrichments", "topics", "digest")
# Columns naming the Dagster run or the HTTP request that produced a row: a killed run and its
# re-run legitimately differ from an uninterrupted run there (the row may come from the killed
# run's fetch). Everything else, times included (the clock is frozen), must be identical.
PROVENANCE = frozenset({"run_id", "fetch_id"})
# Exit codes a completed run may have here: 1 because the status page fails on purpose.
COMPLETED = (0, 1)
RUN_TIMEOUT_S = 300.0
# Kill points a seed picks the n-th pass of (see `kill_at_write`): before a lake object is
# written (every Parquet table, JSON state, raw blob and published file goes through
# `Lake._sink`), and in the middle of a Parquet write (bytes written, object not committed).
WRITE_POINTS = {
    "before-write": "riverbed.lake.store:Lake._sink@",
    "mid-write": "pyarrow.parquet:ParquetWriter.close@",
}


def _stage_of(line: str) -> str | None:
    """The stage a progress line (LineProgress, on stderr) says the run has reached: the
    stage of the step that finished last, or of the run that started last."""
    text = line.strip()
    if text.startswith("collect "):
        return "collect"
    if text.startswith("refine and publish"):
        return "refine" if text.endswith("…") else "publish"
    step = text.split(" ", 1)[0].split(".", 1)[0]
    if step in ("items", "item_metrics", "stories", "source_health", "errors", "fetches"):
        return "refine"
    if step.startswith("articles") or step in ("embeddings", "enrichments", "topics"):
        return "enrich"  # articles are fetched and extracted after the stories
    if step == "digest":
        return "publish"
    return None


def catalogue(
    port: int, sources: tuple[str, ...] | None = None, settings: dict[str, Any] | None = None
) -> str:
    """tests/test_run_platforms.py's catalogue (every kind, one failing status page), cut
    down to `sources`, with `settings` added (e.g. `source_buckets_above: 0`: every kind in
    buckets)."""
    text = catalogue_yaml(port)
    if sources is None and not settings:
        return text
    data = yaml.safe_load(text)
    if sources is not None:
        data["sources"] = [s for s in data["sources"] if s["id"] in sources]
    data.setdefault("settings", {}).update(settings or {})
    return yaml.safe_dump(data, sort_keys=False)


@dataclass
class Kill:
    """What a killed run had done: how long it ran, the stage it was in, its last line."""

    delay_s: float
    stage: str
    last_line: str
    finished_first: bool  # the run ended on its own before the kill fell


@dataclass
class Project:
    """One catalogue, one lake, one Dagster home; runs are child processes."""

    root: Path
    lake_uri: str
    sites: PlatformSites
    env: dict[str, str] = field(default_factory=dict)

    @classmethod
    def create(
        cls,
        root: Path,
        sites: PlatformSites,
        lake_uri: str | None = None,
        sources: tuple[str, ...] | None = None,
        settings: dict[str, Any] | None = None,
    ) -> Project:
        """`sources`: the catalogue's source ids to keep (default: all twelve); `settings`:
        added to the catalogue's."""
        root.mkdir(parents=True, exist_ok=True)
        (root / "sources.yaml").write_text(catalogue(sites.port, sources, settings))
        env = {k: v for k, v in os.environ.items() if not k.startswith(("RIVERBED_", "DAGSTER_"))}
        env.update(
            {
                "PYTHONWARNINGS": "ignore",
                "RIVERBED_COLLECT_RETRY_DELAY_S": "0.5",
                "DAGSTER_HOME": str(root / "dagster"),
                ENV: FROZEN_NOW,
            }
        )
        return cls(root=root, lake_uri=lake_uri or str(root / "lake"), sites=sites, env=env)

    @property
    def lake(self) -> Lake:
        return Lake(self.lake_uri)

    @property
    def home(self) -> Path:
        return Path(self.env["DAGSTER_HOME"])

    def _start(self, log: Path, kill_at: str = "") -> subprocess.Popen[bytes]:
        args = ["run", "--sources", str(self.root / "sources.yaml"), "--lake", self.lake_uri]
        with log.open("wb") as err:
            return subprocess.Popen(
                [sys.executable, "-c", BOOTSTRAP, *args],
                cwd=self.root,
                env={**self.env, KILL_AT: kill_at},
                stdout=subprocess.DEVNULL,
                stderr=err,
                start_new_session=True,  # its own process group: the kill takes every child
            )

    def run(self, name: str = "run", kill_at: str = "") -> tuple[int, str]:
        """Run to the end, or to the kill point `kill_at` (see `kill_child.arm`): (exit code,
        stderr); a run that killed itself exits -9."""
        log = self.root / f"{name}.err"
        proc = self._start(log, kill_at)
        try:
            code = proc.wait(RUN_TIMEOUT_S)
        finally:
            _kill_group(proc)
        return code, log.read_text(errors="replace")

    def run_killed(self, delay_s: float, name: str = "killed") -> Kill:
        """Start a run and SIGKILL its whole process group `delay_s` later."""
        log = self.root / f"{name}.err"
        proc = self._start(log)
        try:
            proc.wait(delay_s)
            finished = True
        except subprocess.TimeoutExpired:
            finished = False
        _kill_group(proc)
        lines = [x for x in log.read_text(errors="replace").splitlines() if x.strip()]
        stages = [s for s in map(_stage_of, lines) if s is not None]
        return Kill(
            delay_s=delay_s,
            stage="finished" if finished else (stages[-1] if stages else "start-up"),
            last_line=lines[-1].strip() if lines else "",
            finished_first=finished,
        )


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    """SIGKILL the run's process group (the CLI, its Dagster compute-log tailers, workers)."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(30)


# -- what the lake holds -------------------------------------------------------------------


@dataclass
class Snapshot:
    """Current-state tables as sorted rows (provenance columns left out), and the keys that
    occur more than once in a table."""

    rows: dict[str, list[str]]
    duplicates: dict[str, list[Any]]

    def differences(self, other: Snapshot) -> dict[str, dict[str, list[str]]]:
        """Per table: rows only here (`extra`) and rows only there (`missing`)."""
        out: dict[str, dict[str, list[str]]] = {}
        for table in sorted(set(self.rows) | set(other.rows)):
            mine, theirs = Counter(self.rows.get(table, [])), Counter(other.rows.get(table, []))
            extra, missing = list((mine - theirs).elements()), list((theirs - mine).elements())
            if extra or missing:
                out[table] = {"extra": extra[:5], "missing": missing[:5]}
        return out


def current_tables(lake: Lake) -> list[str]:
    """The current-state tables: CONTRACT.md's list plus every `<kind>_items` table."""
    kinds = [d for d in lake.list_dirs(lake.path("tables")) if d.endswith("_items")]
    return [*CURRENT, *kinds]


def snapshot(lake: Lake) -> Snapshot:
    con = connect(lake)
    rows: dict[str, list[str]] = {}
    duplicates: dict[str, list[Any]] = {}
    for table in current_tables(lake):
        columns = [c[0] for c in con.execute(f'describe "{table}"').fetchall()]
        listed = ", ".join(f'"{c}"' for c in columns if c not in PROVENANCE)
        found = con.execute(f'select {listed} from "{table}"').fetchall()
        rows[table] = sorted(repr(r) for r in found)
        # keys are checked in the stored objects, not the views (which fold days together)
        files = lake.list_files(lake.table_dir(table))
        if not files:
            continue
        paths = [f.path if lake.local else str(f) for f in files]
        src = f"read_parquet({paths!r}, union_by_name = true, hive_partitioning = true)"
        stored = {r[0] for r in con.execute(f"describe select * from {src}").fetchall()}
        key = TABLES.get(table, TABLES["items"])[1]
        within = [c for c in ("date", "source") if c in stored and c not in key]
        listed_key = ", ".join(f'"{c}"' for c in (*within, *key))
        dup = con.execute(
            f"select {listed_key}, count(*) from {src} group by all having count(*) > 1"
        ).fetchall()
        if dup:
            duplicates[table] = dup[:5]
    return Snapshot(rows=rows, duplicates=duplicates)


def lake_objects(lake: Lake) -> Iterator[str]:
    """Every object under the lake root, as paths the lake's filesystem opens."""
    fs = lake.root.fs
    root = lake.root.path
    if lake.local and not Path(root).exists():
        return
    yield from sorted(fs.find(root))


def unreadable_objects(lake: Lake) -> list[str]:
    """Every object in the lake read whole and parsed by its kind; what failed, and why.

    A kill must never leave a half-written object where a reader looks: Parquet must open and
    decode, JSON parse, raw blobs decompress to their SHA-256, feeds parse as XML/JSON and HTML
    pages be complete. Local temporary files (`.<name>.<uuid>.tmp`) are not objects readers
    see (every listing skips dot-files); `leftover_temporaries` counts them."""
    fs = lake.root.fs
    blobs = BlobStore(lake)
    bad: list[str] = []
    for path in lake_objects(lake):
        name = path.rsplit("/", 1)[-1]
        if name.startswith(".") and name.endswith(".tmp"):
            continue
        try:
            with fs.open(path, "rb") as fh:
                data = fh.read()
            if name.endswith(".parquet"):
                pq.read_table(pa.BufferReader(data))
            elif name.endswith(".json"):
                json.loads(data)
            elif name.endswith(".zst"):
                if blobs.get(name.removesuffix(".zst")) is None:
                    raise ValueError("missing")
            elif name.endswith(".xml"):
                ET.fromstring(data)
            elif name.endswith(".html"):
                if not data.rstrip().endswith(b"</html>"):
                    raise ValueError("truncated HTML")
            elif name.endswith(".md"):
                data.decode()
        except Exception as exc:
            bad.append(f"{path}: {type(exc).__name__}: {exc}")
    return bad


def leftovers(lake: Lake) -> int:
    """Local temporary files (`.<name>.<uuid>.tmp`) and, on S3, multipart uploads begun and
    never completed or aborted (a SIGKILL aborts nothing)."""
    if lake.local:
        return leftover_temporaries(lake)
    bucket = lake.root.path.split("/", 1)[0]
    prefix = lake.root.path.split("/", 1)[1] if "/" in lake.root.path else ""
    uploads = lake.root.fs.call_s3("list_multipart_uploads", Bucket=bucket, Prefix=prefix)
    return len(uploads.get("Uploads", []))


def leftover_temporaries(lake: Lake) -> int:
    return sum(
        1 for p in lake_objects(lake) if p.rsplit("/", 1)[-1].startswith(".") and p.endswith(".tmp")
    )


@dataclass
class DagsterState:
    statuses: dict[str, str]  # run id -> status
    held_slots: dict[str, int]  # pool -> slots still claimed

    @property
    def unfinished(self) -> list[str]:
        return [r for r, s in self.statuses.items() if s in ("STARTED", "STARTING", "QUEUED")]


def dagster_state(home: Path) -> DagsterState:
    import dagster as dg

    if not (home / "dagster.yaml").exists():  # killed before it made its Dagster home
        return DagsterState(statuses={}, held_slots={})
    with dg.DagsterInstance.from_config(str(home)) as instance:
        statuses = {r.run_id: r.status.value for r in instance.get_runs()}
        held: dict[str, int] = {}
        for pool in instance.event_log_storage.get_concurrency_keys():
            info = instance.event_log_storage.get_concurrency_info(pool)
            if info.claimed_slots:
                held[pool] = len(info.claimed_slots)
    return DagsterState(statuses=statuses, held_slots=held)


# -- one kill, checked ---------------------------------------------------------------------


@dataclass
class KillOutcome:
    seed: int
    kill: Kill
    rerun_code: int
    killed_runs: list[str]  # Dagster runs of the killed process
    problems: list[str]
    # what the kill left behind that no reader sees: local temporary files, S3 multipart
    # uploads never completed (reported, not failures; neither blocks the next run)
    leftovers: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems


def kill_and_rerun(project: Project, seed: int, reference: Reference) -> KillOutcome:
    """SIGKILL a run at a delay drawn from `seed` (uniform over the length of an uninterrupted
    run), re-run, and compare with `reference`."""
    delay = round(random.Random(seed).uniform(0.0, reference.took_s), 3)
    kill = project.run_killed(delay)
    return rerun_and_check(project, seed, kill, reference.snapshot)


def kill_at_and_rerun(project: Project, point: str, reference: Snapshot) -> KillOutcome:
    """Run until the kill point `point` (see `kill_child.arm`) kills it, re-run, compare."""
    started = time.monotonic()
    code, err = project.run("killed", kill_at=point)
    lines = [x.strip() for x in err.splitlines() if x.strip()]
    stages = [s for s in map(_stage_of, lines) if s is not None]
    kill = Kill(
        delay_s=round(time.monotonic() - started, 3),
        stage=stages[-1] if stages else "start-up",
        last_line=lines[-1] if lines else "",
        finished_first=code != -signal.SIGKILL,
    )
    outcome = rerun_and_check(project, 0, kill, reference)
    if kill.finished_first:
        outcome.problems.insert(0, f"the kill point {point} was never reached (exit {code})")
    return outcome


def rerun_and_check(project: Project, seed: int, kill: Kill, reference: Snapshot) -> KillOutcome:
    """After a kill: a plain re-run, then every check against `reference`."""
    killed_runs = list(dagster_state(project.home).statuses)
    code, err = project.run("rerun")
    problems: list[str] = []
    if code not in COMPLETED:
        problems.append(f"re-run exited {code}: {err[-1500:]}")
    got = snapshot(project.lake)
    if got.duplicates:
        problems.append(f"duplicate keys: {got.duplicates}")
    diff = got.differences(reference)
    if diff:
        problems.append(f"tables differ from the uninterrupted run: {json.dumps(diff)[:3000]}")
    bad = unreadable_objects(project.lake)
    if bad:
        problems.append(f"unreadable objects: {bad[:5]}")
    after = dagster_state(project.home)
    stuck = [r for r in killed_runs if after.statuses.get(r) not in ("SUCCESS", "FAILURE")]
    if stuck:
        problems.append(f"killed runs not FAILURE after the re-run: {stuck}")
    if after.held_slots:
        problems.append(f"pool slots still held: {after.held_slots}")
    return KillOutcome(seed, kill, code, killed_runs, problems, leftovers(project.lake))


@dataclass
class Reference:
    """An uninterrupted run: its tables, its length (random kills are drawn over it) and how
    many times it passed each of `WRITE_POINTS`."""

    snapshot: Snapshot
    took_s: float
    passes: dict[str, int]


def reference_run(project: Project) -> Reference:
    counting = ";".join(f"{point}#count" for point in WRITE_POINTS.values())
    started = time.monotonic()
    code, err = project.run("reference", kill_at=counting)
    took = time.monotonic() - started
    if code not in COMPLETED:
        raise RuntimeError(f"the uninterrupted run exited {code}: {err[-3000:]}")
    passes = {}
    for name, point in WRITE_POINTS.items():
        found = re.search(rf"kill_child: (\d+) calls of {re.escape(point)}#count", err)
        passes[name] = int(found[1]) if found else 0
    return Reference(snapshot(project.lake), took, passes)


def kill_at_write(project: Project, family: str, seed: int, reference: Reference) -> KillOutcome:
    """Kill at the n-th pass of `WRITE_POINTS[family]`, n drawn from `seed` over the passes
    of an uninterrupted run: a place in collect, refine, enrich or publish that does not
    depend on the machine's speed. Re-run, compare."""
    n = random.Random(seed).randint(1, max(1, reference.passes[family]))
    outcome = kill_at_and_rerun(project, f"{WRITE_POINTS[family]}#{n}", reference.snapshot)
    outcome.seed = seed
    return outcome


def stage_counts(outcomes: list[KillOutcome]) -> Mapping[str, int]:
    return Counter(o.kill.stage for o in outcomes)
