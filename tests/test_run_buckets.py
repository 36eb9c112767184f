"""Bucketed collect partitions (`riverbed.core.slots`) end to end: `riverbed run` against
feeds on loopback, a kind past `settings.source_buckets_above` collected into hash buckets —
the same items as one partition per source, nothing lost or doubled when a kind crosses the
threshold either way during a day, and a bucket's sources that are not due left as they are."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli_runner import SUITE_DAY
from loopback import LoopbackHTTP, Reply
from riverbed.cli import app
from riverbed.core.slots import bucket_of
from riverbed.lake import Lake
from riverbed.lake.query import connect

HOST = "news.example.org"
DAY = SUITE_DAY  # every run of the module names it (midnight)


class Feeds(LoopbackHTTP):
    """`/<source>.xml` is an RSS feed of that source's items `window` (a moving window)."""

    def __init__(self) -> None:
        self.window = range(1, 4)
        self.hits: list[str] = []
        super().__init__(self._respond)

    def _respond(self, host: str, path: str, headers: object) -> Reply:
        sid = path.strip("/").removesuffix(".xml")
        self.hits.append(sid)
        items = "".join(
            f"<item><title>{sid} post {i}</title><link>http://{HOST}/{sid}/{i}</link>"
            f"<guid>http://{HOST}/{sid}/{i}</guid>"
            f"<pubDate>Thu, 26 Nov 2026 0{i % 10}:00:00 GMT</pubDate></item>"
            for i in self.window
        )
        body = f'<?xml version="1.0"?><rss version="2.0"><channel><title>{sid}</title>{items}'
        return Reply(200, (body + "</channel></rss>").encode(), {"Content-Type": "text/xml"})


@pytest.fixture
def feeds() -> Iterator[Feeds]:
    s = Feeds()
    yield s
    s.close()


def _catalogue(path: Path, port: int, ids: list[str], above: int) -> None:
    lines = [f"  - {{id: {i}, kind: rss, url: 'http://{HOST}/{i}.xml', every: 1h}}" for i in ids]
    path.write_text(
        "sources:\n" + "\n".join(lines) + "\nsettings:\n"
        f"  source_buckets_above: {above}\n"
        "  fetch_articles: false\n"
        f"  resolve: {{{HOST}: '127.0.0.1:{port}'}}\n"
    )


@pytest.fixture
def env(tmp_path, monkeypatch):
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster"))
    for var in ("RIVERBED_LAKE", "RIVERBED_SOURCES"):
        monkeypatch.delenv(var, raising=False)
    return tmp_path


def _run(catalogue: Path, lake: Path, *extra: str) -> None:
    out = CliRunner().invoke(
        app,
        ["run", "--sources", str(catalogue), "--lake", str(lake), "--date", DAY, "--quiet", *extra],
        catch_exceptions=False,
    )
    assert out.exit_code == 0, out.output


def _rows(lake: Path, sql: str) -> list[tuple]:
    return connect(Lake(lake)).execute(sql).fetchall()


def _parts(lake: Path) -> dict[str, int]:
    """slot -> rows, of the day's rss_items objects."""
    rows = _rows(
        lake,
        f"SELECT source, count(*) FROM rss_items WHERE date = '{DAY}' GROUP BY 1 ORDER BY 1",
    )
    return {str(slot): int(n) for slot, n in rows}


IDS = [f"s{n:02d}" for n in range(20)]  # 18 buckets
ITEMS_SQL = "SELECT source_id, title FROM items ORDER BY 1, 2"


def test_a_kind_past_the_threshold_is_collected_in_buckets_with_the_same_items(env, feeds):
    cat = env / "sources.yaml"
    _catalogue(cat, feeds.port, IDS, above=4)
    _run(cat, env / "bucketed")
    parts = _parts(env / "bucketed")
    assert set(parts) == {bucket_of(i) for i in IDS}
    assert len(parts) < len(IDS)  # some bucket holds several sources
    assert sum(parts.values()) == 3 * len(IDS)

    _catalogue(cat, feeds.port, IDS, above=100)
    _run(cat, env / "per_source")
    assert set(_parts(env / "per_source")) == set(IDS)
    assert _rows(env / "bucketed", ITEMS_SQL) == _rows(env / "per_source", ITEMS_SQL)
    assert len(_rows(env / "bucketed", ITEMS_SQL)) == 3 * len(IDS)
    # per-source health stays per source
    health = _rows(env / "bucketed", "SELECT count(DISTINCT source_id) FROM source_health")
    assert health == [(len(IDS),)]


def test_crossing_the_threshold_during_a_day_loses_and_doubles_nothing(env, feeds):
    cat, lake = env / "sources.yaml", env / "lake"
    _catalogue(cat, feeds.port, IDS, above=100)
    _run(cat, lake)  # items 1-3 of each source, one partition per source
    assert set(_parts(lake)) == set(IDS)

    feeds.window = range(3, 6)  # the feeds move on: 1-2 are only in the lake now
    _catalogue(cat, feeds.port, IDS, above=4)
    _run(cat, lake, "--all")
    parts = _parts(lake)
    assert {s for s, n in parts.items() if n} == {bucket_of(i) for i in IDS}  # sources emptied
    titles = _rows(lake, ITEMS_SQL)
    assert titles == sorted((i, f"{i} post {n}") for i in IDS for n in range(1, 6))
    dup = "SELECT count(*) - count(DISTINCT item_id) FROM rss_items"
    assert _rows(lake, dup) == [(0,)]

    feeds.window = range(5, 8)  # and back to one partition per source
    _catalogue(cat, feeds.port, IDS, above=100)
    _run(cat, lake, "--all")
    assert {s for s, n in _parts(lake).items() if n} == set(IDS)
    assert _rows(lake, ITEMS_SQL) == sorted((i, f"{i} post {n}") for i in IDS for n in range(1, 8))
    assert _rows(lake, dup) == [(0,)]


def test_a_buckets_sources_that_are_not_due_keep_their_rows(env, feeds):
    cat, lake = env / "sources.yaml", env / "lake"
    _catalogue(cat, feeds.port, IDS, above=4)
    _run(cat, lake)
    # new sources sharing buckets with collected ones: only they are due
    new = [f"n{n:02d}" for n in range(10)]
    assert {bucket_of(i) for i in new} & {bucket_of(i) for i in IDS}
    _catalogue(cat, feeds.port, IDS + new, above=4)
    feeds.hits.clear()
    _run(cat, lake)
    assert sorted(feeds.hits) == new
    assert len(_rows(lake, ITEMS_SQL)) == 3 * (len(IDS) + len(new))

    # a source removed from the catalogue leaves the day's items, and its bucket's rows when
    # the bucket is next written (as in a source's own partition, a bucket left without
    # sources is left as it is)
    gone = next(i for i in new if bucket_of(i) in {bucket_of(j) for j in IDS})
    _catalogue(cat, feeds.port, [i for i in IDS + new if i != gone], above=4)
    _run(cat, lake, "--all")
    assert gone not in {s for s, _ in _rows(lake, ITEMS_SQL)}
    left = f"SELECT count(*) FROM rss_items WHERE source_id = '{gone}'"
    assert _rows(lake, left) == [(0,)]
