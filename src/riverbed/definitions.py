"""The Dagster code location: `dagster dev -m riverbed.definitions` / `dg` both load this."""

from __future__ import annotations

import dagster as dg

from riverbed.defs.alerts import alert_sensors
from riverbed.defs.articles import articles, articles_checks
from riverbed.defs.automation import (
    catalogue_sensor,
    collect_jobs,
    daily_job,
    publish_after_collect,
)
from riverbed.defs.collect import collect_assets
from riverbed.defs.enrich import embeddings, enrichments, topics
from riverbed.defs.executors import build_executor
from riverbed.defs.io import LakeIOManager
from riverbed.defs.publish import digest, source_health
from riverbed.defs.refine import errors, fetches, item_metrics, items, stories
from riverbed.defs.resources import CatalogueResource, LakeResource, lake_uri, sources_path
from riverbed.defs.ui import annotate


def build_definitions() -> dg.Definitions:
    uri = lake_uri()
    return dg.Definitions(
        assets=annotate(
            [
                *collect_assets,
                items,
                item_metrics,
                stories,
                articles,
                embeddings,
                topics,
                enrichments,
                fetches,
                errors,
                digest,
                source_health,
            ]
        ),
        asset_checks=[articles_checks],
        jobs=[*collect_jobs.values(), daily_job],
        sensors=[catalogue_sensor, publish_after_collect, *alert_sensors],
        resources={
            "lake": LakeResource(uri=uri),
            "catalogue": CatalogueResource(path=sources_path()),
            "lake_io": LakeIOManager(uri=uri),
        },
        executor=build_executor(),
    )


defs = build_definitions()
