"""Engagement history: `item_metrics` keeps the score and comment count of every collect
run's observation (even when several collects happen before one refine), `items` the latest,
and a replay rebuilds the same history."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from typing import Any

import pytest
from typer.testing import CliRunner

from cli_runner import SUITE_DAY
from loopback import LoopbackHTTP, Reply
from netguard import loopback_only
from riverbed.cli import app
from riverbed.lake import Lake
from riverbed.lake.query import connect


class LiveHN(LoopbackHTTP):
    """One Hacker News story whose score and comment count change between requests."""

    def __init__(self) -> None:
        self.score, self.comments = 10, 2
        super().__init__(self._respond)

    def _respond(self, host: str, path_qs: str, headers: object) -> Reply:
        path = path_qs.split("?", maxsplit=1)[0]
        doc: Any = None
        if path == "/v0/topstories.json":
            doc = [4242]
        elif path == "/v0/item/4242.json":
            doc = {
                "by": "ada",
                "descendants": self.comments,
                "id": 4242,
                "score": self.score,
                "time": 1764000000,
                "title": "Rising: a story people discuss",
                "type": "story",
                "url": "https://rising.example.com/post",
            }
        return Reply(200, json.dumps(doc).encode(), {"Content-Type": "application/json"})


@pytest.fixture
def hn() -> Iterator[LiveHN]:
    server = LiveHN()
    yield server
    server.close()


def test_every_observation_is_kept_and_replay_rebuilds_it(tmp_path, hn, monkeypatch):
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster"))
    catalogue = tmp_path / "sources.yaml"
    catalogue.write_text(
        "sources:\n"
        "  - {id: hn, kind: hackernews, url: 'http://hacker-news.firebaseio.com'}\n"
        "settings:\n"
        f"  resolve: {{hacker-news.firebaseio.com: '127.0.0.1:{hn.port}'}}\n"
    )
    lake = tmp_path / "lake"
    day = SUITE_DAY  # every run's and the replay's, midnight or not
    base = ["--sources", str(catalogue), "--lake", str(lake), "--date", day, "--quiet"]

    def cli(*args: str) -> None:
        with loopback_only():
            result = CliRunner().invoke(app, [*args, *base], catch_exceptions=False)
        assert result.exit_code == 0, result.output

    cli("run", "--all", "--select", "hackernews_items")  # collect only: 10 points
    hn.score, hn.comments = 25, 7
    cli("run", "--all", "--select", "hackernews_items")  # collect only: 25 points
    hn.score, hn.comments = 40, 12
    cli("run", "--all")  # collect 40 points, then refine and publish once

    def history() -> list[tuple[int, int]]:
        return (
            connect(Lake(lake))
            .execute(
                "select score, comments from item_metrics where item_id in"
                " (select item_id from items where external_id = '4242') order by observed_at"
            )
            .fetchall()
        )

    assert history() == [(10, 2), (25, 7), (40, 12)]
    latest = connect(Lake(lake)).execute("select score, comments from items").fetchall()
    assert latest == [(40, 12)]

    cli("run", "--all")  # nothing changed upstream: no new observation of new values
    assert history() == [(10, 2), (25, 7), (40, 12)]

    shutil.rmtree(lake / "tables" / "item_metrics")
    shutil.rmtree(lake / "tables" / "hackernews_items")
    with loopback_only():
        hn.close()  # the replay must not need the server
        result = CliRunner().invoke(app, ["replay", *base], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert history() == [(10, 2), (25, 7), (40, 12)]
