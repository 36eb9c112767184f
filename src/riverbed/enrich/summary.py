"""Extractive summaries: the story's own most central sentences, no model.

1. The text (at most `MAX_TEXT_CHARS`; markup undone if it looks like HTML, block elements
   becoming line breaks) is split into sentences: at line breaks, and after ".", "!", "?",
   "…" (and the CJK full stops) followed by a space and a capital, digit or quote — but not
   after an abbreviation ("Dr.", "e.g.", "U.S."), an initial ("J. Smith"), or inside a
   number, version or URL ("3.14", "v1.2", "example.com/a.b" have no space after the dot).
2. Sentences that are not prose are dropped: boilerplate ("Read more", "Subscribe to our
   newsletter", cookie and privacy notes, bylines, "Updated …", copyright lines, "Related:"
   links), headings (a short line without a full stop), fragments (under `MIN_WORDS` words),
   the text's last sentence when a feed cut it ("… Next we…"), and the title repeated.
3. Each sentence scores its overlap with the title, its centrality (how much of its
   vocabulary the rest of the text shares), and its position (news puts the point first).
4. The best sentences are taken while they fit in `max_chars` (a sentence that repeats one
   already taken is skipped) and printed in their original order. If even the best sentence
   is too long, it is shortened at a word boundary with "…" — never inside a word.

Returns None when no sentence qualifies (no text, only boilerplate, only fragments).
"""

from __future__ import annotations

import html
import math
import re
from collections import Counter

from riverbed.core.extract.words import words
from riverbed.core.text import looks_like_html, strip_tags
from riverbed.enrich.stopwords import NOT_KEYWORDS
from riverbed.enrich.tokens import fold

SUMMARY_VERSION = "v1"  # part of the cache namespace: bump when the output changes
MAX_TEXT_CHARS = 6_000
MAX_SENTENCE_CHARS = 600  # a longer "sentence" is a list or a table run together
MIN_WORDS = 5
TITLE_WEIGHT = 1.0
CENTRALITY_WEIGHT = 0.8
POSITION_WEIGHT = 0.6
REDUNDANT = 0.6  # word overlap (Jaccard) above which a sentence repeats another
ELLIPSIS = "…"

_BLOCK_TAG = re.compile(
    r"</?(?:p|div|br|li|ul|ol|h[1-6]|tr|td|th|table|blockquote|section|article|header|footer"
    r"|figure|figcaption|pre|hr)\b[^<>]*>",
    re.IGNORECASE,
)
# A sentence ends at terminal punctuation (closing quotes/brackets included) followed by
# space and something that can start a sentence.
_END = re.compile(r"([.!?…]+[\"'”’»)\]]*)\s+(?=[\"'“‘«(\[]?[A-Z0-9À-ÖØ-ÞА-ЯΑ-Ω¿¡])")
_CJK_END = re.compile(r"(?<=[。！？])")
_ABBREVIATION_WORDS = """
mr mrs ms dr prof sr jr st mt ft vs etc e.g i.e cf al approx dept est fig inc ltd co corp no
nos vol pp ed eds gen gov rep sen rev hon jan feb mar apr jun jul aug sep sept oct nov dec mon
tue wed thu fri sat sun u.s u.k u.n e.u a.m p.m ph.d
"""
_ABBREVIATIONS = frozenset(_ABBREVIATION_WORDS.split())
# Boilerplate: the first group is tried at the sentence's start only (`match`), the second
# anywhere (`search`). Together they are one rule; they are apart because a pattern that
# starts with `\b` is tried at every position, which made this the demo's costliest line.
_BOILERPLATE_START = re.compile(
    r"""
      (?:related|see\ also|more\ from|recommended|further\ reading)\b
    | (?:by|von|par|por)\s+[A-ZÀ-Þ][\w'’.-]+(?:\s+[A-ZÀ-Þ][\w'’.-]+){0,3}\s*(?:[,|•·–—-]|$)
    | (?:posted|published|(?:last\ )?updated)(?:\s+(?:on|at|by|in)\b|\s*:)
    | (?:photo|image|illustration|video|credits?|source)(?:\s+credit)?\s*[:|]
    | (?:advertisement|sponsored)\b
    """,
    re.IGNORECASE | re.VERBOSE,
)
_BOILERPLATE_ANYWHERE = re.compile(
    r"""
      \b(?:read\ more|read\ the\ (?:full|rest|whole)|continue\ reading|keep\ reading
       |learn\ more|find\ out\ more|click\ here|tap\ here)\b
    | \b(?:subscribe|newsletter|unsubscribe)\b | \bsign\ up\ (?:for|to|now|today)\b
    | \b(?:we|this\ (?:site|website))\ uses?\ cookies\b | \baccept\ (?:all\ )?cookies\b
    | \bcookie\ (?:policy|settings|preferences|consent|banner)\b
    | \bprivacy\ (?:policy|settings|notice)\b | \bterms\ of\ (?:use|service)\b
    | \ball\ rights\ reserved\b | ©\s*\d{4} | \bcopyright\s+(?:©\s*)?\d{4}\b
    | \b(?:share\ (?:this|on)|follow\ us|like\ us\ on)\b
    | \benable\ javascript\b | \bjavascript\ is\ (?:disabled|required)\b
    | \byour\ browser\ (?:does\ not|doesn't|is\ not)\ support
    | \bthis\ (?:story|article|post)\ (?:has\ been|was)\ updated\b
    | \bcomments?\ (?:are\ )?closed\b
    """,
    re.IGNORECASE | re.VERBOSE,
)
# A word every `_BOILERPLATE_ANYWHERE` branch contains: an ASCII sentence (lower-cased, which
# for ASCII is what IGNORECASE compares) with none of them cannot match, and skips the regex.
_BOILERPLATE_WORDS = (
    "read", "learn", "find", "click", "tap", "subscribe", "newsletter", "sign", "cookie",
    "privacy", "terms", "rights", "©", "copyright", "share", "follow", "like", "javascript",
    "browser", "updated", "comment",
)  # fmt: skip
_NOT_LETTER = re.compile(r"[\W\d_]+")
_CJK_CHAR = re.compile("[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


def extractive_summary(
    title: str, text: str | None, max_sentences: int = 2, max_chars: int = 320
) -> str | None:
    """One or two sentences of `text` that say what the story is about, in their original
    order, at most `max_chars` characters; None when there is no usable text (see the
    module docstring)."""
    if not text or max_sentences < 1 or max_chars < 20:
        return None
    sentences = [s for s in split_sentences(text[:MAX_TEXT_CHARS]) if _is_prose(s)]
    title_words = set(_content_words(title))
    bags = [_content_words(s) for s in sentences]
    kept = [
        (i, s, bag)
        for i, (s, bag) in enumerate(zip(sentences, bags, strict=True))
        if bag and _jaccard(set(bag), title_words) < 0.8
    ]
    if not kept:
        return None
    document: Counter[str] = Counter(w for _, _, bag in kept for w in bag)
    scored = sorted(
        ((-_score(i, bag, title_words, document), i, s, bag) for i, s, bag in kept),
        key=lambda t: (t[0], t[1]),
    )
    chosen: list[tuple[int, str, set[str]]] = []
    used = 0
    for _, i, sentence, bag in scored:
        words_of = set(bag)
        if any(_jaccard(words_of, other) > REDUNDANT for _, _, other in chosen):
            continue
        extra = len(sentence) + (1 if chosen else 0)
        if used + extra > max_chars:
            if chosen:
                continue
            shortened = _shorten(sentence, max_chars)
            if shortened is None:
                continue
            sentence, extra = shortened, len(shortened)  # noqa: PLW2901 - the fitted sentence
        chosen.append((i, sentence, words_of))
        used += extra
        if len(chosen) == max_sentences:
            break
    if not chosen:
        return None
    return " ".join(s for _, s, _ in sorted(chosen))


def _plain(text: str) -> str:
    """Text with markup undone (block elements -> line breaks) and entities decoded."""
    if looks_like_html(text):
        text = html.unescape(strip_tags(_BLOCK_TAG.sub("\n", text)))
    return text


def split_sentences(text: str) -> list[str]:
    """The sentences of `text` (markup undone when it looks like HTML), in order, whitespace
    collapsed; a feed excerpt's last sentence cut short with "…" is left out. Every piece is
    returned, prose or not (see the module docstring for the rules)."""
    text = _plain(text)
    out: list[str] = []
    lines = [" ".join(line.split()) for line in text.splitlines()]
    lines = [line for line in lines if line]
    for n, line in enumerate(lines):
        pieces = _split_line(line)
        # a feed's excerpt cut mid-sentence ends in "…": that last piece is not a sentence
        if n == len(lines) - 1 and pieces and pieces[-1].endswith(ELLIPSIS):
            pieces = pieces[:-1]
        out.extend(pieces)
    return out


def _split_line(line: str) -> list[str]:
    pieces: list[str] = []
    start = 0
    for m in _END.finditer(line):
        end = m.end(1)
        before = line[start:end]
        last_word = before.rsplit(None, 1)[-1] if before.split() else ""
        stem = last_word.rstrip(".!?…\"'”’»)]").lstrip("\"'“‘«([").lower()
        if m.group(1) == "." and (
            stem in _ABBREVIATIONS or (len(stem) == 1 and stem.isalpha())  # an initial: "J. Smith"
        ):
            continue
        pieces.append(line[start:end].strip())
        start = m.end()
    pieces.append(line[start:].strip())
    out: list[str] = []
    for piece in pieces:
        out.extend(p.strip() for p in _CJK_END.split(piece) if p.strip())
    return out


def is_boilerplate(sentence: str) -> bool:
    """Whether `sentence` is a site's furniture ("Read more", "Subscribe to our newsletter",
    cookie and privacy notes, a byline, "Updated: …", a copyright line, "Related: …")."""
    if _BOILERPLATE_START.match(sentence):
        return True
    if sentence.isascii():
        lower = sentence.lower()
        if not any(word in lower for word in _BOILERPLATE_WORDS):
            return False
    return _BOILERPLATE_ANYWHERE.search(sentence) is not None


def _is_prose(sentence: str) -> bool:
    if len(sentence) > MAX_SENTENCE_CHARS or is_boilerplate(sentence):
        return False
    letters = len(_NOT_LETTER.sub("", sentence))
    if letters < 0.5 * len(sentence.replace(" ", "")):
        return False  # code, numbers, symbols
    cjk = len(_CJK_CHAR.findall(sentence))
    if cjk >= 10:
        return True  # CJK: no spaces to count words by
    if len(sentence.split()) < MIN_WORDS:
        return False
    # a line without a full stop is a heading, a caption or a menu
    return sentence[-1] in ".!?…\"'”’»)]。！？"


def _content_words(text: str) -> list[str]:
    """Folded words other than stop words and lone letters (a CJK character is a word)."""
    return [
        fold(w)
        for w in words(text)
        if w not in NOT_KEYWORDS and (len(w) > 1 or _CJK_CHAR.match(w) is not None)
    ]


def _jaccard(a: set[str], b: set[str]) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)


def _score(index: int, bag: list[str], title: set[str], document: Counter[str]) -> float:
    unique = set(bag)
    title_overlap = len(unique & title) / len(title) if title else 0.0
    # centrality: how much of this sentence's vocabulary the rest of the text repeats
    shared = sum(math.log1p(document[w] - bag.count(w)) for w in unique)
    centrality = shared / (len(unique) * math.log(2 + len(document)) ** 0.5)
    position = 1 / math.sqrt(1 + index)
    return (
        TITLE_WEIGHT * title_overlap + CENTRALITY_WEIGHT * centrality + POSITION_WEIGHT * position
    )


def _shorten(sentence: str, max_chars: int) -> str | None:
    """`sentence` cut to `max_chars` at a word boundary, ending with "…"; None when there is
    no boundary to cut at (one enormous token)."""
    cut = sentence[: max_chars - 1]
    if _CJK_CHAR.match(sentence[max_chars - 1 : max_chars] or " "):
        return cut.rstrip() + ELLIPSIS  # every CJK character is a word
    space = cut.rfind(" ")
    if space < max_chars // 2:
        return None
    return cut[:space].rstrip(" ,;:-–—") + ELLIPSIS
