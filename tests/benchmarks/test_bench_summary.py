"""benchmarks/bench_summary.py at a small scale: `is_boilerplate` and the letter count by
deletion answer, sentence by sentence, as the single pattern and the letter list they
replaced (nothing timed)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))

import bench_summary

from riverbed.enrich import summary


def test_the_faster_checks_give_the_same_answers(capsys: pytest.CaptureFixture[str]) -> None:
    assert bench_summary.main(["--stories", "60", "--repeat", "1"]) == 0
    out = capsys.readouterr().out
    assert "answers that differ: 0" in out
    # the corpus does hold furniture, and the rule finds it
    found = out.split("| boilerplate: `is_boilerplate` |")[1].split("|")[2]
    assert int(found.split()[0].replace(",", "")) > 0


# `is_boilerplate`, which tries the anchored branches once and skips the rest for an ASCII
# sentence without any of their words, must answer exactly as the rule written as one pattern
# (the benchmark's baseline, `bench_summary.ONE_RULE`).
_PHRASES = [
    "Read more", "read the full story", "Continue reading", "learn more", "find out more",
    "Click here", "tap here", "Subscribe", "our newsletter", "unsubscribe", "Sign up for",
    "sign up today", "We use cookies", "this website uses cookies", "Accept all cookies",
    "cookie policy", "Privacy Policy", "terms of service", "All rights reserved", "© 2026",
    "Copyright 2025", "copyright © 2024", "Share this", "follow us", "like us on",
    "enable JavaScript", "JavaScript is disabled", "your browser does not support",
    "This story has been updated", "Comments are closed", "Related", "See also",
    "By Jane Doe,", "by Ana María López", "Posted on", "Last updated:", "Photo credit:",
    "Image:", "Advertisement", "sponsored", "readme", "likely", "reader", "shareholders",
    "tapestry", "signals", "updates", "commentary", "the", "release", "Postgres", "2026",
]  # fmt: skip
_ODD = ["ſ", "İ", "ı", "K", "é", "ß", "市", "\u200b", " ", "  ", ".", ":", ",", "|", "\n", "-"]


@settings(max_examples=1000, deadline=None)
@given(st.lists(st.sampled_from(_PHRASES + _ODD) | st.text(max_size=6), max_size=8))
def test_boilerplate_answers_as_the_single_rule(parts: list[str]) -> None:
    sentence = " ".join(parts)
    assert summary.is_boilerplate(sentence) == (bench_summary.ONE_RULE.search(sentence) is not None)
