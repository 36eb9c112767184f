"""keep/block rules: which items are hidden, and by which rule.

An item is hidden when any block rule (global or its source's) matches, or when a keep list
applies to it (global or its source's) and none of its keep rules matches. Hidden items stay
in `items` with `hidden_by` naming the rule; stories and everything downstream leave them out.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol

NO_KEEP_MATCH = "(no keep match)"


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


def hidden_by(
    item: Mapping[str, Any],
    *,
    global_keep: Sequence[RuleLike] = (),
    global_block: Sequence[RuleLike] = (),
    source_keep: Sequence[RuleLike] = (),
    source_block: Sequence[RuleLike] = (),
) -> str | None:
    """The rule that hides `item` (e.g. `global.block[0] title~(?i)sponsored`), or None."""
    fields: dict[str, Any] = {
        "title": item.get("title"),
        "url": item.get("url"),
        "author": item.get("author"),
        "text": item.get("text"),
        "tags": list(item.get("tags") or ()),
    }
    scope = item.get("source_id") or "source"
    for name, rules in (("global", global_block), (scope, source_block)):
        for i, rule in enumerate(rules):
            if rule.matches(**fields):
                return f"{name}.block[{i}] {rule.describe()}"
    keep = [*global_keep, *source_keep]
    if keep and not any(rule.matches(**fields) for rule in keep):
        return NO_KEEP_MATCH
    return None
