"""Secrets never leak: `riverbed run` with a distinctive random canary in every secret slot,
failures included, then a search of everything the runs left behind.

Slots (see `secret_canaries.Canaries`): the S3 access key id and secret key (SeaweedFS on
loopback enforcing exactly those keys), source `headers` (a `${FEED_TOKEN}` bearer token and
a literal API key), tokens in source URL queries, `settings.proxy` with user:password from
`${PROXY_URL}` (a loopback proxy that demands them), and two `notify` targets (`${HOOK_URL}`
with path and query tokens and a `${HOOK_TOKEN}` header; one written with user:password@),
and the API key of an LLM endpoint for summaries (`${LLM_API_KEY}`).

Failure paths exercised: sources answered 401 and 500, a proxy refusing a tunnel, a notify
receiver answering 403, an LLM endpoint answering 401, and a second run whose S3 secret key
is wrong (another canary).

Searched (raw, percent-encoded, and basic-auth pairs as base64): the CLI's stdout and
stderr (both runs), the bodies POSTed to the notify targets and the LLM endpoint, every
object of the lake decoded (Parquet rows, raw bodies, JSON state, published
HTML/MD/RSS/JSON), the Dagster instance (every run and event, every SQLite row, every file)
and the CLI's working directory. One module-scoped world.
"""

from __future__ import annotations

import base64
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import quote

import pytest
from secret_canaries import Canaries
from secret_sites import PROXIED_HOST, REFUSED_HOST, AuthProxy, FeedSites, catalogue_yaml

from cli_runner import SUITE_DAY, clean_env, run_cli
from notify.webhook_receiver import WebhookReceiver
from riverbed.lake import Lake
from riverbed.lake.blobs import BlobStore
from riverbed.lake.journal import Journal
from riverbed.pipeline.refine import history_table
from seaweed import running_seaweedfs
from secret_scan import Scan

pytestmark = [pytest.mark.slow]


@dataclass
class World:
    canaries: Canaries
    feeds: FeedSites
    proxy: AuthProxy
    hook: WebhookReceiver
    failing_hook: WebhookReceiver
    llm: WebhookReceiver
    runs: dict[str, subprocess.CompletedProcess[str]]
    errors: list[dict[str, object]]
    scan: Scan


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    c = Canaries.fresh()
    tmp = tmp_path_factory.mktemp("canaries")
    work, home, config = tmp / "work", tmp / "dagster", tmp / "config"
    for folder in (work, config):
        folder.mkdir()
    feeds, proxy = FeedSites(c), AuthProxy(c)
    hook, failing_hook = WebhookReceiver(), WebhookReceiver(default=403)
    llm = WebhookReceiver(default=401)  # an OpenAI-compatible endpoint refusing the key
    try:
        with running_seaweedfs(
            tmp,
            bucket="riverbed-canary",
            access_key=c.s3_access_key,
            secret_key=c.s3_secret_key,
            enforce_keys=True,
        ) as s3:
            catalogue = config / "sources.yaml"  # holds literal canaries: not scanned
            catalogue.write_text(catalogue_yaml(c, feeds.port, failing_hook.port, llm.port))
            hook_url = hook.url(f"/hooks/T0RIVERBED/B0RIVERBED/{c.hook_path_token}")
            env = clean_env(
                DAGSTER_HOME=str(home),
                FEED_TOKEN=c.feed_token,
                PROXY_URL=proxy.url(c),
                HOOK_URL=f"{hook_url}?token={c.hook_query_token}",
                HOOK_TOKEN=c.hook_header_token,
                LLM_API_KEY=c.llm_api_key,
            )
            env.pop("PYTHONWARNINGS")  # whatever a user would see, warnings included
            uri = s3.uri("lake")
            day = SUITE_DAY
            where = ("--sources", str(catalogue), "--lake", uri, "--date", day)
            runs = {
                "run": run_cli(work, "run", "--all", *where, env=env),
                "run with a wrong S3 key": run_cli(
                    work,
                    "run",
                    "--all",
                    *where,
                    "--format",
                    "json",
                    env={**env, "AWS_SECRET_ACCESS_KEY": c.s3_wrong_secret_key},
                ),
            }
            lake = Lake(uri)
            # the journal: the `errors` table is built before enrich and notify add theirs
            errors = history_table(Journal(lake), "errors", day).to_pylist()
            scan = Scan(c.needles())
            for name, run in runs.items():
                scan.text(f"`{name}` stdout", run.stdout)
                scan.text(f"`{name}` stderr", run.stderr)
            for receiver in (hook, failing_hook, llm):  # what went out to third parties
                for post in receiver.received:
                    scan.text(f"a POST to {post.path}", post.body, kind="request bodies sent")
            scan.lake(lake)
            scan.dagster_home(home)
            scan.folder(work, kind="working directory files")
            s3.kill()  # its data is not needed any more
            yield World(c, feeds, proxy, hook, failing_hook, llm, runs, errors, scan)
    finally:
        for server in (feeds, proxy, hook, failing_hook, llm):
            server.close()


def test_every_canary_was_really_used(world):
    c = world.canaries
    assert {h for h, what in world.feeds.seen if what == "bearer"} >= {
        "private.example.org",
        "denied.example.org",
    }
    assert ("private.example.org", "api_key_header") in world.feeds.seen
    assert {h for h, what in world.feeds.seen if what == "query_token"} == {
        "keyed.example.org",
        "down.example.org",
    }
    proxied = {(method, target) for method, target, ok in world.proxy.seen if ok}
    assert proxied == {
        ("GET", f"http://{PROXIED_HOST}/feed.json"),
        ("CONNECT", f"{REFUSED_HOST}:443"),
    }
    [delivered, *_] = world.hook.received
    assert delivered.headers["Authorization"] == f"Bearer {c.hook_header_token}"
    assert c.hook_path_token in delivered.path and c.hook_query_token in delivered.path
    assert world.failing_hook.received, "the second notify target was never tried"
    assert c.hook_path_token in world.failing_hook.received[0].path
    assert world.llm.received, "the LLM endpoint was never called"
    assert world.llm.received[0].headers["Authorization"] == f"Bearer {c.llm_api_key}"


@pytest.mark.parametrize(
    ("source_id", "error_kind", "says"),
    [
        ("denied", "http_status", "HTTP 401"),
        ("down", "http_status", "HTTP 500"),
        ("refused", "connect_error", "403"),
    ],
)
def test_the_failures_were_recorded(world, source_id, error_kind, says):
    [row] = [r for r in world.errors if (r["stage"], r["source_id"]) == ("collect", source_id)]
    assert (row["error_kind"], says in str(row["message"])) == (error_kind, True), row


def test_the_runs_failed_the_way_they_should(world):
    assert world.runs["run"].returncode == 1, world.runs["run"].stderr[-3000:]  # sources failed
    # (the JSON feed behind the proxy also has one unusable item: an `invalid_item` row)
    failed = {
        r["source_id"]
        for r in world.errors
        if r["stage"] == "collect" and r["error_kind"] != "invalid_item"
    }
    assert failed == {"denied", "down", "refused"}
    summarised = [r for r in world.errors if r["stage"] == "enrich"]
    messages = [str(r["message"]) for r in summarised]
    assert any("HTTP 401" in m for m in messages), messages  # then the breaker opens
    notified = [r for r in world.errors if r["stage"] == "notify"]
    assert notified and all("403" in str(r["message"]) for r in notified)
    refused = world.runs["run with a wrong S3 key"]
    assert refused.returncode == 3, refused.stderr[-3000:]  # the lake refused the key


def test_no_canary_appears_anywhere_a_run_leaves_text(world):
    scanned = world.scan.scanned
    print("secret scan:", dict(scanned))  # the counts docs/reliability.md quotes
    assert not world.scan.leaks, "\n".join(world.scan.leaks)
    assert scanned["lake objects"] > 20 and scanned["lake parquet rows"] > 50
    assert scanned["raw bodies decompressed"] >= 3
    assert scanned["dagster events"] > 100 and scanned["dagster sqlite rows"] > 100


def test_the_scan_finds_a_canary_planted_anywhere_in_any_form(tmp_path):
    """The scanner itself: a canary written in each place and each encoding is reported."""
    c = Canaries.fresh()
    lake, work = Lake(str(tmp_path / "lake")), tmp_path / "work"
    work.mkdir()
    basic = base64.b64encode(f"{c.proxy_user}:{c.proxy_password}".encode()).decode()
    Journal(lake).append("errors", "2026-01-01", [{"message": f"token {c.feed_token}"}], "run-1")
    BlobStore(lake).put(f"raw body {c.proxy_password}".encode())
    lake.write_json(lake.path("state", "notify", "sources.json"), {"x": c.hook_path_token})
    lake.write_bytes(lake.path("published", "index.html"), f"<p>{basic}</p>".encode())
    (work / "run.log").write_text(f"hook={quote(c.hook_password, safe='')}")
    scan = Scan(c.needles())
    scan.text("`run` stderr", f"error: {c.s3_secret_key}")
    scan.lake(lake)
    scan.folder(work)
    expected = [
        ("s3_secret_key in `run` stderr", ""),
        ("feed_token in lake /journal/errors/date=2026-01-01/", ".parquet (rows)"),
        ("proxy_password in lake /raw/", ".zst (decompressed)"),
        ("hook_path_token in lake /state/notify/sources.json", ""),
        ("proxy user:password (basic auth base64) in lake /published/index.html", ""),
        ("hook_password (url-encoded) in run.log", ""),
    ]
    for head, tail in expected:
        assert [x for x in scan.leaks if x.startswith(head) and x.endswith(tail)], (
            head,
            scan.leaks,
        )
