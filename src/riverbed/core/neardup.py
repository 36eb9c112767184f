"""Near-duplicate documents: the same event under other URLs, reworded or decorated titles.

`near_duplicate_groups(titles, texts)` gives every document a group label (the smallest
index in its group). Pure numpy, no model; the same documents in any order get the same
groups. Four steps; every threshold is a `NearDupConfig` field, default in brackets.

1. **Words.** Titles lose a publisher's decorations first ("… | TechWire", "… (via
   TechWire)", "[TechWire] …", "The Stack Ledger: …", "… | Notes by Mei Varga": short
   Title Case segments without digits at either end, `strip_decorations`), then titles
   and the first `max_text_chars` [500] of texts are split into words: NFKC, case folded,
   possessive and plain plural dropped, a word of another alphabet cut to five letters (a
   crude stem for inflected languages), each CJK ideograph a word. Stop words
   (`STOP_WORDS`, and single letters) never count. Per word, over the corpus:

   - `idf` = log(N / df) / log(N) in 0..1, df over titles and texts (not sites: a site's
     name is in all its posts), N = max(documents, `idf_floor_docs` [2000]) so that a
     handful of documents does not make every word rare;
   - a *content factor*: the share of titles (with a text) whose own text repeats the word,
     / `content_share` [0.3] + `phrasing_floor` [0.2], at most 1. A headline's subject is
     repeated in the story ("Postgres", "replication lag"), its phrasing is not ("knocked …
     offline", "is out: … and more"). It is 1 for anchors and for words seen in fewer than
     `min_repeat_support` [3] such titles;
   - `mass` = idf × content factor; a word weighs mass ** `weight_power` [3] in
     similarities, so one rare subject word outweighs several phrasing words. As evidence
     of *other facts*, a word too rare to judge counts as phrasing (`evidence`);
   - *anchors*: numbers (versions, CVE ids, amounts) count 1; *names* — capitalised
     wherever they appear, never in lower case: "Postgres", "Quillstack" (a common word
     opening a title is written in lower case somewhere else in a day's news) — count 1;
     all-capital acronyms ("MVCC") 0.4.

2. **Candidates.** MinHash over each title's subject words (mass ≥ `lsh_min_mass` [0.3],
   and at least its `lsh_min_words` [2] heaviest), so reworded titles of one event have
   nearly equal sets: `num_perm` [30] permutations vectorised as `(a·x + b) >> 32` over
   stable 64-bit word hashes, banded into 10 bands of `rows` [3]. A pair of Jaccard 0.5
   shares a band with probability 1 − (1 − 0.5³)¹⁰ = 0.74, at 0.7 with 0.98, at 0.3 with
   0.24. Documents sharing a rare anchor (idf ≥ `anchor_block_idf` [0.6]) in their titles
   or sites are candidates too: a press release titled "What happened to payments this
   week" on quillstack.dev shares few title words with "Quillstack says a deadlock caused
   this week's payments outage"; two headlines with one CVE id may share little else. A
   bucket larger than `max_bucket` [40] (a boilerplate title, a common name) pairs each
   member with its `window` [4] next neighbours in content-hash order only: O(size), not
   O(size²).

3. **Exact verification** of every candidate pair, over the real word sets:

   - `tsim`: weighted Jaccard of the two titles (their `max_title_tokens` [12] heaviest
     words);
   - *explained*: whether the other document mentions a title word anywhere: its title,
     its site, or its text's `max_text_words` [32] heaviest words that some title has;
     `cross` = the smaller of the two titles' explained weight shares;
   - `anchor`: the explained anchors of one title, each anchor × idf (a rare version
     counts more than "2026"), the larger side;
   - `shared_mass`: the mass of the words both titles have;
   - *conflicts*, other facts so other events: both titles have a number the other
     document never mentions (Postgres 17 / 18, two CVE ids, $12M / $40M), or a rare name
     (idf ≥ `conflict_name_idf` [0.7]: Quillstack acquires Ferrolabs / Basaltgrid), or
     unexplained subject words of evidence ≥ `conflict_mass` [0.3] ("… took down search"
     / "… took down checkout");
   - `copy`: weighted Jaccard of the texts' word 3-shingles (stop words kept), a shingle
     weighing (its rarest word's idf)³ so that boilerplate ("Continue reading") counts
     little; computed only when both texts have `min_shingles` [6] or more.

   - *eventful*: both titles report that something happened — an `EVENT_WORDS` word (a
     deal, a round, a release, an outage, a flaw, a finding: "acquires", "raises",
     "ships", "took down", "patches", "study") — or are in another script than Latin
     (the list is English; such titles skip this test). Two posts on one subject ("Notes
     on CRDTs" / "CRDTs, explained"; "Benchmarking Podman against Docker" / "Why we moved
     from Podman to Docker"; one generic title on two blogs) report no event: only their
     texts can make them one (c). Event words are never names (a title-opening
     "Postmortem" is always capitalised) and never count as facts in conflicts: they say
     that something happened, not what.

   A pair with no conflict is the same event when
   (a) it is eventful, `tsim` ≥ `title_threshold` [0.6] and either `anchor` ≥
       `min_anchor` [0.35] with `shared_mass` ≥ `min_shared_mass` [1.0], or `shared_mass`
       ≥ `strong_shared_mass` [2.0] over three subject words or more, one of them a
       number or name (a study: topic, metric, percentage) — a reworded or decorated
       headline naming the same facts; or
   (b) it is eventful, `anchor` ≥ `cross_anchor` [0.6] and `cross` ≥ `cross_threshold`
       [0.6]: each title's facts are in the other document (a press release and its
       coverage); or
   (d) it is eventful with `anchor` ≥ `facts_anchor` [1.4] (two rare names or numbers
       explained: "Quillstack is acquiring Ferrolabs" / "Quillstack buys the CI startup
       Ferrolabs") and no conflicting number or name: other subject words ("CI
       startup") are details then; or
   (c) `copy` ≥ `copy_threshold` [0.7] and `cross` ≥ `copy_cross_floor` [0.3]: the same
       text under a compatible title (syndication, cross-posts).

   Two eventful rules stand even against other subject words (not against another number
   or name on both sides): (e) one release — both titles name the same version right
   after the same word ("Linux 6.15 ships uncached buffered I/O" / "Linux 6.15 is out: a
   new NTSYNC driver"; "for 4 hours" or "raises $12M" are no releases); (f) one deal —
   (d) with two names of one title explained ("Quillstack buys the CI startup Ferrolabs"
   / "Ferrolabs joins Quillstack, promises deeper Kafka integration").

4. **Groups.** Accepted pairs join groups strongest first (ties broken by content hashes),
   never two groups between which some candidate pair had a conflict: a document that
   resembles two sibling events (a bare "Postgres ships async I/O" beside the 17 and 18
   releases) cannot chain them, as plain union-find would.

The thresholds were chosen on the labelled demo corpus (`riverbed.demo.labels`) of seven
dates from 2026-10-20 to 2026-11-26 (URL-group precision 0.98-1.0, recall 0.94-0.98) and
the synthetic set of `benchmarks/bench_neardup.py` (demo templates; siblings that differ in
one identifying fact; blog posts of different blogs under one generic title), favouring
precision: a wrong merge hides a story, a missed one shows it twice. The event words are
English: in another language written in Latin letters a title merges by its text only
(rule c) — a known limit. From `parallel_min_docs` [200,000]
documents on, tokenising and verification run in two processes (fork, where the platform
has it); the result is the same.
"""

from __future__ import annotations

import math
import re
import unicodedata
import zlib
from array import array
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from riverbed.core.halves import can_fork, in_two


def _word_set(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Function words and the commonest headline fillers: they never count as evidence.
STOP_WORDS = _word_set(
    """
    a an the and or but nor of to in on at for from by with without into onto over under
    about after before as is are was were be been being am it its this that these those
    it's we our ours you your they their them he she his her him i me my us not no do does
    did done has have had will would can could should may might must shall than then so
    such too very just also more most less how why what when where who whom which whose
    here there all any some each up down out off via vs s t
    """
)

# Words that say a headline reports something that happened (English tech news): a deal, a
# round, a release, an outage, a flaw, a finding. Stemmed like every word (`_stem`).
EVENT_WORDS = _word_set(
    """
    acquire acquires acquired acquiring acquisition buy buys bought buying join joins joined
    joining merge merges merger raise raises raised raising funding lands landed series
    valuation announcing ship ships shipped released launch launches
    launched out available outage outages took knocked offline caused week back wrong
    breach breached hacked vulnerability vulnerabilities flaw flaws patch patches patched
    exploit exploited paper study studies researchers finds found show shows layoffs
    brings welcoming bringing chapter incident postmortem
    """
)
# A number that identifies an event: a version, an amount, a count, a CVE id — not a year
# ("… in 2026") and not a number inside a term ("cgroups v2", "p99 latency", "FP8").
_EVENT_NUMBER = re.compile(r"(?:\d+(?:[.,]\d+)*[kmb]?|cve-\d{4}-\d+)")
_YEAR = re.compile(r"(?:19|20)\d\d")
_VERSION = re.compile(r"\d+(?:\.\d+)*")  # "Linux 6.15", "Grafana 12": after a product's name

_TOKEN = re.compile(r"[^\W_]+(?:['.\-/][^\W_]+)*")
_CJK = re.compile("[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]")
_QUOTES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'"})
_SEPARATOR = re.compile(r"\s+[|\u2013\u2014-]\s+")
_TRAILING = re.compile(r"\s*[\[(]([^\[\]()]*)[\])]\s*$")
_LEADING = re.compile(r"^\s*[\[(]([^\[\]()]*)[\])]\s*")
_PREFIX = re.compile(r"^([^:]{3,40}):\s+")
_NAME_WORD = re.compile(r"^(?:[A-Z][\w'.&-]*|of|the|and|on|for|by|via|de|la|le)$")
_U64 = np.uint64
_MIX1 = _U64(0x9E3779B97F4A7C15)
_MIX2 = _U64(0xC2B2AE3D27D4EB4F)
_LOW40 = _U64((1 << 40) - 1)
# documents whose text words and shingles are built at once: each slice's temporaries are
# ~15 arrays of its text tokens (100,000 documents of a few hundred characters: ~0.6 GB);
# every document falls in one slice, so the result does not depend on it
SLICE_DOCS = 16_384
_LOOKUP_MASS = 0.05  # lighter title words are pure phrasing: never looked up, never a fact


@dataclass(frozen=True)
class NearDupConfig:
    """Knobs of `near_duplicates`; the module docstring says what each default is for."""

    num_perm: int = 30
    rows: int = 3
    lsh_min_mass: float = 0.3
    lsh_min_words: int = 2
    anchor_block_idf: float = 0.6
    max_bucket: int = 40
    window: int = 4
    max_title_tokens: int = 12
    max_text_chars: int = 500
    max_text_words: int = 32
    idf_floor_docs: int = 2000
    weight_power: float = 3.0
    phrasing_floor: float = 0.2
    content_share: float = 0.3
    min_repeat_support: int = 3
    title_threshold: float = 0.6
    min_anchor: float = 0.35
    min_shared_mass: float = 1.0
    strong_shared_mass: float = 2.0
    conflict_mass: float = 0.3
    conflict_name_idf: float = 0.7
    cross_threshold: float = 0.6
    cross_anchor: float = 0.6
    facts_anchor: float = 1.4
    number_idf: float = 0.5
    copy_threshold: float = 0.7
    copy_cross_floor: float = 0.3
    min_shingles: int = 6
    chunk_pairs: int = 50_000
    parallel_min_docs: int = 200_000
    seed: int = 20261126

    @property
    def bands(self) -> int:
        return self.num_perm // self.rows


DEFAULT = NearDupConfig()


@dataclass(frozen=True)
class NearDupResult:
    """A group label per document (the smallest index in its group) and what it took."""

    labels: list[int]
    candidates: int = 0  # distinct pairs proposed by LSH buckets and name blocks
    verified: int = 0  # candidate pairs the exact verification accepted
    conflicts: int = 0  # candidate pairs refused for other facts (kept apart in groups)


# -- words ----------------------------------------------------------------------------------


def _publisher_like(segment: str, most: int) -> bool:
    """A short Title Case phrase without digits: "The Stack Ledger", "via TechWire"."""
    words = segment.split()
    return (
        0 < len(words) <= most
        and not any(c.isdigit() for c in segment)
        and all(_NAME_WORD.match(w) for w in words)
        and any(w[:1].isupper() for w in words)
    )


def strip_decorations(title: str) -> str:
    """The headline without a publisher's decorations: "Kafka 4.0 ships queues | TechWire",
    "… (via TechWire)", "[TechWire] …", "The Stack Ledger: …" -> "Kafka 4.0 ships queues".
    Only short Title Case segments without digits go, at either end, never all of it."""
    for _ in range(2):  # "Title [Wire] - Site": two layers at most
        for pattern in (_TRAILING, _LEADING):
            match = pattern.search(title)
            if match and _publisher_like(match.group(1), 5) and match.group(0) != title:
                title = f"{title[: match.start()]} {title[match.end() :]}".strip()
        if _SEPARATOR.search(title):
            parts = _SEPARATOR.split(title)
            while len(parts) > 1 and _publisher_like(parts[-1], 5):
                parts.pop()
            while len(parts) > 1 and _publisher_like(parts[0], 5):
                parts.pop(0)
            title = " - ".join(parts)
    prefix = _PREFIX.match(title)
    if prefix and len(prefix.group(1).split()) >= 2 and _publisher_like(prefix.group(1), 4):
        title = title[prefix.end() :]
    return title.strip()


def _stem(token: str) -> str:
    """Lower case, possessive dropped, a plain plural made singular (ships -> ship); a word
    of another alphabet is cut to its first five letters, a crude stem for inflected
    languages (Яндекс / Яндекса, поиск / поиском)."""
    token = token.lower()
    if token.endswith("'s"):
        token = token[:-2]
    token = token.replace("'", "")
    if not token.isascii():
        return token[:5] if token.isalpha() and not _CJK.match(token) else token
    if len(token) > 3 and token[-1] == "s" and token[-2] not in "su" and token.isalpha():
        if token.endswith("ies"):
            return token[:-3] + "y"
        if token.endswith(("ches", "shes", "xes", "zes")):
            return token[:-2]
        return token[:-1]
    return token


_EVENT_STEMS = frozenset(_stem(w) for w in EVENT_WORDS)


def _prepare(text: str) -> str:
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text).translate(_QUOTES)
        if _CJK.search(text):
            text = _CJK.sub(r" \g<0> ", text)  # each ideograph is a word of its own
    return text


class _Vocab(dict[str, int]):
    """Raw word (case kept) -> raw id, registered once: the hot loop is a dict lookup."""

    def __init__(self) -> None:
        super().__init__()
        self.raw: list[str] = []

    def __missing__(self, raw: str) -> int:
        i = self[raw] = len(self.raw)
        self.raw.append(raw)
        return i


@dataclass
class _Tokens:
    raw: list[str]  # raw words by raw id
    title: np.ndarray  # raw ids, all titles one after another
    title_off: np.ndarray  # (n + 1) offsets into `title`
    title_cased: np.ndarray  # bool per document: its title has a capital letter
    text: np.ndarray
    text_off: np.ndarray
    site: np.ndarray
    site_off: np.ndarray


def _ints(values: array[int]) -> np.ndarray:
    return np.frombuffer(values, dtype=np.int32).copy() if values else np.zeros(0, np.int32)


def _tokenise_slice(
    titles: Sequence[str | None],
    texts: Sequence[str | None],
    sites: Sequence[str | None] | None,
    cap: int,
) -> _Tokens:
    vocab = _Vocab()
    get = vocab.__getitem__
    find = _TOKEN.findall
    tids, xids, sids = array("i"), array("i"), array("i")
    toff, xoff, soff = array("q", [0]), array("q", [0]), array("q", [0])
    cased = array("b")
    for i, title in enumerate(titles):
        if title:
            prepared = _prepare(strip_decorations(title))
            tids.extend(map(get, find(prepared)))
            cased.append(prepared != prepared.lower())
        else:
            cased.append(False)
        toff.append(len(tids))
        text = texts[i]
        if text:
            xids.extend(map(get, find(_prepare(text[:cap]))))
        xoff.append(len(xids))
        site = sites[i] if sites is not None else None
        if site:
            sids.extend(map(get, find(_prepare(site).lower().replace(".", " "))))
        soff.append(len(sids))
    return _Tokens(
        raw=vocab.raw,
        title=_ints(tids),
        title_off=np.frombuffer(toff, dtype=np.int64).copy(),
        title_cased=np.frombuffer(cased, dtype=np.int8).astype(bool),
        text=_ints(xids),
        text_off=np.frombuffer(xoff, dtype=np.int64).copy(),
        site=_ints(sids),
        site_off=np.frombuffer(soff, dtype=np.int64).copy(),
    )


def _concat_tokens(parts: list[_Tokens]) -> _Tokens:
    """One vocabulary for slices tokenised apart (ids of later slices remapped)."""
    vocab = _Vocab()
    remapped: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
    for part in parts:
        mapping = np.fromiter(map(vocab.__getitem__, part.raw), np.int32, len(part.raw))
        remapped.append((mapping[part.title], mapping[part.text], mapping[part.site]))

    def offsets(name: str) -> np.ndarray:
        out, base = [np.zeros(1, np.int64)], 0
        for part in parts:
            off = getattr(part, name)
            out.append(off[1:] + base)
            base += int(off[-1])
        return np.concatenate(out)

    return _Tokens(
        raw=vocab.raw,
        title=np.concatenate([r[0] for r in remapped]),
        title_off=offsets("title_off"),
        title_cased=np.concatenate([p.title_cased for p in parts]),
        text=np.concatenate([r[1] for r in remapped]),
        text_off=offsets("text_off"),
        site=np.concatenate([r[2] for r in remapped]),
        site_off=offsets("site_off"),
    )


def _tokenise(
    titles: Sequence[str | None],
    texts: Sequence[str | None],
    sites: Sequence[str | None] | None,
    cfg: NearDupConfig,
) -> _Tokens:
    n = len(titles)
    if n < cfg.parallel_min_docs or not can_fork():
        return _tokenise_slice(titles, texts, sites, cfg.max_text_chars)
    half = n // 2
    parts = in_two(
        _tokenise_slice,
        (titles[:half], texts[:half], sites[:half] if sites else None, cfg.max_text_chars),
        (titles[half:], texts[half:], sites[half:] if sites else None, cfg.max_text_chars),
    )
    return _concat_tokens(parts)


# -- features -------------------------------------------------------------------------------


@dataclass
class _Features:
    n: int
    n_words: int
    word_hash: np.ndarray  # uint64 per word, stable across processes and runs
    idf: np.ndarray
    mass: np.ndarray  # idf x content factor: what a word weighs in similarity
    evidence: np.ndarray  # the same, for facts: unknown words count as phrasing
    anchor: np.ndarray  # 1 number or name, 0.5 acronym, 0 other
    digit: np.ndarray
    name: np.ndarray
    doc_hash: np.ndarray  # uint64 per document, from its content only
    title_ids: np.ndarray  # (n, L) int32, -1 padded: a title's heaviest content words
    title_weight: np.ndarray  # (n, L) float32, and the same for the other word values:
    title_mass: np.ndarray
    title_evidence: np.ndarray
    title_anchor: np.ndarray  # anchor x idf
    title_kind: np.ndarray  # uint8 bits: 1 number, 2 name, 4 anchor of 1, 8 event number
    title_event: np.ndarray  # bool per document: its title has an event word (`EVENT_WORDS`)
    release_keys: np.ndarray  # (n, 2) uint64, 0 = none: (name, version) pairs of its title
    title_wsum: np.ndarray
    title_sets: tuple[np.ndarray, np.ndarray]  # (doc, word), sorted, every title word
    text_words: np.ndarray  # (n, K) int32, -1 padded: a text's heaviest title-vocabulary words
    site_keys: np.ndarray  # the same for sites
    shingle_keys: np.ndarray  # sorted (doc << 40) | 40-bit shingle hash
    shingle_weight: np.ndarray
    shingle_wsum: np.ndarray
    shingle_count: np.ndarray


def _doc_of(offsets: np.ndarray) -> np.ndarray:
    return np.repeat(np.arange(len(offsets) - 1, dtype=np.int32), np.diff(offsets))


def _sorted_unique(values: np.ndarray) -> np.ndarray:
    values = np.sort(values)
    if len(values) < 2:
        return values
    return values[np.r_[True, values[1:] != values[:-1]]]


def _member(sorted_keys: np.ndarray, queries: np.ndarray) -> np.ndarray:
    if len(sorted_keys) == 0 or len(queries) == 0:
        return np.zeros(queries.shape, dtype=bool)
    pos = np.minimum(np.searchsorted(sorted_keys, queries), len(sorted_keys) - 1)
    return np.asarray(sorted_keys[pos] == queries)


def _idf(df: np.ndarray, n_docs: int, floor: int) -> np.ndarray:
    """Document frequency -> 0..1: log(N / df) / log(N), N = max(n_docs, floor); 1 is a
    word of one document."""
    n_eff = max(n_docs, floor)
    return np.clip(np.log(n_eff / np.maximum(df, 1)) / math.log(n_eff), 0.0, 1.0)


def _stable_hashes(words: list[str]) -> np.ndarray:
    data = [w.encode("utf-8", "surrogatepass") for w in words]
    lo = np.fromiter(map(zlib.crc32, data), np.uint64, len(data))
    hi = np.fromiter(map(zlib.adler32, data), np.uint64, len(data))
    return (hi << _U64(32)) | lo


def _xor_per_doc(doc: np.ndarray, values: np.ndarray, n: int) -> np.ndarray:
    """XOR of `values` per document (`doc` sorted)."""
    out = np.zeros(n, dtype=np.uint64)
    if len(doc):
        firsts = np.flatnonzero(np.r_[True, doc[1:] != doc[:-1]])
        out[doc[firsts]] = np.bitwise_xor.reduceat(values, firsts)
    return out


def _features(tok: _Tokens, cfg: NearDupConfig) -> _Features:
    n = len(tok.title_off) - 1
    # Normalised words: raw ids -> word ids.
    norm_ids: dict[str, int] = {}
    raw_norm = np.fromiter(
        (norm_ids.setdefault(_stem(r), len(norm_ids)) for r in tok.raw), np.int32, len(tok.raw)
    )
    words = list(norm_ids)
    n_words = len(words)
    raw_lower = np.fromiter((r != r.upper() and r == r.lower() for r in tok.raw), bool)
    raw_cap = np.fromiter((r[:1].isupper() for r in tok.raw), bool, len(tok.raw))
    raw_upper = np.fromiter(
        (r.isupper() and sum(c.isalpha() for c in r) >= 2 for r in tok.raw), bool, len(tok.raw)
    )
    stop = np.fromiter(
        (w in STOP_WORDS or (len(w) == 1 and w.isalpha() and not _CJK.match(w)) for w in words),
        bool,
        n_words,
    )
    digit = np.fromiter((any(c.isdigit() for c in w) for w in words), bool, n_words) & ~stop
    alpha = np.fromiter((any(c.isalpha() for c in w) for w in words), bool, n_words)
    word_hash = _stable_hashes(words)

    title_w, site_w = raw_norm[tok.title], raw_norm[tok.site]
    title_doc, site_doc = _doc_of(tok.title_off), _doc_of(tok.site_off)
    n_raw = len(tok.raw)
    text_raw_count = np.bincount(tok.text, minlength=n_raw)  # texts are counted per raw word

    # Names: capitalised wherever they appear, never written in lower case (titles all in
    # lower case say nothing about case and do not count). A common word opening a title
    # or a sentence is also written in lower case somewhere in a day's news.
    cased = tok.title_cased[title_doc]
    n_lower = np.bincount(title_w[cased & raw_lower[tok.title]], minlength=n_words)
    n_lower += np.bincount(raw_norm, weights=text_raw_count * raw_lower, minlength=n_words).astype(
        np.int64
    )
    n_cap = np.bincount(title_w[raw_cap[tok.title]], minlength=n_words)
    n_cap += np.bincount(raw_norm, weights=text_raw_count * raw_cap, minlength=n_words).astype(
        np.int64
    )
    n_upper = np.bincount(title_w[raw_upper[tok.title]], minlength=n_words)
    n_upper += np.bincount(raw_norm, weights=text_raw_count * raw_upper, minlength=n_words).astype(
        np.int64
    )
    event_word = np.fromiter((w in _EVENT_STEMS for w in words), bool, n_words)
    # an event word is no name, even when it always opens a title ("Postmortem: …")
    name = (n_cap > 0) & (n_lower == 0) & ~stop & ~digit & alpha & ~event_word
    acronym = name & (n_upper == n_cap)
    anchor = np.where(digit, 1.0, np.where(name, np.where(acronym, 0.4, 1.0), 0.0))

    # Content words of each title and site, once per document; of each text, the words some
    # title has (the only ones ever looked up). Texts are a few hundred characters, so a
    # word's count over all texts stands for its document frequency.
    keep = ~stop[title_w]
    tkeys = _sorted_unique(title_doc[keep].astype(np.int64) * n_words + title_w[keep])
    t_doc, t_word = tkeys // n_words, (tkeys % n_words).astype(np.int32)
    in_titles = np.zeros(n_words, dtype=bool)
    in_titles[t_word] = True
    text_count = np.bincount(raw_norm, weights=text_raw_count, minlength=n_words).astype(np.int64)
    text_count[stop] = 0
    looked_up = np.flatnonzero(in_titles[raw_norm][tok.text])
    text_doc = (np.searchsorted(tok.text_off, looked_up, side="right") - 1).astype(np.int64)
    text_keys = _sorted_unique(text_doc * n_words + raw_norm[tok.text[looked_up]])
    del looked_up, text_doc
    keep = ~stop[site_w]
    site_keys = _sorted_unique(site_doc[keep].astype(np.int64) * n_words + site_w[keep])

    # Document frequency over titles and texts (a site's name is in all its posts, which
    # says nothing about how rare the name is); a title word its own text repeats once.
    repeated = _member(text_keys, tkeys)
    df = text_count + np.bincount(t_word[~repeated], minlength=n_words)
    idf = _idf(df, n, cfg.idf_floor_docs)
    # Content factor: how often a title word is repeated by its own document's text.
    with_text = (np.diff(tok.text_off) > 0)[t_doc]
    seen = np.bincount(t_word[with_text], minlength=n_words)
    rep = np.bincount(t_word[with_text & repeated], minlength=n_words)
    share = rep / np.maximum(seen, 1)
    factor = np.clip(cfg.phrasing_floor + share / cfg.content_share, 0.0, 1.0)
    unknown = seen < cfg.min_repeat_support
    # A fact only counts against a pair when the corpus shows it is a subject word (its
    # texts repeat it) or an anchor; a word too rare to tell weighs fully in similarity.
    evidence = idf * np.where(unknown & (anchor == 0), cfg.phrasing_floor, factor)
    evidence[anchor > 0] = idf[anchor > 0]
    evidence[event_word] = 0.0  # "took down", "outage": that something happened, not what
    factor[unknown | (anchor > 0)] = 1.0
    factor[event_word] = cfg.phrasing_floor  # "ships", "paper": how, not what
    mass = idf * factor
    weight = mass**cfg.weight_power

    # The L heaviest title words of each document, in a padded matrix.
    order = np.lexsort((word_hash[t_word], -weight[t_word], t_doc))
    o_doc, o_word = t_doc[order], t_word[order]
    rank = np.arange(len(o_doc)) - np.searchsorted(o_doc, np.arange(n))[o_doc]
    short = rank < cfg.max_title_tokens
    width = max(1, min(cfg.max_title_tokens, int(rank.max(initial=0)) + 1))
    title_ids = np.full((n, width), -1, dtype=np.int32)
    title_ids[o_doc[short], rank[short]] = o_word[short]

    def per_title(values: np.ndarray) -> np.ndarray:
        return np.where(title_ids >= 0, values[np.maximum(title_ids, 0)], 0).astype(np.float32)

    title_weight = per_title(weight)

    # Each text's `max_text_words` heaviest title-vocabulary words, in a padded matrix:
    # "does document b mention word w" is one row scan, not a search in all texts.
    # Word 3-shingles of the texts (stop words kept: they carry the wording), weighing
    # (rarest word's idf)³ so that boilerplate sentences count little. Both are built in
    # slices of documents to bound memory; shingle keys start with their document, so the
    # slices, each sorted, concatenate into one sorted array.
    text_words = np.full((n, cfg.max_text_words), -1, dtype=np.int32)
    doc_hash = _xor_per_doc(t_doc, word_hash[t_word] * _MIX1, n)
    shingle_wsum = np.zeros(n)
    shingle_count = np.zeros(n, dtype=np.int64)
    key_parts, weight_parts = [np.zeros(0, np.uint64)], [np.zeros(0, np.float32)]
    raw_hash = word_hash[raw_norm]
    raw_idf = idf.astype(np.float32)[raw_norm]
    power = np.float32(cfg.weight_power)
    step = SLICE_DOCS
    for lo in range(0, n, step):
        hi = min(n, lo + step)
        # text words
        k0, k1 = np.searchsorted(text_keys, [lo * n_words, hi * n_words])
        x_doc = text_keys[k0:k1] // n_words
        x_word = (text_keys[k0:k1] % n_words).astype(np.int32)
        order = np.lexsort((word_hash[x_word], -mass[x_word], x_doc))
        x_doc, x_word = x_doc[order], x_word[order]
        rank = np.arange(len(x_doc)) - np.searchsorted(x_doc, np.arange(lo, hi))[x_doc - lo]
        short = rank < cfg.max_text_words
        text_words[x_doc[short], rank[short]] = x_word[short]
        # shingles
        start, end = int(tok.text_off[lo]), int(tok.text_off[hi])
        if end - start < 3:
            continue
        w = tok.text[start:end]
        d = _doc_of(tok.text_off[lo : hi + 1] - start) + lo
        h, iw = raw_hash[w], raw_idf[w]
        same = d[:-2] == d[2:]
        sh = ((h[:-2] * _MIX1) ^ (h[1:-1] * _MIX2) ^ h[2:])[same]
        rare = np.maximum(np.maximum(iw[:-2], iw[1:-1]), iw[2:])[same]
        keys = (d[:-2][same].astype(np.uint64) << _U64(40)) | (sh >> _U64(24))
        if not keys.size:  # three words or more in all, but fewer in every single text
            continue
        order = np.argsort(keys)
        keys, rare = keys[order], rare[order]
        first = np.r_[True, keys[1:] != keys[:-1]]
        keys, weights = keys[first], rare[first] ** power
        s_doc = (keys >> _U64(40)).astype(np.int64)
        doc_hash ^= _xor_per_doc(s_doc, (keys & _LOW40) * _MIX2, n)
        shingle_wsum += np.bincount(s_doc, weights=weights, minlength=n)
        shingle_count += np.bincount(s_doc, minlength=n)
        key_parts.append(keys)
        weight_parts.append(weights)
    width = max(1, int((text_words >= 0).sum(axis=1).max(initial=0)))
    text_words = np.ascontiguousarray(text_words[:, :width])
    skeys = np.concatenate(key_parts)
    del key_parts
    s_weight = np.concatenate(weight_parts)
    del weight_parts
    title_event = np.zeros(n, dtype=bool)
    title_event[title_doc[event_word[title_w]]] = True  # stop words too: "… is out"
    # The word list is English: a title in another script counts as an event headline (the
    # other rules still apply), as before there was a list.
    foreign = np.fromiter((not r.isascii() for r in tok.raw), bool, len(tok.raw))
    title_event[title_doc[foreign[tok.title]]] = True
    # Releases: a version right after a name-like word of a title ("Linux 6.15", "Grafana
    # 12"; not "for 4 hours", "raises $12M"), the pair hashed; two per title at most.
    version = np.fromiter((bool(_VERSION.fullmatch(w)) for w in words), bool, n_words)
    head = alpha & ~stop & ~digit & ~event_word
    after = np.flatnonzero(
        (title_doc[:-1] == title_doc[1:]) & head[title_w[:-1]] & version[title_w[1:]]
    )
    release_keys = np.zeros((n, 2), dtype=np.uint64)
    if len(after):
        r_doc = title_doc[after]
        r_key = (word_hash[title_w[after]] * _MIX1) ^ word_hash[title_w[after + 1]]
        r_key[r_key == 0] = 1
        rank = np.arange(len(after)) - np.searchsorted(r_doc, r_doc)
        keep2 = rank < 2
        release_keys[r_doc[keep2], rank[keep2]] = r_key[keep2]
    event_number = np.fromiter(
        (bool(_EVENT_NUMBER.fullmatch(w)) and not _YEAR.fullmatch(w) for w in words),
        bool,
        n_words,
    )
    return _Features(
        n=n,
        n_words=n_words,
        word_hash=word_hash,
        idf=idf,
        mass=mass,
        evidence=evidence,
        anchor=anchor,
        digit=digit,
        name=name,
        doc_hash=doc_hash,
        title_ids=title_ids,
        title_weight=title_weight,
        title_mass=per_title(mass),
        title_evidence=per_title(evidence),
        title_anchor=per_title(anchor * idf),
        title_kind=(
            per_title(digit.astype(np.float32))
            + 2 * per_title((name & (idf >= cfg.conflict_name_idf)).astype(np.float32))
            + 4 * per_title((anchor >= 1.0).astype(np.float32))
            + 8 * per_title(event_number.astype(np.float32))
        ).astype(np.uint8),
        title_event=title_event,
        release_keys=release_keys,
        title_wsum=title_weight.sum(axis=1),
        title_sets=(t_doc, t_word),
        text_words=text_words,
        site_keys=site_keys,
        shingle_keys=skeys,
        shingle_weight=s_weight,
        shingle_wsum=shingle_wsum,
        shingle_count=shingle_count,
    )


# -- candidates -----------------------------------------------------------------------------


def _minhash(values: np.ndarray, doc: np.ndarray, n: int, cfg: NearDupConfig) -> np.ndarray:
    """(n, num_perm) uint32 signatures of each document's set of uint64 `values` (`doc`
    sorted); a document without values keeps all-ones."""
    rng = np.random.default_rng(cfg.seed)
    a = rng.integers(1, 2**63, size=cfg.num_perm, dtype=np.uint64) | _U64(1)
    b = rng.integers(0, 2**63, size=cfg.num_perm, dtype=np.uint64)
    sig = np.full((n, cfg.num_perm), np.iinfo(np.uint32).max, dtype=np.uint32)
    firsts = np.flatnonzero(np.r_[True, doc[1:] != doc[:-1]]) if len(doc) else doc
    step = max(1, 4_000_000 // cfg.num_perm)
    for lo in range(0, len(firsts), step):  # chunks of whole documents
        starts = firsts[lo : lo + step]
        end = int(firsts[lo + step]) if lo + step < len(firsts) else len(values)
        v = values[int(starts[0]) : end]
        hashed = ((v[:, None] * a[None, :] + b[None, :]) >> _U64(32)).astype(np.uint32)
        sig[doc[starts]] = np.minimum.reduceat(hashed, starts - starts[0], axis=0)
    return sig


def _bucket_pairs(keys: np.ndarray, members: np.ndarray, n: int, cfg: NearDupConfig) -> np.ndarray:
    """Pairs (as lo * n + hi) of `members` with equal `keys`; `members` come in content-hash
    order, which a stable sort keeps inside a bucket. A bucket larger than `max_bucket`
    pairs each member with its `window` next neighbours in that order only."""
    if len(keys) < 2:
        return np.zeros(0, dtype=np.int64)
    order = np.argsort(keys, kind="stable")
    keys, members = keys[order], members[order].astype(np.int64)
    run = np.cumsum(np.r_[True, keys[1:] != keys[:-1]]) - 1
    size = np.bincount(run)[run]
    inside = size > 1
    members, run, size = members[inside], run[inside], size[inside]
    out = [np.zeros(0, dtype=np.int64)]
    for d in range(1, min(int(size.max(initial=0)), cfg.max_bucket)):
        ok = (run[:-d] == run[d:]) & ((size[:-d] <= cfg.max_bucket) | (d <= cfg.window))
        if ok.any():
            x, y = members[:-d][ok], members[d:][ok]
            out.append(np.minimum(x, y) * n + np.maximum(x, y))
        elif d > cfg.window:
            break
    return np.concatenate(out)


def _candidates(feat: _Features, cfg: NearDupConfig) -> np.ndarray:
    n = feat.n
    t_doc, t_word = feat.title_sets
    by_hash = np.argsort(feat.doc_hash, kind="stable")  # content order: see _bucket_pairs
    rank_of = np.empty(n, dtype=np.int64)
    rank_of[by_hash] = np.arange(n)
    pairs = []
    # LSH words: subject words (mass >= lsh_min_mass), and at least a title's heaviest
    # `lsh_min_words` so that no titled document is left without a signature.
    heavy = np.lexsort((feat.word_hash[t_word], -feat.mass[t_word], t_doc))
    rank = np.empty(len(t_doc), dtype=np.int64)
    rank[heavy] = np.arange(len(t_doc)) - np.searchsorted(t_doc[heavy], t_doc[heavy])
    lsh = (feat.mass[t_word] >= cfg.lsh_min_mass) | (rank < cfg.lsh_min_words)
    sig = _minhash(feat.word_hash[t_word[lsh]], t_doc[lsh], n, cfg)
    has = np.zeros(n, dtype=bool)
    has[t_doc[lsh]] = True
    docs = by_hash[has[by_hash]]
    mult = np.random.default_rng(cfg.seed + 1).integers(1, 2**63, cfg.rows, dtype=np.uint64)
    sig_docs = sig[docs].astype(np.uint64)
    band_keys = sig_docs[:, 0 :: cfg.rows][:, : cfg.bands] * mult[0]
    for r in range(1, cfg.rows):
        band_keys += sig_docs[:, r :: cfg.rows][:, : cfg.bands] * mult[r]
    del sig_docs
    for band in range(cfg.bands):
        pairs.append(_bucket_pairs(band_keys[:, band], docs, n, cfg))
    # Anchor blocks: a rare number or name in one title and in another's title or site.
    site_doc, s_word = feat.site_keys // feat.n_words, feat.site_keys % feat.n_words
    b_doc = np.concatenate([t_doc.astype(np.int64), site_doc])
    b_word = np.concatenate([t_word.astype(np.int64), s_word])
    rare = (feat.anchor[b_word] >= 1.0) & (feat.idf[b_word] >= cfg.anchor_block_idf)
    b_doc, b_word = b_doc[rare], b_word[rare]
    order = np.argsort(rank_of[b_doc], kind="stable")
    pairs.append(_bucket_pairs(b_word[order], b_doc[order], n, cfg))
    keys = _sorted_unique(np.concatenate(pairs))
    return np.stack([keys // n, keys % n], axis=1)


# -- verification ---------------------------------------------------------------------------


def _explained(
    feat: _Features, ids: np.ndarray, mass: np.ndarray, in_title: np.ndarray, other: np.ndarray
) -> np.ndarray:
    """Which title words `ids` (c, L) the `other` documents mention (title, text or site).
    Words lighter than `_LOOKUP_MASS` are not looked up: they cannot change a decision."""
    out = in_title.copy()
    rows, cols = np.nonzero(~in_title & (mass >= _LOOKUP_MASS))
    if len(rows):
        words, docs = ids[rows, cols], other[rows]
        hit = (feat.text_words[docs] == words[:, None]).any(axis=1)
        if len(feat.site_keys):
            hit |= _member(feat.site_keys, docs.astype(np.int64) * feat.n_words + words)
        out[rows, cols] = hit
    return out


def _copy_similarity(feat: _Features, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Weighted Jaccard of the two texts' shingle sets."""
    counts = feat.shingle_count[a]
    total = int(counts.sum())
    if total == 0:
        return np.zeros(len(a))
    starts = np.searchsorted(feat.shingle_keys, a.astype(np.uint64) << _U64(40))
    pair = np.repeat(np.arange(len(a)), counts)
    idx = np.repeat(starts - np.cumsum(counts) + counts, counts) + np.arange(total)
    q = (b[pair].astype(np.uint64) << _U64(40)) | (feat.shingle_keys[idx] & _LOW40)
    hit = _member(feat.shingle_keys, q)
    shared = np.bincount(pair[hit], weights=feat.shingle_weight[idx[hit]], minlength=len(a))
    union = feat.shingle_wsum[a] + feat.shingle_wsum[b] - shared
    return np.where(union > 0, shared / np.maximum(union, 1e-12), 0.0)


def _shares_release(ra: np.ndarray, rb: np.ndarray) -> np.ndarray:
    return ((ra[:, :, None] == rb[:, None, :]) & (ra[:, :, None] != 0)).any(axis=(1, 2))


def _verify_chunk(feat: _Features, a: np.ndarray, b: np.ndarray, cfg: NearDupConfig) -> np.ndarray:
    """(accepted, conflict, score) rows for pairs (a, b): see the module docstring."""
    ta, tb = feat.title_ids[a], feat.title_ids[b]
    wa, wb = feat.title_weight[a], feat.title_weight[b]
    ma, mb = feat.title_mass[a], feat.title_mass[b]
    ka, kb = feat.title_kind[a], feat.title_kind[b]
    eq = (ta[:, :, None] == tb[:, None, :]) & (ta >= 0)[:, :, None]
    a_in_b, b_in_a = eq.any(axis=2), eq.any(axis=1)
    inter = (wa * a_in_b).sum(axis=1)
    wsa, wsb = feat.title_wsum[a], feat.title_wsum[b]
    tsim = inter / np.maximum(wsa + wsb - inter, 1e-12)
    ea = _explained(feat, ta, ma, a_in_b, b)
    eb = _explained(feat, tb, mb, b_in_a, a)
    cross = np.minimum(
        (wa * ea).sum(axis=1) / np.maximum(wsa, 1e-12),
        (wb * eb).sum(axis=1) / np.maximum(wsb, 1e-12),
    )
    anchor = np.maximum(
        (feat.title_anchor[a] * ea).sum(axis=1), (feat.title_anchor[b] * eb).sum(axis=1)
    )
    shared_mass = (ma * a_in_b).sum(axis=1)
    # Both headlines report an event (`EVENT_WORDS`): two posts on one subject ("Notes on
    # CRDTs", "CRDTs, explained"; "Benchmarking Podman against Docker") are two posts.
    eventful = feat.title_event[a] & feat.title_event[b]
    # Words the other document never mentions (of those looked up: see `_explained`).
    la, lb = (ma >= _LOOKUP_MASS) & ~ea, (mb >= _LOOKUP_MASS) & ~eb
    left_a = (feat.title_evidence[a] * la).sum(axis=1)
    left_b = (feat.title_evidence[b] * lb).sum(axis=1)
    conflict = (
        (((ka & 1) > 0) & la).any(axis=1) & (((kb & 1) > 0) & lb).any(axis=1)
        | (((ka & 2) > 0) & la).any(axis=1) & (((kb & 2) > 0) & lb).any(axis=1)
        | ((left_a >= cfg.conflict_mass) & (left_b >= cfg.conflict_mass))
    )
    # Two rare names or numbers of one title explained by the other document: a deal
    # worded two ways ("Quillstack is acquiring Ferrolabs" / "Quillstack buys the CI
    # startup Ferrolabs") shares little else.
    by_facts = eventful & (anchor >= cfg.facts_anchor)
    # A name (not a number) of each title that the other document never mentions.
    names_left_a = ((((ka & 2) > 0) | (((ka & 4) > 0) & ((ka & 1) == 0))) & la).any(axis=1)
    names_left_b = ((((kb & 2) > 0) | (((kb & 4) > 0) & ((kb & 1) == 0))) & lb).any(axis=1)
    # One product version, another feature in each headline ("Linux 6.15 ships uncached
    # buffered I/O" / "Linux 6.15 is out: a new NTSYNC driver"): one release. Another
    # version or another name on both sides is another release.
    by_release = (
        eventful
        & _shares_release(feat.release_keys[a], feat.release_keys[b])
        & ~(names_left_a & names_left_b)
    )
    # Many shared subject words and a shared number or name (a study's finding: topic,
    # metric, percentage) stand without a rare anchor; a topic alone ("zero trust
    # networking") does not.
    strong = (
        (shared_mass >= cfg.strong_shared_mass)
        & (((ma >= cfg.lsh_min_mass) & a_in_b).sum(axis=1) >= 3)
        & (((ka & 4) > 0) & a_in_b).any(axis=1)
    )
    by_title = (
        eventful
        & (tsim >= cfg.title_threshold)
        & (((anchor >= cfg.min_anchor) & (shared_mass >= cfg.min_shared_mass)) | strong)
    )
    by_cross = eventful & (anchor >= cfg.cross_anchor) & (cross >= cfg.cross_threshold)
    copy = np.zeros(len(a))
    ask = (
        ~conflict
        & ~by_title
        & ~by_cross
        & (cross >= cfg.copy_cross_floor)
        & (feat.shingle_count[a] >= cfg.min_shingles)
        & (feat.shingle_count[b] >= cfg.min_shingles)
    )
    if ask.any():
        copy[ask] = _copy_similarity(feat, a[ask], b[ask])
    # Two names of one headline in the other document (a deal: buyer and bought) outweigh
    # other details ("… buys the CI startup Ferrolabs" / "Ferrolabs joins Quillstack,
    # promises deeper Kafka integration"), unless a number or another name differs.
    names_a = ((((ka & 4) > 0) & ((ka & 1) == 0)) & ea).sum(axis=1)
    names_b = ((((kb & 4) > 0) & ((kb & 1) == 0)) & eb).sum(axis=1)
    by_deal = (
        by_facts
        & (np.maximum(names_a, names_b) >= 2)
        & ~((((ka & 1) > 0) & la).any(axis=1) & (((kb & 1) > 0) & lb).any(axis=1))
        & ~(names_left_a & names_left_b)
    )
    conflict &= ~(by_release | by_deal)
    accepted = (
        by_release
        | by_deal
        | ~conflict & (by_title | by_cross | by_facts | (copy >= cfg.copy_threshold))
    )
    score = np.maximum(np.maximum(tsim, cross), copy)
    return np.stack([accepted, conflict, score], axis=1)


def _verify_range(feat: _Features, pairs: np.ndarray, cfg: NearDupConfig) -> np.ndarray:
    out = [np.zeros((0, 3))]
    for lo in range(0, len(pairs), cfg.chunk_pairs):
        chunk = pairs[lo : lo + cfg.chunk_pairs]
        out.append(_verify_chunk(feat, chunk[:, 0], chunk[:, 1], cfg))
    return np.concatenate(out)


def _verify(feat: _Features, pairs: np.ndarray, cfg: NearDupConfig) -> np.ndarray:
    if feat.n < cfg.parallel_min_docs or len(pairs) < 4 * cfg.chunk_pairs or not can_fork():
        return _verify_range(feat, pairs, cfg)
    half = len(pairs) // 2
    return np.concatenate(
        in_two(_verify_range, (feat, pairs[:half], cfg), (feat, pairs[half:], cfg))
    )


# -- groups ---------------------------------------------------------------------------------


def _components(n: int, edges: np.ndarray) -> np.ndarray:
    """Connected components of `edges`: each document's label is its component's smallest
    index (minimum labels spread along edges, with pointer jumping)."""
    label = np.arange(n)
    if len(edges) == 0:
        return label
    a, b = edges[:, 0], edges[:, 1]
    while True:
        low = np.minimum(label[a], label[b])
        before = label.copy()
        np.minimum.at(label, a, low)
        np.minimum.at(label, b, low)
        label = label[label]
        if np.array_equal(label, before):
            return label


def _groups(n: int, pairs: np.ndarray, result: np.ndarray, doc_hash: np.ndarray) -> list[int]:
    """Groups from verified pairs: connected components, except where a component holds
    two documents whose own pair had a conflict. Such a component is rebuilt from its
    pairs, strongest first, never joining two groups with a conflict between them; the
    order depends on content only."""
    accepted, conflict = result[:, 0] > 0, result[:, 1] > 0
    acc = pairs[accepted]
    label = _components(n, acc)
    refused = pairs[conflict]
    refused = refused[label[refused[:, 0]] == label[refused[:, 1]]]
    if len(refused) == 0:
        return label.tolist()
    torn = np.zeros(n, dtype=bool)
    torn[label[refused[:, 0]]] = True
    inside = torn[label[acc[:, 0]]]
    acc, score = acc[inside], result[accepted, 2][inside]
    forbidden: dict[int, set[int]] = {}
    for x, y in refused.tolist():
        forbidden.setdefault(x, set()).add(y)
        forbidden.setdefault(y, set()).add(x)
    ha, hb = doc_hash[acc[:, 0]], doc_hash[acc[:, 1]]
    order = np.lexsort((np.maximum(ha, hb), np.minimum(ha, hb), -score))
    root = {int(i): int(i) for i in np.flatnonzero(torn[label])}
    members: dict[int, list[int]] = {}
    for a, b in acc[order].tolist():
        ra, rb = root[a], root[b]
        if ra == rb:
            continue
        ma, mb = members.get(ra) or [ra], members.get(rb) or [rb]
        if len(ma) > len(mb):
            ra, rb, ma, mb = rb, ra, mb, ma
        fb = forbidden.get(rb)
        if fb and any(m in fb for m in ma):
            continue
        for m in ma:
            root[m] = rb
        members[rb] = mb + ma
        members.pop(ra, None)
        fa = forbidden.pop(ra, None)
        if fa:
            forbidden[rb] = fb | fa if fb else fa
    out = label.copy()
    docs = np.fromiter(root, np.int64, len(root))
    roots = np.fromiter(root.values(), np.int64, len(root))
    smallest = np.full(n, n, dtype=np.int64)
    np.minimum.at(smallest, roots, docs)
    out[docs] = smallest[roots]
    return out.tolist()


def near_duplicates(
    titles: Sequence[str | None],
    texts: Sequence[str | None],
    config: NearDupConfig = DEFAULT,
    *,
    sites: Sequence[str | None] | None = None,
) -> NearDupResult:
    """Group near-duplicate documents: see the module docstring.

    `titles[i]`, `texts[i]` and optionally `sites[i]` (where it was published, e.g. the
    URL's host: "quillstack.dev" tells that a press release is Quillstack's) describe one
    document; any may be None or empty. Raises ValueError when the lengths differ.
    """
    n = len(titles)
    if len(texts) != n or (sites is not None and len(sites) != n):
        raise ValueError("titles, texts and sites need one entry per document")
    if n < 2:
        return NearDupResult(labels=list(range(n)))
    feat = _features(_tokenise(titles, texts, sites, config), config)
    pairs = _candidates(feat, config)
    result = _verify(feat, pairs, config)
    return NearDupResult(
        labels=_groups(n, pairs, result, feat.doc_hash),
        candidates=len(pairs),
        verified=int(result[:, 0].sum()),
        conflicts=int(result[:, 1].sum()),
    )


def near_duplicate_groups(
    titles: Sequence[str | None],
    texts: Sequence[str | None],
    config: NearDupConfig = DEFAULT,
    *,
    sites: Sequence[str | None] | None = None,
) -> list[int]:
    """A group label per document: the smallest index of the group it belongs to."""
    return near_duplicates(titles, texts, config, sites=sites).labels
