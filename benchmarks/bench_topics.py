"""Topics of a big day: `cluster_topics` with its two readings of the day's label terms in
two processes (half of the stories each in a forked child, `riverbed.core.halves`) beside
the same code reading them in one process, run side by side on the same stories.

The stories are `bench_enrich.synthetic_stories` (demo vocabulary, twelve subjects, ~900
characters each), embedded by the `HashingEmbedder`. Each variant runs `--repeat` times,
alternating, and the best time counts; the topics of both must be identical. Peak memory
is the process's own high-water mark after each variant's first run (the forked child's
is reported beside it: it shares the parent's pages until it writes).

    uv run python benchmarks/bench_topics.py [--stories 100000] [--repeat 2] [--seed 1]

On a shared machine the times are noisy: compare the ratio, not the seconds.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_enrich import DATE, synthetic_stories

from riverbed.enrich import topics
from riverbed.enrich.embeddings import HashingEmbedder


def _max_rss_mb(who: int) -> int:
    return resource.getrusage(who).ru_maxrss // 1024


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--stories", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    if args.stories < topics.PARALLEL_FROM:
        parser.error(f"--stories under {topics.PARALLEL_FROM:,}: both variants read in one")
    if not topics.can_fork():
        parser.error("this process may not fork: both variants would read in one")
    stories = synthetic_stories(args.stories, args.seed)
    titles = [s.title for s in stories]
    texts: list[str | None] = [s.text for s in stories]
    ids = [s.story_id for s in stories]
    vectors = HashingEmbedder().embed([f"{s.title}\n{s.text[:1000]}" for s in stories])
    del stories
    print(
        f"{len(ids):,} synthetic stories; python {platform.python_version()} on "
        f"{platform.machine()}, {os.cpu_count()} CPUs; best of {args.repeat}, alternating"
    )

    parallel_from = topics.PARALLEL_FROM
    best = {"two processes": float("inf"), "one process": float("inf")}
    results: dict[str, object] = {}
    memory: dict[str, str] = {}
    for _ in range(args.repeat):
        for name, threshold in (("one process", 10**12), ("two processes", parallel_from)):
            topics.PARALLEL_FROM = threshold
            start = time.perf_counter()
            results[name] = topics.cluster_topics(vectors, titles, texts, ids, DATE)
            best[name] = min(best[name], time.perf_counter() - start)
            memory.setdefault(
                name,
                f"{_max_rss_mb(resource.RUSAGE_SELF):,} MB"
                + (
                    f" (child {_max_rss_mb(resource.RUSAGE_CHILDREN):,} MB)"
                    if name == "two processes"
                    else ""
                ),
            )
    topics.PARALLEL_FROM = parallel_from
    same = results["one process"] == results["two processes"]
    print("| topics of the day | seconds | stories/s | peak RSS after its first run |")
    print("|---|---|---|---|")
    for name in ("two processes", "one process"):
        print(f"| {name} | {best[name]:.1f} | {len(ids) / best[name]:,.0f} | {memory[name]} |")
    print(
        f"two processes / one: {best['one process'] / best['two processes']:.2f}x faster; "
        f"identical topics: {'yes' if same else 'NO'}"
    )
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
