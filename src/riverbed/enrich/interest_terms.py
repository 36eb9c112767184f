"""A small built-in vocabulary for common interest phrases: what a story about the interest
says when it never uses the phrase ("machine learning" stories talk about PyTorch, language
models and inference; database stories about Postgres, queries and indexes).

`terms_for(phrase)` gives the interest's concepts in two tiers, each concept a tuple of
alternative spellings (one concept however many of them a story uses; a spelling of several
words needs all of them):

- `strong`: specific enough that one clear mention says what the story is about (the phrase
  itself comes first);
- `related`: vocabulary of the field that is ambiguous on its own ("model", "training",
  "index", "launch"): never enough alone, only as corroboration, or when several co-occur.

The table covers a handful of common interests (keys and aliases below, matched on the
phrase's casefolded, plural-folded words: "Databases", "database" and "DBs" are one key);
any other phrase gets itself as its only strong concept, plus whatever pseudo-relevance
feedback over the day's stories finds (`enrich.interest`). Rules for extending it: general
vocabulary of the field, no product lists beyond the two or three names that stand for
the field, at most ~12 concepts a tier, no stop word (`enrich.stopwords`: it embeds to
nothing, so "deep learning" would mean "learning"), and a word that is ambiguous outside
the field goes to `related`. Tests check that every word of the table survives the
tokeniser.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from riverbed.core.extract.words import words
from riverbed.enrich.tokens import fold

Concept = tuple[str, ...]  # alternative spellings of one concept


@dataclass(frozen=True, slots=True)
class InterestTerms:
    strong: tuple[Concept, ...]
    related: tuple[Concept, ...] = ()


def _concepts(spec: str) -> tuple[Concept, ...]:
    """`"a | b/c"` -> `(("a",), ("b", "c"))`."""
    return tuple(
        tuple(alt.strip() for alt in item.split("/") if alt.strip())
        for item in spec.split("|")
        if item.strip()
    )


def _terms(strong: str, related: str) -> InterestTerms:
    return InterestTerms(_concepts(strong), _concepts(related))


TABLE: dict[str, InterestTerms] = {
    "machine learning": _terms(
        "machine learning | neural | language model | pytorch | tensorflow"
        " | transformer | embedding",
        "ml | llm/llms | model | training | inference | gpu/gpus | dataset | classifier",
    ),
    "database": _terms(
        "database | postgres/postgresql | mysql/mariadb | sqlite | mongodb | query planner",
        "sql | query | index/indexes | schema | transaction | replication/replica | table",
    ),
    "rust": _terms(
        "rust | rustc | tokio | borrow checker",
        "cargo | crate | unsafe | lifetime | trait | clippy | memory safety",
    ),
    "observability": _terms(
        "observability | opentelemetry | prometheus | grafana | telemetry | monitoring"
        " | distributed tracing",
        "metric | tracing/trace | logging | slo/slos | alerting | profiling",
    ),
    "security": _terms(
        "security | vulnerability | exploit | malware | ransomware | phishing"
        " | breach/breaches | attacker | cybersecurity",
        "cve | patch/patched | attack | credential | password | authentication | privilege"
        " | backdoor | encryption | leak/leaked",
    ),
    "space": _terms(
        "space | nasa | spacecraft | rocket | satellite | telescope | astronaut | astronomer"
        " | orbit | spacex | space station",
        "launch | moon/lunar | mars | planet/exoplanet | galaxy | solar | earth | mission",
    ),
}

ALIASES: dict[str, str] = {
    "ml": "machine learning",
    "ai": "machine learning",
    "artificial intelligence": "machine learning",
    "deep learning": "machine learning",
    "llm": "machine learning",
    "llms": "machine learning",
    "db": "database",
    "dbs": "database",
    "dbms": "database",
    "sql": "database",
    "rust lang": "rust",
    "rustlang": "rust",
    "monitoring": "observability",
    "o11y": "observability",
    "cybersecurity": "security",
    "infosec": "security",
    "information security": "security",
    "spaceflight": "space",
    "space exploration": "space",
    "astronomy": "space",
}


def key(phrase: str) -> str:
    """The table key of a phrase: its words casefolded and plural-folded, space-joined."""
    return " ".join(fold(w) for w in words(phrase))


@lru_cache(maxsize=256)
def terms_for(phrase: str) -> InterestTerms:
    """The interest's concepts: the phrase first, then the table's (a phrase not in the table
    has itself only). A concept of the table that is the phrase again is left out."""
    k = key(phrase)
    known = TABLE.get(ALIASES.get(k, k))
    own: Concept = (phrase,)
    if known is None:
        return InterestTerms((own,))
    strong = tuple(c for c in known.strong if k not in {key(a) for a in c})
    related = tuple(c for c in known.related if k not in {key(a) for a in c})
    return InterestTerms((own, *strong), related)
