"""Renderers for a day's digest: HTML page, Markdown, RSS 2.0, JSON Feed 1.1.

Pure functions of a `Digest` (the only I/O is reading this package's templates). Everything a
source published is treated as hostile and passes through `sanitize` first.
"""

from riverbed.core.render.feeds import render_json_feed, render_rss
from riverbed.core.render.html import render_digest_html, render_index_html, render_tags_html
from riverbed.core.render.markdown import escape_markdown, render_digest_markdown
from riverbed.core.render.sanitize import plain_text, safe_html, safe_url, xml_text
from riverbed.core.render.tags import tag_slug, tags_by_slug

__all__ = [
    "escape_markdown",
    "plain_text",
    "render_digest_html",
    "render_digest_markdown",
    "render_index_html",
    "render_json_feed",
    "render_rss",
    "render_tags_html",
    "safe_html",
    "safe_url",
    "tag_slug",
    "tags_by_slug",
    "xml_text",
]
