"""The digest as Markdown (CommonMark/GFM), for reading raw or pasting anywhere.

Every field is one line (whitespace collapsed) and every character Markdown could read as
syntax or raw HTML is backslash-escaped, so a title can neither inject HTML nor a link nor
break the layout; links are written only for safe http(s) URLs.
"""

from __future__ import annotations

import re

from riverbed.core.models import Digest
from riverbed.core.render.sanitize import plain_text
from riverbed.core.render.view import TITLE_CHARS, EntryView, entry_views, human_time, topic_groups

# Characters with a meaning in CommonMark/GFM inline syntax wherever they stand: emphasis,
# code, link/image brackets, raw HTML and autolinks, entities, table cells, strikethrough,
# closing '#'s of a heading. A backslash before ASCII punctuation is always a literal. '(' and
# '!' need no escape once '[' and ']' have one; line-start markers are handled separately.
_SPECIAL = re.compile(r"([\\`*_\[\]<>#|~&])")
_LINE_START = re.compile(r"^(\d*)([-+=.)])")
# Inside a link destination: '(' ')' must be balanced and '<' '>' ' ' end it; encode them.
_DESTINATION = str.maketrans({"(": "%28", ")": "%29", "<": "%3C", ">": "%3E", " ": "%20"})


def escape_markdown(text: str) -> str:
    """`text` with Markdown syntax characters backslash-escaped (expects one line)."""
    return _SPECIAL.sub(r"\\\1", text)


def _escape_line_start(text: str) -> str:
    """Also escape what only means something at the start of a line: a list marker ('-', '+',
    '1.'), a thematic break or setext underline ('---', '===')."""
    return _LINE_START.sub(r"\1\\\2", text)


def _link(text: str, url: str | None) -> str:
    label = escape_markdown(text)
    return f"[{label}]({url.translate(_DESTINATION)})" if url else label


def _entry(e: EntryView, heading: str) -> list[str]:
    title = _link(e.title, e.link)
    host = f" ({escape_markdown(e.host)})" if e.host else ""
    lines = [f"{heading} {e.rank}. {title}{host}", ""]
    meta = []
    if e.source_ids:
        meta.append(escape_markdown(", ".join(e.source_ids)))
    if e.published_at is not None:
        meta.append(f"published {human_time(e.published_at)}")
    if e.published_at != e.first_seen_at:
        meta.append(f"first seen {human_time(e.first_seen_at)}")
    if e.score is not None:
        meta.append(f"score {e.score:.3f}")
    if meta:
        lines += ["_" + " · ".join(meta) + "_", ""]
    if e.text:
        lines += [f"> {_escape_line_start(escape_markdown(e.text))}", ""]
    if e.why:
        lines += [f"Why: {escape_markdown(e.why)}", ""]
    for d in e.discussions:
        # the source links to its own post unless that is the title's link and the
        # discussion has a page of its own (as on the HTML page)
        own = d.url if d.url and (d.url != e.url or not d.comments_url) else None
        item = _link(d.source_id, own)
        if d.comments_url:
            item += " — " + _link(d.engagement or "discussion", d.comments_url)
        elif d.engagement:
            item += " — " + escape_markdown(d.engagement)
        lines.append(f"- {item}")
    if e.discussions:
        lines.append("")
    if e.keywords:
        lines += ["Keywords: " + escape_markdown(", ".join(e.keywords)), ""]
    if e.tags:
        lines += ["Tags: " + escape_markdown(", ".join(e.tags)), ""]
    return lines


def render_digest_markdown(digest: Digest, *, heading: str | None = None) -> str:
    """The digest in Markdown: same content and grouping as the HTML page (a '##' section
    per topic, a '###' per story with its link, sources, summary or excerpt, why, every
    discussion with its engagement, keywords and tags). Pure."""
    entries = entry_views(digest)
    title = plain_text(heading or digest.title, TITLE_CHARS) or "riverbed digest"
    date = plain_text(digest.digest_date, 32)
    count = f"{len(entries)} {'story' if len(entries) == 1 else 'stories'}"
    lines = [
        f"# {escape_markdown(title)} — {escape_markdown(date)}",
        "",
        f"_{count} · generated {human_time(digest.generated_at)}_",
        "",
    ]
    if not entries:
        lines += ["No stories in this digest.", ""]
    groups = topic_groups(entries)
    # stories are '###' under their topic's '##', or the '##'s themselves without topics
    heading = "###" if groups[0].label else "##"
    for group in groups:
        if group.label:
            lines += [f"## {escape_markdown(group.label)} · {group.count}", ""]
        for e in group.entries:
            lines += _entry(e, heading)
    return "\n".join(lines).rstrip("\n") + "\n"
