"""A seeded, labelled near-duplicate dataset for `bench_neardup.py`, and pairwise scoring.

Documents are (title, text) pairs written from the demo corpus's vocabulary and templates
(`riverbed.demo.words`): news events worded with the STORY_TITLES forms and written with
NEWS_SENTENCES / NEWS_BY_KIND, blog posts from POST_TITLES and SENTENCES. Each document
belongs to one labelled event. An event has 1..n members (different URLs in real life):

- origin      the first outlet's headline and text;
- reworded    another outlet: another headline form of the same facts, its own text written
              from the same facts (or no text at all, like a link aggregator's post);
- syndicated  the same article on a partner site: the headline with a site suffix or prefix
              (" | Partner", "(via Origin)", "Origin: "...), the same text, sometimes with a
              syndication note or without its last sentence;
- edited      the same headline lightly edited (a word dropped or added, case, punctuation,
              smart quotes, "Update:"), the text with a sentence added or removed.

Hard negatives come in two kinds, both different events:
- siblings: events from the same template as another event with ONE of its identifying
  facts changed (`riverbed.demo.events.EVENT_FACTS`: a version, a CVE id, an amount, a
  round, a percentage, a brand, a problem, a service...);
- namesakes: blog posts from different blogs that happen to carry the same title
  ("Understanding MVCC") with their own text, as in the demo corpus.

News events have unique facts (the same product and version twice would be the same
release), so a near-perfect merge exists. `score_pairs` computes pairwise precision and recall
of predicted groups against the labels without enumerating pairs.
"""

from __future__ import annotations

import random
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from riverbed.demo.events import EVENT_FACTS
from riverbed.demo.words import (
    BIGNUMS,
    BRAND_HEADS,
    BRAND_TAILS,
    NEWS_BY_KIND,
    NEWS_SENTENCES,
    POST_TITLES,
    SENTENCES,
    SERVICES,
    STORY_TITLES,
    TOPICS,
)

KIND_WEIGHTS = {
    "release": 35,
    "incident": 15,
    "security": 15,
    "acquisition": 10,
    "research": 15,
    "funding": 10,
}
NEWS_SHARE = 0.6  # of events; the rest are blog posts
SIBLING_RATE = 0.35  # chance that an event gets same-template siblings (hard negatives)
NAMESAKE_RATE = 0.15  # chance that a blog post reuses an earlier post's exact title
NO_TEXT_RATE = 0.15  # members without text (aggregator posts)
NEWS_SIZES = ((1, 45), (2, 22), (3, 13), (4, 8), (5, 5), (6, 4), (7, 2), (8, 1))
BLOG_SIZES = ((1, 80), (2, 15), (3, 5))
MEMBER_KINDS = (("reworded", 45), ("syndicated", 30), ("edited", 25))
SITES = (
    "TechWire",
    "The Stack Ledger",
    "Dev Dispatch",
    "Byte Chronicle",
    "Circuit Post",
    "Open Source Journal",
    "Packet Gazette",
    "The Model Report",
    "Syndicate Wire",
    "Partner Network",
)
SUFFIXES = (" | {site}", " - {site}", " (via {site})", " — {site}", " [{site}]")
PREFIXES = ("{site}: ", "[{site}] ", "Syndicated: ")
SLOT = re.compile(r"\{(\w+)\}")
# What makes an event of each kind one event, as the demo corpus's labels say
# (`riverbed.demo.events.EVENT_FACTS`: a release is its product and version, whichever
# feature a headline picks): events are unique on these, and siblings change one of them.
_SLOT_OF = {"brand": "brand_title", "brand2": "brand2_title"}
# Facts a sibling never changes alone: one company announcing the same amount as a Series C
# and a Series D on one day is no hard case real news has.
UNVARIED = {"round"}
CORE_SLOTS = {
    kind: sorted(_SLOT_OF.get(fact, fact) for fact in EVENT_FACTS[kind]) for kind in STORY_TITLES
}


@dataclass
class Dataset:
    titles: list[str] = field(default_factory=list)
    texts: list[str | None] = field(default_factory=list)
    labels: list[int] = field(default_factory=list)  # event id per document
    kinds: list[str] = field(default_factory=list)  # member kind per document

    def add(self, title: str, text: str | None, label: int, kind: str) -> None:
        self.titles.append(title)
        self.texts.append(text)
        self.labels.append(label)
        self.kinds.append(kind)


def _weighted(rng: random.Random, pairs: Sequence[tuple[object, int]]) -> object:
    return rng.choices([p[0] for p in pairs], weights=[p[1] for p in pairs])[0]


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


BRANDS = [h + t for h in BRAND_HEADS for t in BRAND_TAILS]


def _version(rng: random.Random, base: str) -> str:
    """A product's version: its real ones, or a point release of one of them."""
    if rng.random() < 0.3:
        return base
    return f"{base}.{rng.randint(1, 24)}"


def _slots(rng: random.Random) -> dict[str, str]:
    topic = rng.choice(TOPICS)
    product = rng.choice(topic.products)
    rivals = [p.name for p in topic.products if p.kind and p.kind == product.kind and p != product]
    brand, brand2 = rng.sample(BRANDS, 2)
    return {
        "product": product.name,
        "version": _version(rng, rng.choice(product.versions)),
        "feature": rng.choice(product.features),
        "product2": rng.choice(rivals) if rivals else "",
        "thing": rng.choice(topic.things),
        "problem": rng.choice(topic.problems),
        "metric": rng.choice(topic.metrics),
        "pct": str(rng.randint(5, 95)),
        "n": str(rng.randint(3, 12)),
        "minutes": str(rng.randint(5, 120)),
        "hours": str(rng.randint(1, 12)),
        "bignum": rng.choice(BIGNUMS),
        "year": "2026",
        "brand_title": _cap(brand),
        "brand2_title": _cap(brand2),
        "service": rng.choice(SERVICES),
        "cve": f"CVE-2026-{rng.randint(10000, 59999)}",
        "money": str(rng.randint(5, 400)),
        "round": rng.choice("ABCD"),
        "_topic": topic.tag,
    }


def _vary(rng: random.Random, slots: dict[str, str], names: Sequence[str]) -> dict[str, str]:
    """The same slots with one of `names` changed: a sibling event's facts."""
    out = dict(slots)
    name = rng.choice(list(names))
    for _ in range(20):
        fresh = _slots(rng)
        if name == "feature":
            topic = next(t for t in TOPICS if t.tag == slots["_topic"])
            product = next((p for p in topic.products if p.name == slots["product"]), None)
            pool = [f for f in (product.features if product else ()) if f != slots["feature"]]
            if pool:
                out["feature"] = rng.choice(pool)
                return out
            name = "version"
            continue
        if name == "version":
            base = ".".join(slots["version"].split(".")[:2])
            candidate = _version(rng, base)
        elif name == "product":  # a product's own version and feature come with it
            if fresh["_topic"] != slots["_topic"] or fresh["product"] == slots["product"]:
                continue
            out.update(product=fresh["product"], version=fresh["version"])
            out.update(feature=fresh["feature"], product2=fresh["product2"], cve=fresh["cve"])
            return out
        else:
            candidate = fresh[name]
        if candidate and candidate != slots[name]:
            out[name] = candidate
            return out
    return out


def _fill(template: str, slots: dict[str, str]) -> str:
    return _cap(template.format_map(slots))


def _usable(templates: Sequence[str], slots: dict[str, str]) -> list[str]:
    return [t for t in templates if all(slots.get(n) for n in SLOT.findall(t))]


def _news_text(rng: random.Random, kind: str, slots: dict[str, str]) -> str:
    own = _usable(NEWS_BY_KIND[kind], slots)
    common = _usable(NEWS_SENTENCES, slots)
    picked = rng.sample(own, min(len(own), rng.randint(1, 3)))
    picked += rng.sample(common, rng.randint(1, 3))
    rng.shuffle(picked)
    return " ".join(_fill(s, slots) for s in picked)


def _blog_text(rng: random.Random, slots: dict[str, str]) -> str:
    pool = _usable(SENTENCES, slots)
    return " ".join(_fill(s, slots) for s in rng.sample(pool, rng.randint(2, 4)))


def _syndicated_title(rng: random.Random, title: str) -> str:
    site = rng.choice(SITES)
    if rng.random() < 0.7:
        return title + rng.choice(SUFFIXES).format(site=site)
    return rng.choice(PREFIXES).format(site=site) + title


def _edited_title(rng: random.Random, title: str) -> str:
    words = title.split()
    edit = rng.randrange(6)
    if edit == 0 and len(words) > 4:  # a word dropped
        del words[rng.randrange(1, len(words))]
        return " ".join(words)
    if edit == 1:
        return title.lower() if rng.random() < 0.5 else title.title()
    if edit == 2:
        return title.replace("'", "\u2019").rstrip(".") + rng.choice(("", ".", "!"))
    if edit == 3:
        return rng.choice(("Update: ", "Breaking: ", "Report: ")) + title
    if edit == 4:  # a word added
        words.insert(rng.randrange(1, len(words) + 1), rng.choice(("now", "finally", "today")))
        return " ".join(words)
    return title.replace(":", " -").replace(",", "")


def _edited_text(rng: random.Random, text: str, extra: str) -> str:
    sentences = text.split(". ")
    if len(sentences) > 2 and rng.random() < 0.5:
        del sentences[rng.randrange(len(sentences))]
        return ". ".join(sentences)
    return f"{text} {extra}"


# Blog templates without a number, version or product: generic titles that different blogs
# really do share ("Notes on MVCC"); only these have namesakes.
GENERIC_SLOTS = {"thing", "problem"}


def _facts(names: Sequence[str], slots: dict[str, str]) -> frozenset[tuple[str, str]]:
    return frozenset((n, slots[n]) for n in names)


class Generator:
    """Events one after another until `n_items` documents exist (the last one is cut).

    Every event's headline facts are its own: a news event is unique on its kind's core
    slots, a blog post on the slots its title names, and one (product, version) belongs to
    one family of events (an event and its siblings), so that "What's new in Grafana 12.7"
    never sits beside an unrelated "Grafana 12.7 ships Git sync". Only generic blog titles
    are shared, by namesakes."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.facts: set[frozenset[tuple[str, str]]] = set()
        self.releases: dict[tuple[str, str], int] = {}  # (product, version) -> family
        self.generic_titles: list[str] = []
        self.data = Dataset()
        self.events = 0
        self.families = 0

    def _free(
        self,
        facts: frozenset[tuple[str, str]],
        slots: dict[str, str],
        uses_version: bool,
        family: int,
    ) -> bool:
        if facts in self.facts:
            return False
        if uses_version:
            owner = self.releases.get((slots["product"], slots["version"]), family)
            if owner != family:
                return False
        return True

    def _take(
        self,
        facts: frozenset[tuple[str, str]],
        slots: dict[str, str],
        uses_version: bool,
        family: int,
    ) -> None:
        self.facts.add(facts)
        if uses_version:
            self.releases[(slots["product"], slots["version"])] = family

    def _news_event(self, n_items: int) -> None:
        rng = self.rng
        kind = str(_weighted(rng, tuple(KIND_WEIGHTS.items())))
        core = CORE_SLOTS[kind]
        family = self.families
        self.families += 1
        for _ in range(30):
            slots = _slots(rng)
            facts = _facts(core, slots)
            usable = len(_usable(STORY_TITLES[kind], slots)) >= 2
            if usable and self._free(facts, slots, "version" in core, family):
                break
        else:
            return
        self._take(facts, slots, "version" in core, family)
        self._emit_news(kind, slots, n_items)
        if rng.random() < SIBLING_RATE:
            for _ in range(rng.randint(1, 3)):
                if len(self.data.titles) >= n_items:
                    return
                other = _vary(rng, slots, [c for c in core if c not in UNVARIED])
                facts = _facts(core, other)
                if len(_usable(STORY_TITLES[kind], other)) >= 2 and self._free(
                    facts, other, "version" in core, family
                ):
                    self._take(facts, other, "version" in core, family)
                    self._emit_news(kind, other, n_items)

    def _emit_news(self, kind: str, slots: dict[str, str], n_items: int) -> None:
        rng = self.rng
        label = self.events
        self.events += 1
        forms = [_fill(t, slots) for t in _usable(STORY_TITLES[kind], slots)]
        rng.shuffle(forms)
        title, text = forms[0], _news_text(rng, kind, slots)
        self.data.add(title, text, label, "origin")
        size = int(_weighted(rng, NEWS_SIZES))  # type: ignore[call-overload]
        for _ in range(size - 1):
            if len(self.data.titles) >= n_items:
                return
            how = str(_weighted(rng, MEMBER_KINDS))
            no_text = rng.random() < NO_TEXT_RATE
            if how == "reworded":  # mostly another form; sometimes the wire's own headline
                other = rng.choice(forms[1:]) if rng.random() < 0.8 else forms[0]
                self.data.add(other, None if no_text else _news_text(rng, kind, slots), label, how)
            elif how == "syndicated":
                copy = text
                if rng.random() < 0.3:
                    note = f"This article first appeared on {rng.choice(SITES)}."
                    copy = _edited_text(rng, text, note)
                self.data.add(_syndicated_title(rng, title), copy, label, how)
            else:
                extra = _fill(rng.choice(_usable(NEWS_SENTENCES, slots)), slots)
                edited = None if no_text else _edited_text(rng, text, extra)
                self.data.add(_edited_title(rng, title), edited, label, how)

    def _blog_event(self, n_items: int) -> None:
        rng = self.rng
        slots = _slots(rng)
        family = self.families
        self.families += 1
        if self.generic_titles and rng.random() < NAMESAKE_RATE:
            title = rng.choice(self.generic_titles)  # another blog, same title, its own post
        else:
            for _ in range(30):
                template = rng.choice(_usable(POST_TITLES, slots))
                names = SLOT.findall(template)
                facts = _facts(names, slots)
                if self._free(facts, slots, "version" in names, family):
                    break
                slots = _slots(rng)
            else:
                return
            self._take(facts, slots, "version" in names, family)
            title = _fill(template, slots)
            if set(names) <= GENERIC_SLOTS:
                self.generic_titles.append(title)
        label = self.events
        self.events += 1
        text = _blog_text(rng, slots)
        self.data.add(title, text, label, "origin")
        for _ in range(int(_weighted(rng, BLOG_SIZES)) - 1):  # type: ignore[call-overload]
            if len(self.data.titles) >= n_items:
                return
            if rng.random() < 0.6:
                self.data.add(_syndicated_title(rng, title), text, label, "syndicated")
            else:
                extra = _fill(rng.choice(_usable(SENTENCES, slots)), slots)
                edited = _edited_text(rng, text, extra)
                self.data.add(_edited_title(rng, title), edited, label, "edited")

    def run(self, n_items: int) -> Dataset:
        while len(self.data.titles) < n_items:
            if self.rng.random() < NEWS_SHARE:
                self._news_event(n_items)
            else:
                self._blog_event(n_items)
        return self.data


def generate(n_items: int, seed: int = 7) -> Dataset:
    """`n_items` labelled documents, the same for the same (n_items, seed)."""
    data = Generator(seed).run(n_items)
    # Documents arrive in no particular order in real life; members of one event are
    # interleaved with everything else.
    order = list(range(len(data.titles)))
    random.Random(seed + 1).shuffle(order)
    return Dataset(
        [data.titles[i] for i in order],
        [data.texts[i] for i in order],
        [data.labels[i] for i in order],
        [data.kinds[i] for i in order],
    )


@dataclass(frozen=True)
class PairScore:
    precision: float
    recall: float
    predicted_pairs: int
    true_pairs: int
    correct_pairs: int

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def _pairs(counts: Counter[object]) -> int:
    return sum(c * (c - 1) // 2 for c in counts.values())


def score_pairs(groups: Sequence[int], labels: Sequence[int]) -> PairScore:
    """Pairwise precision/recall of predicted `groups` (a label per document) against the
    true event `labels`: a pair is predicted when both documents share a group, true when
    they share an event."""
    predicted = _pairs(Counter(groups))
    true = _pairs(Counter(labels))
    correct = _pairs(Counter(zip(groups, labels)))
    return PairScore(
        precision=correct / predicted if predicted else 1.0,
        recall=correct / true if true else 1.0,
        predicted_pairs=predicted,
        true_pairs=true,
        correct_pairs=correct,
    )
