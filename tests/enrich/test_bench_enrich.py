"""Smoke test of benchmarks/bench_enrich.py at a small scale: the synthetic corpus, every
enricher and its baseline run and the report renders. Correctness only: nothing is timed."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))

import bench_enrich as bench


def test_synthetic_stories_are_deterministic_and_labelled() -> None:
    first, again = bench.synthetic_stories(50, seed=4), bench.synthetic_stories(50, seed=4)
    assert first == again
    assert len({s.topic for s in first}) > 5
    assert all(s.title and s.text and s.product for s in first)


def test_every_enricher_runs_beside_its_baseline() -> None:
    stories = bench.synthetic_stories(240, seed=2)
    rows = bench.measure(stories, repeat=1)
    assert [r.name.split(" ")[0] for r in rows] == [
        "language",
        "keywords",
        "embeddings",
        "topics",
        "summaries",
        "interest",
        "cache",
    ]
    assert all(r.ours > 0 and r.baseline > 0 for r in rows)
    table = bench.report(rows, len(stories))
    assert table.count("\n") == len(rows) + 1 and "purity" in table


def test_the_topics_bench_runs_both_variants_and_finds_them_equal(monkeypatch, capsys) -> None:
    """benchmarks/bench_topics.py at a small scale (the readings fork from 100 stories on
    here): exit 0 only when both variants gave identical topics."""
    import bench_topics

    from riverbed.enrich import topics

    monkeypatch.setattr(topics, "PARALLEL_FROM", 100)
    assert bench_topics.main(["--stories", "300", "--repeat", "1"]) == 0
    out = capsys.readouterr().out
    assert "identical topics: yes" in out and "| two processes |" in out
    assert topics.PARALLEL_FROM == 100  # given back as found
