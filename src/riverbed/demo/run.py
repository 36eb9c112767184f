"""`riverbed demo`: serve the corpus on 127.0.0.1, run the whole pipeline through Dagster
against it in the demo lake, print a summary."""

from __future__ import annotations

import os
import time
from datetime import UTC, datetime
from datetime import date as date_cls
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

DEMO_DIR = Path(".riverbed/demo")


def _point_resolve_at(path: Path, port: int) -> None:
    """Re-point the demo catalogue's loopback `resolve` entries at this run's server port,
    keeping everything else the user added (rules, notify targets, comments)."""
    yaml = YAML()
    yaml.preserve_quotes = True
    data = yaml.load(path.read_text())
    resolve = (data.get("settings") or {}).get("resolve") or {}
    for key, value in list(resolve.items()):
        if str(value).startswith("127.0.0.1:"):
            resolve[key] = f"127.0.0.1:{port}"
    with path.open("w") as fh:
        yaml.dump(data, fh)


def run_demo(
    lake: str | None = None,
    date: str | None = None,
    keep_server: bool = False,
    quiet: bool = False,
    fmt: str = "table",
    executor: str = "in_process",
) -> int:
    from riverbed.cli import (
        EXIT_USAGE,
        _exit_code,
        err,
        guarded,
        load_or_exit,
        print_sources,
        report_failures_quietly,
        resolve_lake,
    )
    from riverbed.core.catalogue import PLATFORM_KINDS
    from riverbed.demo.corpus import build_corpus
    from riverbed.demo.server import ReplayServer
    from riverbed.lake import Lake
    from riverbed.lake.query import connect
    from riverbed.orchestrate import prepare_dagster_home, run_pipeline
    from riverbed.progress import for_cli
    from riverbed.run_report import next_steps, render_report

    started = time.monotonic()
    demo_dir = DEMO_DIR.absolute()
    demo_dir.mkdir(parents=True, exist_ok=True)
    lake_uri = resolve_lake(lake or str(demo_dir / "lake"))
    if executor == "in_process" or not os.environ.get("DAGSTER_HOME"):
        # a demo instance of its own; distributed executors share the configured one (Postgres)
        os.environ["DAGSTER_HOME"] = str(demo_dir / "dagster")
    prepare_dagster_home()
    say = for_cli(quiet, fmt)

    day = date_cls.fromisoformat(date) if date else datetime.now(UTC).date()
    corpus = build_corpus(day)
    catalogue_path = demo_dir / "sources.yaml"
    with ReplayServer(corpus) as server:
        port = server.port
        if not catalogue_path.exists():
            catalogue_path.write_text(corpus.catalogue_yaml(port=port, timeout_s=2.0))
            say(f"wrote the demo catalogue {catalogue_path} (edit it: later demo runs re-read it)")
        else:
            _point_resolve_at(catalogue_path, port)
        catalogue = load_or_exit(str(catalogue_path))
        missing = sorted({s["id"] for s in corpus.sources} - {s.id for s in catalogue.sources})
        if missing:  # written by an older demo (or trimmed by the user): say how to refresh it
            shown = ", ".join(missing[:5]) + (" …" if len(missing) > 5 else "")
            say(
                f"note: {len(missing)} demo source(s) are not in {catalogue_path} ({shown});"
                " delete the file to get the current demo catalogue"
            )
        n_platforms = sum(1 for f in corpus.feeds if f.role == "platform")
        say(
            f"demo corpus for {day}: {len(corpus.sources) - n_platforms} feeds and"
            f" {n_platforms} platforms on 127.0.0.1:{port}"
        )
        with say:
            summary = guarded(
                run_pipeline,
                catalogue,
                str(catalogue_path),
                lake_uri,
                day.isoformat(),
                force=True,
                progress=say,
                executor=executor,
            )
        if keep_server:
            err(f"serving the demo corpus on 127.0.0.1:{port}; Ctrl-C stops")
            try:
                while True:
                    time.sleep(3600)
            except KeyboardInterrupt:
                pass

    expected = dict(corpus.expected_failures)
    code = _exit_code(summary, set(expected))
    print_sources(summary, fmt, quiet)
    if fmt == "json" or code == EXIT_USAGE:
        return code
    failed = summary.failed_sources
    if quiet:  # only the failures nobody meant are errors
        unexpected = [f for f in failed if f["source_id"] not in expected]
        report_failures_quietly(unexpected, lake_uri, str(catalogue_path))
        return code

    con = connect(Lake(lake_uri))
    counts = _counts(con, day.isoformat())
    platform_kinds = {s.id: s.kind for s in catalogue.sources if s.kind in PLATFORM_KINDS}
    platforms = _platform_counts(con, day.isoformat(), platform_kinds)
    ok = len(summary.sources) - len(failed)
    deliberate = sum(1 for f in failed if f["source_id"] in expected)
    lines = [
        ("sources ok", str(ok)),
        ("sources failed", f"{len(failed)} ({deliberate} deliberately broken)"),
        ("items new", str(sum(int(s.get("items_new") or 0) for s in summary.sources))),
        ("items", str(counts["items"])),
        ("stories", f"{counts['stories']} ({counts['multi']} in several sources)"),
        *_near_duplicate_counts(con, day.isoformat()),
        *platforms,
        *_article_counts(con, day.isoformat()),
        *_enrich_counts(con, day.isoformat()),
        ("errors", str(counts["errors"])),
        ("wall time", f"{time.monotonic() - started:.1f}s"),
    ]
    # the report goes to stderr, like progress: stdout carries the per-source rows only
    steps = next_steps(failed, lake_uri, str(catalogue_path))
    err("\n" + render_report("riverbed demo — summary", lines, failed, steps, set(expected)))
    digest = Lake(lake_uri).path("published", "digest", day.isoformat(), "index.html")
    err(f"\ndigest: {digest.path}")
    err(f"lake:   {lake_uri}")
    top_stories = "select title, n_sources from stories order by n_sources desc limit 10"
    err(f'query:  uv run riverbed query --lake {lake_uri} "{top_stories}"')
    return code


def _counts(con: Any, date: str) -> dict[str, int]:
    def one(sql: str) -> int:
        return int(con.execute(sql, [date]).fetchone()[0])

    return {
        "items": one("select count(*) from items where ? is not null"),
        "stories": one("select count(*) from stories where date = ?"),
        "multi": one("select count(*) from stories where date = ? and n_sources > 1"),
        "errors": one('select count(*) from errors where cast("at" as date) = cast(? as date)'),
    }


def _near_duplicate_counts(con: Any, date: str) -> list[tuple[str, str]]:
    """A summary row of the day's stories that join several canonical URLs: what merging
    beyond exact URLs did (none when nothing was merged that way)."""
    n_stories, n_urls = con.execute(
        """
        with members as (
            select story_id, unnest(item_ids) as item_id from stories where date = ?
        ), merged as (
            select story_id, count(distinct i.canonical_url) as urls
            from members join items i using (item_id)
            group by story_id
            having count(distinct i.canonical_url) > 1
        )
        select count(*), coalesce(sum(urls), 0) from merged
        """,
        [date],
    ).fetchone()
    if not n_stories:
        return []
    return [("near-duplicates", f"{n_stories} stories merged beyond exact URL ({n_urls} URLs)")]


def _article_counts(con: Any, date: str) -> list[tuple[str, str]]:
    """A summary row of the day's `articles` outcomes (none when the table is absent)."""
    try:
        rows = con.execute(
            "select outcome, count(*) from articles where date = ? group by outcome", [date]
        ).fetchall()
    except Exception:  # no articles table (fetch_articles off, or not materialised)
        return []
    if not rows:
        return []
    order = ("ok", "thin", "blocked", "failed", "skipped")
    got = dict(rows)
    shown = [f"{got[k]} {k}" for k in order if k in got]
    shown += [f"{n} {k}" for k, n in sorted(got.items()) if k not in order]
    return [("articles", ", ".join(shown))]


def _enrich_counts(con: Any, date: str) -> list[tuple[str, str]]:
    """Summary rows of the enrich stage: the embedder, topics, summaries and interests."""
    try:
        model = con.execute(
            "select any_value(model), count(*) from embeddings where date = ?", [date]
        ).fetchone()
        topics = con.execute(
            "select count(*), string_agg(label, ' | ' order by size desc) from "
            "(select * from topics where digest_date = ? order by size desc limit 3)",
            [date],
        ).fetchone()
        methods = con.execute(
            "select summary_method, count(*) from enrichments where date = ? "
            "group by 1 order by 2 desc",
            [date],
        ).fetchall()
        interests = con.execute(
            "select interest, count(*) from enrichments where date = ? and interest is not null "
            "group by 1 order by 2 desc",
            [date],
        ).fetchall()
        n_topics = con.execute(
            "select count(*) from topics where digest_date = ?", [date]
        ).fetchone()[0]
    except Exception:  # enrich not materialised (selected away, or failed)
        return []
    rows = [("embeddings", f"{model[1]} stories, model {model[0]}")]
    rows.append(("topics", f"{n_topics}, largest: {topics[1]}"))
    rows.append(("summaries", ", ".join(f"{n} {m or 'none (no text)'}" for m, n in methods)))
    if interests:
        rows.append(("interests", ", ".join(f"{i} {n}" for i, n in interests)))
    return rows


def _platform_counts(con: Any, date: str, kinds: dict[str, str]) -> list[tuple[str, str]]:
    """Summary rows for the platform sources (`kinds`: source id -> kind): items per kind,
    and how many of the day's stories were discussed on several platforms."""
    if not kinds:
        return []
    per_kind = dict(
        con.execute(
            "select kind, count(*) from items where kind in (select unnest(?)) group by kind",
            [sorted(set(kinds.values()))],
        ).fetchall()
    )
    every_kind = sorted(set(kinds.values()))
    spread: dict[int, int] = {}
    for (source_ids,) in con.execute(
        "select source_ids from stories where date = ?", [date]
    ).fetchall():
        n = len({kinds[s] for s in source_ids if s in kinds})
        spread[n] = spread.get(n, 0) + 1
    rows = [("platform items", ", ".join(f"{k} {per_kind.get(k, 0)}" for k in every_kind))]
    if len(every_kind) > 1:
        on_all = spread.get(len(every_kind), 0)
        on_several = sum(v for n, v in spread.items() if n >= 2)
        rows.append(
            (
                "cross-platform",
                f"{on_several} stories on 2+ platforms, {on_all} on all {len(every_kind)}",
            )
        )
    return rows
