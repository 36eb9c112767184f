"""The enrichment cache: content keys, round trips, append-only segments, compaction, and
concurrent writers, on a local lake."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from riverbed.enrich import cache as cache_module
from riverbed.enrich.cache import MAX_SEGMENTS, EnrichCache, content_key, safe_namespace
from riverbed.lake.store import Lake


@pytest.fixture
def lake(tmp_path: Path) -> Lake:
    return Lake(tmp_path / "lake")


# -- content keys -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("a", "b"),
    [
        (("Title", "Some  text\n"), ("Title", "Some text")),  # whitespace runs
        (("Cafe\u0301",), ("Café",)),  # NFD and NFC
        ((" padded ",), ("padded",)),
    ],
    ids=["whitespace", "unicode-normal-form", "ends"],
)
def test_equal_content_equal_key(a: tuple[str, ...], b: tuple[str, ...]) -> None:
    assert content_key(*a) == content_key(*b)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        (("ab", "c"), ("a", "bc")),
        ((None,), ("",)),
        (("title", None), ("title",)),
        (("Title",), ("title",)),
    ],
    ids=["boundaries", "none-vs-empty", "arity", "case"],
)
def test_different_content_different_key(a: tuple[str | None, ...], b: tuple[str, ...]) -> None:
    assert content_key(*a) != content_key(*b)


def test_keys_are_sha256_hex() -> None:
    key = content_key("a")
    assert len(key) == 64 and int(key, 16) >= 0


# -- round trips --------------------------------------------------------------------------------

VALUES: dict[str, Any] = {
    content_key("keywords"): ["Postgres 18", "async I/O"],
    content_key("lang"): "de",
    content_key("unsure"): None,
    content_key("summary"): "Zwölf Häuser 🎉 — “quoted”",
    content_key("dict"): {"method": "llm:model:v2", "tokens": 312},
    content_key("number"): 0.25,
    content_key("short floats"): [0.5, 0.25],  # too short to be a vector: stays JSON
}


def test_values_come_back_as_they_went_in(lake: Lake) -> None:
    cache = EnrichCache(lake, "keywords/v1")
    cache.put_many(VALUES)
    assert cache.get_many(list(VALUES)) == VALUES


def test_vectors_come_back_as_float32_lists(lake: Lake) -> None:
    cache = EnrichCache(lake, "embeddings/hashing-v1")
    vector = np.random.default_rng(0).normal(size=512).astype(np.float32)
    cache.put_many({"k1": vector, "k2": [float(x) for x in vector]})
    got = cache.get_many(["k1", "k2"])
    assert got["k1"] == got["k2"] == vector.tolist()
    table = pq.read_table(cache.segments()[0].path)
    assert table.column("json").null_count == 2  # stored as list<float32>, not JSON


def test_a_lookup_as_arrow_keeps_vectors_as_float32_lists(lake: Lake) -> None:
    cache = EnrichCache(lake, "embeddings/hashing-v1")
    vectors = np.random.default_rng(1).normal(size=(3, 16)).astype(np.float32)
    cache.put_many({"a": vectors[0], "b": vectors[1], "text": "not a vector"})
    cache.put_many({"b": vectors[2]})  # written again: the latest wins
    table = cache.get_table(["b", "a", "text", "missing"])
    assert table.column_names == ["key", "json", "vector"]
    assert table.schema.field("vector").type == pa.list_(pa.float32())
    got = dict(zip(table.column("key").to_pylist(), table.column("vector").to_pylist()))
    assert got == {"a": vectors[0].tolist(), "b": vectors[2].tolist(), "text": None}
    assert cache.get_table([]).num_rows == 0


def test_vectors_put_from_a_matrix_read_back_as_put_many_writes_them(tmp_path: Path) -> None:
    vectors = np.random.default_rng(2).normal(size=(5, 8)).astype(np.float32)
    keys = [f"k{i}" for i in range(5)]
    by_matrix = EnrichCache(Lake(tmp_path / "a"), "embeddings/hashing-v1")
    column = by_matrix.put_vectors(keys, vectors)
    # the column written and returned is the matrix itself, not a copy of it
    values = column.values.to_numpy(zero_copy_only=True)
    assert np.shares_memory(values, vectors)
    by_dict = EnrichCache(Lake(tmp_path / "b"), "embeddings/hashing-v1")
    by_dict.put_many(dict(zip(keys, vectors, strict=True)))
    assert by_matrix.get_table(keys).equals(by_dict.get_table(keys))
    assert by_matrix.get_many(["k3"]) == {"k3": vectors[3].tolist()}
    with pytest.raises(ValueError, match="4 keys for 5 vectors"):
        by_matrix.put_vectors(keys[:4], vectors)
    assert by_matrix.put_vectors([], np.zeros((0, 8), np.float32)).to_pylist() == []
    assert len(by_matrix.segments()) == 1  # nothing written for no vectors


def test_keys_sharing_their_first_64_bits_are_told_apart(lake: Lake) -> None:
    """Segments are searched by the key's first 64 bits: a key that shares them with a
    wanted one is read, then left out."""
    cache = EnrichCache(lake, "embeddings/hashing-v1")
    wanted, other = "ab" * 8 + "0" * 48, "ab" * 8 + "1" * 48
    cache.put_many({wanted: np.ones(4, np.float32), other: np.zeros(4, np.float32)})
    table = cache.get_table([wanted, "missing"])
    assert table.column("key").to_pylist() == [wanted]
    assert table.column("vector").to_pylist() == [[1.0] * 4]
    assert set(cache.get_table([wanted, other]).column("key").to_pylist()) == {wanted, other}


def test_a_merge_keeps_each_keys_latest_value_where_it_was_last_written(lake: Lake) -> None:
    cache = EnrichCache(lake, "keywords/v1")
    for run in range(MAX_SEGMENTS + 1):
        cache.put_many({f"k{run}": run, "moved": run} if run in (3, 10) else {f"k{run}": run})
    assert len(cache.segments()) == 1
    merged = pq.read_table(cache.segments()[0].path)
    keys = merged.column("key").to_pylist()
    assert keys == [*(f"k{r}" for r in range(11)), "moved", *(f"k{r}" for r in range(11, 17))]
    assert cache.get_many(["moved"]) == {"moved": 10}


def test_missing_keys_are_absent_and_a_cached_none_is_present(lake: Lake) -> None:
    cache = EnrichCache(lake, "lang/v1")
    assert cache.get_many(["nothing yet"]) == {}
    cache.put_many({"unsure": None})
    assert cache.get_many(["unsure", "other"]) == {"unsure": None}
    assert cache.get_many([]) == {}


def test_the_latest_write_wins(lake: Lake) -> None:
    cache = EnrichCache(lake, "summary-extractive/v1")
    cache.put_many({"k": "old", "kept": 1})
    cache.put_many({"k": "new"})
    assert cache.get_many(["k", "kept"]) == {"k": "new", "kept": 1}


def test_a_new_instance_reads_what_another_wrote(lake: Lake) -> None:
    EnrichCache(lake, "keywords/v1").put_many(VALUES)
    assert EnrichCache(Lake(lake.uri), "keywords/v1").get_many(list(VALUES)) == VALUES


# -- namespaces ---------------------------------------------------------------------------------


def test_namespaces_are_separate_even_when_nested(lake: Lake) -> None:
    EnrichCache(lake, "summary").put_many({"k": "parent"})
    EnrichCache(lake, "summary/llm").put_many({"k": "child"})
    EnrichCache(lake, "keywords/v2").put_many({"k": "other version"})
    assert EnrichCache(lake, "summary").get_many(["k"]) == {"k": "parent"}
    assert EnrichCache(lake, "summary/llm").get_many(["k"]) == {"k": "child"}
    assert EnrichCache(lake, "keywords/v1").get_many(["k"]) == {}


@pytest.mark.parametrize(
    ("namespace", "safe"),
    [
        ("keywords/v1", "keywords/v1"),
        ("summary-llm/qwen2.5:7b/v1", "summary-llm/qwen2.5_7b/v1"),
        ("summary-llm/meta llama/Llama-3/v1", "summary-llm/meta_llama/Llama-3/v1"),
        ("/embeddings//hashing-v1/", "embeddings/hashing-v1"),
    ],
)
def test_namespaces_become_safe_paths(namespace: str, safe: str) -> None:
    assert safe_namespace(namespace) == safe


@pytest.mark.parametrize("namespace", ["", "/", "a/../b", "..", "./x"])
def test_bad_namespaces_are_refused(namespace: str) -> None:
    with pytest.raises(ValueError):
        safe_namespace(namespace)


def test_the_layout_is_under_cache_namespace(lake: Lake, tmp_path: Path) -> None:
    EnrichCache(lake, "keywords/v1").put_many({"k": ["x"]})
    files = list((tmp_path / "lake" / "cache" / "keywords" / "v1").iterdir())
    assert (
        len(files) == 1 and files[0].name.startswith("seg-") and files[0].name.endswith(".parquet")
    )


# -- append-only segments and compaction ---------------------------------------------------------


def test_each_write_adds_one_segment_and_rewrites_none(lake: Lake) -> None:
    cache = EnrichCache(lake, "keywords/v1")
    seen: dict[str, float] = {}
    for run in range(MAX_SEGMENTS):
        cache.put_many({f"k{run}": run})
        segments = cache.segments()
        assert len(segments) == run + 1
        for path in segments:
            mtime = Path(path.path).stat().st_mtime_ns
            assert seen.setdefault(path.name, mtime) == mtime  # never rewritten
    cache.put_many({})  # nothing to write: no segment
    assert len(cache.segments()) == MAX_SEGMENTS


def test_piled_up_segments_are_merged_into_one(lake: Lake) -> None:
    cache = EnrichCache(lake, "keywords/v1")
    for run in range(MAX_SEGMENTS + 1):
        cache.put_many({"shared": run, f"k{run}": [f"kw{run}"]})
    segments = cache.segments()
    assert len(segments) == 1
    got = cache.get_many(["shared", *(f"k{run}" for run in range(MAX_SEGMENTS + 1))])
    assert got["shared"] == MAX_SEGMENTS  # the latest value survived the merge
    assert len(got) == MAX_SEGMENTS + 2
    # segments written after the merge still win over it
    cache.put_many({"shared": "after"})
    assert cache.get_many(["shared"]) == {"shared": "after"}


def test_big_segments_are_never_merged_again(lake: Lake, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cache_module, "BIG_SEGMENT_ROWS", 5)
    cache = EnrichCache(lake, "embeddings/hashing-v1")
    cache.put_many({f"big{i}": i for i in range(10)})
    big = cache.segments()[0].name
    for run in range(MAX_SEGMENTS + 1):
        cache.put_many({f"k{run}": run})
    names = [p.name for p in cache.segments()]
    assert big in names and len(names) == 2


def test_a_damaged_segment_is_a_miss_and_is_compacted_away(lake: Lake, tmp_path: Path) -> None:
    cache = EnrichCache(lake, "keywords/v1")
    cache.put_many({"good": 1})
    bad = (
        tmp_path
        / "lake"
        / "cache"
        / "keywords"
        / "v1"
        / "seg-20260101T000000000000-deadbeef-n3.parquet"
    )
    bad.write_bytes(b"not parquet at all")
    assert cache.get_many(["good", "lost"]) == {"good": 1}
    for run in range(MAX_SEGMENTS):
        cache.put_many({f"k{run}": run})
    assert not bad.exists()
    assert cache.get_many(["good"]) == {"good": 1}


def test_lookups_read_only_the_row_groups_holding_a_key(
    lake: Lake, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cache_module, "ROW_GROUP_ROWS", 10)
    cache = EnrichCache(lake, "keywords/v1")
    keys = [content_key(str(i)) for i in range(100)]
    cache.put_many({k: i for i, k in enumerate(keys)})
    reads: list[int] = []
    original = pq.ParquetFile.read_row_group

    def counted(self: pq.ParquetFile, i: int, *args: Any, **kwargs: Any) -> Any:
        reads.append(i)
        return original(self, i, *args, **kwargs)

    monkeypatch.setattr(pq.ParquetFile, "read_row_group", counted)
    assert cache.get_many([keys[3], keys[95]]) == {keys[3]: 3, keys[95]: 95}
    assert sorted(reads) == [0, 9]  # two of ten row groups


def test_concurrent_writers_lose_nothing(lake: Lake) -> None:
    errors: list[BaseException] = []

    def write(worker: int) -> None:
        try:
            cache = EnrichCache(lake, "keywords/v1")
            for run in range(12):
                cache.put_many({f"w{worker}-r{run}": [worker, run]})
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(w,)) for w in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    keys = [f"w{w}-r{r}" for w in range(3) for r in range(12)]
    got = EnrichCache(lake, "keywords/v1").get_many(keys)
    assert got == {f"w{w}-r{r}": [w, r] for w in range(3) for r in range(12)}


def test_fill_vectors_writes_what_get_many_finds_row_by_row(lake: Lake) -> None:
    """`fill_vectors` (the embeddings step's read: into the day's matrix, a row group at a
    time) finds exactly the vectors `get_many` finds: the latest of a key over segments, every
    row of a key asked for twice, nothing for a missing key, a non-vector value or a vector
    of another length."""
    rng = np.random.default_rng(4)
    cache = EnrichCache(lake, "embeddings/hashing-v1")
    dim = 16
    old = {f"k{i}": rng.normal(size=dim).astype(np.float32) for i in range(30)}
    cache.put_vectors(list(old), np.stack(list(old.values())))
    newer = {f"k{i}": rng.normal(size=dim).astype(np.float32) for i in range(20, 40)}
    cache.put_vectors(list(newer), np.stack(list(newer.values())))
    cache.put_many({"short": np.ones(9, np.float32), "words": ["not", "a", "vector"]})
    keys = ["k25", "k3", "missing", "k39", "k3", "short", "words", "k0"]
    out = np.full((len(keys), dim), -7.0, dtype=np.float32)
    found = cache.fill_vectors(keys, out)
    expected = cache.get_many(keys)
    assert found.tolist() == [True, True, False, True, True, False, False, True]
    for i, key in enumerate(keys):
        if found[i]:
            assert out[i].tolist() == expected[key]
        else:
            assert (out[i] == -7.0).all()  # left as it was
    assert out[0].tolist() == newer["k25"].tolist()  # the later segment won
    assert cache.fill_vectors([], np.zeros((0, dim), np.float32)).tolist() == []
