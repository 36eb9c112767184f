"""The extractors: trafilatura first, then `density`, a readability-style fallback of ours.

Both take the parsed, pruned page (`budget.Page`) and neither modifies it (trafilatura
works on its own copy). Each returns a `Candidate` (paragraphs plus whatever metadata it
found) or None when it finds no main text; an extractor that raises is treated as having
found nothing by `extract_article`.

trafilatura options (`trafilatura_extract`) and why:
- `favor_precision=True`: a wrong paragraph (a comment, a teaser for another story) costs
  more than a missed one here, and the fallback can still recover pages it under-extracts;
- `include_comments=False`, `include_links=False`, `include_images=False`,
  `include_formatting=False`, `include_tables=True` (tables often carry the data a story is
  about);
- `with_metadata=True` with a date search that is not extensive (`extensive_search=False`:
  no guessing dates from free text; htmldate may still read one from the URL). Its title,
  author and date are used only where the page's own metadata (`metadata.py`) has none;
- `deduplicate=False` (its cache is process-global state: results would depend on what was
  extracted before), no `target_language`, no `url_blacklist`;
- `prune_xpath`: webmention lists (reader reactions its comment rules miss);
- the full cascade (comparison with its readability and jusText ports) up to
  `budget.FULL_CASCADE_MAX_ELEMENTS` elements, `fast=True` above; not run at all above
  `budget.TRAFILATURA_MAX_ELEMENTS`;
- its configuration is the packaged default (`trafilatura.settings.DEFAULT_CONFIG`): no
  settings file is read, and nothing here downloads anything (the page is passed as a tree).

`density` (`density_extract`) scores blocks as Arc90's readability does: elements that
cannot be content are skipped: class/id names of reader reactions and promotion (comment,
discussion, share, social, related, recommend, newsletter, paywall, cookie, consent, advert,
...) always; `nav`, `header`, `footer`, `aside`, `form`, `dialog`, `menu`, ARIA
navigation/banner/contentinfo/complementary/search roles, hidden elements and layout names
(sidebar, menu, masthead, widget, tags, ...) unless they hold `LAYOUT_SHARE` of the page's
text (an ASP.NET `<form>` or a "with-sidebar" wrapper around the whole page);
every element with at least `MIN_PARAGRAPH_CHARS` of its own text is a paragraph scored
1 + commas + one point per 100 characters (at most 3), added to its parent in full, its
grandparent by half and its great-grandparent by a sixth; candidates start from a tag
weight and a ±25 class/id weight, and their score is scaled by (1 - link density). The best
candidate is taken with those of its siblings that score at least a fifth as well, or are
paragraphs of plain prose; blocks inside it that are mostly links (lists over
`LIST_LINK_DENSITY`, others over `BLOCK_LINK_DENSITY`) and `h1` (the title) are left out.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Any

import trafilatura
from lxml import etree
from trafilatura.settings import DEFAULT_CONFIG, Extractor

from riverbed.core.extract.budget import (
    FULL_CASCADE_MAX_ELEMENTS,
    TRAFILATURA_MAX_ELEMENTS,
    Page,
)
from riverbed.core.extract.render import render

TRAFILATURA = "trafilatura"
DENSITY = "density"

# trafilatura and htmldate log every page they give up on at WARNING; that is an ordinary
# outcome here (reported as a thin or failed extraction), so only their errors are shown,
# unless the application configured these loggers itself.
for _name in ("trafilatura", "htmldate"):
    _logger = logging.getLogger(_name)
    if _logger.level == logging.NOTSET:
        _logger.setLevel(logging.ERROR)


@dataclass(slots=True)
class Candidate:
    """One extractor's reading of the page."""

    extractor: str
    paragraphs: list[str]
    title: str | None = None
    author: str | None = None
    date: str | None = None  # as the extractor found it (parsed later)

    @property
    def text(self) -> str:
        return "\n\n".join(self.paragraphs)


# -- trafilatura ----------------------------------------------------------------------------

# Reader reactions trafilatura's own comment rules do not know: IndieWeb webmentions
# ("5 replies" lists under blog posts).
TRAFILATURA_PRUNE_XPATH = [
    "//*[contains(@id, 'webmention') or contains(@class, 'webmention')]",
    "//*[contains(concat(' ', normalize-space(@class), ' '), ' mentions ')]",
]


def trafilatura_extract(page: Page, url: str | None) -> Candidate | None:
    """trafilatura's reading of the page (see the module docstring for the options)."""
    if page.elements > TRAFILATURA_MAX_ELEMENTS:
        return None
    # not extensive: no dates guessed from free text or the URL
    date_params: dict[str, Any] = {"original_date": True, "extensive_search": False}
    options = Extractor(
        config=DEFAULT_CONFIG,
        output_format="python",
        fast=page.elements > FULL_CASCADE_MAX_ELEMENTS,
        precision=True,
        comments=False,
        formatting=False,
        links=False,
        images=False,
        tables=True,
        dedup=False,
        url=url,
        with_metadata=True,
        date_params=date_params,
    )
    document: Any = trafilatura.bare_extraction(
        page.root, url=url, options=options, prune_xpath=TRAFILATURA_PRUNE_XPATH
    )
    if document is None:
        return None
    body = getattr(document, "body", None)
    paragraphs = render([body]) if body is not None else []
    if not paragraphs:
        return None
    return Candidate(
        extractor=TRAFILATURA,
        paragraphs=paragraphs,
        title=_str(getattr(document, "title", None)),
        author=_str(getattr(document, "author", None)),
        date=_str(getattr(document, "date", None)),
    )


def _str(value: object) -> str | None:
    return value.strip() or None if isinstance(value, str) else None


# -- density (readability-style) -----------------------------------------------------------

MIN_PARAGRAPH_CHARS = 25  # shorter text runs are not scored (captions, buttons, labels)
LAYOUT_SHARE = 0.6  # an element holding this share of the page's text is never skipped
BLOCK_LINK_DENSITY = 0.5  # a block inside the content that is mostly link text is left out
LIST_LINK_DENSITY = 0.35  # ... lists are left out sooner ("related stories", tag lists)
SIBLING_SHARE = 0.2  # siblings scoring a fifth of the best candidate are taken with it

SKIPPED_TAGS = frozenset(
    {"nav", "header", "footer", "aside", "form", "dialog", "menu", "fieldset", "label", "img"}
)
SKIPPED_ROLES = frozenset(
    {
        "navigation",
        "banner",
        "contentinfo",
        "complementary",
        "search",
        "dialog",
        "alertdialog",
        "menu",
        "menubar",
        "toolbar",
    }
)
INLINE_TAGS = frozenset(
    {
        "a",
        "abbr",
        "b",
        "bdi",
        "bdo",
        "big",
        "br",
        "cite",
        "code",
        "data",
        "del",
        "dfn",
        "em",
        "font",
        "i",
        "ins",
        "kbd",
        "mark",
        "q",
        "s",
        "samp",
        "small",
        "span",
        "strike",
        "strong",
        "sub",
        "sup",
        "time",
        "tt",
        "u",
        "var",
        "wbr",
    }
)
LIST_TAGS = frozenset({"ul", "ol", "dl"})
CLEANED_TAGS = frozenset(
    {"div", "section", "table", "tbody", "tr", "td", "p", "ul", "ol", "dl", "li", "blockquote"}
)
_NEGATIVE = re.compile(
    r"comment|disqus|cookie|consent|gdpr|share|sharing|social|related|recommend|newsletter"
    r"|subscri|paywall|breadcrumb|sidebar|side-bar|sponsor|advert|outbrain|taboola|popup"
    r"|modal|most-?read|popular|trending|promo|masthead|footer|header|menu|navbar|(?:^|[^a-z])nav"
    r"|(?:^|[^a-z])rail|banner|widget|pager|pagination|(?:^|[^a-z])tags?(?:$|[^a-z])|byline"
    r"|author-?bio|(?:^|[^a-z])meta(?:$|[^a-z])|skip-?link|print-only|signup|login",
    re.IGNORECASE,
)
_POSITIVE = re.compile(
    r"article|(?:^|[^a-z])body|content|entry|main|(?:^|[^a-z])post|story|(?:^|[^a-z])text|blog",
    re.IGNORECASE,
)
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)
_TAG_WEIGHT = {
    "div": 5,
    "article": 8,
    "main": 5,
    "section": 3,
    "pre": 3,
    "td": 3,
    "blockquote": 3,
    "address": -3,
    "ol": -3,
    "ul": -3,
    "dl": -3,
    "dd": -3,
    "dt": -3,
    "li": -3,
    "form": -3,
    "h1": -5,
    "h2": -5,
    "h3": -5,
    "h4": -5,
    "h5": -5,
    "h6": -5,
    "th": -5,
}
_COMMAS = re.compile("[,，、،]")
_SENTENCE_END = re.compile(r"[.!?。！？…]['\"”’)]?\s*$")


def density_extract(page: Page, url: str | None = None) -> Candidate | None:
    """The readability-style reading of the page (see the module docstring)."""
    body = page.root.find("body")
    if body is None:
        body = page.root
    tree = _Measured(body)
    scores = tree.score()
    if not scores:
        return None
    top = max(scores, key=lambda e: (scores[e], -tree.order[e]))
    selected = tree.with_siblings(top, scores)
    paragraphs = render(selected, skip=tree.left_out)
    if not paragraphs:
        return None
    return Candidate(extractor=DENSITY, paragraphs=paragraphs)


class _Measured:
    """Text and link lengths of every element of a subtree, computed bottom-up once."""

    def __init__(self, body: etree._Element) -> None:
        self.elements = [e for e in body.iter() if isinstance(e.tag, str)]
        self.order = {e: i for i, e in enumerate(self.elements)}
        self.text: dict[etree._Element, int] = {}
        self.links: dict[etree._Element, int] = {}
        self.commas: dict[etree._Element, int] = {}
        for element in reversed(self.elements):
            own = _strip_len(element.text)
            links = 0
            for child in element:
                if isinstance(child.tag, str):
                    own += self.text.get(child, 0)
                    links += self.links.get(child, 0)
                own += _strip_len(child.tail)
            self.text[element] = own
            self.links[element] = own if element.tag == "a" else links
        total = self.text.get(body, 0) or 1
        self.skipped = {e for e in self.elements if self._boilerplate(e, total)}
        self._dead: set[etree._Element] = set()

    def _boilerplate(self, element: etree._Element, total: int) -> bool:
        tag = element.tag
        if tag in ("body", "html", "main", "article"):
            return False
        names = f"{element.get('class') or ''} {element.get('id') or ''}"
        if names.strip() and _strong_negative(names):
            return True  # comments, share bars, related links: whatever their size
        if self.text.get(element, 0) >= LAYOUT_SHARE * total:
            return False  # a wrapper around most of the page ("with-sidebar", a <form>)
        if tag in SKIPPED_TAGS:
            return True
        if element.get("hidden") is not None:
            return True
        role = (element.get("role") or "").strip().lower()
        if role in SKIPPED_ROLES:
            return True
        style = element.get("style")
        if style and _HIDDEN_STYLE.search(style):
            return True
        if names.strip() and _NEGATIVE.search(names):
            return not _POSITIVE.search(names)
        return False

    def link_density(self, element: etree._Element) -> float:
        text = self.text.get(element, 0)
        return self.links.get(element, 0) / text if text else 0.0

    def score(self) -> dict[etree._Element, float]:
        """Readability scores of the candidate containers."""
        scores: dict[etree._Element, float] = {}
        live = self._live_elements()
        for element in live:
            if element.tag in INLINE_TAGS:
                continue
            text = self._own_text(element)
            if len(text) < MIN_PARAGRAPH_CHARS:
                continue
            points = 1 + len(_COMMAS.findall(text)) + min(len(text) // 100, 3)
            for level, ancestor in enumerate(element.iterancestors()):
                if level > 2 or not isinstance(ancestor.tag, str):
                    break
                if ancestor not in scores:
                    if ancestor.tag == "html":
                        break
                    scores[ancestor] = self._initial(ancestor)
                divider = 1 if level == 0 else 2 if level == 1 else level * 3
                scores[ancestor] += points / divider
        for element in scores:
            scores[element] *= 1 - self.link_density(element)
        return {e: s for e, s in scores.items() if e in live and s > 0}

    def _live_elements(self) -> set[etree._Element]:
        """Elements outside every skipped subtree."""
        live: set[etree._Element] = set()
        dead: set[etree._Element] = set()
        for element in self.elements:
            parent = element.getparent()
            if element in self.skipped or (parent is not None and parent in dead):
                dead.add(element)
            else:
                live.add(element)
        self._dead = dead
        return live

    def _initial(self, element: etree._Element) -> float:
        weight = float(_TAG_WEIGHT.get(element.tag, 0))
        for name in (element.get("class"), element.get("id")):
            if name:
                if _NEGATIVE.search(name):
                    weight -= 25
                if _POSITIVE.search(name):
                    weight += 25
        return weight

    def _own_text(self, element: etree._Element) -> str:
        """The text of `element` outside its block children (inline children included)."""
        parts = [element.text or ""]
        for child in element:
            if isinstance(child.tag, str) and child.tag in INLINE_TAGS:
                parts.extend(t for t in child.itertext() if isinstance(t, str))
            parts.append(child.tail or "")
        return " ".join(" ".join(parts).split())

    def with_siblings(
        self, top: etree._Element, scores: dict[etree._Element, float]
    ) -> list[etree._Element]:
        """The best candidate and the siblings that belong with it, in document order."""
        parent = top.getparent()
        if parent is None or top.tag in ("body", "html"):
            return [top]
        threshold = max(10.0, scores[top] * SIBLING_SHARE)
        top_class = top.get("class")
        chosen: list[etree._Element] = []
        for sibling in parent:
            if not isinstance(sibling.tag, str) or sibling in self.skipped:
                continue
            if sibling is top:
                chosen.append(sibling)
                continue
            bonus = (
                scores[top] * SIBLING_SHARE
                if top_class and sibling.get("class") == top_class
                else 0
            )
            scored = sibling in scores and scores[sibling] + bonus >= threshold
            if scored or (sibling.tag == "p" and self._prose(sibling)):
                chosen.append(sibling)
        return chosen

    def _prose(self, element: etree._Element) -> bool:
        text = self._own_text(element)
        density = self.link_density(element)
        if len(text) >= 80:
            return density < 0.25
        return density == 0 and len(text) > 0 and _SENTENCE_END.search(text) is not None

    def left_out(self, element: etree._Element) -> bool:
        """Whether rendering the chosen content leaves `element` out."""
        if element in self._dead or element.tag == "h1":
            return True
        if element.tag not in CLEANED_TAGS:
            return False
        density = self.link_density(element)
        if element.tag in LIST_TAGS:
            return density > LIST_LINK_DENSITY
        return density > BLOCK_LINK_DENSITY


_STRONG_NEGATIVE = re.compile(
    r"comment|disqus|cookie|consent|gdpr|share|sharing|social|related|recommend|newsletter"
    r"|paywall|outbrain|taboola|promo|breadcrumb|popular|most-?read|trending|sponsor|advert"
    r"|discussion|replies|webmention",
    re.IGNORECASE,
)


def _strong_negative(names: str) -> bool:
    """Class/id names that mark boilerplate even next to a positive word and even when
    the element is most of the page ("comments-content", "related-posts")."""
    return _STRONG_NEGATIVE.search(names) is not None


def _strip_len(text: str | None) -> int:
    return len(text.strip()) if text else 0


EXTRACTORS = {TRAFILATURA: trafilatura_extract, DENSITY: density_extract}
