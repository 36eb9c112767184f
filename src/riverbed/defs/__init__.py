"""Dagster only: assets, checks, partitions, jobs, sensors, resources and the IO manager.

`riverbed.definitions` assembles them; everything that does real work lives in `pipeline/`.
"""

import warnings

# Dagster flags the beta APIs used here (backfill_policy, a partition mapping, code references)
# every time these definitions load — in the CLI, and in each step process of the
# multiprocess executor, where no filter of the parent reaches: nothing a user can act on.
warnings.filterwarnings("ignore", message=r".*is currently in (beta|preview)")
