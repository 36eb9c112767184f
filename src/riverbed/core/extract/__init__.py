"""Article extraction: from an article page's bytes to its main text and metadata.

Pure functions (no network, no lake). `extract_article` is the one entry point the
`articles` asset calls; everything else in this package is its machinery:

- `content`: HTML or not, by rule (Content-Type, file signatures, binary sniffing);
- `budget`: the limits that bound time and memory on hostile pages, and the one parse;
- `metadata`: title, author and published date from the page's own markup and JSON-LD;
- `extractors`: trafilatura, then `density` (a readability-style fallback of ours);
- `render`: element trees to paragraphs of plain text;
- `gate`: the quality gate (`thin` outcomes and their reasons);
- `lang`: the language of the text (py3langid);
- `words`: word counts and the bag-of-words F1 used to benchmark extraction.

Extractors are tried in order (`prefer` first, then trafilatura, then density); the first
reading that passes the gate is taken. A reading that fails with a wall rule (interstitial,
cookie wall, paywall) describes the page: a later reading of fewer than
`gate.PHRASE_RULE_MAX_WORDS` words that passes is taken to be the chrome around the wall and
fails with the same reason. When every reading fails, the outcome is `thin` with the wall's
reading and reason if there was one, else with the longest reading.

Outcomes: `ok`; `thin` (`thin_extraction`, `reason` names the gate rule); `skipped`
(`content_type`: not an HTML page, e.g. a PDF, recorded as a link and never parsed);
`failed` (`too_large`: over a budget limit; `parse_error`: empty or unreadable document).
`extract_article` never raises.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime

from riverbed.core.dates import parse_date
from riverbed.core.errors import ErrorKind, RiverbedError
from riverbed.core.extract import budget, content, gate
from riverbed.core.extract.extractors import DENSITY, EXTRACTORS, TRAFILATURA, Candidate
from riverbed.core.extract.lang import detect_language
from riverbed.core.extract.metadata import PageMetadata, join_authors, normalise_line, read_metadata
from riverbed.core.extract.render import render
from riverbed.core.extract.words import count_words, word_f1, words
from riverbed.fetch.text import decode_text

__all__ = [
    "DENSITY",
    "EXTRACTION_VERSION",
    "EXTRACTORS",
    "OUTCOMES",
    "TRAFILATURA",
    "Extraction",
    "count_words",
    "detect_language",
    "extract_article",
    "word_f1",
    "words",
]

# `articles.outcome` values (contract): ok | thin | blocked | failed | skipped
OUTCOMES = ("ok", "thin", "blocked", "failed", "skipped")
# Changes whenever the same page may extract differently (extractors, gate, limits): a cache
# of extractions keyed on it is then recomputed.
EXTRACTION_VERSION = "1"
# The order extractors are tried in when no preference is given.
DEFAULT_ORDER = (TRAFILATURA, DENSITY)
# Gate rules that describe the page rather than one extractor's reading of it.
WALL_RULES = frozenset({"interstitial", "cookie_wall", "paywall"})

log = logging.getLogger(__name__)


@dataclass(slots=True)
class Extraction:
    """What was extracted from one page, and how good it is.

    `outcome`: `ok` (main text extracted and passed the quality gate), `thin` (extracted but
    flagged by the gate: shorter than the feed text, cookie wall, interstitial, paywall stub,
    boilerplate; `error_kind` = thin_extraction, `reason` says which), `skipped` (not HTML,
    e.g. a PDF: recorded as a link, `error_kind` = content_type), `failed` (the document
    could not be parsed at all; `error_kind` = parse_error, or too_large over a budget limit).
    """

    outcome: str
    extractor: str | None = None  # which extractor produced `text` (e.g. "trafilatura")
    title: str | None = None
    author: str | None = None
    published_at: datetime | None = None  # aware UTC, clamped to a plausible range
    text: str | None = None  # plain text, paragraphs separated by blank lines
    word_count: int = 0
    lang: str | None = None  # ISO 639-1, None when unsure
    error_kind: ErrorKind | None = None
    reason: str | None = None  # human-readable why, for thin/skipped/failed


def extract_article(
    body: bytes,
    *,
    url: str,
    content_type: str | None,
    feed_text: str | None = None,
    prefer: str | None = None,
) -> Extraction:
    """Extract the article in `body` (fetched from `url`).

    `feed_text`: the item's text from its feed, if any (the gate flags extractions shorter
    than it). `prefer`: the extractor that worked last time on this domain, tried first
    (an unknown name is ignored). Never raises: every failure is an `Extraction` with
    outcome `failed` or `skipped` and a contract error kind.
    """
    try:
        return _extract(
            body, url=url, content_type=content_type, feed_text=feed_text, prefer=prefer
        )
    except RiverbedError as error:
        return _failed(error.kind, error.message)
    except (RecursionError, MemoryError) as error:
        return _failed(
            ErrorKind.TOO_LARGE, f"page exhausted the extraction budget ({type(error).__name__})"
        )
    except Exception as error:  # a bug here must not fail the page's whole step
        log.warning("article extraction failed unexpectedly for %s", url, exc_info=True)
        return _failed(
            ErrorKind.PARSE_ERROR,
            f"unexpected extraction error: {type(error).__name__}: {error}"[:500],
        )


def _failed(kind: ErrorKind, reason: str) -> Extraction:
    outcome = "skipped" if kind is ErrorKind.CONTENT_TYPE else "failed"
    return Extraction(outcome, error_kind=kind, reason=reason)


def _extract(
    body: bytes,
    *,
    url: str,
    content_type: str | None,
    feed_text: str | None,
    prefer: str | None,
) -> Extraction:
    if len(body) > budget.MAX_BODY_BYTES:
        raise RiverbedError(
            ErrorKind.TOO_LARGE,
            f"page is {len(body):,} bytes (limit {budget.MAX_BODY_BYTES:,})",
        )
    verdict = content.classify(body, content_type)
    if not verdict.html:
        raise RiverbedError(ErrorKind.CONTENT_TYPE, verdict.reason or "not HTML")
    if not body.strip():
        raise RiverbedError(ErrorKind.PARSE_ERROR, "empty document")
    text = decode_text(body, content_type)
    if verdict.sniff and not content.looks_like_html(text):
        served = content.media_type(content_type) or "no Content-Type"
        raise RiverbedError(
            ErrorKind.CONTENT_TYPE,
            f"{served} body that is not HTML: recorded as a link, not parsed",
        )
    page = budget.parse_page(text)
    now = datetime.now(UTC)
    meta = read_metadata(page.root, now=now)
    budget.prune(page)

    page_paragraphs: list[str] | None = None

    def whole_page() -> list[str]:
        nonlocal page_paragraphs
        if page_paragraphs is None:
            body_element = page.root.find("body")
            page_paragraphs = render([body_element if body_element is not None else page.root])
        return page_paragraphs

    title_hint = meta.best_title() or meta.html_title
    tried: list[tuple[Candidate, gate.Verdict | None]] = []
    wall: tuple[Candidate, gate.Verdict] | None = None
    errors: list[str] = []
    for name in _order(prefer):
        try:
            candidate = EXTRACTORS[name](page, url)
        except (RecursionError, MemoryError):
            raise
        except Exception as error:  # an extractor's failure is one reading lost, not the page
            log.debug("extractor %s failed on %s", name, url, exc_info=True)
            errors.append(f"{name}: {type(error).__name__}")
            continue
        if candidate is None:
            continue
        _drop_title_line(candidate, [title_hint, candidate.title, meta.h1])
        verdict_ = gate.judge(
            candidate.paragraphs,
            title=meta.html_title or title_hint,
            feed_text=feed_text,
            anchor_texts=meta.anchor_texts,
            noscript_text=meta.noscript_text,
            page_paragraphs=whole_page,
        )
        if (
            verdict_ is None
            and wall is not None
            and count_words(candidate.text) < gate.PHRASE_RULE_MAX_WORDS
        ):
            # an earlier reading saw a wall; a short reading that passes has only kept the
            # chrome around it (the paywall box itself is what it left out)
            verdict_ = wall[1]
        tried.append((candidate, verdict_))
        if verdict_ is None:
            break
        if wall is None and verdict_.rule in WALL_RULES:
            wall = (candidate, verdict_)

    if not tried:
        empty = gate.judge(
            [],
            title=meta.html_title or title_hint,
            feed_text=feed_text,
            noscript_text=meta.noscript_text,
            page_paragraphs=whole_page,
        )
        reason = empty.reason if empty is not None else "too_short: no main text found"
        if empty is not None and empty.rule == "too_short":
            reason = "too_short: no main text found"
        if errors:
            reason += f" (extractors failed: {', '.join(errors)})"
        return _finish(
            Extraction("thin", error_kind=ErrorKind.THIN_EXTRACTION, reason=reason),
            None,
            meta,
            page,
        )

    passed = [c for c, v in tried if v is None]
    if passed:
        return _finish(Extraction("ok", extractor=passed[0].extractor), passed[0], meta, page)
    # Every reading failed the gate: a wall explains itself best; else keep the longest
    # reading (the first one on a tie).
    if wall is not None:
        candidate, failed_rule = wall
    else:
        chosen, rule = max(tried, key=lambda cv: count_words(cv[0].text))
        assert rule is not None
        candidate, failed_rule = chosen, rule
    result = Extraction(
        "thin",
        extractor=candidate.extractor,
        error_kind=ErrorKind.THIN_EXTRACTION,
        reason=failed_rule.reason,
    )
    return _finish(result, candidate, meta, page)


def _order(prefer: str | None) -> list[str]:
    if prefer in EXTRACTORS:
        return [prefer, *(n for n in DEFAULT_ORDER if n != prefer)]
    return list(DEFAULT_ORDER)


def _drop_title_line(candidate: Candidate, titles: list[str | None]) -> None:
    """Remove paragraphs that only repeat the title (the extraction is the body)."""
    keys = {normalise_line(t) for t in titles if t}
    keys.discard("")
    if keys:
        candidate.paragraphs = [p for p in candidate.paragraphs if normalise_line(p) not in keys]


def _finish(
    result: Extraction, candidate: Candidate | None, meta: PageMetadata, page: budget.Page
) -> Extraction:
    """Fill in the text, its measures and the page metadata."""
    result.title = (
        meta.best_title()
        or (candidate.title if candidate is not None else None)
        or meta.html_title
        or meta.h1
    )
    result.author = meta.author or (
        join_authors([candidate.author]) if candidate is not None and candidate.author else None
    )
    result.published_at = meta.published_at
    if result.published_at is None and candidate is not None and candidate.date:
        result.published_at = parse_date(candidate.date)
    if candidate is not None:
        text = candidate.text
        result.text = text or None
        result.word_count = count_words(text)
        result.lang = detect_language(text)
    if page.truncated and result.outcome != "ok" and result.reason:
        result.reason += (
            f"; markup nested deeper than {budget.PARSER_MAX_DEPTH} levels was cut off there"
        )
    return result
