"""The soak's load generator (benchmarks/loadgen.py): feeds are a pure function of (source,
hour), parse as what the counting helpers promise, and are served on loopback by hostname.
Correctness only: nothing here is timed."""

from __future__ import annotations

import sys
import urllib.request
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))

from loadgen import SUBJECTS, WINDOW, LoadCorpus, hour_of, item_words, rate, serve

from riverbed.core.catalogue import parse_catalogue
from riverbed.sources.rss import parse_feed


@pytest.mark.parametrize(("source", "hour"), [(0, 0), (1, 5), (2, 30), (7, 167)])
def test_a_feed_is_the_window_of_what_its_source_published_by_that_hour(
    source: int, hour: int
) -> None:
    load = LoadCorpus(sources=10, hosts=3)
    body = load.feed(source, hour)
    assert body == LoadCorpus(sources=10, hosts=3).feed(source, hour)  # deterministic
    guids = [item.external_id for item in parse_feed(body).items]
    published = rate(source) * (hour + 1)
    expected = [f"load-{source}-{n}" for n in range(max(0, published - WINDOW), published)]
    assert sorted(guids) == sorted(expected)


def test_the_day_count_is_what_hourly_runs_see() -> None:
    load = LoadCorpus(sources=6, hosts=2)
    date = "2026-10-02"
    seen: set[tuple[int, int]] = set()
    for h in range(24):
        for k in range(load.sources):
            seen |= {(k, n) for n in load.window(k, hour_of(date, h))}
    assert load.items_in_day(date) == len(seen)


def test_feeds_are_served_by_hostname_and_the_catalogue_resolves_every_host(
    tmp_path: Path,
) -> None:
    load = LoadCorpus(sources=4, hosts=2, hour=3)
    with serve(load) as server:
        path = tmp_path / "sources.yaml"
        load.write_catalogue(path, server.port)
        catalogue = parse_catalogue(path.read_text(), file=str(path))
        assert [s.url for s in catalogue.sources] == [load.url(k) for k in range(4)]
        assert set(catalogue.settings.resolve.values()) == {f"127.0.0.1:{server.port}"}

        def get(host: str, path: str) -> tuple[int, bytes]:
            request = urllib.request.Request(f"http://127.0.0.1:{server.port}{path}")
            request.add_header("Host", host)
            try:
                with urllib.request.urlopen(request, timeout=5) as response:
                    return response.status, response.read()
            except urllib.error.HTTPError as exc:
                return exc.code, b""

        assert get(load.host(1), "/feeds/1.xml") == (200, load.feed(1, 3))
        assert get(load.host(0), "/feeds/1.xml")[0] == 404  # feed 1 lives on the other host
        assert get(load.host(1), "/feeds/9.xml")[0] == 404


def test_items_have_their_own_text_and_subjects_share_words() -> None:
    texts = {(k, n): item_words(k, n, 45) for k in range(40) for n in range(40)}
    assert len({" ".join(t) for t in texts.values()}) == len(texts)  # no text repeats
    # two items of one subject share more words than items of two subjects
    same = [(k, n) for k, n in texts if (k * 13 + n * 7) % SUBJECTS == 0]
    other = [(k, n) for k, n in texts if (k * 13 + n * 7) % SUBJECTS == 1]
    shared_same = len(set(texts[same[0]]) & set(texts[same[1]]))
    shared_other = len(set(texts[same[0]]) & set(texts[other[0]]))
    assert shared_same > shared_other
