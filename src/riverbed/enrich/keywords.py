"""Keywords of one story: a few readable phrases, from its title and text alone.

Per document (no statistics over the day), so a story's keywords depend only on its own
content and can be cached by its content hash. The method is YAKE-like statistics over
RAKE-style candidates:

- candidates are runs of up to `MAX_PHRASE_WORDS` tokens between punctuation and stop words
  (English, German, French, Spanish, plus generic news words; `riverbed.enrich.stopwords`),
  so "async I/O", "Postgres 18" and "scikit-learn 1.6" come out whole; a number or version
  may end or sit inside a phrase but never stands alone or leads one;
- each word is weighted by how often it occurs (sublinear), whether it is in the title
  (`TITLE_WEIGHT`), whether it is capitalised where a sentence does not force it (names and
  products), and how early it first appears;
- a phrase scores the mean weight of its words, a bonus per extra word, times its cohesion:
  how often the words occur as this phrase rather than apart (a phrase seen once whose words
  are everywhere loses to the words);
- the best phrases are taken greedily, skipping any that shares a word with one already
  taken, and printed as the text spells them (a capitalised word seen lower case elsewhere
  is printed lower case; the capitals of a Title Cased title are not trusted).

Only the first `MAX_TEXT_CHARS` characters of the text are read: the opening says what a
story is about, and the cost stays bounded (0.3-0.4 ms per story; see docs/performance.md).
Deterministic: ties are broken by the phrase itself.
"""

from __future__ import annotations

import math
from collections import Counter

from riverbed.enrich.tokens import (
    CJK,
    LAST,
    NOT_LAST,
    NUMBER,
    POSSESSIVE,
    STOP,
    WORD,
    Token,
    display_form,
    join,
    prepare,
    tokenize,
)

KEYWORDS_VERSION = "v1"  # part of the cache namespace: bump when the output changes
MAX_TEXT_CHARS = 1_500
MAX_TITLE_CHARS = 1_000
TITLE_WEIGHT = 2.0  # a word in the title counts like this many extra log-occurrences
PROPER_BONUS = 0.5  # a word always capitalised mid-sentence weighs up to 1.5x
EARLY_BONUS = 0.5  # a word in the title or the opening weighs up to 1.5x
EARLY_TOKENS = 25.0  # ... halving by this many tokens into the text (about a sentence)
WORD_BONUS = 0.3  # per extra word in a phrase (phrases have up to three words)
VERSION_BONUS = 0.15  # "Postgres 18" over "Postgres" when the version sticks to the name

_CONTENT = (WORD, CJK, NOT_LAST, LAST, POSSESSIVE)
_ALONE = (WORD, LAST, POSSESSIVE)  # kinds that can be a keyword of one word
_NO_LEAD = (STOP, NUMBER, LAST, POSSESSIVE)  # cannot start a phrase of two or three words
_NO_INSIDE = (STOP, LAST, POSSESSIVE)
_NO_END = (STOP, NOT_LAST)


def extract_keywords(title: str, text: str | None, k: int = 5) -> list[str]:
    """Up to `k` keywords of a story, best first, as printed in its text ("Postgres 18",
    "async I/O", "query planner"); [] when there is nothing but stop words."""
    if k <= 0:
        return []
    head = tokenize(prepare(title, MAX_TITLE_CHARS))
    body = tokenize(prepare(text, MAX_TEXT_CHARS))
    phrases: dict[tuple[str, ...], float] = dict(_phrases(body))
    for keys, n in _phrases(head).items():
        phrases[keys] = phrases.get(keys, 0.0) + TITLE_WEIGHT * n
    if not phrases:
        return []

    trust_title = not _title_cased(head)
    cased = body + head if trust_title else body
    content = [t for t in body if t[3] in _CONTENT]
    count = Counter(t[1] for t in content)
    in_title = {t[1] for t in head if t[3] in _CONTENT}
    # position of first occurrence in the text (reversed: the earliest index is set last)
    first = {t[1]: i for i, t in reversed(list(enumerate(content)))}
    free = Counter(t[1] for t in cased if t[3] in _CONTENT and (not t[2] or _inner_capital(t[0])))
    capitalised = Counter(
        t[1]
        for t in cased
        if t[3] in _CONTENT and not t[0][:1].islower() and (not t[2] or _inner_capital(t[0]))
    )
    weights: dict[str, float] = {}
    presence: dict[str, float] = {}
    for key in count.keys() | in_title:
        seen = count[key] + TITLE_WEIGHT * (key in in_title)
        weight = math.log1p(count[key]) + TITLE_WEIGHT * (key in in_title)
        if free[key]:
            weight *= 1 + PROPER_BONUS * capitalised[key] / free[key]
        position = 0.0 if key in in_title else first[key] / EARLY_TOKENS
        weights[key] = weight * (1 + EARLY_BONUS / (1 + position))
        presence[key] = seen

    scored: list[tuple[float, tuple[str, ...]]] = []
    for keys, seen in phrases.items():
        if len(keys) == 1:
            scored.append((-weights[keys[0]], keys))
            continue
        words = [key for key in keys if key in weights]
        cohesion = min(1.0, seen / max(presence[w] for w in words))
        if len(words) == 1:  # a name and its version: the more often together, the better
            score = weights[words[0]] * (1 + VERSION_BONUS * cohesion)
        else:
            mean = sum(weights[w] for w in words) / len(words)
            score = mean * (1 + WORD_BONUS * (len(words) - 1)) * math.sqrt(cohesion)
            if len(words) < len(keys):
                score *= 1 + VERSION_BONUS
        scored.append((-score, keys))
    scored.sort()

    chosen: list[tuple[str, ...]] = []
    used: set[str] = set()
    for _, keys in scored:
        named = {key for key in keys if key in weights}
        if named & used:
            continue
        used |= named
        chosen.append(keys)
        if len(chosen) == k:
            break
    forms = _spellings(chosen, body, head, trust_title)
    return [display_form(*forms[keys]) for keys in chosen]


def _inner_capital(surface: str) -> bool:
    """A capital after the first letter ("eBPF", "DuckDB"): a name even at a sentence start."""
    return not surface[1:].islower() and any(c.isupper() for c in surface[1:])


def _title_cased(head: list[Token]) -> bool:
    """Whether the title capitalises (or upper-cases) its words, so that capitals in it say
    nothing about names ("How We Cut Our P99 Latency By 40%")."""
    alpha = [t[0] for t in head if t[3] != STOP and t[0][:1].isalpha()]
    return len(alpha) >= 3 and sum(1 for w in alpha if w[:1].isupper()) >= 0.8 * len(alpha)


def _phrases(tokens: list[Token]) -> Counter[tuple[str, ...]]:
    """Candidate phrases of one to three tokens inside runs of non-stop tokens: not led by a
    number, not ended by a NOT_LAST word, not a lone CJK character."""
    keys = [t[1] for t in tokens]
    kinds = [t[3] for t in tokens]
    out: Counter[tuple[str, ...]] = Counter(
        (k,) for k, kind in zip(keys, kinds, strict=True) if kind in _ALONE
    )
    k1, k2 = keys[1:], keys[2:]
    d1, d2 = kinds[1:], kinds[2:]
    # French and Spanish put the adjective after a plural noun, both in -s ("plantes
    # grimpantes"): two such words in a row may make a phrase
    out.update(
        (a, b)
        for a, b, da, db in zip(keys, k1, kinds, d1)
        if (da not in _NO_LEAD or (da == LAST and db == LAST)) and db not in _NO_END
    )
    out.update(
        (a, b, c)
        for a, b, c, da, db, dc in zip(keys, k1, k2, kinds, d1, d2)
        if da not in _NO_LEAD and db not in _NO_INSIDE and dc not in _NO_END
    )
    return out


def _spellings(
    chosen: list[tuple[str, ...]], body: list[Token], head: list[Token], trust_title: bool
) -> dict[tuple[str, ...], tuple[Counter[str], Counter[str]]]:
    """How the text spells each chosen phrase, counted (twice mid-sentence, once at a
    sentence start or in a title, not at all in a Title Cased title, which still names
    it), and the spellings seen capitalised mid-sentence (see `display_form`)."""
    wanted = set(chosen)
    firsts = {keys[0] for keys in chosen}
    lengths = sorted({len(keys) for keys in chosen})
    forms: dict[tuple[str, ...], tuple[Counter[str], Counter[str]]] = {
        keys: (Counter(), Counter()) for keys in chosen
    }
    for tokens, in_title in ((body, False), (head, True)):
        keys_at = [t[1] for t in tokens]
        for i, token in enumerate(tokens):
            if token[1] not in firsts:
                continue
            for n in lengths:
                keys = tuple(keys_at[i : i + n])
                if keys not in wanted:
                    continue
                surface = join(t[0] for t in tokens[i : i + n])
                votes, named = forms[keys]
                if in_title:
                    votes[surface] += 1 if trust_title else 0
                elif token[2]:
                    votes[surface] += 1
                else:
                    votes[surface] += 2
                    if not surface.islower() and surface[:1].isalpha():
                        named[surface] += 1
    return forms
