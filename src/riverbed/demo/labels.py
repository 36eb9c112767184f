"""Ground truth for near-duplicate story merging on the demo corpus, and its score.

`EventLabels` says which real-world event every item of the corpus belongs to: by the page it
links (any spelling: host case, trailing slash, query, fragment and scheme do not matter,
so an `https://` spelling belongs to its page's event), or, for a platform post, by
(source_id, external_id). `Corpus.labels` holds the corpus's labels.

`score_merge` measures a `stories` table against them, pairwise:

- URL-group level (the headline numbers): the nodes are the URL groups exact-URL merging
  makes (distinct canonical URLs; an item without one is a node of its own). A true pair is
  two nodes of one event; a predicted pair is two nodes in one story. Precision = correct
  predicted pairs / predicted pairs, recall = correct / true pairs (1.0 when there are none).
- item level, for information: the same over items, so big URL groups weigh more and pairs
  inside one URL group (always right) count too.

Pure functions over plain rows (`stories`: story_id, item_ids; `items`: item_id, source_id,
url, canonical_url, external_id, title), so tests can feed hand-made inputs.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

PageKey = tuple[str, str]


def page_key(url: str) -> PageKey:
    """(lower-case host, path without trailing slashes) of `url`: what every spelling of one
    page of the corpus has in common."""
    parts = urlsplit(url.strip())
    return (parts.hostname or "").lower(), parts.path.rstrip("/")


@dataclass(frozen=True, slots=True)
class EventLabels:
    """Which event each item of the corpus belongs to (an event key: the URL of the event's
    origin article, or another opaque string)."""

    pages: Mapping[PageKey, str]  # `page_key(link)` -> event
    posts: Mapping[tuple[str, str], str] = field(default_factory=dict)  # (source, ext id)
    relations: Mapping[PageKey, str] = field(default_factory=dict)  # how a page relates

    def event_of(self, source_id: str, external_id: str | None, url: str | None) -> str | None:
        """The event of an item (its source, external id and link as collected), or None
        when the labels do not know it."""
        if external_id is not None and (source_id, external_id) in self.posts:
            return self.posts[(source_id, external_id)]
        if url:
            return self.pages.get(page_key(url))
        return None

    def relation_of(self, url: str | None) -> str:
        """How the link `url` relates to its event: "https" for an https:// spelling of a
        corpus page (every page is published as http://), else its page's relation
        ("origin" when not recorded)."""
        if not url:
            return "origin"
        key = page_key(url)
        if urlsplit(url.strip()).scheme.lower() == "https" and key in self.pages:
            return "https"
        return self.relations.get(key, "origin")


@dataclass(frozen=True, slots=True)
class Node:
    """A URL group: the items exact-URL merging puts together."""

    key: str  # canonical URL, or "item:<item_id>"
    event: str
    title: str
    relation: str  # how its page relates to the event (`riverbed.demo.model`)
    story_id: str


@dataclass(frozen=True, slots=True)
class PairCounts:
    predicted: int  # pairs put in one story
    true: int  # pairs of one event
    correct: int  # both

    @property
    def precision(self) -> float:
        return self.correct / self.predicted if self.predicted else 1.0

    @property
    def recall(self) -> float:
        return self.correct / self.true if self.true else 1.0


@dataclass(frozen=True, slots=True)
class MergeScore:
    """How a `stories` table groups the labelled items."""

    url_groups: PairCounts
    items: PairCounts
    n_nodes: int
    n_events: int
    n_dup_events: int  # events with two URL groups or more
    merged_stories: int  # stories with two URL groups or more
    missed: tuple[tuple[Node, Node], ...]  # one event, two stories
    wrong: tuple[tuple[Node, Node], ...]  # one story, two events
    unlabelled: tuple[str, ...] = ()  # item ids the labels do not know (own events)
    split_nodes: tuple[str, ...] = ()  # URL groups spread over several stories
    mixed_nodes: tuple[str, ...] = ()  # URL groups whose items belong to several events

    @property
    def precision(self) -> float:
        return self.url_groups.precision

    @property
    def recall(self) -> float:
        return self.url_groups.recall

    def report(self, examples: int = 5) -> str:
        """A few lines for a person: the numbers, then what was missed or wrongly joined,
        by kind (the pages' relations) with examples."""
        u, i = self.url_groups, self.items
        lines = [
            f"near-duplicate merge, URL-group level: precision {u.precision:.3f}"
            f" ({u.correct}/{u.predicted}), recall {u.recall:.3f} ({u.correct}/{u.true})",
            f"item level: precision {i.precision:.3f} ({i.correct}/{i.predicted}),"
            f" recall {i.recall:.3f} ({i.correct}/{i.true})",
            f"{self.n_nodes} URL groups, {self.n_events} events ({self.n_dup_events} with"
            f" several URL groups), {self.merged_stories} stories join several URL groups",
        ]
        if self.unlabelled or self.split_nodes or self.mixed_nodes:
            lines.append(
                f"unlabelled items {len(self.unlabelled)}, URL groups split"
                f" {len(self.split_nodes)}, URL groups of several events {len(self.mixed_nodes)}"
            )
        for name, pairs in (("missed", self.missed), ("wrongly joined", self.wrong)):
            kinds = Counter(_pair_kind(a, b) for a, b in pairs)
            if not kinds:
                continue
            lines.append(
                f"{name} pairs by kind: " + ", ".join(f"{k} {n}" for k, n in kinds.most_common())
            )
            lines += [
                f"  {a.title!r} [{a.relation}] / {b.title!r} [{b.relation}]"
                for a, b in pairs[:examples]
            ]
        return "\n".join(lines)


def _pair_kind(a: Node, b: Node) -> str:
    return "+".join(sorted((a.relation, b.relation)))


def _pairs(n: int) -> int:
    return n * (n - 1) // 2


def score_merge(
    stories: Iterable[Mapping[str, Any]],
    items: Iterable[Mapping[str, Any]],
    labels: EventLabels,
) -> MergeScore:
    """Score `stories` (rows with story_id and item_ids) against `labels`, over the items
    they hold (`items`: rows with item_id, source_id, url, canonical_url and optionally
    external_id and title; items in no story are ignored).

    An item the labels do not know is an event of its own (listed in `unlabelled`). Raises
    ValueError when a story names an item missing from `items`.
    """
    by_id = {row["item_id"]: row for row in items}
    story_of: dict[str, str] = {}
    for story in sorted(stories, key=lambda s: s["story_id"]):
        for item_id in story["item_ids"]:
            if item_id not in by_id:
                raise ValueError(f"story {story['story_id']} names unknown item {item_id}")
            story_of.setdefault(item_id, story["story_id"])

    unlabelled: list[str] = []
    item_event: dict[str, str] = {}
    node_items: dict[str, list[str]] = defaultdict(list)
    for item_id in sorted(story_of):
        row = by_id[item_id]
        event = labels.event_of(row["source_id"], row.get("external_id"), row.get("url"))
        if event is None:
            unlabelled.append(item_id)
            event = f"unlabelled:{item_id}"
        item_event[item_id] = event
        node_items[row["canonical_url"] or f"item:{item_id}"].append(item_id)

    nodes: list[Node] = []
    split, mixed = [], []
    for key in sorted(node_items):
        members = node_items[key]
        events = Counter(item_event[i] for i in members)
        if len(events) > 1:
            mixed.append(key)
        homes = sorted({story_of[i] for i in members})
        if len(homes) > 1:
            split.append(key)
        event = min(events, key=lambda e: (-events[e], e))  # the most common, then smallest
        first = by_id[members[0]]
        nodes.append(
            Node(
                key=key,
                event=event,
                title=first.get("title") or "",
                relation=labels.relation_of(first.get("url")),
                story_id=homes[0],
            )
        )

    url_groups = _count((n.story_id, n.event) for n in nodes)
    item_pairs = _count(((story_of[i], e) for i, e in item_event.items()))
    by_event: dict[str, list[Node]] = defaultdict(list)
    by_story: dict[str, list[Node]] = defaultdict(list)
    for n in nodes:
        by_event[n.event].append(n)
        by_story[n.story_id].append(n)
    missed = [
        (a, b)
        for group in by_event.values()
        for x, a in enumerate(group)
        for b in group[x + 1 :]
        if a.story_id != b.story_id
    ]
    wrong = [
        (a, b)
        for group in by_story.values()
        for x, a in enumerate(group)
        for b in group[x + 1 :]
        if a.event != b.event
    ]
    return MergeScore(
        url_groups=url_groups,
        items=item_pairs,
        n_nodes=len(nodes),
        n_events=len(by_event),
        n_dup_events=sum(1 for g in by_event.values() if len(g) > 1),
        merged_stories=sum(1 for g in by_story.values() if len(g) > 1),
        missed=tuple(missed),
        wrong=tuple(wrong),
        unlabelled=tuple(unlabelled),
        split_nodes=tuple(split),
        mixed_nodes=tuple(mixed),
    )


def _count(memberships: Iterable[tuple[str, str]]) -> PairCounts:
    """Pair counts from (story, event) memberships, one per element."""
    cells = Counter(memberships)
    stories: Counter[str] = Counter()
    events: Counter[str] = Counter()
    for (story, event), n in cells.items():
        stories[story] += n
        events[event] += n
    return PairCounts(
        predicted=sum(_pairs(n) for n in stories.values()),
        true=sum(_pairs(n) for n in events.values()),
        correct=sum(_pairs(n) for n in cells.values()),
    )
