"""The extractive summary's per-sentence checks: `enrich.summary.is_boilerplate` (anchored
branches tried once at the start, the rest skipped for an ASCII sentence without any of
their words) beside the same rule as one pattern searched at every position (how it was
written before), and the letter count of `_is_prose` by deleting non-letters beside listing
every letter; run side by side on the same sentences.

The sentences are `bench_enrich.synthetic_stories` prose (the demo vocabulary, split by
`summary.split_sentences`) with one in twenty a line of site furniture ("Read more",
"Subscribe to our newsletter", a byline, a copyright line …), some of them with non-ASCII
letters. Both variants must give the same answer for every sentence; the time of each is
the best of `--repeat` rounds, alternating.

    uv run python benchmarks/bench_summary.py [--stories 3000] [--repeat 3] [--seed 1]

On a shared machine the times are noisy: compare the ratio, not the seconds.
"""

from __future__ import annotations

import argparse
import math
import platform
import random
import re
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_enrich import synthetic_stories

from riverbed.enrich import summary

ONE_RULE = re.compile(  # the rule as it was written before: one pattern, searched
    r"^(?:" + summary._BOILERPLATE_START.pattern + r")|" + summary._BOILERPLATE_ANYWHERE.pattern,
    re.IGNORECASE | re.VERBOSE,
)
LETTER = re.compile(r"[^\W\d_]")  # the letter count as it was: every letter listed
FURNITURE = [
    "Read more", "Subscribe to our newsletter for weekly updates.", "By Jane Doe | 5 min read",
    "Updated: 3 May 2026", "© 2026 Example Corp. All rights reserved.",
    "We use cookies to improve your experience.", "Related: how we scaled the queue",
    "Share this on Mastodon", "Photo: Zoë Müller", "Comments are closed.",
    "Kommentare sind geschlossen — Datenschutzerklärung", "Published on 2 June",
]  # fmt: skip


def sentences(stories: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    out = []
    for story in synthetic_stories(stories, seed):
        for sentence in summary.split_sentences(f"{story.title}\n{story.text}"):
            out.append(rng.choice(FURNITURE) if rng.random() < 0.05 else sentence)
    return out


def timed(check: Callable[[str], Any], items: list[str]) -> tuple[float, list[Any]]:
    start = time.perf_counter()
    answers = [check(s) for s in items]
    return time.perf_counter() - start, answers


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--stories", type=int, default=3_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    items = sentences(args.stories, args.seed)
    print(
        f"{len(items):,} sentences, {sum(map(len, items)) / len(items):.0f} characters on "
        f"average; python {platform.python_version()} on {platform.machine()}; best of "
        f"{args.repeat}, alternating"
    )
    pairs: list[tuple[str, Callable[[str], Any], str, Callable[[str], Any]]] = [
        (
            "boilerplate: one pattern searched",
            lambda s: ONE_RULE.search(s) is not None,
            "boilerplate: `is_boilerplate`",
            summary.is_boilerplate,
        ),
        (
            "letters: every letter listed",
            lambda s: len(LETTER.findall(s)),
            "letters: non-letters deleted",
            lambda s: len(summary._NOT_LETTER.sub("", s)),
        ),
    ]
    print("| check | sentences/s | µs a sentence | answers |")
    print("|---|---|---|---|")
    differ = 0
    for before_name, before, now_name, now in pairs:
        best = {before_name: math.inf, now_name: math.inf}
        answers: dict[str, list[Any]] = {}
        for _ in range(args.repeat):
            for name, check in ((before_name, before), (now_name, now)):
                seconds, answers[name] = timed(check, items)
                best[name] = min(best[name], seconds)
        wrong = sum(a != b for a, b in zip(answers[before_name], answers[now_name], strict=True))
        differ += wrong
        for name in (before_name, now_name):
            rate = len(items) / best[name]
            found = (
                f"{sum(map(bool, answers[name])):,} boilerplate"
                if name.startswith("boilerplate")
                else f"{sum(answers[name]):,} letters"
            )
            print(f"| {name} | {rate:,.0f} | {1e6 / rate:.1f} | {found} |")
        print(f"| speed-up | {best[before_name] / best[now_name]:.1f}x | | differ: {wrong} |")
    print(f"answers that differ: {differ}")
    return 1 if differ else 0


if __name__ == "__main__":
    raise SystemExit(main())
