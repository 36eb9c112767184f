"""The enrichment cache on a real S3 (SeaweedFS on loopback): segments written as objects,
found again by a new process's lake, compacted with deletes, namespaces kept apart."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from riverbed.enrich.cache import MAX_SEGMENTS, EnrichCache, content_key
from riverbed.lake.store import Lake
from seaweed import SeaweedFS, running_seaweedfs


@pytest.fixture(scope="module")
def s3(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SeaweedFS]:
    with running_seaweedfs(Path(tmp_path_factory.mktemp("s3"))) as server:
        yield server


def test_vectors_and_values_round_trip_through_objects(s3: SeaweedFS) -> None:
    vectors = {content_key(str(i)): np.full(512, i, np.float32) for i in range(300)}
    EnrichCache(Lake(s3.uri("enrich-cache")), "embeddings/hashing-v1").put_many(vectors)
    EnrichCache(Lake(s3.uri("enrich-cache")), "lang/v1").put_many({"k": "de", "none": None})
    fresh = Lake(s3.uri("enrich-cache"))  # what another run would see
    keys = [*list(vectors)[:3], "missing"]
    got = EnrichCache(fresh, "embeddings/hashing-v1").get_many(keys)
    assert sorted(got) == sorted(keys[:3])
    assert got[keys[2]] == [2.0] * 512
    assert EnrichCache(fresh, "lang/v1").get_many(["k", "none"]) == {"k": "de", "none": None}
    assert EnrichCache(fresh, "embeddings").get_many(keys) == {}  # a parent namespace


def test_compaction_deletes_merged_objects(s3: SeaweedFS) -> None:
    cache = EnrichCache(Lake(s3.uri("enrich-compact")), "keywords/v1")
    for run in range(MAX_SEGMENTS + 1):
        cache.put_many({"shared": run, f"k{run}": [f"kw{run}"]})
    assert len(cache.segments()) == 1
    got = cache.get_many(["shared", "k0", f"k{MAX_SEGMENTS}"])
    assert got == {"shared": MAX_SEGMENTS, "k0": ["kw0"], f"k{MAX_SEGMENTS}": [f"kw{MAX_SEGMENTS}"]}
