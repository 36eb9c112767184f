"""The digest as one self-contained HTML page (and the archive index of digests).

No external assets of any kind: inline CSS only (allowed by its hash in a strict
Content-Security-Policy), no scripts, images or fonts; no referrer is sent when a reader
follows a link. Jinja2 autoescapes every value; every URL comes from `safe_url`.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

import jinja2
from markupsafe import Markup

from riverbed.core.dates import is_day
from riverbed.core.models import Digest
from riverbed.core.render.sanitize import plain_text, safe_html, safe_url
from riverbed.core.render.tags import tag_slug
from riverbed.core.render.view import (
    TITLE_CHARS,
    EntryView,
    entry_views,
    human_time,
    iso8601,
    topic_groups,
)

_PACKAGE = "riverbed.core.render"
# A relative prefix of our own making ('tags/', '../../tags/', '../'): never a scheme or host.
_RELATIVE_BASE = re.compile(r"^(?:\.\./)*(?:[a-z0-9-]+/)*$")
_RELATIVE_PAGE = re.compile(r"^(?:\.\./)*(?:[a-z0-9-]+/)*[a-z0-9-]+\.html$")


@dataclass(frozen=True, slots=True)
class _Page:
    css: Markup
    csp: Markup


@lru_cache(maxsize=1)
def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader(_PACKAGE, "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["iso"] = iso8601
    env.filters["human"] = human_time
    return env


@lru_cache(maxsize=1)
def _page() -> _Page:
    css = (resources.files(_PACKAGE) / "templates" / "digest.css").read_text(encoding="utf-8")
    if "<" in css:  # it is inlined raw inside <style>: it must not be able to close it
        raise ValueError("digest.css must not contain '<'")
    digest = base64.b64encode(hashlib.sha256(css.encode("utf-8")).digest()).decode("ascii")
    csp = "; ".join(
        [
            "default-src 'none'",
            f"style-src 'sha256-{digest}'",
            "img-src 'none'",
            "font-src 'none'",
            "media-src 'none'",
            "script-src 'none'",
            "object-src 'none'",
            "frame-src 'none'",
            "connect-src 'none'",
            "base-uri 'none'",
            "form-action 'none'",
        ]
    )
    # Both are our own constants, checked above (the CSP holds only keywords and base64): they
    # are inlined verbatim, so the hash matches the style element byte for byte.
    return _Page(css=Markup(css), csp=Markup(csp))


def render_digest_html(
    digest: Digest,
    *,
    heading: str | None = None,
    tags_base: str | None = None,
    archive_href: str | None = None,
) -> str:
    """The digest as a standalone HTML page: stories grouped by topic when any entry has a
    `topic_label` (else one ranked list) with a table of contents, one card per story.

    Each card is `<article class="story" id="story-<story_id>" data-story-id="<story_id>">`
    (an id with characters other than letters, digits, '-' and '_' has them replaced by '-')
    holding the title link `a.story-title` (the story's URL, else its first discussion),
    `.sources`, `.summary` (the summary, else the excerpt, then also classed `excerpt`),
    `.why`, and `ul.discussions` with one `li` per discussion (its links and engagement).

    `heading` replaces the digest's title (e.g. for a per-tag page). `tags_base`, a relative
    URL prefix such as `"tags/"` or `"../../tags/"`, turns each tag into a link to
    `<tags_base><slug>/index.html` (`tag_slug`) and the footer to `<tags_base>index.html`
    (`render_tags_html`); None leaves tags as text. `archive_href`, a relative link such as
    `"../../archive.html"`, links the footer to the page of past digests (`render_index_html`).
    Pure: same arguments, same string."""
    if tags_base is not None and not _RELATIVE_BASE.match(tags_base):
        raise ValueError(f"tags_base must be a relative folder such as 'tags/': {tags_base!r}")
    if archive_href is not None and not _RELATIVE_PAGE.match(archive_href):
        raise ValueError(
            f"archive_href must be a relative page such as 'archive.html': {archive_href!r}"
        )
    entries = entry_views(digest)
    groups = topic_groups(entries)
    page = _page()
    tag_hrefs = (
        {t: f"{tags_base}{tag_slug(t)}/index.html" for e in entries for t in e.tags}
        if tags_base is not None
        else {}
    )
    return (
        _environment()
        .get_template("digest.html.j2")
        .render(
            css=page.css,
            csp=page.csp,
            heading=plain_text(heading or digest.title, TITLE_CHARS) or "riverbed digest",
            digest_date=plain_text(digest.digest_date, 32),
            generated_iso=iso8601(digest.generated_at),
            generated_human=human_time(digest.generated_at),
            entries=entries,
            groups=groups,
            grouped=groups[0].label is not None,
            tag_hrefs=tag_hrefs,
            tags_base=tags_base,
            archive_href=archive_href,
            home_url=safe_url(digest.home_url),
        )
    )


@dataclass(frozen=True, slots=True)
class _ArchiveRow:
    date: str
    count: int
    href: str


def render_index_html(
    digests: Sequence[tuple[str, int]], *, heading: str = "riverbed digests"
) -> str:
    """The page of past digests, `published/archive.html`: `(digest_date, n_stories)` newest
    first, each linking to `digest/<date>/index.html` (relative to `published/`). Malformed
    dates are left out."""
    rows = {
        date: _ArchiveRow(date=date, count=max(0, int(count)), href=f"digest/{date}/index.html")
        for date, count in digests
        if is_day(date)
    }
    return _render_listing(
        "index.html.j2",
        plain_text(heading, TITLE_CHARS) or "riverbed digests",
        digests=[rows[d] for d in sorted(rows, reverse=True)],
    )


def _render_listing(template: str, heading: str, **rows: Any) -> str:
    """A listing page (the digest archive, the tag index): the page's CSS and CSP, a
    heading, and its rows."""
    page = _page()
    return (
        _environment()
        .get_template(template)
        .render(css=page.css, csp=page.csp, heading=heading, **rows)
    )


@dataclass(frozen=True, slots=True)
class _TagRow:
    slug: str
    tag: str
    count: int
    href: str


def render_tags_html(
    tags: Sequence[tuple[str, str, int]], *, heading: str = "riverbed tags"
) -> str:
    """The page `published/tags/index.html`: `(slug, tag, n_stories)` rows, most stories
    first, each linking to `<slug>/index.html` and its feeds. Rows whose slug is not a
    `tag_slug` are left out (it would not name a folder of ours)."""
    rows = [
        _TagRow(
            slug=slug,
            tag=plain_text(tag, TITLE_CHARS) or slug,
            count=max(0, int(n)),
            href=f"{slug}/index.html",
        )
        for slug, tag, n in tags
        if isinstance(slug, str) and tag_slug(slug) == slug
    ]
    return _render_listing(
        "tags.html.j2",
        plain_text(heading, TITLE_CHARS) or "riverbed tags",
        tags=sorted(rows, key=lambda r: (-r.count, r.slug)),
    )


def render_entry_fragment(entry: EntryView) -> str:
    """A story's feed body as an HTML fragment (summary or excerpt, sources, topic, why,
    discussion links with their engagement, keywords), passed through `safe_html` like any
    other HTML a feed carries."""
    fragment = _environment().get_template("feed_item.html.j2").render(e=entry)
    return safe_html(fragment, max_chars=None).strip()
