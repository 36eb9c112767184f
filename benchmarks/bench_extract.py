"""Article extraction: `riverbed.core.extract.extract_article` against a naive baseline.

The pages are the demo corpus's good article pages (`riverbed.demo.articles.article_pages`,
~1,400 pages in five site layouts: semantic HTML5, WordPress, a newsroom's div soup with
"Read more" boxes and ads inside the story, a blog platform's hashed classes, a static-site
page with no <article>), each with its known main text. Both extractors run over every page
in one process (pages/s is per core) and are scored with bag-of-words F1 against the known
text (`word_f1`: case-folded word multisets). The baseline is all visible text of <body>
(lxml `text_content()`, with <script>, <style>, <noscript> and <template> dropped): perfect
recall, the page's boilerplate as its precision loss. When extract_article is available,
its outcomes on the corpus's deliberately thin pages (cookie wall, paywall stub, JavaScript
shell) and PDFs are checked against the expected ones too.

    uv run python benchmarks/bench_extract.py [--seed 7] [--day 2026-11-25] [--limit N] [--repeat 3]
"""

from __future__ import annotations

import argparse
import platform
import statistics
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path

import lxml.html

from riverbed.demo.articles import ArticlePage, article_pages

DAY = date(2026, 11, 25)
Extractor = Callable[[ArticlePage], str]


def _local_word_f1(extracted: str, reference: str) -> float:
    """Bag-of-words F1 (case-folded word multisets); used only if riverbed has none."""
    import re

    def bag(text: str) -> Counter[str]:
        return Counter(w.casefold() for w in re.findall(r"[^\W_]+(?:'[^\W_]+)*", text))

    got, want = bag(extracted), bag(reference)
    if not got and not want:
        return 1.0
    overlap = sum((got & want).values())
    if overlap == 0:
        return 0.0
    precision, recall = overlap / sum(got.values()), overlap / sum(want.values())
    return 2 * precision * recall / (precision + recall)


def _word_f1() -> Callable[[str, str], float]:
    try:
        from riverbed.core.extract import word_f1  # type: ignore[attr-defined]
    except ImportError:
        try:
            from riverbed.core.extract.words import word_f1
        except ImportError:
            return _local_word_f1
    return word_f1  # type: ignore[no-any-return]


word_f1 = _word_f1()


def baseline_text(page: ArticlePage) -> str:
    """All visible text of <body>: what a no-effort extractor returns."""
    root = lxml.html.document_fromstring(page.html_bytes)
    for element in root.xpath("//script|//style|//noscript|//template"):
        element.drop_tree()
    body = root.find("body")
    return " ".join((body if body is not None else root).text_content().split())


def riverbed_text(page: ArticlePage) -> str:
    from riverbed.core.extract import extract_article

    result = extract_article(page.html_bytes, url=page.url, content_type=page.content_type)
    return result.text or ""


def riverbed_available() -> str | None:
    """None when extract_article works, else why not (it is still being built)."""
    from riverbed.core.extract import extract_article

    probe = b"<html><body><article><p>probe text</p></article></body></html>"
    try:
        extract_article(probe, url="http://example.org/", content_type="text/html")
    except NotImplementedError as exc:
        return f"not implemented yet ({exc})"
    return None


def run(extract: Extractor, pages: Sequence[ArticlePage], repeat: int) -> tuple[float, list[float]]:
    """(best wall seconds over `repeat` passes, F1 of every page)."""
    best = float("inf")
    texts: list[str] = []
    for _ in range(max(1, repeat)):
        started = time.perf_counter()
        texts = [extract(page) for page in pages]
        best = min(best, time.perf_counter() - started)
    return best, [word_f1(text, page.body_text) for text, page in zip(texts, pages, strict=True)]


def outcomes(pages: Sequence[ArticlePage]) -> list[tuple[str, str, str, int]]:
    """(kind/detail, expected outcome, got outcome, pages) for the deliberately bad pages."""
    from riverbed.core.extract import extract_article

    tally: Counter[tuple[str, str, str]] = Counter()
    for page in pages:
        got = extract_article(page.html_bytes, url=page.url, content_type=page.content_type)
        label = f"{page.kind}/{page.detail}" if page.kind == "thin" else page.kind
        tally[label, page.expected_outcome, got.outcome] += 1
    return [(k, want, got, n) for (k, want, got), n in sorted(tally.items())]


def _cpu() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def _row(name: str, seconds: float, n: int, scores: list[float]) -> str:
    scores_sorted = sorted(scores)
    p10 = scores_sorted[len(scores_sorted) // 10]
    return (
        f"{name:<28} {seconds:8.3f} {n / seconds:9.0f} {statistics.mean(scores):8.3f}"
        f" {statistics.median(scores):9.3f} {p10:7.3f}"
    )


def main(argv: list[str] | None = None) -> int:
    args = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    args.add_argument("--seed", type=int, default=7)
    args.add_argument("--day", type=date.fromisoformat, default=DAY)
    args.add_argument("--limit", type=int, default=0, help="at most this many pages (0: all)")
    args.add_argument("--repeat", type=int, default=3)
    opts = args.parse_args(argv)

    every = article_pages(opts.seed, opts.day)
    pages = [p for p in every if p.kind == "good"]
    if opts.limit:
        pages = pages[: opts.limit]
    megabytes = sum(len(p.html_bytes) for p in pages) / 1e6
    templates = Counter(p.template for p in pages)
    print(
        f"corpus: {len(pages)} good article pages (demo seed {opts.seed}, day {opts.day}),"
        f" {megabytes:.1f} MB; " + ", ".join(f"{t} {n}" for t, n in sorted(templates.items()))
    )
    print(f"python {platform.python_version()} on {platform.machine()}, {_cpu()}; one process")

    extractors: list[tuple[str, Extractor]] = []
    missing = riverbed_available()
    if missing is None:
        extractors.append(("riverbed extract_article", riverbed_text))
    extractors.append(("naive <body> text (baseline)", baseline_text))

    print(
        f"{'extractor':<28} {'seconds':>8} {'pages/s':>9} {'mean F1':>8} {'median F1':>9} {'p10 F1':>7}"
    )
    by_template: dict[str, dict[str, list[float]]] = defaultdict(dict)
    for name, extract in extractors:
        seconds, scores = run(extract, pages, opts.repeat)
        print(_row(name, seconds, len(pages), scores))
        for template in sorted(templates):
            by_template[template][name] = [
                s for s, p in zip(scores, pages, strict=True) if p.template == template
            ]
    if missing is not None:
        print(f"riverbed extract_article: {missing}; baseline only")

    print(
        "mean F1 by layout: "
        + "; ".join(
            f"{t}: "
            + ", ".join(
                f"{name.split()[0]} {statistics.mean(s):.3f}" for name, s in rows.items() if s
            )
            for t, rows in sorted(by_template.items())
        )
    )

    if missing is None:
        bad = [p for p in every if p.kind in ("thin", "pdf")]
        print("deliberately bad pages: kind/detail, expected outcome -> got (pages)")
        for kind, want, got, n in outcomes(bad):
            mark = "" if want == got else "   <- differs"
            print(f"  {kind:<22} {want:>8} -> {got:<8} {n:4d}{mark}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
