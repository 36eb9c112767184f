"""What every asset carries for the Dagster UI beyond its own decorator: links to its source
code, the declared table schema, and a freshness policy on the daily assets.

Code references: each asset links to the file and line that defines it (the UI opens it
locally). With `RIVERBED_GIT_URL` set (e.g. `https://github.com/org/riverbed`; branch from
`RIVERBED_GIT_BRANCH`, default `main`) they link to the repository instead, for a deployed
UI whose users have no checkout. The link layout is GitLab's when the URL says `gitlab`,
else GitHub's (`/tree/<branch>/<path>`, also Gitea's); `RIVERBED_GIT_PLATFORM` overrides.

Freshness: a `FreshnessPolicy` is per asset and judged on its latest materialisation of any
partition (the freshness daemon evaluates it under `riverbed ui`), so it says whether the
daily pipeline is running at all. Whether one *source* is late is the `stale_sources` check
on `source_health` (the rule `riverbed status` uses): per source, not per asset.
"""

import os
from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path
from typing import Literal, cast

import dagster as dg
import pyarrow as pa

from riverbed.defs.checks import column_schema
from riverbed.lake.schemas import ITEMS, TABLES

# Daily assets re-materialise after every collect run (sources are due hourly by default):
# a day without one is worth a warning, two mean the pipeline has stopped.
DAILY_FRESHNESS = dg.FreshnessPolicy.time_window(
    fail_window=timedelta(hours=48), warn_window=timedelta(hours=26)
)

GIT_URL = "RIVERBED_GIT_URL"
GIT_BRANCH = "RIVERBED_GIT_BRANCH"
GIT_PLATFORM = "RIVERBED_GIT_PLATFORM"
# this file, and where it sits in the repository: anchors local paths to repository paths
THIS_FILE = Path(__file__).resolve()
THIS_FILE_IN_REPO = "src/riverbed/defs/ui.py"


def declared_schema(asset_name: str) -> pa.Schema | None:
    """The schema `lake/schemas.py` declares for an asset's table (collect assets: items)."""
    if asset_name.endswith("_items"):
        return ITEMS
    return TABLES[asset_name][0] if asset_name in TABLES else None


def is_daily(spec: dg.AssetSpec) -> bool:
    return isinstance(spec.partitions_def, dg.DailyPartitionsDefinition)


def _annotated(spec: dg.AssetSpec) -> dg.AssetSpec:
    schema = declared_schema(spec.key.path[-1])
    if schema is not None:
        spec = spec.merge_attributes(metadata={"dagster/column_schema": column_schema(schema)})
    if is_daily(spec):
        spec = dg.apply_freshness_policy(spec, DAILY_FRESHNESS)
    return spec


def annotate(assets: Sequence[dg.AssetsDefinition]) -> list[dg.AssetsDefinition]:
    """The assets with declared schemas, daily freshness policies and code references."""
    mapped = dg.map_asset_specs(_annotated, list(assets))
    linked = dg.with_source_code_references(mapped)
    url = os.environ.get(GIT_URL)
    if url:
        linked = dg.link_code_references_to_git(
            linked,
            git_url=url.rstrip("/"),
            git_branch=os.environ.get(GIT_BRANCH) or "main",
            platform=_platform(url),
            file_path_mapping=dg.AnchorBasedFilePathMapping(
                local_file_anchor=THIS_FILE, file_anchor_path_in_repository=THIS_FILE_IN_REPO
            ),
        )
    return [a for a in linked if isinstance(a, dg.AssetsDefinition)]


def _platform(url: str) -> Literal["github", "gitlab"]:
    chosen = (os.environ.get(GIT_PLATFORM) or "").strip().lower()
    if chosen in ("github", "gitlab"):
        return cast(Literal["github", "gitlab"], chosen)
    return "gitlab" if "gitlab" in url else "github"
