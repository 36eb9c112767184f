"""Collecting 300 feeds from 30 hosts: riverbed `collect()` against a sequential
fetch-and-parse baseline, side by side.

A server process listens on 127.0.0.2 … 127.0.0.31 (one port each; Linux routes all of 127/8
to lo) and answers every request after 50 ms with one of 300 generated feeds (RSS 2.0 with
content:encoded or Atom 1.0 from bench_parse.py's generators, 20-30 items each, gzip when the
client asks). The catalogue names them http://feedsNN.bench.test/feed/K.xml, hosts mapped to
the loopback addresses with `settings.resolve` (no DNS), per_host_concurrency 4. Each round,
in the same process and against the same server:

  baseline   one request at a time through a plain aiohttp session, then `parse_feed`
  collect    `riverbed.pipeline.collect.collect()` on a fresh local lake, as the Dagster step
             calls it; then the day partitions are written as the IO manager does
  fetch only riverbed's `HttpClient` on the same 300 URLs with the same settings, no parse

Inside `collect()` the fetch phase (first GET sent -> last response in), the parse time
(thread CPU, summed over sources) and the bronze writes are measured from outside by wrapping
`HttpClient`, `parse_feed` and `BlobStore` for the run; nothing in `src/` is changed for it.
Latency bound = requests x latency / (hosts x per-host concurrency) = 0.125 s by default.

    uv run python benchmarks/bench_collect.py [--sources 300] [--hosts 30] [--rounds 5]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gzip
import multiprocessing as mp
import os
import platform
import random
import socket
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web
from aiohttp.abc import AbstractResolver, ResolveResult
from bench_parse import atom_feed, rss_feed

from riverbed.core.catalogue import Catalogue, parse_catalogue
from riverbed.fetch import HttpClient
from riverbed.lake import Lake
from riverbed.pipeline.collect import collect, fetch_settings
from riverbed.sources.rss import parse_feed

LATENCY_S = 0.05
PER_HOST = 4
FIRST_OCTET = 2  # 127.0.0.2 is the first host; 127.0.0.1 stays free for everything else
RSS_TYPE = "application/rss+xml; charset=utf-8"
ATOM_TYPE = "application/atom+xml; charset=utf-8"


# -- the feeds and the server ----------------------------------------------------------------


def build_feeds(count: int, seed: int = 11) -> list[tuple[bytes, str]]:
    """`count` feeds (body, content type): even ones RSS 2.0 (every other with full
    content:encoded), odd ones Atom 1.0; 20-30 items each; deterministic for a seed."""
    rng = random.Random(seed)
    feeds = []
    for index in range(count):
        items = rng.randint(20, 30)
        if index % 2 == 0:
            feeds.append((rss_feed(rng, index, items, full_content=index % 4 == 0), RSS_TYPE))
        else:
            feeds.append((atom_feed(rng, index, items), ATOM_TYPE))
    return feeds


def _serve(socks: list[socket.socket], feeds: list[tuple[bytes, str]], latency_s: float) -> None:
    packed = [gzip.compress(body, compresslevel=6) for body, _ in feeds]

    async def handler(request: web.Request) -> web.Response:
        await asyncio.sleep(latency_s)
        try:
            index = int(request.match_info["index"])
            body, content_type = feeds[index]
        except (ValueError, IndexError):
            raise web.HTTPNotFound() from None
        headers = {"Content-Type": content_type, "Vary": "Accept-Encoding"}
        if "gzip" in request.headers.get("Accept-Encoding", ""):
            headers["Content-Encoding"] = "gzip"
            return web.Response(body=packed[index], headers=headers)
        return web.Response(body=body, headers=headers)

    app = web.Application()
    app.router.add_get("/feed/{index}.xml", handler)
    web.run_app(app, sock=socks, print=None, handle_signals=True, access_log=None)


def start_server(
    hosts: int, feeds: list[tuple[bytes, str]], latency_s: float = LATENCY_S
) -> tuple[mp.process.BaseProcess, list[tuple[str, int]]]:
    """A server process listening on 127.0.0.2 … 127.0.0.(1+hosts); returns it and the
    (ip, port) of each host."""
    socks, addrs = [], []
    for n in range(hosts):
        ip = f"127.0.0.{FIRST_OCTET + n}"
        sock = socket.socket()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((ip, 0))
        sock.listen(1024)
        socks.append(sock)
        addrs.append((ip, sock.getsockname()[1]))
    proc = mp.get_context("fork").Process(
        target=_serve, args=(socks, feeds, latency_s), daemon=True
    )
    proc.start()
    for sock in socks:
        sock.close()
    for ip, port in addrs:  # wait until every host answers
        for _ in range(100):
            try:
                with socket.create_connection((ip, port), timeout=0.1):
                    break
            except OSError:
                time.sleep(0.05)
    return proc, addrs


def host_name(n: int) -> str:
    return f"feeds{FIRST_OCTET + n:02d}.bench.test"


def source_urls(sources: int, hosts: int) -> list[str]:
    """Source k is served by host k mod `hosts`, so every host has sources/hosts feeds."""
    return [f"http://{host_name(k % hosts)}/feed/{k}.xml" for k in range(sources)]


def catalogue(urls: list[str], addrs: list[tuple[str, int]]) -> Catalogue:
    """The catalogue a user would write, parsed by the real loader."""
    lines = [
        "settings:",
        f"  per_host_concurrency: {PER_HOST}",
        "  timeout_s: 30",
        "  resolve:",
    ]
    lines += [f"    {host_name(n)}: {ip}:{port}" for n, (ip, port) in enumerate(addrs)]
    lines.append("sources:")
    for k, url in enumerate(urls):
        lines += [f"  - id: bench-{k:04d}", "    kind: rss", f"    url: {url}"]
    return parse_catalogue("\n".join(lines) + "\n", file="<bench_collect>")


# -- measuring collect() from outside --------------------------------------------------------


@dataclass
class Probe:
    """What the wrapped HttpClient / parse_feed / BlobStore saw during one collect()."""

    requests: list[tuple[float, float]] = field(default_factory=list)  # perf_counter spans
    parse_cpu_s: float = 0.0
    parse_calls: int = 0
    bronze: list[float] = field(default_factory=list)  # per put (worker threads: list.append)
    client_closed: float = 0.0


@contextlib.contextmanager
def instrumented() -> Iterator[Probe]:
    """Wrap collect()'s HttpClient, the rss collector's parse_feed and the BlobStore for the
    duration of the block (module attributes, restored afterwards)."""
    import riverbed.pipeline.collect as collect_mod
    from riverbed.sources import registry

    probe = Probe()
    real_client, real_store, real_parse = (
        collect_mod.HttpClient,
        collect_mod.BlobStore,
        registry.parse_feed,
    )

    class TimedClient(real_client):  # type: ignore[misc, valid-type]
        async def get(self, url: str, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return await super().get(url, **kwargs)
            finally:
                probe.requests.append((started, time.perf_counter()))

        async def close(self) -> None:
            await super().close()
            probe.client_closed = time.perf_counter()

    class TimedStore(real_store):  # type: ignore[misc, valid-type]
        def put(self, body: bytes) -> str:
            started = time.perf_counter()
            try:
                return super().put(body)
            finally:
                probe.bronze.append(time.perf_counter() - started)

    def timed_parse(*args: Any, **kwargs: Any) -> Any:
        started = time.thread_time()
        try:
            return real_parse(*args, **kwargs)
        finally:
            probe.parse_cpu_s += time.thread_time() - started
            probe.parse_calls += 1

    collect_mod.HttpClient, collect_mod.BlobStore = TimedClient, TimedStore  # type: ignore[misc]
    registry.parse_feed = timed_parse
    try:
        yield probe
    finally:
        collect_mod.HttpClient, collect_mod.BlobStore = real_client, real_store  # type: ignore[misc]
        registry.parse_feed = real_parse


@dataclass
class CollectRun:
    wall_s: float  # collect() as the Dagster step calls it
    fetch_s: float  # first GET sent -> last response in
    parse_cpu_s: float
    prepare_s: float  # collect() start -> first GET (source state reads)
    bronze_s: float  # raw bodies hashed, compressed and written (summed over puts)
    after_fetch_s: float  # client closed -> collect() returns: merge, state, journals
    partitions_s: float  # the day partitions written, as the IO manager does after the step
    items: int
    failed: int


def run_collect(cat: Catalogue, lake_dir: Path, date: str) -> CollectRun:
    lake = Lake(str(lake_dir))
    with instrumented() as probe:
        started = time.perf_counter()
        result = collect(lake, cat.sources, cat.settings, date, uuid.uuid4().hex)
        done = time.perf_counter()
    for sid, table in result.tables.items():
        lake.write_table(lake.partition_path("rss_items", {"date": date, "source": sid}), table)
    written = time.perf_counter()
    first = min(s for s, _ in probe.requests)
    last = max(e for _, e in probe.requests)
    if probe.parse_calls != len(cat.sources):
        raise SystemExit(f"parse_feed ran {probe.parse_calls} times for {len(cat.sources)}")
    return CollectRun(
        wall_s=done - started,
        fetch_s=last - first,
        parse_cpu_s=probe.parse_cpu_s,
        prepare_s=first - started,
        bronze_s=sum(probe.bronze),
        after_fetch_s=done - probe.client_closed,
        partitions_s=written - done,
        items=sum(t.num_rows for t in result.tables.values()),
        failed=sum(r.status == "failed" for r in result.reports),
    )


def run_fetch_only(cat: Catalogue) -> tuple[float, int]:
    """riverbed's HttpClient alone on the catalogue's URLs, collect()'s settings, no parse."""

    async def go() -> int:
        async with HttpClient(fetch_settings(cat.settings)) as client:
            responses = await asyncio.gather(
                *(client.get(str(s.url), trusted=True) for s in cat.sources)
            )
        return sum(r.ok for r in responses)

    started = time.perf_counter()
    ok = asyncio.run(go())
    return time.perf_counter() - started, ok


# -- the baseline -----------------------------------------------------------------------------


class StaticResolver(AbstractResolver):
    """name -> (ip, port), like /etc/hosts with ports; no DNS."""

    def __init__(self, table: dict[str, tuple[str, int]]) -> None:
        self.table = table

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        ip, mapped = self.table[host]
        return [
            ResolveResult(
                hostname=host,
                host=ip,
                port=mapped,
                family=socket.AF_INET,
                proto=0,
                flags=socket.AI_NUMERICHOST,
            )
        ]

    async def close(self) -> None:
        return None


@dataclass
class BaselineRun:
    wall_s: float
    fetch_s: float  # summed request time
    parse_cpu_s: float
    items: int
    failed: int


def run_baseline(urls: list[str], addrs: list[tuple[str, int]]) -> BaselineRun:
    """Sequential fetch-and-parse: one request at a time (keep-alive session), then parse."""
    table = {host_name(n): addr for n, addr in enumerate(addrs)}

    async def go() -> BaselineRun:
        fetch = parse = 0.0
        items = failed = 0
        connector = aiohttp.TCPConnector(resolver=StaticResolver(table))
        async with aiohttp.ClientSession(connector=connector) as session:
            for url in urls:
                started = time.perf_counter()
                async with session.get(url) as resp:
                    body = await resp.read()
                    ok, content_type = resp.status == 200, resp.headers.get("Content-Type")
                fetch += time.perf_counter() - started
                if not ok:
                    failed += 1
                    continue
                cpu = time.thread_time()
                items += len(parse_feed(body, content_type=content_type, base_url=url).items)
                parse += time.thread_time() - cpu
        return BaselineRun(0.0, fetch, parse, items, failed)

    started = time.perf_counter()
    run = asyncio.run(go())
    run.wall_s = time.perf_counter() - started
    return run


# -- main -------------------------------------------------------------------------------------


def _cpu() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sources", type=int, default=300)
    parser.add_argument("--hosts", type=int, default=30)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args(argv)
    if not 1 <= args.hosts <= 254 - FIRST_OCTET:
        parser.error("--hosts must be between 1 and 252")

    feeds = build_feeds(args.sources)
    expected = sum(len(parse_feed(body).items) for body, _ in feeds)
    megabytes = sum(len(body) for body, _ in feeds) / 1e6
    urls = source_urls(args.sources, args.hosts)
    date = datetime.now(UTC).date().isoformat()
    tmp = Path(tempfile.mkdtemp(prefix="riverbed-bench-collect-"))

    proc, addrs = start_server(args.hosts, feeds)
    try:
        cat = catalogue(urls, addrs)
        run_collect(cat, tmp / "warm-up", date)  # first connections, imports, lazy init
        base: list[BaselineRun] = []
        ours: list[CollectRun] = []
        alone: list[float] = []
        for n in range(args.rounds):  # interleaved, so drift affects every variant alike
            base.append(run_baseline(urls, addrs))
            ours.append(run_collect(cat, tmp / f"lake-{n}", date))
            seconds, ok = run_fetch_only(cat)
            if ok != args.sources:
                raise SystemExit(f"fetch only: {ok}/{args.sources} requests succeeded")
            alone.append(seconds)
    finally:
        proc.terminate()
        proc.join(5)

    for b, c in zip(base, ours):
        if b.failed or c.failed or b.items != expected or c.items != expected:
            raise SystemExit(
                f"item counts differ: expected {expected}, baseline {b.items} "
                f"({b.failed} failed), collect {c.items} ({c.failed} failed)"
            )

    def med(values: list[float]) -> float:
        return statistics.median(values)

    n = args.sources
    bound = n * LATENCY_S / (args.hosts * PER_HOST)
    b_wall, b_fetch, b_parse = (
        med([r.wall_s for r in base]),
        med([r.fetch_s for r in base]),
        med([r.parse_cpu_s for r in base]),
    )
    c_wall, c_fetch, c_parse = (
        med([r.wall_s for r in ours]),
        med([r.fetch_s for r in ours]),
        med([r.parse_cpu_s for r in ours]),
    )
    f_wall = med(alone)
    print(
        f"collect benchmark: {n} feeds ({expected} items, {megabytes:.1f} MB, gzip on the wire) "
        f"on {args.hosts} hosts 127.0.0.{FIRST_OCTET}-127.0.0.{FIRST_OCTET + args.hosts - 1}, "
        f"{LATENCY_S * 1000:.0f} ms latency, per_host_concurrency {PER_HOST}, "
        f"median of {args.rounds} rounds"
    )
    print(
        f"latency bound: {n} x {LATENCY_S:g} s / ({args.hosts} x {PER_HOST}) = {bound:.3f} s; "
        f"python {platform.python_version()} on {platform.machine()}, {_cpu()}, "
        f"{os.cpu_count()} CPUs"
    )
    print(
        f"{'variant':<26} {'wall s':>7} {'fetch s':>8} {'parse cpu s':>12} "
        f"{'req/s':>7} {'fetch/bound':>12}"
    )
    rows = (
        ("baseline (sequential)", b_wall, b_fetch, b_parse),
        ("riverbed collect()", c_wall, c_fetch, c_parse),
        ("HttpClient only (no parse)", f_wall, f_wall, None),
    )
    for name, wall, fetch, parse in rows:
        shown = f"{parse:12.3f}" if parse is not None else f"{'-':>12}"
        print(
            f"{name:<26} {wall:7.3f} {fetch:8.3f} {shown} {n / fetch:7.0f} {fetch / bound:11.1f}x"
        )
    print(
        "collect() breakdown (median s): "
        f"before first GET {med([r.prepare_s for r in ours]):.3f}; "
        f"fetch phase {c_fetch:.3f} (bronze writes in threads meanwhile: "
        f"{med([r.bronze_s for r in ours]):.3f}, summed over puts); "
        f"after fetch (parse cpu {c_parse:.3f}, items, merge, state, journals) "
        f"{med([r.after_fetch_s for r in ours]):.3f}; "
        f"then day partitions written (IO manager's share) "
        f"{med([r.partitions_s for r in ours]):.3f}"
    )
    print("runs, collect() wall s:", ", ".join(f"{r.wall_s:.3f}" for r in ours))
    print("runs, collect() fetch s:", ", ".join(f"{r.fetch_s:.3f}" for r in ours))
    print("runs, baseline wall s:", ", ".join(f"{r.wall_s:.2f}" for r in base))
    speedup = b_wall / c_wall
    verdict = {True: "met", False: "MISSED"}
    print(f"target >= 10x faster than the baseline: {speedup:.1f}x ({verdict[speedup >= 10]})")
    print(
        f"target fetch phase within 5x of the bound: in collect() {c_fetch / bound:.1f}x "
        f"({verdict[c_fetch <= 5 * bound]}); HttpClient alone {f_wall / bound:.1f}x "
        f"({verdict[f_wall <= 5 * bound]})"
    )
    cap = fetch_settings(cat.settings).total_concurrency
    if cap < args.hosts * PER_HOST:
        print(
            f"note: total_concurrency {cap} (FetchSettings default, not settable from the "
            f"catalogue) caps requests in flight below {args.hosts} x {PER_HOST}; with it the "
            f"bound is {n * LATENCY_S / cap:.3f} s"
        )
    return 0  # missed targets are reported, not failed: run_all.py goes on


if __name__ == "__main__":
    sys.exit(main())
