"""Ids: deterministic in any process, distinct for distinct parts, independent of how an
item is spelled (GUID whitespace, time zone, JSON key order)."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from datetime import UTC, datetime, timedelta, timezone

from hypothesis import given
from hypothesis import strategies as st
from property_settings import PROFILE, scaled

from riverbed.core.ids import ID_HEX_CHARS, item_id, stable_id, story_id
from riverbed.core.items import build_items
from riverbed.sources.rss import parse_feed

_part = st.one_of(st.none(), st.text(max_size=6), st.sampled_from(["", "a", "ab", "b", "~"]))
_parts = st.lists(_part, max_size=4).map(tuple)
_when = st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2100, 1, 1))
_zone = st.integers(-14 * 60, 14 * 60).map(lambda m: timezone(timedelta(minutes=m)))


@PROFILE
@given(st.lists(_parts, min_size=2, max_size=40, unique=True))
def test_distinct_parts_give_distinct_ids(parts: list[tuple[str | None, ...]]) -> None:
    ids = [stable_id(*p) for p in parts]
    assert len(set(ids)) == len(ids)  # 64 bits: a collision here would be a broken encoding
    assert all(len(i) == ID_HEX_CHARS and int(i, 16) >= 0 for i in ids)
    assert ids == [stable_id(*p) for p in parts]  # deterministic


def test_ids_are_the_same_in_another_process() -> None:
    parts = [("a", "bc"), ("ab", "c"), (None,), ("",), ("é", "\ud800"), ()]
    here = [stable_id(*p) for p in parts]
    code = (
        "import json, sys; from riverbed.core.ids import stable_id; "
        "print(json.dumps([stable_id(*p) for p in json.loads(sys.stdin.read())]))"
    )
    env = {**os.environ, "PYTHONHASHSEED": "12345"}  # a different str hash than this process
    there = subprocess.run(
        [sys.executable, "-c", code],
        input=json.dumps(parts),
        capture_output=True,
        text=True,
        check=True,
        env=env,
    )
    assert json.loads(there.stdout) == here


@PROFILE
@given(
    st.text(min_size=1, max_size=8),
    st.text(min_size=1, max_size=8).filter(str.strip),
    st.sampled_from([" ", "\t", "\n ", ""]),
)
def test_item_ids_ignore_whitespace_around_the_guid(source: str, guid: str, pad: str) -> None:
    assert item_id(source, pad + guid + pad, None, None, None) == item_id(
        source, guid.strip(), "https://other.example/", "title", None
    )


@PROFILE
@given(st.text(max_size=8), st.text(max_size=12), _when, _zone)
def test_item_ids_depend_on_the_instant_not_its_zone(
    source: str, title: str, naive: datetime, zone: timezone
) -> None:
    utc = naive.replace(tzinfo=UTC)
    expected = item_id(source, None, None, title, utc)
    assert item_id(source, None, None, title, naive) == expected
    assert item_id(source, None, None, title, utc.astimezone(zone)) == expected


@PROFILE
@given(st.text(min_size=1, max_size=8), st.from_regex(r"https://[a-z]{1,5}\.example/[a-z]*"))
def test_a_guid_never_collides_with_a_url_or_a_title(source: str, value: str) -> None:
    by_guid = item_id(source, value, None, None, None)
    by_url = item_id(source, None, value, None, None)
    by_title = item_id(source, None, None, value, None)
    assert len({by_guid, by_url, by_title}) == 3
    assert story_id(value, by_url) != story_id(None, value)


_json_item = st.fixed_dictionaries(
    {"title": st.text(min_size=1, max_size=10).filter(str.strip)},
    optional={
        "id": st.from_regex(r"[a-z0-9]{1,6}", fullmatch=True),
        "url": st.from_regex(r"https://[a-z]{1,4}\.example/[a-z0-9]{0,4}", fullmatch=True),
        "date_published": st.sampled_from(["2025-05-01T10:00:00Z", "2025-05-01T12:00:00+02:00"]),
        "tags": st.lists(st.sampled_from(["a", "b", "C"]), max_size=3),
    },
)


@scaled(0.5)
@given(st.lists(_json_item, min_size=1, max_size=6), st.randoms(use_true_random=False))
def test_item_ids_do_not_depend_on_json_key_order(
    items: list[dict[str, object]], rnd: random.Random
) -> None:
    def feed(shuffle: bool) -> bytes:
        rows = []
        for item in items:
            keys = list(item)
            if shuffle:
                rnd.shuffle(keys)
            rows.append({k: item[k] for k in keys})
        doc = {"items": rows, "version": "https://jsonfeed.org/version/1.1", "title": "t"}
        if shuffle:
            doc = dict(reversed(list(doc.items())))
        return json.dumps(doc).encode()

    def ids(body: bytes) -> list[str]:
        parsed = parse_feed(body, now=datetime(2025, 6, 1, tzinfo=UTC)).items
        built = build_items(parsed, source_id="s", kind="rss", observed_at=datetime(2025, 6, 1))
        return [i.item_id for i in built]

    assert ids(feed(False)) == ids(feed(True))
