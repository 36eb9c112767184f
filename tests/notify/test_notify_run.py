"""The issue's must-hold, end to end: `riverbed run` (a new process, as a user runs it) on a
catalogue with a source answering 500 on loopback and a `notify` target on a loopback
webhook receiver: exactly one `source_failed` over two failing runs, then one
`source_recovered` when the source heals."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

from cli_runner import clean_env, run_cli
from loopback import LoopbackHTTP, Reply
from notify.webhook_receiver import WebhookReceiver
from riverbed.lake import Lake
from riverbed.lake.query import connect

FEEDS = Path(__file__).parent.parent / "fixtures" / "feeds"


def test_run_posts_one_event_per_state_change(tmp_path):
    feed = (FEEDS / "rss20_wordpress.xml").read_bytes()
    broken = {"flaky.example.org": True}

    def respond(host: str, path: str, headers: Mapping[str, str]) -> Reply:
        if host == "flaky.example.org" and broken[host]:
            return Reply(500, b"upstream down")
        return Reply(200, feed, {"Content-Type": "application/rss+xml"})

    feeds, hook = LoopbackHTTP(respond), WebhookReceiver()
    try:
        where = f"127.0.0.1:{feeds.port}"
        catalogue = tmp_path / "sources.yaml"
        catalogue.write_text(
            "sources:\n"
            "  - {id: steady, kind: rss, url: 'http://steady.example.org/feed', every: 1h}\n"
            "  - {id: flaky, kind: rss, url: 'http://flaky.example.org/feed', every: 1h}\n"
            "settings:\n"
            "  fetch_articles: false\n"
            "  resolve: {steady.example.org: '" + where + "', flaky.example.org: '" + where + "'}\n"
            "  notify:\n"
            "    - {url: '${HOOK_URL}', format: json}\n"
        )
        env = clean_env(DAGSTER_HOME=str(tmp_path / "dagster"), HOOK_URL=hook.url("/hook"))
        lake = tmp_path / "lake"
        args = ("run", "--all", "--sources", str(catalogue), "--lake", str(lake), "--quiet")

        codes = [run_cli(tmp_path, *args, env=env).returncode for _ in range(2)]
        assert codes == [1, 1]  # a source failed entirely: exit 1, the run itself went on
        assert hook.events() == [("source_failed", "flaky")]
        failed = hook.delivered[0].json()
        assert failed["error_kind"] == "http_status"
        assert "HTTP 500" in failed["message"]

        broken["flaky.example.org"] = False
        healed = run_cli(tmp_path, *args, env=env)
        assert healed.returncode == 0, healed.stderr
        assert hook.events() == [("source_failed", "flaky"), ("source_recovered", "flaky")]
        assert len(hook.received) == 2  # nothing else was POSTed, nothing was retried
        for r in hook.received:
            assert set(r.json()) == {"event", "source_id", "run_id", "error_kind", "message", "at"}
        # both events name a run of this project's Dagster instance
        recovered = hook.delivered[1].json()
        con = connect(Lake(lake))
        runs = {r[0] for r in con.execute("select distinct run_id from source_health").fetchall()}
        assert {failed["run_id"], recovered["run_id"]} <= runs
        notified = json.loads((lake / "state" / "notify" / "sources.json").read_text())
        assert {k: v["condition"] for k, v in notified.items()} == {"flaky": "ok"}
    finally:
        feeds.close()
        hook.close()
