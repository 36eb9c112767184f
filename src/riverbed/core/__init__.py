"""Pure domain logic: models, URL canonicalisation, identity, merging, ranking, rendering.

Nothing here imports Dagster or does I/O.
"""
