"""keep/block rules: which items are hidden, and by which rule; and a preview of each rule.

An item is hidden when any block rule (global or its source's) matches, or when a keep list
applies to it (global or its source's) and none of its keep rules matches. Hidden items stay
in `items` with `hidden_by` naming the rule; stories and everything downstream leave them out.

A rule sees the item as collected: `title`, `url` as published (not the canonical URL),
`author`, `text` (the feed's text, not the extracted article) and `tag` — the item's tags and
its source's tags in the catalogue (so a tag added to a source applies to items stored
before the change).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

NO_KEEP_MATCH = "(no keep match)"
PREVIEW_COLUMNS = ("scope", "list", "index", "fields", "matched", "hidden")


class RuleLike(Protocol):
    def describe(self) -> str: ...

    def matches(
        self,
        *,
        title: str | None = None,
        url: str | None = None,
        author: str | None = None,
        text: str | None = None,
        tags: Sequence[str] = (),
    ) -> bool: ...


def _fields(item: Mapping[str, Any], source_tags: Sequence[str]) -> dict[str, Any]:
    tags = list(item.get("tags") or ())
    return {
        "title": item.get("title"),
        "url": item.get("url"),
        "author": item.get("author"),
        "text": item.get("text"),
        "tags": [*tags, *(t for t in source_tags if t not in tags)],
    }


def hidden_by(
    item: Mapping[str, Any],
    *,
    global_keep: Sequence[RuleLike] = (),
    global_block: Sequence[RuleLike] = (),
    source_keep: Sequence[RuleLike] = (),
    source_block: Sequence[RuleLike] = (),
    source_tags: Sequence[str] = (),
) -> str | None:
    """The rule that hides `item` (e.g. `global.block[0] title~(?i)sponsored`), or None.

    Block rules are tried global first, then the source's, each list in order: the first
    that matches names itself. `tag` rules see the item's tags and `source_tags`."""
    fields = _fields(item, source_tags)
    scope = item.get("source_id") or "source"
    for name, rules in (("global", global_block), (scope, source_block)):
        for i, rule in enumerate(rules):
            if rule.matches(**fields):
                return f"{name}.block[{i}] {rule.describe()}"
    keep = [*global_keep, *source_keep]
    if keep and not any(rule.matches(**fields) for rule in keep):
        return NO_KEEP_MATCH
    return None


def catalogue_rules(catalogue: Any) -> Callable[[Mapping[str, Any]], str | None]:
    """`hidden_by` for item rows under `catalogue` (a `riverbed.core.catalogue.Catalogue`):
    its global rules, plus the rules and tags of the item's source (an item of a source the
    catalogue no longer has gets the global rules only)."""
    settings, by_id = catalogue.settings, {s.id: s for s in catalogue.sources}

    def hide(item: Mapping[str, Any]) -> str | None:
        source = by_id.get(item.get("source_id") or "")
        return hidden_by(
            item,
            global_keep=settings.keep,
            global_block=settings.block,
            source_keep=source.keep if source else (),
            source_block=source.block if source else (),
            source_tags=source.tags if source else (),
        )

    return hide


@dataclass
class _Count:
    scope: str
    list: str
    index: int | None
    rule: RuleLike | None
    matched: int = 0
    hidden: int = 0

    def matches(self, fields: dict[str, Any]) -> bool:
        return self.rule is not None and self.rule.matches(**fields)

    def row(self) -> dict[str, Any]:
        return {
            "scope": self.scope,
            "list": self.list,
            "index": self.index,
            "fields": self.rule.describe() if self.rule is not None else None,
            "matched": self.matched,
            "hidden": self.hidden,
        }


def preview_rules(items: Iterable[Mapping[str, Any]], catalogue: Any) -> list[dict[str, Any]]:
    """What each keep/block rule of `catalogue` would do to `items` (stored item rows:
    `source_id`, `title`, `url`, `author`, `text`, `tags`), before it goes live.

    One row per rule, in catalogue order (global block, global keep, then each source's
    block and keep): `scope` (`global` or the source id), `list` (`keep`|`block`), `index`
    (its position in that list), `fields` (the rule as `hidden_by` names it, e.g.
    `title~(?i)sponsored`), `matched` (items in its scope it matches) and `hidden` (items it
    is the reason for hiding: the first block rule that matches, as in `hidden_by`; a keep
    rule never hides). Then one row `scope: (no keep match)`, `list: keep`: `matched` counts
    the items a keep list applies to that no keep rule matches, `hidden` those of them no
    block rule hid first."""
    settings, by_id = catalogue.settings, {s.id: s for s in catalogue.sources}

    def counts(scope: str, list_name: str, rules: Sequence[RuleLike]) -> list[_Count]:
        return [_Count(scope, list_name, i, rule) for i, rule in enumerate(rules)]

    global_block = counts("global", "block", settings.block)
    global_keep = counts("global", "keep", settings.keep)
    per_source = {
        s.id: (counts(s.id, "block", s.block), counts(s.id, "keep", s.keep))
        for s in catalogue.sources
    }
    no_keep = _Count(NO_KEEP_MATCH, "keep", None, None)

    for item in items:
        source = by_id.get(item.get("source_id") or "")
        block, keep = per_source.get(source.id, ([], [])) if source else ([], [])
        fields = _fields(item, source.tags if source else ())
        first_block: _Count | None = None
        for count in (*global_block, *block):
            if count.matches(fields):
                count.matched += 1
                first_block = first_block or count
        any_keep = False
        for count in (*global_keep, *keep):
            if count.matches(fields):
                count.matched += 1
                any_keep = True
        if first_block is not None:
            first_block.hidden += 1
        if (global_keep or keep) and not any_keep:
            no_keep.matched += 1
            no_keep.hidden += first_block is None

    rows = [c.row() for c in (*global_block, *global_keep)]
    for block, keep in per_source.values():
        rows.extend(c.row() for c in (*block, *keep))
    rows.append(no_keep.row())
    return rows
