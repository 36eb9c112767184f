"""Runs the two hostile catalogues once each, END TO END through `riverbed run`, in child
processes started at the same time (each under the loopback-only guard, see `child.py`), and
hands the outcome to every test: exit code, the `--format json` summary, the lake, the
child's peak RSS, what the servers saw and any network access the guard refused."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from hostile.corpus import Corpus, build
from hostile.server import Canary, HostileServer
from netguard import loopback_only
from riverbed.lake import Lake
from riverbed.lake.query import connect

CHILD = Path(__file__).with_name("child.py")
RUN_DEADLINE_S = 240  # only a guard against a hung child; no assertion is about time


@dataclass
class Run:
    name: str
    exit_code: int
    stdout: str
    stderr: str
    summary: list[dict[str, Any]]
    lake: Lake
    lake_dir: Path
    peak_rss_mb: float  # the `riverbed run` process (see `Finished`)
    helpers_peak_mb: float
    tree_peak_mb: float
    wall_s: float  # reported, never asserted on
    violations: list[str]

    def rows(self, sql: str, *params: Any) -> list[tuple[Any, ...]]:
        con = connect(self.lake)
        try:
            return con.execute(sql, list(params)).fetchall()
        finally:
            con.close()


@dataclass
class Hostile:
    corpus: Corpus
    server: HostileServer
    canary: Canary
    runs: dict[str, Run]


def _start(name: str, tmp: Path, catalogue: str) -> tuple[subprocess.Popen[bytes], dict[str, Path]]:
    base = tmp / name
    base.mkdir()
    paths = {
        "catalogue": base / "sources.yaml",
        "lake": base / "lake",
        "stdout": base / "stdout.txt",
        "stderr": base / "stderr.txt",
        "violations": base / "violations.json",
    }
    paths["catalogue"].write_text(catalogue)
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("RIVERBED_LAKE", "RIVERBED_SOURCES")
        and not k.lower().endswith("_proxy")  # resolved hosts never use one; be sure
    }
    env["DAGSTER_HOME"] = str(base / "dagster")
    args = [
        sys.executable,
        str(CHILD),
        str(paths["violations"]),
        "run",
        "--sources",
        str(paths["catalogue"]),
        "--lake",
        str(paths["lake"]),
        "--format",
        "json",
    ]
    with paths["stdout"].open("wb") as out, paths["stderr"].open("wb") as err:
        proc = subprocess.Popen(args, stdout=out, stderr=err, env=env, cwd=base)
    return proc, paths


@dataclass
class Finished:
    exit_code: int
    # the child itself: its VmHWM (the kernel's high-water mark of its own address space),
    # sampled until it exits. Not `wait4`'s ru_maxrss: the kernel folds the forking process's
    # high-water mark into the child's at exec, so a big pytest process would show as the child
    peak_rss_mb: float
    helpers_peak_mb: float  # the largest peak (VmHWM) of any process the child started
    tree_peak_mb: float  # the largest sum of RSS over the child and its processes, sampled
    wall_s: float


def _descendants(root: int) -> list[int]:
    """Every live process below `root` (extraction pool workers, a forkserver, ...)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_bytes()
        except OSError:
            continue
        ppid = int(stat.rsplit(b")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
    found, todo = [], [root]
    while todo:
        kids = children.get(todo.pop(), [])
        found += kids
        todo += kids
    return found


def _memory_kb(pid: int) -> tuple[int, int]:
    """(VmRSS, VmHWM) of a live process in KiB; zeros once it is gone."""
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0, 0
    values = dict.fromkeys(("VmRSS", "VmHWM"), 0)
    for line in text.splitlines():
        key, _, rest = line.partition(":")
        if key in values:
            values[key] = int(rest.split()[0])
    return values["VmRSS"], values["VmHWM"]


def _wait_all(procs: dict[str, subprocess.Popen[bytes]]) -> dict[str, Finished]:
    """Reap every child, sampling the memory of each child and of the processes it
    starts in the meantime."""
    done: dict[str, Finished] = {}
    helpers = dict.fromkeys(procs, 0)
    tree = dict.fromkeys(procs, 0)
    own = dict.fromkeys(procs, 0)
    started = time.monotonic()
    give_up = started + RUN_DEADLINE_S
    while len(done) < len(procs):
        for name, proc in procs.items():
            if name in done:
                continue
            total, hwm = _memory_kb(proc.pid)  # Popen returns after the exec
            own[name] = max(own[name], hwm)
            for pid in _descendants(proc.pid):
                rss, hwm = _memory_kb(pid)
                total += rss
                helpers[name] = max(helpers[name], hwm)
            tree[name] = max(tree[name], total)
            pid, status = os.waitpid(proc.pid, os.WNOHANG)
            if pid:
                proc.returncode = os.waitstatus_to_exitcode(status)
                done[name] = Finished(
                    exit_code=proc.returncode,
                    peak_rss_mb=own[name] / 1024,  # KiB
                    helpers_peak_mb=helpers[name] / 1024,
                    tree_peak_mb=max(tree[name], own[name]) / 1024,
                    wall_s=time.monotonic() - started,
                )
        if time.monotonic() > give_up:
            for name, proc in procs.items():
                if name not in done:
                    proc.kill()
            pytest.fail(f"riverbed run did not finish: {sorted(set(procs) - set(done))}")
        time.sleep(0.05)
    return done


@pytest.fixture(scope="package")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hostile]:
    tmp = tmp_path_factory.mktemp("hostile")
    with loopback_only():
        server, canary = HostileServer(), Canary()
        try:
            corpus = build(server.port, canary.port)
            server.add(corpus.routes, corpus.fallback)
            started = {name: _start(name, tmp, text) for name, text in corpus.catalogues.items()}
            finished = _wait_all({name: proc for name, (proc, _) in started.items()})
            runs = {}
            for name, (_proc, paths) in started.items():
                result = finished[name]
                stdout = paths["stdout"].read_text()
                try:
                    summary = json.loads(stdout)
                except ValueError:
                    summary = []
                violations = (
                    json.loads(paths["violations"].read_text())
                    if paths["violations"].exists()
                    else ["child wrote no report"]
                )
                runs[name] = Run(
                    name=name,
                    exit_code=result.exit_code,
                    stdout=stdout,
                    stderr=paths["stderr"].read_text(),
                    summary=summary,
                    lake=Lake(paths["lake"]),
                    lake_dir=paths["lake"],
                    peak_rss_mb=result.peak_rss_mb,
                    helpers_peak_mb=result.helpers_peak_mb,
                    tree_peak_mb=result.tree_peak_mb,
                    wall_s=result.wall_s,
                    violations=violations,
                )
            yield Hostile(corpus, server, canary, runs)
        finally:
            server.close()
            canary.close()
