"""Dagster's cost per materialised partition in the collect runs of a soak (scripts/soak.py),
from the event log of its Dagster home.

For each collect run: how many partitions it materialised, the time spent planning them
(the gaps ending in ASSET_MATERIALIZATION_PLANNED, written when the run is created), the time
spent recording them (the gaps ending in ASSET_MATERIALIZATION, but the first after the step's
output, which is the IO manager writing the partitions), the step's compute and the run.

    uv run python scripts/soak_partitions.py .riverbed/soak/dagster
"""

from __future__ import annotations

import itertools
import os
import sys
from collections import defaultdict
from pathlib import Path


def main() -> None:
    os.environ["DAGSTER_HOME"] = str(Path(sys.argv[1]).resolve())
    import dagster as dg

    with dg.DagsterInstance.get() as instance:
        print(
            f"{'run':>8} {'partitions':>10} {'planned_s':>9} {'ms':>5}"
            f" {'recorded_s':>10} {'ms':>5} {'compute_s':>9} {'run_s':>7}"
        )
        for record in reversed(instance.get_run_records(limit=1000)):
            run = record.dagster_run
            if not run.job_name.startswith("collect"):
                continue
            events = [e for e in instance.all_logs(run.run_id) if e.dagster_event]
            spent: dict[str, float] = defaultdict(float)
            count: dict[str, int] = defaultdict(int)
            for before, entry in itertools.pairwise(events):
                kind = entry.dagster_event_type.value
                if kind == "ASSET_MATERIALIZATION" and before.dagster_event_type.value == (
                    "STEP_OUTPUT"
                ):
                    kind = "IO"  # the IO manager's writes end in the first materialisation
                spent[kind] += entry.timestamp - before.timestamp
                count[kind] += 1
            parts = count["ASSET_MATERIALIZATION"] + count["IO"]
            planned = spent["ASSET_MATERIALIZATION_PLANNED"]
            recorded = spent["ASSET_MATERIALIZATION"]
            print(
                f"{run.run_id[:8]} {parts:>10} {planned:>9.1f}"
                f" {1000 * planned / max(1, parts):>5.0f} {recorded:>10.1f}"
                f" {1000 * recorded / max(1, parts):>5.0f} {spent['STEP_OUTPUT']:>9.1f}"
                f" {events[-1].timestamp - events[0].timestamp:>7.1f}"
            )


if __name__ == "__main__":
    main()
