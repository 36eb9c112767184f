"""Smoke test of benchmarks/bench_extract.py on a few demo pages: the scoring and the naive
baseline work and agree with the known bodies; the script runs end to end whether or not
riverbed's extract_article is available yet. Correctness only: nothing here is timed."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from demo_testkit import DAY

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))

import bench_extract as bench

from riverbed.demo.articles import ArticlePage, article_pages


@pytest.fixture(scope="module")
def good() -> list[ArticlePage]:
    return [p for p in article_pages(7, DAY) if p.kind == "good"][::25]


def test_word_f1_is_bag_of_words() -> None:
    assert bench.word_f1("The cat sat.", "the CAT sat") == 1.0
    assert bench.word_f1("", "") == 1.0
    assert bench.word_f1("cat", "") == 0.0
    assert bench.word_f1("a b", "a c") == pytest.approx(0.5)
    assert bench.word_f1("a a b", "a b") == pytest.approx(0.8)  # a repeat costs precision
    assert bench._local_word_f1("a a b", "a b") == pytest.approx(0.8)


def test_baseline_has_full_recall_and_pays_for_boilerplate(good: list[ArticlePage]) -> None:
    seconds, scores = bench.run(bench.baseline_text, good, repeat=1)
    assert seconds > 0 and len(scores) == len(good)
    for page, score in zip(good, scores, strict=True):
        text = bench.baseline_text(page)
        assert "track(" not in text and "@context" not in text  # scripts dropped
        assert 0.4 < score < 0.99, page.url
    # the known body itself scores 1: the reference and the scoring agree
    assert all(bench.word_f1(p.body_text, p.body_text) == 1.0 for p in good)


def test_the_script_runs_end_to_end(capsys: pytest.CaptureFixture[str]) -> None:
    assert bench.main(["--limit", "12", "--repeat", "1", "--day", DAY.isoformat()]) == 0
    out = capsys.readouterr().out
    assert "12 good article pages" in out
    assert "naive <body> text (baseline)" in out
    assert "mean F1 by layout" in out
    if bench.riverbed_available() is None:
        assert "riverbed extract_article" in out
        assert "deliberately bad pages" in out
    else:
        assert "baseline only" in out
