"""Issue 7, rules: a block rule added to the demo catalogue, previewed with `riverbed rules
test`, then applied to the demo lake's history by `riverbed replay`, removes the stories it
hides from the digest — the table and the published files — and changes no other story id.

Works on a copy of the session's demo lake (`local_demo`): no extra demo run."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from cli_runner import run_cli
from riverbed.lake import Lake
from riverbed.lake.query import connect

pytestmark = pytest.mark.slow

SOURCES = ".riverbed/demo/sources.yaml"
LAKE = ".riverbed/demo/lake"


def _rows(lake: Path, sql: str) -> list[dict]:
    cur = connect(Lake(lake)).execute(sql)
    names = [d[0] for d in cur.description]
    return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


def _published(lake: Path) -> dict[str, str]:
    """Every published page and feed (the day's digest, the latest, the tag pages), by path."""
    root = lake / "published"
    names = ("index.html", "index.md", "feed.xml", "feed.json")
    return {str(p.relative_to(root)): p.read_text() for p in root.rglob("*") if p.name in names}


@pytest.fixture(scope="module")
def replayed(local_demo, tmp_path_factory):
    """The demo's catalogue with one more global block rule, `rules test` on the demo lake,
    then `replay` of the demo's day: the lake before and after, and both commands."""
    work = tmp_path_factory.mktemp("rules-e2e")
    lake = work / LAKE
    shutil.copytree(local_demo["pristine"], lake)
    before = local_demo["pristine"]  # read only: every test of the session may compare with it
    (day,) = {r["digest_date"] for r in _rows(lake, "select distinct digest_date from digest")}
    rule = _rule(before, day)
    yaml = YAML()
    catalogue = yaml.load(local_demo["work"] / SOURCES)
    catalogue["settings"]["block"].append({"title": rule})
    yaml.dump(catalogue, work / SOURCES)

    preview = run_cli(
        work, "rules", "test", "--sources", SOURCES, "--lake", LAKE, "--format", "json"
    )
    replay = run_cli(work, "replay", "--sources", SOURCES, "--lake", LAKE, "--date", day)
    return {
        "before": before,
        "after": lake,
        "day": day,
        "rule": rule,
        "preview": preview,
        "replay": replay,
    }


def _rule(lake: Path, day: str) -> str:
    """A title rule for the demo lake of `day`: every title of two digest stories (they
    leave it), and one member's title of a story that has others under other titles (it
    loses that member and keeps its id)."""
    titles = {
        r["item_id"]: r["title"]
        for r in _rows(lake, "select item_id, title from items where hidden_by is null")
    }
    stories = _rows(lake, f"select story_id, item_ids from stories where date = '{day}'")
    members = {s["story_id"]: [titles.get(i) for i in s["item_ids"]] for s in stories}
    digest = [r["story_id"] for r in _rows(lake, "select story_id from digest order by story_id")]
    whole = [s for s in digest if all(members.get(s) or [None])][:2]
    thinned = next(
        ts[0]
        for s, ts in sorted(members.items())
        if s not in whole and all(ts) and len(set(ts)) >= 2 and ts.count(ts[0]) == 1
    )
    chosen = sorted({t for s in whole for t in members[s]} | {thinned})
    return "^(?:" + "|".join(re.escape(t) for t in chosen) + ")$"


def _blocked(lake: Path, rule: str) -> set[str]:
    """Item ids the new rule hides: their titles match, and the demo's own block rule
    (sponsored items, `global.block[0]`) does not hide them first."""
    return {
        r["item_id"]
        for r in _rows(lake, "select item_id, title, hidden_by from items")
        if r["title"] and re.search(rule, r["title"]) and not r["hidden_by"]
    }


def test_rules_test_previews_the_new_rule_over_the_stored_items(replayed):
    preview = replayed["preview"]
    assert preview.returncode == 0, preview.stderr[-3000:]
    rows = {(r["scope"], r["list"], r["index"]): r for r in json.loads(preview.stdout)}
    before = replayed["before"]
    sponsored = _rows(before, "select count(*) n from items where hidden_by is not null")[0]["n"]
    assert sponsored > 0
    assert rows["global", "block", 0]["hidden"] == sponsored  # what the last run hid
    new = rows["global", "block", 1]
    assert new["fields"] == f"title~{replayed['rule']}"
    blocked = _blocked(before, replayed["rule"])
    assert new["hidden"] == len(blocked) >= 3
    assert new["matched"] >= new["hidden"]
    assert rows["(no keep match)", "keep", None]["matched"] == 0  # the demo has no keep list


def test_replay_hides_the_items_and_keeps_them_in_items(replayed):
    replay = replayed["replay"]
    assert replay.returncode == 1, replay.stderr[-3000:]  # only the broken demo feeds fail
    blocked = _blocked(replayed["before"], replayed["rule"])
    items = {r["item_id"]: r for r in _rows(replayed["after"], "select * from items")}
    assert len(items) == len(_rows(replayed["before"], "select item_id from items"))
    for item_id in blocked:
        assert items[item_id]["hidden_by"] == f"global.block[1] title~{replayed['rule']}"
    assert {i for i, r in items.items() if r["hidden_by"] and "block[1]" in r["hidden_by"]} == (
        blocked
    )


def test_replay_removes_the_blocked_stories_and_changes_no_other_story_id(replayed):
    blocked = _blocked(replayed["before"], replayed["rule"])
    sql = f"select story_id, item_ids from stories where date = '{replayed['day']}'"
    before = {r["story_id"]: set(r["item_ids"]) for r in _rows(replayed["before"], sql)}
    after = {r["story_id"]: set(r["item_ids"]) for r in _rows(replayed["after"], sql)}
    gone = {s for s, members in before.items() if members <= blocked}
    partly = {s for s, members in before.items() if members & blocked and s not in gone}
    assert gone and partly  # the rule empties some stories and thins others
    assert set(after) == set(before) - gone
    for story_id, members in after.items():
        assert members == before[story_id] - blocked, story_id


def test_replay_removes_the_blocked_stories_from_the_digest_and_its_files(replayed):
    blocked = _blocked(replayed["before"], replayed["rule"])
    stories = _rows(replayed["before"], "select story_id, title, item_ids from stories")
    gone = {s["story_id"]: s["title"] for s in stories if set(s["item_ids"]) <= blocked}
    digest = "select story_id, title from digest"
    in_digest_before = {r["story_id"] for r in _rows(replayed["before"], digest)}
    removed = {s: t for s, t in gone.items() if s in in_digest_before}
    assert len(removed) >= 2  # the rule does hit the digest
    after = _rows(replayed["after"], digest)
    assert len(after) == len(in_digest_before)  # the freed places are filled
    assert not {r["story_id"] for r in after} & set(gone)
    files_before, files_after = _published(replayed["before"]), _published(replayed["after"])
    day = replayed["day"]
    for name in ("index.html", "feed.xml", "feed.json", *(f"digest/{day}/index.md",)):
        assert files_after[name] != files_before[name], name  # published again
    for title in removed.values():
        assert any(title in text for text in files_before.values()), title
        for name, text in files_after.items():
            assert title not in text, (title, name)
