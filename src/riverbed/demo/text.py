"""Natural-reading titles, summaries and discussion pages for the demo corpus (article
pages are in `riverbed.demo.articles`).

Pure functions of a seeded `random.Random` and their arguments: the same calls in the same
order give the same text.
"""

from __future__ import annotations

import random
import re
from html import escape

from riverbed.demo.words import (
    BIGNUMS,
    NEWS_BY_KIND,
    NEWS_SENTENCES,
    POST_TITLES,
    SENTENCES,
    SERVICES,
    Topic,
)

Slots = dict[str, str]


def capitalise(text: str) -> str:
    """Upper-case the first letter only ("eBPF" and "uv" stay as they are elsewhere)."""
    return text[:1].upper() + text[1:] if text else text


def brand_title(brand: str) -> str:
    return brand[:1].upper() + brand[1:]


def slugify(text: str, limit: int = 60) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return slug[:limit].rstrip("-") or "post"


def make_slots(rng: random.Random, topic: Topic, year: int, brand: str = "acme") -> Slots:
    """One coherent set of slot values: a product and one of its features, a rival, a
    problem, a metric…"""
    product = rng.choice(topic.products)
    rivals = [p.name for p in topic.products if p.kind and p.kind == product.kind and p != product]
    return {
        "product": product.name,
        "version": rng.choice(product.versions),
        "feature": rng.choice(product.features),
        "product2": rng.choice(rivals) if rivals else "",  # "": templates needing one are skipped
        "thing": rng.choice(topic.things),
        "problem": rng.choice(topic.problems),
        "metric": rng.choice(topic.metrics),
        "pct": str(rng.choice((18, 22, 27, 30, 35, 40, 45, 52, 60, 70, 83, 90))),
        "n": str(rng.randint(3, 12)),
        "minutes": str(rng.choice((7, 12, 25, 38, 47, 90))),
        "hours": str(rng.choice((2, 3, 4, 6, 9))),
        "bignum": rng.choice(BIGNUMS),
        "year": str(year),
        "brand": brand,
        "brand_title": brand_title(brand),
        "service": rng.choice(SERVICES),
        "tag": topic.tag,
    }


def fill(template: str, slots: Slots) -> str:
    return capitalise(template.format_map(slots))


_SLOT = re.compile(r"\{(\w+)\}")


def usable_templates(templates: tuple[str, ...], slots: Slots) -> list[str]:
    """The templates whose every slot has a non-empty value in `slots` (a blog post has no
    {cve}; a product without a rival has an empty {product2})."""
    return [t for t in templates if all(slots.get(name) for name in _SLOT.findall(t))]


def _usable(templates: tuple[str, ...], slots: Slots) -> list[str]:
    if slots.get("product2"):
        return list(templates)
    return [t for t in templates if "{product2}" not in t]


def post_title(rng: random.Random, slots: Slots) -> str:
    return fill(rng.choice(_usable(POST_TITLES, slots)), slots)


def sentences(rng: random.Random, slots: Slots, count: int) -> list[str]:
    usable = _usable(SENTENCES, slots)
    return [fill(s, slots) for s in rng.sample(usable, k=min(count, len(usable)))]


# Markup a careless or hostile feed might carry; the sanitiser must neutralise all of it.
HOSTILE_SNIPPETS = (
    '<script>document.location="javascript:alert(1)"</script>',
    '<img src="/images/missing.png" onerror="alert(document.cookie)">',
    '<a href="javascript:alert(&quot;xss&quot;)">a harmless-looking link</a>',
    '<a href="&#106;avascript:alert(1)">another link</a>',
    '<iframe src="javascript:alert(1)" width="1" height="1"></iframe>',
    '<p style="position:fixed;top:0;left:0;width:100%">Overlay</p>',
    '<svg onload="alert(1)"><circle r="4"/></svg>',
    '<form action="javascript:alert(1)"><input name="q"></form>',
)


def summary_html(
    rng: random.Random,
    slots: Slots,
    link: str,
    image_url: str | None,
    *,
    extra_link: tuple[str, str] | None = None,
    hostile: bool = False,
) -> str:
    """A feed item's HTML summary: one or two paragraphs, a link, maybe an image."""
    parts: list[str] = []
    first = sentences(rng, slots, rng.randint(2, 3))
    parts.append(f"<p>{escape(' '.join(first))}</p>")
    if image_url:
        alt = escape(slots["thing"], quote=True)
        parts.append(f'<p><img src="{escape(image_url)}" alt="{alt}" width="640" height="360"></p>')
    if extra_link:
        href, text = extra_link
        parts.append(
            f'<p>Related: <a href="{escape(href)}">{escape(text)}</a>. '
            f"{escape(sentences(rng, slots, 1)[0])}</p>"
        )
    if hostile:
        parts.append(rng.choice(HOSTILE_SNIPPETS))
    parts.append(f'<p><a href="{escape(link)}">Continue reading &#8594;</a></p>')
    return "\n".join(parts)


def content_html(rng: random.Random, slots: Slots, image_url: str | None) -> str:
    """A longer full-content body (RSS content:encoded, Atom content, JSON content_html)."""
    paras = [f"<p>{escape(' '.join(sentences(rng, slots, 3)))}</p>" for _ in range(3)]
    if image_url:
        paras.insert(1, f'<figure><img src="{escape(image_url)}" alt=""></figure>')
    code = f"<pre><code>$ {escape(slots['product'].lower().replace(' ', '-'))} --version\n"
    code += f"{escape(slots['product'])} {escape(slots['version'])}</code></pre>"
    paras.insert(2, code)
    paras.insert(1, f"<h2>{escape(capitalise(slots['thing']))}</h2>")
    return "\n".join(paras)


def _news_prose(rng: random.Random, slots: Slots, kind: str, count: int) -> str:
    """`count` sentences of a news story of `kind`: a lede naming the story's facts (what
    such a story says), then what a story of its kind or any story says."""
    specific = usable_templates(NEWS_BY_KIND.get(kind, ()), slots)
    general = usable_templates(NEWS_SENTENCES, slots)
    lede = rng.choice([t for t in specific if "{" in t] or specific or general)
    rest = [t for t in specific + general if t != lede]
    return " ".join(fill(t, slots) for t in [lede, *rng.sample(rest, k=count - 1)])


def news_summary_html(
    rng: random.Random, slots: Slots, kind: str, link: str, image_url: str | None
) -> str:
    """A news story's feed summary: two or three sentences of news prose from the story's
    facts (`kind`: a STORY_TITLES kind), maybe an image, a link."""
    parts = [f"<p>{escape(_news_prose(rng, slots, kind, rng.randint(2, 3)))}</p>"]
    if image_url:
        alt = escape(slots["thing"], quote=True)
        parts.append(f'<p><img src="{escape(image_url)}" alt="{alt}" width="640" height="360"></p>')
    parts.append(f'<p><a href="{escape(link)}">Continue reading &#8594;</a></p>')
    return "\n".join(parts)


def news_content_html(rng: random.Random, slots: Slots, kind: str, image_url: str | None) -> str:
    """A news story's full content in a feed: three short paragraphs of news prose."""
    paras = [f"<p>{escape(_news_prose(rng, slots, kind, 2))}</p>" for _ in range(3)]
    if image_url:
        paras.insert(1, f'<figure><img src="{escape(image_url)}" alt=""></figure>')
    return "\n".join(paras)


def discussion_page(site_name: str, title: str, link: str, comments: list[tuple[str, str]]) -> str:
    """A link aggregator's comment thread for one submission."""
    rows = "\n".join(
        f'<div class="comment"><span class="user">{escape(user)}</span><p>{escape(text)}</p></div>'
        for user, text in comments
    )
    return (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{escape(title)} | {escape(site_name)}</title></head>\n<body>\n"
        f'<h1><a href="{escape(link)}">{escape(title)}</a></h1>\n{rows}\n</body></html>\n'
    )
