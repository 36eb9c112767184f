"""Near-duplicate grouping: one event under other URLs is one group; the same template with
other facts is not; any input order gives the same groups; no input makes it raise."""

from __future__ import annotations

import random

import pytest

from riverbed.core.neardup import near_duplicate_groups, near_duplicates, strip_decorations
from riverbed.demo.words import NEWS_BY_KIND, NEWS_SENTENCES, SENTENCES

Doc = tuple[str, str | None]

# Other stories of the day, so that words have frequencies and pairs have neighbours.
BACKGROUND: list[Doc] = [
    ("Understanding connection pooling", "Connection pooling keeps database sessions warm."),
    ("Rust 1.86 brings trait upcasting", "Trait upcasting lands in Rust 1.86 after years."),
    ("Kubernetes 1.33 ships in-place pod resizing", "Pods can now be resized in place."),
    ("Why we moved from Kafka to NATS", "Our event bus needed fewer moving parts."),
    ("Ask HN: how do you handle on-call rotations?", None),
    ("Grafana 12 ships dashboards as code", "Dashboards can now live in Git."),
    ("A gentle introduction to eBPF", "eBPF lets you run sandboxed programs in the kernel."),
    ("Debian 13 released with APT 3.0", "APT 3.0 brings a new solver and colourful output."),
    # The day's incident stories: their texts repeat the service, which tells that a
    # service is a fact of the story and not a way of phrasing it.
    ("Tidalgrid outage: a DNS outage took down checkout", "Checkout failed for two hours."),
    ("Ferrolabs says an expired certificate broke search", "Search returned errors all day."),
    ("Search is back at Brambleops after a 3-hour outage", "Engineers restored search."),
    ("Copperline checkout was down on Monday", "Checkout failed for most customers."),
    ("Why checkout broke at Harborstack", "A bad deploy took checkout offline."),
    ("Slow search at Pylonlabs traced to a cache", "Search latency doubled overnight."),
    # Common words open titles capitalised; a day's texts also write them in lower case,
    # which is how names ("Quillstack") are told from them.
    ("Release notes for Firefox 138", "The release notes list every change of this week."),
    ("How we write weekly updates", "Our weekly notes go out on Fridays, for the storage team."),
]

PG_TEXT = "Postgres 18 adds async I/O, which the maintainers call the biggest change in years."
CVE_TEXT = "The flaw, tracked as CVE-2026-20572, affects every supported release of Kafka."
SYNDICATED_TEXT = (
    "Valkey 8.1 is available now with a new hash table. The maintainers describe the new"
    " hash table as the most requested change of the past year. Early benchmarks from users"
    " broadly match the project's own numbers."
)

SAME_EVENT: list[tuple[str, Doc, Doc]] = [
    (
        "reworded release headline",
        ("Postgres 18 ships async I/O", PG_TEXT),
        ("Postgres 18 released with async I/O", "Async I/O arrives in Postgres 18."),
    ),
    (
        "reworded security headline",
        ("Kafka patches critical flaw CVE-2026-20572", CVE_TEXT),
        ("Critical vulnerability in Kafka (CVE-2026-20572)", CVE_TEXT),
    ),
    (
        "syndicated copy with a site suffix",
        ("Valkey 8.1 ships a new hash table", SYNDICATED_TEXT),
        ("Valkey 8.1 ships a new hash table | The Stack Ledger", SYNDICATED_TEXT),
    ),
    (
        "syndicated copy with a site prefix, no text",
        ("Quillstack outage: a deadlock took down checkout for 3 hours", None),
        ("[Dev Dispatch] Quillstack outage: a deadlock took down checkout for 3 hours", None),
    ),
    (
        "edited headline",
        ("Graniteflow raises $12M to build clock skew tooling", None),
        ("Update: Graniteflow Raises $12M To Build Clock Skew Tooling!", None),
    ),
    (
        "the same text under another headline",
        ("Weekly notes from the storage team", SYNDICATED_TEXT),
        ("Notes from our storage team this week", SYNDICATED_TEXT),
    ),
    (
        "press release on the company's site",
        ("Falconops acquires Heronfield", "Heronfield will keep operating as a product."),
        ("Falconops is acquiring Heronfield", "We have signed an agreement to buy Heronfield."),
    ),
    (
        "a deal worded two ways, little else shared",
        ("Tidalscale is acquiring Graniteops", None),
        ("Tidalscale buys threat modelling startup Graniteops", None),
    ),
    (
        "cross-post with the author's blog name",
        ("How we debugged page cache thrashing", SYNDICATED_TEXT),
        ("How we debugged page cache thrashing | Notes by Mei Varga", SYNDICATED_TEXT),
    ),
    (
        "Cyrillic headline reworded",
        ("Яндекс выпустил YDB 25.1 с векторным поиском", None),
        ("YDB 25.1 от Яндекса: векторный поиск", None),
    ),
]

OTHER_EVENTS: list[tuple[str, Doc, Doc]] = [
    (
        "another version",
        ("Postgres 18 ships async I/O", PG_TEXT),
        ("Postgres 17 ships async I/O", "Postgres 17 adds async I/O."),
    ),
    (
        "another CVE",
        ("Patch now: Vault CVE-2026-29805 is being exploited", None),
        ("Patch now: Vault CVE-2026-31337 is being exploited", None),
    ),
    (
        "another amount",
        ("Graniteflow raises $12M to build clock skew tooling", None),
        ("Graniteflow raises $40M to build clock skew tooling", None),
    ),
    (
        "another company",
        ("Quillstack acquires Ferrolabs", None),
        ("Quillstack acquires Basaltgrid", None),
    ),
    (
        "another service",
        ("How a deadlock knocked Quillstack's checkout offline", None),
        ("How a deadlock knocked Quillstack's search offline", None),
    ),
    (
        "another feature of one release",
        ("Postgres 18 ships async I/O", PG_TEXT),
        ("Postgres 18 ships skip scans for B-tree indexes", "Skip scans speed up queries."),
    ),
    (
        "two posts with one generic title",
        ("Notes on MVCC", "We rewrote our storage engine around multi-version rows."),
        ("Notes on MVCC", "A reading list on snapshot isolation, for a university course."),
    ),
    (
        "two posts on one topic",
        ("Understanding LSM trees", "Compaction is where the write amplification hides."),
        ("The case against LSM trees", "B-trees still win for read-heavy workloads."),
    ),
    (
        "one generic title with a name on two blogs",
        ("Things I wish I knew about CRDTs before going to production", "We sync notes."),
        ("Things I wish I knew about CRDTs before going to production", "Our editor merges."),
    ),
    (
        "two posts comparing the same products",
        ("Benchmarking Podman against Docker Engine", "Rootless containers start faster."),
        ("Why we moved from Podman to Docker Engine", "Compose support decided it for us."),
    ),
    (
        "a number inside a topic's name",
        ("Notes on cgroups v2", "Memory limits behave differently under the unified tree."),
        ("The case against cgroups v2", "The migration broke our resource accounting."),
    ),
    (
        "self post naming a topic of a story",
        ("Ask HN: how do you handle MVCC bloat?", None),
        ("Postgres 18 cuts MVCC bloat with faster vacuum", "Vacuum is faster in Postgres 18."),
    ),
]


def _together(a: Doc, b: Doc) -> bool:
    docs = [a, b, *BACKGROUND]
    labels = near_duplicate_groups([d[0] for d in docs], [d[1] for d in docs])
    return labels[0] == labels[1]


@pytest.mark.parametrize(("case", "a", "b"), SAME_EVENT, ids=[c[0] for c in SAME_EVENT])
def test_one_event_under_other_urls_is_one_group(case: str, a: Doc, b: Doc) -> None:
    assert _together(a, b), case


@pytest.mark.parametrize(("case", "a", "b"), OTHER_EVENTS, ids=[c[0] for c in OTHER_EVENTS])
def test_the_same_template_with_other_facts_is_two_groups(case: str, a: Doc, b: Doc) -> None:
    assert not _together(a, b), case


def test_a_document_resembling_two_sibling_events_does_not_chain_them() -> None:
    docs = [
        ("Postgres 18 ships async I/O", None),
        ("Postgres 17 ships async I/O", None),
        ("Postgres ships async I/O", None),  # no version: looks like both
        *BACKGROUND,
    ]
    labels = near_duplicate_groups([d[0] for d in docs], [d[1] for d in docs])
    assert labels[0] != labels[1]


def _corpus(seed: int, n_events: int) -> list[Doc]:
    """Events written from the demo's templates, each as 1-4 copies (some decorated)."""
    rng = random.Random(seed)
    news = [s for s in NEWS_SENTENCES if "{" not in s]
    docs: list[Doc] = []
    for i in range(n_events):
        product = f"Product{i % 37}"
        version = f"{1 + i % 5}.{i}"
        title = rng.choice(
            (
                f"{product} {version} ships feature {i}",
                f"How we debugged incident {i} in {product}",
                f"Notes on topic {i % 11}",
            )
        )
        text = " ".join(rng.sample(news + list(SENTENCES[:3]) + list(NEWS_BY_KIND["release"]), 3))
        for copy in range(rng.randint(1, 4)):
            decorated = title if copy == 0 else f"{title} | Site {copy}"
            docs.append((decorated, text if rng.random() < 0.7 else None))
    return docs


def _partition(docs: list[Doc], labels: list[int]) -> set[frozenset[Doc]]:
    groups: dict[int, list[Doc]] = {}
    for doc, label in zip(docs, labels):
        groups.setdefault(label, []).append(doc)
    return {frozenset(g) for g in groups.values()}


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_any_input_order_gives_the_same_groups(seed: int) -> None:
    docs = _corpus(seed, 120)
    shuffled = docs[:]
    random.Random(seed).shuffle(shuffled)
    first = near_duplicate_groups([d[0] for d in docs], [d[1] for d in docs])
    second = near_duplicate_groups([d[0] for d in shuffled], [d[1] for d in shuffled])
    assert _partition(docs, first) == _partition(shuffled, second)
    assert len(set(first)) < len(docs)  # something was merged


def test_labels_are_the_smallest_index_of_each_group() -> None:
    docs = _corpus(4, 60)
    labels = near_duplicate_groups([d[0] for d in docs], [d[1] for d in docs])
    for i, label in enumerate(labels):
        assert label <= i
        assert labels[label] == label


ODD_INPUTS: list[tuple[str, list[str | None], list[str | None]]] = [
    ("nothing", [], []),
    ("one document", ["Postgres 18 ships async I/O"], [None]),
    ("empty and missing titles", ["", None, "   ", "!!!"], [None, "", "text only", "…"]),
    ("one-word titles", ["Postgres", "postgres", "POSTGRES", "Kafka"], [None] * 4),
    ("numbers only", ["2026", "18", "18", "3.14"], [None] * 4),
    (
        "non-Latin scripts",
        ["数据库发布新版本", "数据库发布了新版本", "Обновление ядра", "تحديث النواة", "🚀🚀"],
        ["新版本支持向量搜索", None, "Ядро 6.15", None, "🔥"],
    ),
    ("a huge text", ["Big", "Big too"], ["word " * 200_000, "word " * 200_000]),
    ("a huge title", ["title " * 20_000, "title " * 20_000], [None, None]),
    ("hundreds of identical documents", ["Weekly update"] * 300, ["Same text here."] * 300),
    ("control characters", ["a\x00b\x07c", "a\x00b"], ["\ud800 lone surrogate", None]),
    (  # found by hypothesis: three text words in all but no text of three (no shingle)
        "short texts only",
        ["Postgres 18 released", "Notes on CRDTs", "Rust db"],
        ["CRDTs", "CRDTs", "ok"],
    ),
]


@pytest.mark.parametrize(("case", "titles", "texts"), ODD_INPUTS, ids=[c[0] for c in ODD_INPUTS])
def test_odd_inputs_never_raise(
    case: str, titles: list[str | None], texts: list[str | None]
) -> None:
    result = near_duplicates(titles, texts)
    assert len(result.labels) == len(titles), case
    assert all(0 <= label <= i for i, label in enumerate(result.labels)), case


def test_identical_documents_with_the_same_text_are_one_group() -> None:
    labels = near_duplicate_groups(["Weekly update"] * 300, [SYNDICATED_TEXT] * 300)
    assert set(labels) == {0}


def test_titles_and_texts_must_pair_up() -> None:
    with pytest.raises(ValueError, match="one entry per document"):
        near_duplicate_groups(["a", "b"], [None])


DECORATIONS = [
    ("Kafka 4.0 ships queues | TechWire", "Kafka 4.0 ships queues"),
    ("Kafka 4.0 ships queues - The Stack Ledger", "Kafka 4.0 ships queues"),
    ("Kafka 4.0 ships queues (via TechWire)", "Kafka 4.0 ships queues"),
    ("[Dev Dispatch] Kafka 4.0 ships queues", "Kafka 4.0 ships queues"),
    ("The Stack Ledger: Kafka 4.0 ships queues", "Kafka 4.0 ships queues"),
    ("Notes on cgroups v2 | Notes by Mei Varga", "Notes on cgroups v2"),
    ("Critical vulnerability in Kafka (CVE-2026-20572)", None),  # a fact, kept
    ("Rust 1.85 - The 2024 Edition", None),  # digits: not a publisher
    ("Postgres (finally) ships async I/O", None),  # mid-title brackets stay
    ("Patch now: Vault is being exploited", None),  # "Patch now" is not Title Case
    ("TechWire", None),  # never all of it
]


@pytest.mark.parametrize(("title", "expected"), DECORATIONS)
def test_publisher_decorations_are_stripped_from_titles(title: str, expected: str | None) -> None:
    assert strip_decorations(title) == (expected or title)
