"""Tokens for keywords and topic labels: surface forms kept, phrases kept apart.

`riverbed.core.extract.words` counts and compares words; keywords and labels must also print
them, so this tokeniser keeps what a reader recognises: case ("Postgres", "eBPF"), versions
("3.13", "v1.2.0"), and names with inner punctuation ("scikit-learn", "Node.js", "I/O",
"C++", "C#", "AT&T"). Each token also gets a key for counting: casefolded, possessive and
French elision removed ("Rust's" -> "rust", "l'index" -> "index"), English plurals folded
("models" -> "model").

A text is split into segments, runs of tokens with nothing but spaces between them:
punctuation, line breaks and sentence ends all end a segment, so a candidate phrase never
spans "planner. Postgres". URLs and e-mail addresses are dropped first. Han, Hiragana and
Katakana characters are one token each (no spaces to split on), joined without a space when
printed. Each distinct token is classified once per process (a bounded memo): WORD, STOP
(stop words, adverbs, lone letters), NUMBER, CJK, NOT_LAST, LAST or POSSESSIVE.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable

from riverbed.core.text import looks_like_html, strip_tags
from riverbed.enrich.stopwords import NOT_KEYWORDS

_CJK = "\u3040-\u30ff\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff66-\uff9f"
# Combining marks in the scripts news is commonly written in (Latin diacritics, Cyrillic,
# Hebrew, Arabic, the Indic blocks except the danda, Thai): `\w` alone would split a
# Devanagari word at every vowel sign.
_MARKS = (
    "\u0300-\u036f\u0483-\u0489\u0591-\u05c7\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed"
    "\u0900-\u0963\u0966-\u0dff\u0e31\u0e34-\u0e3a\u0e47-\u0e4e"
)
_CHARS = rf"(?:[^\W_{_CJK}]|[{_MARKS}])+"
# inner joiners: "don't", "3.13", "scikit-learn", "I/O", "AT&T", "io_uring"; then "C++", "C#"
_TOKEN = rf"{_CHARS}(?:['’.\-/+&_]{_CHARS})*[+#]*"
# one of: a CJK character, a token, a sentence end, any other break (punctuation, newline)
_PIECE = re.compile(rf"([{_CJK}])|({_TOKEN})|([.!?…。！？\n]+)|([^\s\w])")
# the same without combining marks (faster): for text that has none
_SIMPLE_CHARS = rf"[^\W_{_CJK}]+"
_SIMPLE_TOKEN = rf"{_SIMPLE_CHARS}(?:['’.\-/+&_]{_SIMPLE_CHARS})*[+#]*"
_SIMPLE_PIECE = re.compile(rf"([{_CJK}])|({_SIMPLE_TOKEN})|([.!?…。！？\n]+)|([^\s\w])")
_HAS_MARK = re.compile(f"[{_MARKS}]")
_URL = re.compile(r"(?:https?://|www\.)\S+|[\w.+-]+@[\w-]+\.[\w.]+", re.IGNORECASE)
_ELISION = re.compile(r"^(?:[cdjlmnst]|qu|jusqu|lorsqu|puisqu)['’](?=\w)", re.IGNORECASE)
_CJK_CHAR = re.compile(f"[{_CJK}]")


def prepare(text: str | None, max_chars: int) -> str:
    """`text` ready to tokenise: at most `max_chars` read, markup and entities undone when it
    looks like HTML, URLs and e-mail addresses removed, NFC-normalised."""
    if not text:
        return ""
    text = text[:max_chars]
    if looks_like_html(text):
        text = html.unescape(strip_tags(text))
    if "://" in text or "www." in text or "@" in text:
        text = _URL.sub(" ", text)
    if not text.isascii():
        text = unicodedata.normalize("NFC", text)
    return text


def fold(word: str) -> str:
    """The counting key of a lower-case word: English plural folded ("indexes" stays)."""
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 4 and word[-1] == "s" and word[-2] not in "suiy'’":
        return word[:-1]
    return word


def is_version(surface: str) -> bool:
    """Whether a token is a number or version ("18", "3.13", "v1.2.0", "2.0-rc1")."""
    return surface[:1].isdigit() or (surface[:1] in "vV" and surface[1:2].isdigit())


def is_cjk(surface: str) -> bool:
    return len(surface) == 1 and _CJK_CHAR.match(surface) is not None


# What a token can be in a phrase.
WORD = 0  # a content word
STOP = 1  # a stop word, an adverb, a lone letter: ends a phrase, never in one
NUMBER = 2  # a number or version: inside or at the end of a phrase, never first or alone
CJK = 3  # one Han/kana character: in a phrase of two or more, never alone
NOT_LAST = 4  # a past-tense/participle form ("dropped"): starts a phrase, never ends one
# a lower-case word in -s ("credentials", "steals"): ends a phrase, never leads or sits inside
# one (English modifiers are singular: a plural ends its phrase, a verb in -s starts a clause)
LAST = 5
# a possessive ("NASA's", "the model's"): ends a phrase like LAST ("NASA's Perseverance
# rover" -> "NASA", "Perseverance rover"), printed without its "'s"
POSSESSIVE = 6
_NOT_PLURAL = ("ss", "us", "is", "ics", "ous", "ws", "'s", "’s")

# Adverbs: "handled it comfortably" is no keyword.
_ADVERB = re.compile(r"(?:ously|ively|ently|antly|ately|ably|ibly|ally|fully|ingly|ckly|ctly|ely)$")

Token = tuple[str, str, bool, int]  # (surface form, key, first word of a sentence, kind)

_KNOWN: dict[str, tuple[str, str, int]] = {}  # raw token -> (surface, key, kind)
_KNOWN_MAX = 200_000


def _classify(raw: str) -> tuple[str, str, int]:
    if is_cjk(raw):
        return raw, raw, CJK
    surface = raw
    possessive = surface[-2:] in ("'s", "’s") and len(surface) > 2
    if possessive:
        surface = surface[:-2]
    elif "'" in surface or "’" in surface:
        surface = _ELISION.sub("", surface)
    lower = surface.casefold()
    key = fold(lower) if lower.isalpha() else lower
    if is_version(surface):
        kind = NUMBER
    elif lower in NOT_KEYWORDS or key in NOT_KEYWORDS or len(surface) < 2 or _ADVERB.search(key):
        kind = STOP
    elif len(key) >= 5 and key.endswith("ed") and not key.endswith("eed"):
        kind = NOT_LAST
    elif (
        len(lower) >= 4
        and lower[-1] == "s"
        and surface.islower()
        and not lower.endswith(_NOT_PLURAL)
    ):
        kind = LAST
    elif possessive:
        kind = POSSESSIVE
    else:
        kind = WORD
    return surface, key, kind


BREAK: Token = ("", "", False, STOP)  # where a segment ends


def tokenize(text: str) -> list[Token]:
    """The text's tokens, with `BREAK` wherever a segment ends (see the module docstring);
    `text` as given by `prepare`."""
    out: list[Token] = []
    initial = True
    known = _KNOWN
    append = out.append
    piece = _SIMPLE_PIECE if text.isascii() or _HAS_MARK.search(text) is None else _PIECE
    for cjk, token, end, other in piece.findall(text):
        raw = cjk or token
        if raw:
            hit = known.get(raw)
            if hit is None:
                if len(known) >= _KNOWN_MAX:
                    known.clear()
                hit = known[raw] = _classify(raw)
            append((hit[0], hit[1], initial, hit[2]))
            initial = False
            continue
        if out and out[-1] is not BREAK:
            append(BREAK)
        # after a colon titles often capitalise again ("Postmortem: Replication lag…")
        if end or other == ":":
            initial = True
    return out


def join(surfaces: Iterable[str]) -> str:
    """Tokens printed as a phrase: spaces between words, none between CJK characters."""
    out = ""
    previous = ""
    for s in surfaces:
        if out and not (is_cjk(s) and is_cjk(previous)):
            out += " "
        out += s
        previous = s
    return out


def display_form(votes: Counter[str], named: Counter[str] | None = None) -> str:
    """The spelling to print for a word, from its spellings counted (`votes`, the caller
    weighting sentence starts less) and those seen capitalised mid-sentence (`named`).

    A word capitalised mid-sentence is a name: its most common such spelling wins over lower
    case seen in code or URLs ("Kotlin", not "$ kotlin --version"). Otherwise the most common
    spelling, but a capitalised word also seen in lower case is printed in lower case
    ("Lockfiles are…" and "…of lockfiles")."""
    if named:
        return max(named.items(), key=lambda kv: (kv[1], kv[0]))[0]
    best = max(votes.items(), key=lambda kv: (kv[1], kv[0]))[0]
    if best[:1].isupper() and best[1:].islower() and best.lower() in votes:
        return best.lower()
    return best
