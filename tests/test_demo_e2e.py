"""`riverbed demo` end to end, as a user runs it: twice, then a replay with the network off.

One module-scoped run of the whole thing (about half a minute); every test reads its results.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections import defaultdict
from datetime import date, timedelta
from pathlib import Path

import pytest
from lxml import etree

from cli_runner import run_cli
from riverbed.core.urls import canonical_url
from riverbed.demo.corpus import build_corpus
from riverbed.demo.labels import score_merge
from riverbed.demo.platforms import PLATFORM_SOURCES
from riverbed.lake import Lake
from riverbed.lake.query import connect

pytestmark = pytest.mark.slow

PLATFORM_TABLES = ["hackernews_items", "reddit_items", "lobsters_items"]
CURRENT_STATE = [
    "items",
    "stories",
    "articles",
    "digest",
    "rss_items",
    *PLATFORM_TABLES,
    "item_metrics",
]
PLATFORM_KINDS = ("hackernews", "reddit", "lobsters")
HISTORY = ["fetches", "errors", "source_health"]

# Run the CLI with every socket connect and name lookup refused: replay must not need them.
NETWORK_OFF = """
import socket, sys
def _refuse(*a, **k):
    raise OSError("network is off for this test")
_connect, _connect_ex = socket.socket.connect, socket.socket.connect_ex
def _local_only(connect):
    def guarded(self, address):
        if self.family != socket.AF_UNIX:  # local IPC (a process pool) is not the network
            _refuse()
        return connect(self, address)
    return guarded
socket.socket.connect = _local_only(_connect)
socket.socket.connect_ex = _local_only(_connect_ex)
socket.getaddrinfo = _refuse
socket.create_connection = _refuse
from riverbed.cli import main
sys.argv = ["riverbed", *sys.argv[1:]]
main()
"""


def _cli(workdir: Path, *args: str, network_off: bool = False) -> subprocess.CompletedProcess[str]:
    return run_cli(workdir, *args, bootstrap=NETWORK_OFF if network_off else None)


def _snapshot(lake: Path) -> dict[str, list[str]]:
    con = connect(Lake(lake))
    out = {}
    for table in CURRENT_STATE + HISTORY:
        rows = con.execute(f"select * from {table}").fetchall()
        out[table] = sorted(repr(r) for r in rows)
    # One logical request per (run, fetch); its number of attempts depends on backoff jitter.
    # Sources are fetched every run; article pages (no source) once, so they are apart.
    out["requests"] = sorted(
        repr(r)
        for r in con.execute(
            "select distinct run_id, fetch_id from fetches where source_id is not null"
        ).fetchall()
    )
    out["article_requests"] = sorted(
        repr(r)
        for r in con.execute(
            "select distinct run_id, fetch_id from fetches where source_id is null"
        ).fetchall()
    )
    return out


@pytest.fixture(scope="module")
def demo(local_demo):
    work, lake = local_demo["work"], local_demo["lake"]
    first = local_demo["run"]
    snap1 = _snapshot(local_demo["pristine"])
    day = local_demo["day"]
    second = _cli(work, "demo", "--date", day)
    snap2 = _snapshot(lake)
    # Rebuild from bronze alone: current-state tables gone, network off.
    for table in CURRENT_STATE:
        shutil.rmtree(lake / "tables" / table)
    replay = _cli(
        work,
        "replay",
        "--sources",
        ".riverbed/demo/sources.yaml",
        "--lake",
        str(lake),
        "--date",
        day,
        network_off=True,
    )
    snap3 = _snapshot(lake)
    return {
        "work": work,
        "lake": lake,
        "runs": (first, second, replay),
        "snaps": (snap1, snap2, snap3),
        "day": day,
        "corpus": build_corpus(date.fromisoformat(day)),
    }


def test_demo_exits_0_and_prints_the_summary(demo):
    first = demo["runs"][0]
    assert first.returncode == 0, first.stderr[-3000:]
    for needle in (
        "sources ok",
        "sources failed",
        "stories",
        "platform items hackernews 24, lobsters 21, reddit 22",
        "cross-platform",
        "near-duplicates",
        "errors",
        "wall time",
        "digest:",
        "lake:",
    ):
        # the summary is on stderr, beside the progress (stdout: the per-source rows)
        assert needle in " ".join(first.stderr.split())  # whatever the column widths
    assert "deliberately broken" in first.stderr


def test_query_counts_stories_as_json(demo):
    out = _cli(
        demo["work"],
        "query",
        "--lake",
        ".riverbed/demo/lake",
        "--format",
        "json",
        "select count(*) as n from stories",
    )
    assert out.returncode == 0, out.stderr
    rows = json.loads(out.stdout)
    assert rows[0]["n"] > 100


def test_broken_feeds_are_recorded_with_their_error_kind(demo):
    con = connect(Lake(demo["lake"]))
    got = set(
        con.execute("select source_id, error_kind from errors where stage = 'collect'").fetchall()
    )
    for source_id, kind in demo["corpus"].expected_failures.items():
        assert (source_id, kind) in got, f"{source_id} should fail with {kind}"
    failed = {
        r[0]
        for r in con.execute(
            "select source_id from source_health where status = 'failed'"
        ).fetchall()
    }
    assert failed == set(demo["corpus"].expected_failures)


def test_every_good_feed_has_all_its_items(demo):
    """The rss feeds; platform sources are checked item by item below."""
    con = connect(Lake(demo["lake"]))
    got = dict(con.execute("select source_id, count(*) from rss_items group by 1").fetchall())
    feeds = [f for f in demo["corpus"].feeds if f.role not in ("broken", "platform")]
    assert len(feeds) >= 150
    missing = {
        f.source_id: (f.n_distinct, got.get(f.source_id))
        for f in feeds
        if got.get(f.source_id) != f.n_distinct
    }
    assert not missing


def _story_of_item(con, day):
    """item_id -> the day's story row holding it."""
    return {
        item_id: story
        for story in _rows(con, "select * from stories where date = ?", [day])
        for item_id in story["item_ids"]
    }


def test_shared_stories_are_merged_across_sources(demo):
    """Exact-URL merging never misses: every entry of a shared story whose link spells the
    origin's URL is in one story, which lists each of those sources."""
    con = connect(Lake(demo["lake"]))
    story_of = _story_of_item(con, demo["day"])
    by_canonical = defaultdict(list)
    for row in _rows(con, "select item_id, canonical_url from items where hidden_by is null"):
        by_canonical[row["canonical_url"]].append(row["item_id"])
    several = 0
    for shared in demo["corpus"].shared_stories:
        origin = canonical_url(shared.url)
        sources = {o.source_id for o in shared.occurrences if canonical_url(o.url) == origin}
        homes = {story_of[i]["story_id"] for i in by_canonical[origin]}
        assert len(homes) == 1, shared.url
        story = story_of[by_canonical[origin][0]]
        assert sources <= set(story["source_ids"]), shared.url
        several += len(sources) >= 2
    assert several >= 0.9 * len(demo["corpus"].shared_stories)


def _merge_score(demo):
    """Pairwise precision/recall over URL groups on the demo's labelled near-duplicate groups
    (coverage by other outlets, syndicated copies, cross-posts, press releases, https
    spellings; siblings and same-template stories as hard negatives)."""
    con = connect(Lake(demo["lake"]))
    day = demo["day"]
    items = _rows(
        con, "select item_id, source_id, external_id, url, canonical_url, title from items"
    )
    stories = _rows(con, "select story_id, item_ids from stories where date = ?", [day])
    return score_merge(stories, items, demo["corpus"].labels)


def test_near_duplicate_merge_reaches_precision_095_and_recall_09_on_the_labelled_groups(demo):
    """Issue 6: precision >= 0.95 and recall >= 0.9 at URL-group level on the labelled set
    (measured on the demo corpora of 2026-10-20 … 2026-11-26: precision 0.98-1.0, recall
    0.95-0.96). The labelled set itself is sound: every item labelled, no URL group split
    over stories or mixing events, enough events under several URLs."""
    score = _merge_score(demo)
    print("\n" + score.report(examples=8))
    assert not score.unlabelled, score.unlabelled[:5]  # the labels know every item
    assert not score.split_nodes and not score.mixed_nodes
    assert score.n_dup_events >= 50 and score.url_groups.true >= 80
    assert score.precision >= 0.95, score.report(examples=10)
    assert score.recall >= 0.9, score.report(examples=10)


def test_rerun_leaves_current_state_identical_and_history_grows_by_one_run(demo):
    snap1, snap2, _ = demo["snaps"]
    assert demo["runs"][1].returncode == 0
    for table in CURRENT_STATE:
        assert snap1[table] == snap2[table], table
    n_sources = len(demo["corpus"].sources)
    assert len(snap2["source_health"]) == 2 * len(snap1["source_health"]) == 2 * n_sources
    assert len(snap2["requests"]) == 2 * len(snap1["requests"])
    # finished article pages are not fetched again (robots.txt is cached for a day too)
    assert snap1["article_requests"] and snap2["article_requests"] == snap1["article_requests"]
    assert set(snap1["fetches"]) < set(snap2["fetches"])


def test_replay_with_network_off_rebuilds_identical_tables_and_adds_no_history(demo):
    _, snap2, snap3 = demo["snaps"]
    replay = demo["runs"][2]
    assert replay.returncode == 1, replay.stderr[-3000:]  # the broken demo feeds still fail
    for table in CURRENT_STATE + HISTORY:
        assert snap3[table] == snap2[table], table


def test_published_digest_files(demo):
    published = demo["lake"] / "published"
    day = demo["day"]
    for name in ("index.html", "index.md", "feed.xml", "feed.json"):
        assert (published / "digest" / day / name).stat().st_size > 1000
    rss = etree.fromstring((published / "feed.xml").read_bytes())
    assert len(rss.findall("./channel/item")) == 50
    feed = json.loads((published / "feed.json").read_text())
    assert feed["version"] == "https://jsonfeed.org/version/1.1" and len(feed["items"]) == 50
    html = (published / "index.html").read_text()
    assert "<script" not in html.lower()
    assert any((published / "tags").iterdir())


def test_block_rules_hide_items_from_stories_but_keep_them_in_items(demo):
    con = connect(Lake(demo["lake"]))
    hidden = {
        r[0]
        for r in con.execute("select item_id from items where hidden_by is not null").fetchall()
    }
    assert hidden, "the demo catalogue's global block rule should hide the sponsored items"
    in_stories = {r[0] for r in con.execute("select unnest(item_ids) from stories").fetchall()}
    assert not hidden & in_stories


# -- platform sources: Hacker News, Reddit, Lobsters -----------------------------------------


def _rows(con, sql, params=()):
    cur = con.execute(sql, list(params))
    names = [d[0] for d in cur.description]
    return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


def _cross_posted(corpus):
    """Canonical article URL -> {kind: post} for articles posted on all three platforms."""
    by_url = {}
    for post in corpus.platform_posts:
        if post.url and post.is_item:
            by_url.setdefault(canonical_url(post.url), {})[post.kind] = post
    return {url: found for url, found in by_url.items() if set(found) == set(PLATFORM_KINDS)}


def test_platform_sources_succeed(demo):
    con = connect(Lake(demo["lake"]))
    statuses = {}
    for source_id, status in con.execute(
        "select source_id, status from source_health where source_id in (?, ?, ?)",
        [p.source_id for p in PLATFORM_SOURCES],
    ).fetchall():
        statuses.setdefault(source_id, set()).add(status)
    # the first demo run collects; the second finds nothing changed (or collects again)
    for p in PLATFORM_SOURCES:
        assert "ok" in statuses[p.source_id], statuses
        assert statuses[p.source_id] <= {"ok", "not_modified"}, statuses


@pytest.mark.parametrize("kind", PLATFORM_KINDS)
def test_platform_items_are_what_was_posted(demo, kind):
    con = connect(Lake(demo["lake"]))
    rows = {r["external_id"]: r for r in _rows(con, "select * from items where kind = ?", [kind])}
    posted = [p for p in demo["corpus"].platform_posts if p.kind == kind]
    live = {p.external_id: p for p in posted if p.is_item}
    assert len(live) > 15
    assert set(rows) == set(live)  # dead and deleted HN items are not items
    table = f"{kind}_items"
    assert con.execute(f"select count(*) from {table}").fetchone()[0] == len(live)
    for external_id, post in live.items():
        row = rows[external_id]
        assert row["source_id"] == post.source_id
        assert (row["title"], row["score"], row["comments"]) == (
            post.title,
            post.score,
            post.comments,
        ), external_id
        assert row["comments_url"] == post.comments_url
        if post.url is not None:
            assert row["url"] == post.url
            assert row["canonical_url"] == canonical_url(post.article_url)
        else:  # a self post links to nothing, or to its own discussion
            assert row["url"] in (None, post.comments_url)
        assert row["published_at"].utcoffset() == timedelta(0)
        assert row["published_at"] == post.published
        assert row["hidden_by"] is None
        if "nsfw" in post.labels:
            assert "nsfw" in row["tags"]
        if "stickied" in post.labels:
            assert "stickied" in row["tags"]
        if "ask" in post.labels and kind == "hackernews":
            assert "ask" in row["tags"]
            assert row["text"] and row["text"].endswith("what would you never do again?")


def test_posts_on_all_three_platforms_are_one_story_with_every_discussion(demo):
    con = connect(Lake(demo["lake"]))
    story_of = _story_of_item(con, demo["day"])
    # a story may join near-duplicates: found by any member's canonical URL
    stories = {
        row["canonical_url"]: story_of[row["item_id"]]
        for row in _rows(con, "select item_id, canonical_url from items")
        if row["item_id"] in story_of
    }
    everywhere = _cross_posted(demo["corpus"])
    assert len(everywhere) >= 6
    for url, found in everywhere.items():
        story = stories[url]
        discussions = {d["source_id"]: d for d in story["discussions"]}
        for post in found.values():
            d = discussions[post.source_id]
            assert d["comments_url"] == post.comments_url
            assert (d["score"], d["comments"]) == (post.score, post.comments)
            assert d["url"] == post.url
        # the feeds that carried the article are members of the same story
        assert story["n_sources"] > 3, story["source_ids"]


def test_digest_html_links_every_platform_discussion(demo):
    con = connect(Lake(demo["lake"]))
    day = demo["day"]
    digest = _rows(con, "select * from digest where digest_date = ? order by rank", [day])
    platform_ids = {p.source_id for p in PLATFORM_SOURCES}
    on_all = [r for r in digest if platform_ids <= set(r["source_ids"])]
    assert on_all, "a story discussed on HN, Reddit and Lobsters should make the digest"
    page = etree.HTML((demo["lake"] / "published" / "digest" / day / "index.html").read_bytes())
    checked = 0
    for row in digest:
        [article] = page.xpath(f"//article[@data-story-id='{row['story_id']}']")
        links = {a.get("href"): a.text for a in article.xpath(".//ul[@class='discussions']/li/a")}
        for d in row["discussions"]:
            if d["source_id"] not in platform_ids:
                continue
            engagement = f"{d['score']} point{'s' * (d['score'] != 1)} · "
            engagement += f"{d['comments']} comment{'s' * (d['comments'] != 1)}"
            assert links.get(d["comments_url"]) == engagement, (row["title"], d)
            checked += 1
    assert checked >= 3 * len(on_all)
    assert "<script" not in (demo["lake"] / "published" / "digest" / day / "index.html").read_text()


def test_self_posts_are_stories_of_their_own(demo):
    con = connect(Lake(demo["lake"]))
    item_ids = {
        (r["source_id"], r["external_id"]): r["item_id"]
        for r in _rows(con, "select source_id, external_id, item_id from items where kind <> 'rss'")
    }
    stories = _rows(con, "select * from stories")
    by_item = {i: s for s in stories for i in s["item_ids"]}
    selfs = [p for p in demo["corpus"].platform_posts if p.is_item and p.url is None]
    assert {p.kind for p in selfs} == set(PLATFORM_KINDS)
    for post in selfs:
        item_id = item_ids[(post.source_id, post.external_id)]
        story = by_item[item_id]
        assert story["item_ids"] == [item_id], post
        # no URL of its own: no canonical URL, or that of its own discussion page
        assert story["canonical_url"] in (None, canonical_url(post.comments_url))
        assert story["title"] == post.title
        assert [d["comments_url"] for d in story["discussions"]] == [post.comments_url]


def test_articles_match_what_each_page_is(demo):
    """Every article row has the outcome its page was built for: good pages extracted,
    cookie walls / JS shells / paywalls thin, PDFs skipped, robots.txt refusals and private
    addresses blocked, dead links failed."""
    con = connect(Lake(demo["lake"]))
    rows = con.execute(
        "select canonical_url, outcome, error_kind, word_count from articles"
    ).fetchall()
    corpus = demo["corpus"]
    checked, wrong = 0, []
    for url, outcome, error_kind, words in rows:
        expected = corpus.expected_article(url)
        if expected is None:
            continue
        checked += 1
        if (outcome, error_kind) != expected:
            wrong.append((url, outcome, error_kind, expected))
        if outcome == "ok":
            assert words >= 80, url
    assert checked >= 0.9 * len(rows) and checked > 500
    assert not wrong, wrong[:10]
    outcomes = {o for _, o, _, _ in rows}
    assert {"ok", "thin", "blocked", "failed", "skipped"} <= outcomes
    blocked = {k for _, o, k, _ in rows if o == "blocked"}
    assert blocked == {"robots_disallowed", "blocked_address"}


def test_private_article_links_are_refused_before_any_request(demo):
    con = connect(Lake(demo["lake"]))
    private = con.execute(
        "select url, error_kind, status from fetches"
        " where url like 'http://169.254.%' or url like 'http://10.%'"
    ).fetchall()
    assert private and all(k == "blocked_address" and s is None for _, k, s in private)


def test_digest_shows_article_excerpts(demo):
    con = connect(Lake(demo["lake"]))
    day = demo["day"]
    pairs = con.execute(
        "select d.excerpt, a.text from digest d join articles a using (story_id)"
        f" where a.outcome = 'ok' and d.digest_date = '{day}'"
    ).fetchall()
    assert len(pairs) >= 10
    for excerpt, text in pairs:
        assert excerpt and text.startswith(excerpt.rstrip("…").rstrip()[:60])
    html = (demo["lake"] / "published" / "digest" / day / "index.html").read_text()
    assert sum(excerpt[:60] in html for excerpt, _ in pairs) >= 10


def test_every_linked_article_has_a_row(demo):
    """Stories that link to one of the corpus's article pages get an `articles` row (only
    link-less discussions are left out)."""
    con = connect(Lake(demo["lake"]))
    urls = [u for (u,) in con.execute("select url from stories").fetchall() if u]
    linked = [u for u in urls if demo["corpus"].expected_article(u) is not None]
    have = {u for (u,) in con.execute("select canonical_url from articles").fetchall()}
    missing = [u for u in linked if u not in have]
    assert len(linked) > 1000
    assert len(missing) <= 0.03 * len(linked), missing[:10]
