"""What a materialisation shows in the Dagster UI, and what its checks say: the daily job run
in process over a small lake written by hand (two rss sources, one of them failing), so no
server and no collect step are needed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import dagster as dg
import pyarrow as pa
import pytest

from riverbed.defs.articles import articles_run_config
from riverbed.defs.collect import KINDS
from riverbed.defs.partitions import sync_source_partitions
from riverbed.lake import Lake
from riverbed.lake.journal import Journal
from riverbed.lake.schemas import ITEMS, TABLES
from riverbed.lake.store import rows_to_table
from riverbed.pipeline.collect import SourceState

DATE = "2026-11-20"
AT = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
CATALOGUE = """\
sources:
  - {id: good, kind: rss, url: 'http://good.example/feed', every: 1h, tags: [blogs]}
  - {id: broken, kind: rss, url: 'http://broken.example/feed', every: 1h}
settings:
  fetch_articles: false
  enrich: {embeddings: hashing}
"""


def _items(source_id: str, n: int) -> pa.Table:
    rows = [
        {
            "item_id": f"{source_id}-{i}",
            "source_id": source_id,
            "kind": "rss",
            "external_id": f"guid-{i}",
            "url": f"https://{source_id}.example/post-{i}",
            "canonical_url": f"https://{source_id}.example/post-{i}",
            "title": f"Post {i} about databases and query planners",
            "text": "A longer feed text about databases, indexes and query planners.",
            "published_at": AT - timedelta(hours=i),
            "first_seen_at": AT,
            "last_seen_at": AT,
            "score": 10 * i,
            "comments": i,
            "tags": ["blogs"],
            "run_id": "r1",
        }
        for i in range(n)
    ]
    return rows_to_table(rows, ITEMS)


def _health(source_id: str, status: str, items_new: int, latency: int, size: int) -> dict:
    failed = status == "failed"
    return {
        "health_key": f"r1:{source_id}",
        "run_id": "r1",
        "source_id": source_id,
        "kind": "rss",
        "status": status,
        "items_seen": items_new,
        "items_new": items_new,
        "latency_ms": latency,
        "bytes": size,
        "http_status": 200,
        "items_updated": 0,
        "last_success_at": None if failed else AT,
        "error_kind": "not_a_feed" if failed else None,
        "message": "maintenance page instead of a feed" if failed else None,
        "at": AT,
    }


@dataclass
class Setup:
    lake: Lake
    instance: dg.DagsterInstance
    defs: dg.Definitions

    def run_daily(self) -> dg.ExecuteInProcessResult:
        return self.defs.resolve_job_def("refine_and_publish").execute_in_process(
            partition_key=DATE,
            instance=self.instance,
            run_config=articles_run_config(False, buckets=1),
            raise_on_error=False,
        )

    def latest(self, asset: str) -> dict[str, Any]:
        event = self.instance.get_latest_materialization_event(dg.AssetKey(asset))
        assert event is not None and event.asset_materialization is not None, asset
        return dict(event.asset_materialization.metadata)


def _setup(root: Path, monkeypatch: pytest.MonkeyPatch) -> Setup:
    """A lake holding one collected day (what collect would have written) and an instance
    knowing the two source partitions."""
    catalogue = root / "sources.yaml"
    catalogue.write_text(CATALOGUE)
    lake = Lake(str(root / "lake"))
    monkeypatch.setenv("RIVERBED_LAKE", str(root / "lake"))
    monkeypatch.setenv("RIVERBED_SOURCES", str(catalogue))
    monkeypatch.setenv("RIVERBED_EXECUTOR", "in_process")
    lake.write_table(
        lake.partition_path("rss_items", {"date": DATE, "source": "good"}), _items("good", 3)
    )
    journal = Journal(lake)
    journal.append(
        "source_health",
        DATE,
        [_health("good", "ok", 3, 120, 4000), _health("broken", "failed", 0, 80, 900)],
        "r1",
    )
    now = datetime.now(UTC).isoformat()
    SourceState(lake).save("good", {"last_attempt_at": now, "last_success_at": now})
    SourceState(lake).save("broken", {"last_attempt_at": now, "last_status": "failed"})
    instance = dg.DagsterInstance.ephemeral()
    sync_source_partitions(instance, {"rss": ["good", "broken"]}, KINDS)
    from riverbed.definitions import build_definitions

    return Setup(lake, instance, build_definitions())


@pytest.fixture(scope="module")
def daily(tmp_path_factory: pytest.TempPathFactory) -> tuple[Setup, dg.ExecuteInProcessResult]:
    with pytest.MonkeyPatch.context() as mp:
        setup = _setup(tmp_path_factory.mktemp("ui"), mp)
        return setup, setup.run_daily()


def _checks(result: dg.ExecuteInProcessResult) -> dict[tuple[str, str], dg.AssetCheckEvaluation]:
    return {
        (e.asset_key.to_user_string(), e.check_name): e
        for e in result.get_asset_check_evaluations()
    }


def test_the_daily_run_succeeds(daily):
    _, result = daily
    assert result.success


def test_every_daily_asset_shows_row_count_and_its_stored_schema(daily):
    setup, _ = daily
    keys = setup.defs.resolve_job_def("refine_and_publish").asset_layer.executable_asset_keys
    assert len(keys) == 11
    for key in keys:
        name = key.to_user_string()
        meta = setup.latest(name)
        assert isinstance(meta["dagster/row_count"], dg.IntMetadataValue), name
        schema = meta["dagster/column_schema"].value
        assert [c.name for c in schema.columns] == TABLES[name][0].names, name
    assert setup.latest("items")["dagster/row_count"].value == 3
    assert setup.latest("stories")["dagster/row_count"].value == 3


@pytest.mark.parametrize(
    "asset, first_column",
    [
        ("items", "source_id"),
        ("item_metrics", "item_id"),
        ("stories", "n_sources"),
        ("articles", "outcome"),
        ("embeddings", "story_id"),
        ("topics", "label"),
        ("enrichments", "story_id"),
        ("fetches", "source_id"),
        ("errors", "stage"),
        ("digest", "rank"),
    ],
)
def test_a_markdown_preview_of_the_first_rows(daily, asset, first_column):
    setup, _ = daily
    preview = setup.latest(asset)["preview"]
    assert isinstance(preview, dg.MarkdownMetadataValue)
    assert preview.value.startswith(f"| {first_column} |")


def test_source_health_shows_a_per_source_table_failed_first_and_plottable_numbers(daily):
    setup, _ = daily
    meta = setup.latest("source_health")
    table = meta["per_source"].value.splitlines()
    assert table[0].startswith("| source | status |")
    assert table[2].startswith("| broken | failed |") and "not_a_feed" in table[2]
    assert table[3].startswith("| good | ok |")
    expected = {
        "items_new": (dg.IntMetadataValue, 3),
        "bytes": (dg.IntMetadataValue, 4900),
        "latency_ms": (dg.IntMetadataValue, 120),  # median of the latest attempts
        "error_rate": (dg.FloatMetadataValue, 0.5),
        "sources_failed": (dg.IntMetadataValue, 1),
    }
    for name, (kind, value) in expected.items():
        assert isinstance(meta[name], kind), name
        assert meta[name].value == value, name


def test_the_digest_links_to_the_published_page(daily):
    setup, _ = daily
    meta = setup.latest("digest")
    url = meta["digest_url"]
    assert isinstance(url, dg.UrlMetadataValue)
    assert url.value.startswith("file://") and url.value.endswith(f"/{DATE}/index.html")
    assert Path(meta["digest_html"].value).is_file()


def test_checks_pass_on_good_tables_and_flag_the_failing_source(daily):
    _, result = daily
    checks = _checks(result)
    for (asset, name), evaluation in checks.items():
        if name in ("unique_key", "schema_drift", "not_empty") and asset != "articles":
            assert evaluation.passed, (asset, name, evaluation.metadata)
    # fetch_articles is off: an empty articles table is a warning
    assert not checks[("articles", "not_empty")].passed
    assert checks[("articles", "not_empty")].severity == dg.AssetCheckSeverity.WARN
    assert checks[("articles", "schema_drift")].passed
    health = {name: e for (asset, name), e in checks.items() if asset == "source_health"}
    assert not health["no_failed_sources"].passed
    # one of two sources failed: above the warning threshold, not above the error one
    assert not health["error_rate"].passed
    assert health["error_rate"].severity == dg.AssetCheckSeverity.WARN
    # `broken` was attempted and never succeeded: stale by `riverbed status`'s rule
    assert not health["stale_sources"].passed
    assert health["stale_sources"].metadata["sources"].value.startswith("broken")
    assert health["stale_sources"].metadata["stale"].value == 1


def test_a_broken_stories_blocks_everything_downstream_and_nothing_is_published(
    tmp_path, monkeypatch
):
    setup = _setup(tmp_path, monkeypatch)
    from riverbed.pipeline.stories import stories_table

    def duplicated(items: pa.Table, date: str) -> pa.Table:
        table = stories_table(items, date)
        return pa.concat_tables([table, table])

    monkeypatch.setattr("riverbed.defs.refine.stories_table", duplicated)
    result = setup.run_daily()
    assert not result.success
    failures = [e for e in result.all_events if e.is_step_failure]
    assert [e.step_key for e in failures] == ["stories"]
    assert failures[0].step_failure_data.error.cls_name == "DagsterAssetCheckFailedError"
    assert not _checks(result)[("stories", "unique_key")].passed
    materialised = {e.asset_key.to_user_string() for e in result.get_asset_materialization_events()}
    assert "digest" not in materialised and "enrichments" not in materialised
    assert "source_health" in materialised  # not downstream of stories: it still runs
    assert not setup.lake.exists(setup.lake.path("published"))
