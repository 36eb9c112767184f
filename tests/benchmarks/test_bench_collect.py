"""Smoke test of benchmarks/bench_collect.py at a small scale: the benchmark's server,
catalogue, riverbed `collect()` run and sequential baseline all work and agree on what they
collected. Correctness only: nothing here is timed."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from netguard import loopback_only

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))

import bench_collect as bench

from riverbed.sources.rss import parse_feed

SOURCES, HOSTS = 24, 4


@pytest.fixture(autouse=True)
def no_outside_network() -> Iterator[None]:
    with loopback_only():
        yield


def test_collect_and_baseline_get_the_same_items(tmp_path: Path) -> None:
    feeds = bench.build_feeds(SOURCES)
    expected = sum(len(parse_feed(body).items) for body, _ in feeds)
    assert all(20 <= len(parse_feed(body).items) <= 30 for body, _ in feeds)
    urls = bench.source_urls(SOURCES, HOSTS)
    assert len({u.split("/")[2] for u in urls}) == HOSTS
    proc, addrs = bench.start_server(HOSTS, feeds, latency_s=0.01)
    try:
        assert [ip for ip, _ in addrs] == [f"127.0.0.{2 + n}" for n in range(HOSTS)]
        cat = bench.catalogue(urls, addrs)
        assert cat.settings.per_host_concurrency == bench.PER_HOST
        ours = bench.run_collect(cat, tmp_path / "lake", "2026-11-25")
        base = bench.run_baseline(urls, addrs)
        seconds, ok = bench.run_fetch_only(cat)
    finally:
        proc.terminate()
        proc.join(5)
    assert (ours.failed, base.failed, ok) == (0, 0, SOURCES)
    assert ours.items == base.items == expected
    assert seconds > 0 and ours.fetch_s > 0 and ours.parse_cpu_s > 0
