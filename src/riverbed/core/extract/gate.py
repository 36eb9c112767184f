"""The quality gate: is an extraction the article, or something standing in its way?

A failed rule makes the outcome `thin` (error_kind `thin_extraction`) with a `reason` that
starts with the rule's name. Rules, in the order they are tried:

1. `interstitial` — an anti-bot or JavaScript check instead of the page: the title is one
   ("Just a moment...", "Attention Required!", "Access denied", "Are you a robot?"), or the
   text says so ("Checking your browser", "checking if the site connection is secure",
   "enable JavaScript and cookies to continue", "verify you are human"), or the page is a
   JavaScript application shell (less than `MIN_WORDS` (80) words of text and a
   `<noscript>` asking for JavaScript). Phrases count in an extraction of fewer than
   `PHRASE_RULE_MAX_WORDS` (300) words (a long article may quote them), and in the page's
   whole text when the extraction is under `MIN_WORDS` (they then only explain why it is
   short).
2. `cookie_wall` — consent text instead of the page: at least `COOKIE_SHARE` (40%) of the words
   are in paragraphs about cookies/consent/privacy choices, in an extraction of fewer than
   `PHRASE_RULE_MAX_WORDS` words (or in the page, when the extraction is under `MIN_WORDS`).
3. `paywall` — a subscription stub: "subscribe to continue reading", "already a subscriber",
   "this article is for subscribers", "you have reached your free article limit", ..., under
   the same two conditions as the interstitial phrases; the unambiguous ones ("subscribe to
   continue reading", "this article is for subscribers", not "already a subscriber? sign in",
   which site headers carry) also anywhere on the page when the extraction has fewer than
   `PHRASE_RULE_MAX_WORDS` words (an extractor may have dropped the paywall box itself).
4. `too_short` — fewer than `MIN_WORDS` words (a teaser, an error page, an empty shell).
5. `shorter_than_feed` — the feed already gave more: fewer than `FEED_TEXT_RATIO` (0.9) times the
   words of the item's feed text (when there is one).
6. `boilerplate` — navigation rather than prose: at least `LINK_TEXT_SHARE` (50%) of the words are
   in lines that are the page's own link texts, or at least `DUPLICATE_SHARE` (30%) of them are in
   repeated lines, or at least `SHORT_LINE_SHARE` (50%) of them are in `SHORT_LINE_MIN_COUNT`
   (15) or more lines of at most `SHORT_LINE_WORDS` (3) words (menus, tag clouds).

Words are counted by `words.count_words` (a CJK character is a word). Phrases are looked for
in the first `PHRASE_SCAN_CHARS` (20,000) characters of a text only.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from riverbed.core.extract.metadata import normalise_line
from riverbed.core.extract.words import count_words
from riverbed.core.text import html_to_text, looks_like_html

# Fewer words than this is not an article (a standfirst and a byline are ~40 words).
MIN_WORDS = 80
# Wall and stub phrases only count in extractions shorter than this: a real article can
# quote "checking your browser" or end with "already a subscriber? sign in".
PHRASE_RULE_MAX_WORDS = 300
# Phrases are looked for in the first this many characters of a text (walls and stubs are
# short; this bounds the cost of the searches on a huge page).
PHRASE_SCAN_CHARS = 20_000
# Share of words in cookie/consent paragraphs that makes a cookie wall.
COOKIE_SHARE = 0.4
# An extraction with fewer words than this share of the feed text's is shorter than the feed
# (10% slack: feeds append "Read more", "Comments" and the like).
FEED_TEXT_RATIO = 0.9
# Share of words in lines that are link texts of the page: a menu, a link list.
LINK_TEXT_SHARE = 0.5
# Share of words in lines seen before in the same text: repeated navigation or teasers.
DUPLICATE_SHARE = 0.3
# Menus and tag clouds: many short lines carrying most of the words.
SHORT_LINE_WORDS = 3
SHORT_LINE_MIN_COUNT = 15
SHORT_LINE_SHARE = 0.5

_INTERSTITIAL_TITLE = re.compile(
    r"^\s*(?:just a moment|attention required|access denied|are you a (?:robot|human)"
    r"|one more step|security check|please wait|ddos-guard|verifying you are human"
    r"|checking your browser|403 forbidden|request rejected|pardon our interruption)\b",
    re.IGNORECASE,
)
_INTERSTITIAL_TEXT = re.compile(
    r"checking (?:if the site connection is secure|the site connection|your browser)"
    r"|needs to review the security of your connection"
    r"|enable javascript and cookies to continue|please (?:enable|turn on) javascript"
    r"|(?:you need to|you must) enable javascript|javascript is (?:disabled|required)"
    r"|this (?:site|page) requires javascript|verify (?:that )?you are (?:a )?human"
    r"|are you a robot|ddos protection by|performance (?:&|and) security by cloudflare"
    r"|request unsuccessful\. incapsula|pardon our interruption|press (?:&|and) hold"
    r"|your browser will redirect to your requested content",
    re.IGNORECASE,
)
_ENABLE_JAVASCRIPT = re.compile(
    r"javascript|enable js|browser (?:is not|isn't) supported", re.IGNORECASE
)
# Consent-banner language: cookies being used/accepted/rejected, consent being managed,
# privacy choices. Not the bare words ("cookies sold in the buffet", "by common consent").
_COOKIE_PARAGRAPH = re.compile(
    r"\b(?:use|uses|using|accept|reject|store|stores|set|sets|place|places|allow|enable"
    r"|disable|block)\s+(?:all\s+|our\s+|optional\s+|the\s+use\s+of\s+|of\s+)?cookies\b"
    r"|\bcookies?\s+(?:policy|settings|preferences|banner|notice|consent|statement"
    r"|declaration|and\s+(?:similar|other)\s+(?:technologies|tracking))"
    r"|\b(?:manage|give|withdraw|change|update)\s+(?:your\s+)?consent\b|\byour\s+consent\b"
    r"|\bconsent\s+(?:preferences|settings|choices|management|to\s+(?:the|our)\s+use)"
    r"|privacy\s+(?:settings|choices|preferences|options)|\baccept\s+all\b|\breject\s+all\b"
    r"|personali[sz]ed\s+(?:ads|advertising|content)|legitimate\s+interest"
    r"|we\s+value\s+your\s+privacy|tracking\s+technologies",
    re.IGNORECASE,
)
_PAYWALL = re.compile(
    r"subscribe (?:now )?to (?:continue|keep) reading|subscribe to read"
    r"|(?:to )?continue reading,? (?:subscribe|sign in|log in|register|become)"
    r"|already (?:a subscriber|subscribed|have an account)|are you a subscriber"
    r"|(?:article|story|content) is (?:only )?(?:for|available to|reserved for) (?:paying )?"
    r"(?:subscribers|members)|exclusive to subscribers"
    r"|(?:reached|used) (?:your|all of your) (?:\d+ )?(?:free )?(?:article|story) limit"
    r"|(?:free )?articles? (?:left|remaining) this month|unlock (?:this|the full) (?:article|story)"
    r"|(?:create|register for) a free account to (?:continue|read)"
    r"|become a (?:member|subscriber) to (?:continue|read)|sign in to (?:continue|read)"
    r"|log in to (?:continue|read)|register to continue reading"
    r"|nur für abonnenten|exklusiv für abonnenten|weiterlesen mit (?:abo|plus)"
    r"|réservé aux abonnés|déjà abonné",
    re.IGNORECASE,
)
# Paywall phrases that never appear in site chrome (unlike "already a subscriber? sign in"
# in a header): found anywhere on the page, they make an extraction of fewer than
# PHRASE_RULE_MAX_WORDS words a stub, whatever the extractor kept.
_PAYWALL_PAGE = re.compile(
    r"subscribe (?:now )?to (?:continue|keep) reading|subscribe to read the (?:full|rest)"
    r"|(?:article|story) is (?:only )?(?:for|available to|reserved for) (?:paying )?"
    r"(?:subscribers|members)|exclusive to subscribers"
    r"|(?:reached|used) (?:your|all of your) (?:\d+ )?(?:free )?(?:article|story) limit"
    r"|unlock (?:this|the full) (?:article|story)|register to continue reading"
    r"|(?:create|register for) a free account to (?:continue|keep) reading"
    r"|réservé aux abonnés|exklusiv für abonnenten",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class Verdict:
    """A failed rule: `rule` is its name, `reason` says what was seen."""

    rule: str
    reason: str


PageText = Callable[[], Sequence[str]]


def judge(
    paragraphs: Sequence[str],
    *,
    title: str | None = None,
    feed_text: str | None = None,
    anchor_texts: frozenset[str] = frozenset(),
    noscript_text: str = "",
    page_paragraphs: PageText | None = None,
) -> Verdict | None:
    """The first rule `paragraphs` (an extraction) fails, or None if it passes.

    `page_paragraphs` returns the text of the whole page (called only for an extraction of
    fewer than `PHRASE_RULE_MAX_WORDS` words, to tell a wall from a short page).
    """
    text = "\n\n".join(paragraphs)
    words = count_words(text)
    short = words < MIN_WORDS
    phrase_applies = words < PHRASE_RULE_MAX_WORDS
    page: Sequence[str] = ()
    if phrase_applies and page_paragraphs is not None:
        page = _head(page_paragraphs())
    page_text = "\n\n".join(page)
    scanned = text[:PHRASE_SCAN_CHARS] if phrase_applies else ""
    short_page_text = page_text if short else ""

    # 1. interstitial
    if title and _INTERSTITIAL_TITLE.search(title):
        return Verdict("interstitial", f"interstitial: the page title is {title[:80]!r}")
    found = _first(_INTERSTITIAL_TEXT, scanned, short_page_text)
    if found:
        return Verdict("interstitial", f"interstitial: the page says {found!r}")
    if short and count_words(page_text) < MIN_WORDS and _ENABLE_JAVASCRIPT.search(noscript_text):
        return Verdict(
            "interstitial",
            "interstitial: a JavaScript application shell "
            f"({count_words(page_text)} words without scripts; <noscript> asks for JavaScript)",
        )

    # 2. cookie wall
    if phrase_applies:
        share = _cookie_share(_head(paragraphs))
        if share >= COOKIE_SHARE:
            return Verdict(
                "cookie_wall", f"cookie_wall: {share:.0%} of the text is about cookies/consent"
            )
    if short and page:
        share = _cookie_share(page)
        if share >= COOKIE_SHARE:
            return Verdict(
                "cookie_wall", f"cookie_wall: {share:.0%} of the page is about cookies/consent"
            )

    # 3. paywall
    found = _first(_PAYWALL, scanned, short_page_text) or _first(_PAYWALL_PAGE, page_text)
    if found:
        return Verdict("paywall", f"paywall: a subscription stub ({found!r}, {words} words)")

    # 4. too short
    if short:
        return Verdict("too_short", f"too_short: {words} words (minimum {MIN_WORDS})")

    # 5. shorter than the feed
    if feed_text:
        plain = html_to_text(feed_text, 1_000_000) if looks_like_html(feed_text) else feed_text
        feed_words = count_words(plain)
        if words < FEED_TEXT_RATIO * feed_words:
            return Verdict(
                "shorter_than_feed",
                f"shorter_than_feed: {words} words, the feed text has {feed_words}",
            )

    # 6. boilerplate
    return _boilerplate(paragraphs, words, anchor_texts)


def _head(paragraphs: Sequence[str]) -> list[str]:
    """The leading paragraphs of `paragraphs`, up to `PHRASE_SCAN_CHARS` characters."""
    kept: list[str] = []
    size = 0
    for paragraph in paragraphs:
        if size >= PHRASE_SCAN_CHARS:
            break
        kept.append(paragraph[: PHRASE_SCAN_CHARS - size])
        size += len(paragraph)
    return kept


def _first(pattern: re.Pattern[str], *texts: str) -> str | None:
    for text in texts:
        if text:
            m = pattern.search(text)
            if m:
                return " ".join(m.group(0).split())
    return None


def _cookie_share(paragraphs: Sequence[str]) -> float:
    total = 0
    cookie = 0
    for paragraph in paragraphs:
        n = count_words(paragraph)
        total += n
        if _COOKIE_PARAGRAPH.search(paragraph):
            cookie += n
    return cookie / total if total else 0.0


def _boilerplate(
    paragraphs: Sequence[str], words: int, anchor_texts: frozenset[str]
) -> Verdict | None:
    if not words:
        return None
    lines = [line for p in paragraphs for line in p.split("\n") if line.strip()]
    link_words = 0
    duplicate_words = 0
    short_lines = 0
    short_words = 0
    seen: set[str] = set()
    for line in lines:
        n = count_words(line)
        key = normalise_line(line)
        if key and key in anchor_texts:
            link_words += n
        if key and key in seen:
            duplicate_words += n
        seen.add(key)
        if 0 < n <= SHORT_LINE_WORDS:
            short_lines += 1
            short_words += n
    if link_words >= LINK_TEXT_SHARE * words:
        return Verdict(
            "boilerplate", f"boilerplate: {link_words / words:.0%} of the words are link texts"
        )
    if duplicate_words >= DUPLICATE_SHARE * words:
        return Verdict(
            "boilerplate",
            f"boilerplate: {duplicate_words / words:.0%} of the words are in repeated lines",
        )
    if short_lines >= SHORT_LINE_MIN_COUNT and short_words >= SHORT_LINE_SHARE * words:
        return Verdict(
            "boilerplate",
            f"boilerplate: {short_lines} lines of at most {SHORT_LINE_WORDS} words "
            f"hold {short_words / words:.0%} of the words",
        )
    return None
