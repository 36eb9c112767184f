"""keep/block rules (CONTRACT "Rules"): `hidden_by` against a reference model, and what the
order of rules and items may and may not change."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from hypothesis import given
from hypothesis import strategies as st
from property_settings import PROFILE

from riverbed.core.catalogue.models import Rule
from riverbed.core.rules import NO_KEEP_MATCH, catalogue_rules, hidden_by, preview_rules

WORDS = ["rust", "Rust", "ads", "sponsored", "db", ""]
PATTERNS = ["rust", "(?i)rust", "^ads", "sponsored$", "db", "x|y", "."]
FIELD_NAMES = ("title", "url", "author", "text", "tag")

# Built once: pydantic validation per example would dominate the test's time.
RULES = [Rule(**{name: p}) for name in FIELD_NAMES for p in PATTERNS] + [
    Rule(title="(?i)rust", tag="db"),
    Rule(url="db", author="."),
    Rule(text="sponsored$", title="^ads"),
]
_rule = st.sampled_from(RULES)
_rules = st.lists(_rule, max_size=3)
_text = st.one_of(st.none(), st.lists(st.sampled_from(WORDS), max_size=3).map(" ".join))
_source_ids = st.sampled_from(["a", "b", "gone"])  # "gone": no longer in the catalogue
_item = st.fixed_dictionaries(
    {
        "source_id": _source_ids,
        "title": _text,
        "url": st.one_of(st.none(), st.sampled_from(["https://db.example/x", "https://e/ads"])),
        "author": _text,
        "text": _text,
        "tags": st.lists(st.sampled_from(["rust", "ads", "db"]), max_size=2),
    }
)


@dataclass
class _Source:
    id: str
    tags: list[str]
    keep: list[Rule] = field(default_factory=list)
    block: list[Rule] = field(default_factory=list)


@dataclass
class _Settings:
    keep: list[Rule]
    block: list[Rule]


@dataclass
class _Catalogue:
    settings: _Settings
    sources: list[_Source]


_source_tags = st.lists(st.sampled_from(["rust", "db"]), max_size=1)


@st.composite
def _catalogues(draw: st.DrawFn) -> _Catalogue:
    sources = [_Source(sid, draw(_source_tags), draw(_rules), draw(_rules)) for sid in "ab"]
    return _Catalogue(_Settings(draw(_rules), draw(_rules)), sources)


_catalogue = _catalogues()


def _fields(item: dict[str, Any], source_tags: list[str]) -> dict[str, Any]:
    tags = list(item["tags"])
    return {
        "title": item["title"],
        "url": item["url"],
        "author": item["author"],
        "text": item["text"],
        "tags": tags + [t for t in source_tags if t not in tags],
    }


def _expected_hidden(item: dict[str, Any], cat: _Catalogue) -> bool:
    """The contract, literally: any block rule matches, or a keep list applies and none of
    its rules matches."""
    source = next((s for s in cat.sources if s.id == item["source_id"]), None)
    fields = _fields(item, source.tags if source else [])
    blocks = [*cat.settings.block, *(source.block if source else [])]
    keeps = [*cat.settings.keep, *(source.keep if source else [])]
    if any(rule.matches(**fields) for rule in blocks):
        return True
    return bool(keeps) and not any(rule.matches(**fields) for rule in keeps)


@PROFILE
@given(_catalogue, st.lists(_item, max_size=8))
def test_hidden_by_follows_the_contract(cat: _Catalogue, items: list[dict[str, Any]]) -> None:
    hide = catalogue_rules(cat)
    for item in items:
        reason = hide(item)
        assert (reason is not None) == _expected_hidden(item, cat)
        if reason is not None and reason != NO_KEEP_MATCH:
            scope, _, rest = reason.partition(".block[")
            assert scope in ("global", item["source_id"])
            index = int(rest.partition("]")[0])
            source = next(s for s in cat.sources if scope in (s.id, "global"))
            rules = cat.settings.block if scope == "global" else source.block
            described = reason.partition("] ")[2]
            assert rules[index].describe() == described
            # the first block rule that matches names itself
            fields = _fields(item, source.tags if scope != "global" else [])
            if scope == "global":
                assert not any(r.matches(**fields) for r in rules[:index])


@PROFILE
@given(_item, _rules, _rules, _rules, _rules, st.randoms(use_true_random=False))
def test_the_order_of_rules_never_changes_whether_an_item_is_hidden(
    item: dict[str, Any],
    global_keep: list[Rule],
    global_block: list[Rule],
    source_keep: list[Rule],
    source_block: list[Rule],
    rnd: Any,
) -> None:
    def shuffled(rules: list[Rule]) -> list[Rule]:
        return rnd.sample(rules, len(rules))

    def verdict(gk: list[Rule], gb: list[Rule], sk: list[Rule], sb: list[Rule]) -> str | None:
        return hidden_by(item, global_keep=gk, global_block=gb, source_keep=sk, source_block=sb)

    before = verdict(global_keep, global_block, source_keep, source_block)
    after = verdict(*map(shuffled, (global_keep, global_block, source_keep, source_block)))
    assert (before is None) == (after is None)
    # keep lists only ever say NO_KEEP_MATCH: their order changes nothing at all
    assert verdict(shuffled(global_keep), global_block, shuffled(source_keep), source_block) == (
        before
    )


@PROFILE
@given(_catalogue, st.lists(_item, max_size=10), st.randoms(use_true_random=False))
def test_rule_preview_agrees_with_hidden_by_in_any_item_order(
    cat: _Catalogue, items: list[dict[str, Any]], rnd: Any
) -> None:
    rows = preview_rules(items, cat)
    assert rows == preview_rules(rnd.sample(items, len(items)), cat)
    hide = catalogue_rules(cat)
    reasons = [hide(item) for item in items]
    no_keep = rows[-1]
    assert no_keep["scope"] == NO_KEEP_MATCH
    assert no_keep["hidden"] == reasons.count(NO_KEEP_MATCH)
    for row in rows[:-1]:
        if row["list"] == "keep":
            assert row["hidden"] == 0
        else:
            name = f"{row['scope']}.block[{row['index']}] {row['fields']}"
            assert row["hidden"] == reasons.count(name)
    assert sum(row["hidden"] for row in rows) == sum(r is not None for r in reasons)
