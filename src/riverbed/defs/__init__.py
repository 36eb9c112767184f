"""Dagster only: assets, checks, partitions, jobs, sensors, resources and the IO manager.

`riverbed.definitions` assembles them; everything that does real work lives in `pipeline/`.
"""
