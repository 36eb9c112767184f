"""The demo end to end, and the share of it that is Dagster bookkeeping.

Side by side on the same corpus and server, each on a fresh lake:
  baseline  the pipeline's own work called directly (collect / refine / articles / publish)
  dagster   the same work through Dagster (`orchestrate.run_pipeline`: in-process runs)
  cli       `riverbed demo` as a user runs it (a new process: imports, corpus, server, runs)
Dagster bookkeeping share = (dagster - baseline) / dagster.

    uv run python benchmarks/bench_demo.py [--rounds 3]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path


def baseline(catalogue, lake_uri: str, date: str) -> float:
    """The same work as the Dagster runs, called directly: collect per kind, refine,
    articles, history tables, publish."""
    from riverbed.core.ranking import rank_stories
    from riverbed.lake import Lake
    from riverbed.lake.journal import Journal
    from riverbed.pipeline.articles import collect_articles
    from riverbed.pipeline.collect import collect
    from riverbed.pipeline.publish import digest_rows, publish
    from riverbed.pipeline.refine import history_table, item_metrics_table, items_table
    from riverbed.pipeline.stories import stories_table

    lake = Lake(lake_uri)
    run_id = uuid.uuid4().hex
    t0 = time.perf_counter()
    kind_of = {s.id: s.kind for s in catalogue.sources}
    result = collect(lake, catalogue.sources, catalogue.settings, date, run_id)
    for sid, table in result.tables.items():
        part = lake.partition_path(f"{kind_of[sid]}_items", {"date": date, "source": sid})
        lake.write_table(part, table)
    result.save_states(lake)
    items = items_table(result.tables.values(), catalogue)
    lake.write_table(lake.partition_path("items", {"date": date}), items)
    metrics = item_metrics_table(None, Journal(lake).read("item_metrics", date), items)
    lake.write_table(lake.partition_path("item_metrics", {"date": date}), metrics)
    stories = stories_table(items, date)
    lake.write_table(lake.partition_path("stories", {"date": date}), stories)
    rows = stories.to_pylist()
    ranked = [r.story for r in rank_stories(rows, date, limit=len(rows))]
    articles = collect_articles(
        lake, ranked, items.to_pylist(), catalogue.settings, date, run_id
    ).table
    lake.write_table(lake.partition_path("articles", {"date": date}), articles)
    for name in ("fetches", "errors", "source_health"):
        lake.write_table(
            lake.partition_path(name, {"date": date}), history_table(Journal(lake), name, date)
        )
    publish(lake, digest_rows(stories, date, articles=articles), date)
    return time.perf_counter() - t0


def through_dagster(catalogue, path: str, lake_uri: str, date: str) -> float:
    from riverbed.orchestrate import run_pipeline

    t0 = time.perf_counter()
    summary = run_pipeline(catalogue, path, lake_uri, date, force=True)
    assert not summary.failed_runs, summary.failed_runs
    return time.perf_counter() - t0


def cli_demo(workdir: Path) -> float:
    t0 = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "riverbed.cli", "demo", "--quiet"],
        cwd=workdir,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    from riverbed.core.catalogue import load_catalogue
    from riverbed.demo.corpus import build_corpus
    from riverbed.demo.server import ReplayServer
    from riverbed.orchestrate import prepare_dagster_home

    day = datetime.now(UTC).date()
    corpus = build_corpus(day)
    tmp = Path(tempfile.mkdtemp(prefix="riverbed-bench-"))
    os.environ["DAGSTER_HOME"] = str(tmp / "dagster")
    prepare_dagster_home()
    import dagster  # noqa: F401  (import cost is measured by the cli variant, not here)

    times: dict[str, list[float]] = {"baseline": [], "dagster": [], "cli": []}
    with ReplayServer(corpus) as server:
        cat_path = tmp / "sources.yaml"
        cat_path.write_text(corpus.catalogue_yaml(port=server.port, timeout_s=2.0))
        catalogue = load_catalogue(cat_path)
        for n in range(args.rounds):
            times["baseline"].append(baseline(catalogue, str(tmp / f"lake-b{n}"), day.isoformat()))
            times["dagster"].append(
                through_dagster(catalogue, str(cat_path), str(tmp / f"lake-d{n}"), day.isoformat())
            )
    for n in range(args.rounds):
        work = tmp / f"cli{n}"
        work.mkdir()
        times["cli"].append(cli_demo(work))

    med = {k: statistics.median(v) for k, v in times.items()}
    print(f"demo corpus: {len(corpus.sources)} feeds, rounds={args.rounds}, cpus={os.cpu_count()}")
    for k in ("baseline", "dagster", "cli"):
        print(f"  {k:9s} median {med[k]:6.2f}s  runs {', '.join(f'{t:.2f}' for t in times[k])}")
    share = (med["dagster"] - med["baseline"]) / med["dagster"]
    print(
        f"  dagster / baseline = {med['dagster'] / med['baseline']:.2f}x; "
        f"Dagster bookkeeping share of the pipeline = {share:.0%}"
    )


if __name__ == "__main__":
    main()
