"""`extract_article` on realistic pages: the body is extracted, the chrome is not, and the
metadata, language, word count and outcome are right."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest

from riverbed.core.errors import ErrorKind
from riverbed.core.extract import Extraction, extract_article
from riverbed.core.extract import extractors as extractors_module
from riverbed.core.extract.budget import parse_page, prune
from riverbed.core.extract.extractors import trafilatura_extract
from riverbed.core.extract.words import count_words, word_f1
from riverbed.core.text import html_to_text

Page = Callable[[str], bytes]
URL = "https://news.example.com/2024/03/05/story"

NEWS_BODY = [
    "After more than ten years of consultations, lawsuits and two abandoned designs",
    "The barrier, which will cost an estimated 48 million euros",
    '"This is the day residents of Lowmarsh have been waiting for since the floods of 2013,"',
    "Councillor Ana Ruiz said the vote ignored a hydrology report",
    "Removable glass panels will keep views of the water open along the promenade.",
    "Traffic on Quay Street will be reduced to a single lane",
    "called for compensation to be written into the contracts.",
    "with the remainder coming from municipal bonds to be issued later this year.",
]
NEWS_CHROME = [
    "Weather forecast and tide tables",  # navigation
    "Search the Gazette",
    "We use cookies to improve your experience",  # cookie banner
    "Share on Twitter",
    "Storm damage bill for the harbour passes 12 million",  # related stories
    "Finally! My cellar has been flooded",  # comments
    "Read the 2021 report before cheering",
    "Harbour crane collapses during routine inspection",  # sidebar
    "Sign up for our morning briefing newsletter",
    "All rights reserved",  # footer
    "Terms of use",
    "local government correspondent",  # byline
]


def extract(page: Page, name: str, **kwargs: object) -> Extraction:
    content_type = kwargs.pop("content_type", "text/html; charset=utf-8")
    return extract_article(page(name), url=URL, content_type=content_type, **kwargs)  # type: ignore[arg-type]


def assert_body(result: Extraction, present: list[str], absent: list[str]) -> None:
    assert result.text is not None
    for sentence in present:
        assert sentence in result.text, f"missing body text: {sentence!r}"
    for chrome in absent:
        assert chrome not in result.text, f"boilerplate extracted: {chrome!r}"


@pytest.mark.parametrize("prefer", [None, "trafilatura", "density"])
def test_news_article_body_without_chrome(page: Page, prefer: str | None) -> None:
    result = extract(page, "news_article.html", prefer=prefer)
    assert result.outcome == "ok", result.reason
    assert result.error_kind is None and result.reason is None
    assert result.extractor == (prefer or "trafilatura")
    assert_body(result, NEWS_BODY, NEWS_CHROME)
    assert result.title == "City council approves riverside flood barrier after decade of debate"
    assert result.author == "Maria Okafor"
    assert result.published_at == datetime(2024, 3, 5, 13, 30, tzinfo=UTC)
    assert result.lang == "en"
    assert 300 <= result.word_count <= 340
    assert result.word_count == count_words(result.text)


def test_news_article_paragraphs_are_separated_by_blank_lines(page: Page) -> None:
    result = extract(page, "news_article.html")
    assert result.text is not None
    paragraphs = result.text.split("\n\n")
    assert paragraphs[0].startswith("After more than ten years")
    assert "Construction to begin next spring" in paragraphs  # the subheading, on its own
    assert not any(p != p.strip() or "  " in p for p in paragraphs)


@pytest.mark.parametrize("prefer", [None, "density"])
def test_news_article_matches_its_known_body(page: Page, prefer: str | None) -> None:
    markup = page("news_article.html").decode()
    story_body = markup.split('<div class="story-body">')[1].split("</div>")[0]
    reference = html_to_text(story_body, 100_000) or ""
    assert count_words(reference) > 300
    result = extract(page, "news_article.html", prefer=prefer)
    assert result.text is not None
    assert word_f1(result.text, reference) > 0.97


@pytest.mark.parametrize("prefer", [None, "density"])
def test_blog_post_keeps_code_blocks_line_by_line(page: Page, prefer: str | None) -> None:
    result = extract(page, "blog_code.html", prefer=prefer)
    assert result.outcome == "ok", result.reason
    assert result.text is not None
    assert (
        "EXPLAIN (ANALYZE, BUFFERS)\nSELECT customer_id, sum(amount)\nFROM invoices\n"
        "WHERE issued_at >= now() - interval '30 days'\nGROUP BY customer_id;"
    ) in result.text
    assert "ANALYZE invoices;\n-- then check the statistics target for the column" in result.text
    assert_body(
        result,
        [
            "Last week a dashboard at work started timing out.",
            "Stale statistics were the culprit.",
            "the dashboard query dropped from forty seconds to under two hundred milliseconds",
            # inline code stays inside its sentence
            "with nothing more than EXPLAIN ANALYZE and a bit of patience.",
        ],
        [
            "Recent posts",
            "Database internals weekly",
            "Hosted on a small server in my cupboard",
            "Understanding vacuum freeze",
            "Tagged:",
        ],
    )
    assert result.title == "Debugging a slow Postgres query with EXPLAIN ANALYZE"
    assert result.author == "Priya Raman"
    assert result.published_at == datetime(2023, 11, 18, tzinfo=UTC)


def test_json_ld_metadata(page: Page) -> None:
    result = extract(page, "jsonld_article.html")
    assert result.outcome == "ok", result.reason
    assert result.title == "Inside the lab growing coral on 3D-printed reefs"
    assert result.author == "Tomás Herrera"
    assert result.published_at == datetime(2024, 6, 12, 11, 45, tzinfo=UTC)
    assert result.published_at.tzinfo is UTC
    assert_body(
        result,
        [
            "a team of marine biologists is printing the skeletons of reefs",
            "settlement rates were roughly four times higher than on flat concrete blocks",
            "It plans to publish a comparison of materials next year.",
        ],
        ["Get the weekly digest", "Support independent science journalism", "Company no."],
    )


def test_cookie_wall_is_thin(page: Page) -> None:
    result = extract(page, "cookie_wall.html")
    assert result.outcome == "thin"
    assert result.error_kind is ErrorKind.THIN_EXTRACTION
    assert result.reason is not None and result.reason.startswith("cookie_wall")


def test_paywall_stub_is_thin(page: Page) -> None:
    result = extract(page, "paywall.html")
    assert result.outcome == "thin"
    assert result.error_kind is ErrorKind.THIN_EXTRACTION
    assert result.reason is not None and result.reason.startswith("paywall")
    assert result.text is not None and "Six months later the deal is dead" in result.text
    assert result.title == "The quiet collapse of the regional bank merger"
    assert result.published_at == datetime(2024, 4, 2, 6, 0, tzinfo=UTC)


@pytest.mark.parametrize("prefer", [None, "density"])
def test_cloudflare_interstitial_is_thin(page: Page, prefer: str | None) -> None:
    result = extract(page, "interstitial.html", prefer=prefer)
    assert result.outcome == "thin"
    assert result.error_kind is ErrorKind.THIN_EXTRACTION
    assert result.reason is not None and result.reason.startswith("interstitial")


def test_js_app_shell_is_thin(page: Page) -> None:
    result = extract(page, "js_shell.html")
    assert result.outcome == "thin"
    assert result.error_kind is ErrorKind.THIN_EXTRACTION
    assert result.reason is not None
    assert result.reason.startswith("interstitial") and "JavaScript" in result.reason
    assert result.text is None and result.word_count == 0 and result.lang is None
    assert result.title == "Acme Dashboard"


def test_german_article(page: Page) -> None:
    result = extract(page, "german_article.html")
    assert result.outcome == "ok", result.reason
    assert result.lang == "de"
    assert result.author == "Jonas Weber"
    assert result.published_at == datetime(2024, 2, 20, 7, 15, tzinfo=UTC)
    assert_body(
        result,
        [
            "ob sich Wärmepumpen auch in unsanierten Altbauten wirtschaftlich betreiben lassen",
            "Die Ergebnisse sollen im Frühjahr 2026 veröffentlicht werden.",
            "Kritik kommt von der Verbraucherzentrale.",
        ],
        ["Startseite", "Impressum", "Datenschutz", "Rheinischer Kurier GmbH"],
    )


def test_french_article(page: Page) -> None:
    result = extract(page, "french_article.html")
    assert result.outcome == "ok", result.reason
    assert result.lang == "fr"
    assert result.author == "Claire Dubois"
    assert result.published_at == datetime(2024, 5, 3, tzinfo=UTC)
    assert_body(
        result,
        ["les habitants des pentes de la Croix-Rousse voient apparaître des bacs"],
        ["Mentions légales", "Accueil"],
    )


@pytest.mark.parametrize("name", ["meta_charset_cp1252.html", "meta_charset_latin1.html"])
@pytest.mark.parametrize("content_type", ["text/html", None])
def test_charset_from_meta_tag(page: Page, name: str, content_type: str | None) -> None:
    body = page(name)
    with pytest.raises(UnicodeDecodeError):
        body.decode("utf-8")  # the fixture really is single-byte encoded
    result = extract(page, name, content_type=content_type)
    assert result.outcome == "ok", result.reason
    assert result.title == "Café culture on the waterfront – a visitor’s guide"
    assert_body(
        result,
        [
            "a row of cafés now serves crème brûlée, pain au chocolat",
            "“We wanted somewhere that felt like the harbour towns of Brittany,” says Renée Lefèvre",
            "a coffee and a croissant cost about €4",
            "The naïve visitor should know that the best seats – the ones facing the lighthouse –",
        ],
        ["\ufffd", "Ã©", "Guides", "Harbour Visitor Guide"],
    )


def test_header_charset_wins_over_meta(page: Page) -> None:
    # A wrong header charset is what a browser would use too: the text comes out mojibake.
    result = extract(page, "meta_charset_cp1252.html", content_type="text/html; charset=utf-8")
    assert result.text is not None and "crème brûlée" not in result.text


def test_utf8_bom(page: Page) -> None:
    body = page("bom_utf8.html")
    assert body.startswith(b"\xef\xbb\xbf")
    # the BOM wins over a wrong header charset, as in browsers
    result = extract(page, "bom_utf8.html", content_type="text/html; charset=iso-8859-1")
    assert result.outcome == "ok", result.reason
    assert result.title == "Zürich opens its first car-free bridge"
    assert_body(result, ["Zürich has opened a bridge across the Limmat"], ["Alpine Cities Review"])


def test_utf16_bom() -> None:
    html = "<html><head><title>Grüße</title></head><body><article>" + "".join(
        f"<p>Paragraph {i} of a page written in UTF-16 with a byte-order mark, über alles.</p>"
        for i in range(12)
    )
    body = b"\xff\xfe" + (html + "</article></body></html>").encode("utf-16-le")
    result = extract_article(body, url=URL, content_type="text/html")
    assert result.outcome == "ok", result.reason
    assert result.title == "Grüße"
    assert result.text is not None and "Paragraph 11 of a page written in UTF-16" in result.text


@pytest.mark.parametrize("content_type", ["application/pdf", "application/pdf; qs=0.001"])
def test_pdf_is_skipped_unparsed(page: Page, content_type: str) -> None:
    result = extract(page, "document.pdf", content_type=content_type)
    assert result.outcome == "skipped"
    assert result.error_kind is ErrorKind.CONTENT_TYPE
    assert result.reason is not None and "application/pdf" in result.reason
    assert result.text is None and result.title is None and result.extractor is None


@pytest.mark.parametrize("content_type", ["text/html", "application/octet-stream", None])
def test_pdf_served_as_something_else_is_sniffed(page: Page, content_type: str | None) -> None:
    # the PDF holds "<html><body>not html</body></html>": it must not be read as a page
    result = extract(page, "document.pdf", content_type=content_type)
    assert result.outcome == "skipped"
    assert result.error_kind is ErrorKind.CONTENT_TYPE
    assert result.reason is not None and "PDF" in result.reason


@pytest.mark.parametrize(
    "content_type", ["text/plain", "text/plain; charset=utf-8", "application/octet-stream", None]
)
def test_html_served_as_text_plain_is_sniffed(page: Page, content_type: str | None) -> None:
    result = extract(page, "news_article.html", content_type=content_type)
    assert result.outcome == "ok", result.reason
    assert_body(result, NEWS_BODY[:2], NEWS_CHROME[:3])


def test_plain_text_is_skipped() -> None:
    body = ("This is a plain text file. It has <b>no</b> markup worth the name.\n" * 30).encode()
    result = extract_article(body, url=URL, content_type="text/plain")
    assert result.outcome == "skipped"
    assert result.error_kind is ErrorKind.CONTENT_TYPE
    assert result.reason is not None and "text/plain" in result.reason


def test_xhtml_content_type_is_html(page: Page) -> None:
    result = extract(page, "news_article.html", content_type="application/xhtml+xml")
    assert result.outcome == "ok", result.reason


def test_trafilatura_finds_nothing_but_the_fallback_does(page: Page) -> None:
    # the premise: trafilatura (precision mode) finds none of a story told in figure captions
    # (it drops <figure>), at most the headline and the photo credit
    parsed = parse_page(page("photo_essay.html").decode())
    prune(parsed)
    alone = trafilatura_extract(parsed, URL)
    assert alone is None or ("Aldo Brenner" not in alone.text and count_words(alone.text) < 30)

    result = extract(page, "photo_essay.html")
    assert result.outcome == "ok", result.reason
    assert result.extractor == "density"
    assert result.title == "Photo essay: the last ferrymen of the Wend estuary"
    assert result.published_at == datetime(2024, 8, 30, 6, 0, tzinfo=UTC)
    assert_body(
        result,
        [
            "Before dawn, Aldo Brenner checks the diesel engine of the Margarethe",
            "The crossing takes eleven minutes at slack water",
            "nobody has yet worked out how to pay for it.",
        ],
        ["Photos", "About us", "© 2024 The Harbour Gazette", "Photographs by Ines Mathisen"],
    )


def test_table_layout_page_with_the_fallback(page: Page) -> None:
    result = extract(page, "table_layout.html", prefer="density")
    assert result.outcome == "ok", result.reason
    assert result.extractor == "density"
    assert result.text is not None
    paragraphs = result.text.split("\n\n")
    # <br><br> separates paragraphs
    assert paragraphs[1].startswith("The club layout finally ran for a full afternoon")
    assert paragraphs[1].endswith("with isopropyl alcohol and a soft cloth.")
    assert_body(result, ["the library has received a donation of forty back issues"], ["Meetings"])


def test_fallback_when_trafilatura_raises(page: Page, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: object) -> None:
        raise ValueError("trafilatura blew up")

    monkeypatch.setitem(extractors_module.EXTRACTORS, "trafilatura", broken)
    result = extract(page, "news_article.html")
    assert result.outcome == "ok", result.reason
    assert result.extractor == "density"
    assert_body(result, NEWS_BODY, NEWS_CHROME)


def test_fallback_when_trafilatura_returns_too_little(
    page: Page, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = extractors_module.trafilatura_extract

    def stingy(*args: object) -> extractors_module.Candidate | None:
        found = real(*args)  # type: ignore[arg-type]
        assert found is not None
        found.paragraphs = found.paragraphs[:1]
        return found

    monkeypatch.setitem(extractors_module.EXTRACTORS, "trafilatura", stingy)
    result = extract(page, "news_article.html")
    assert result.outcome == "ok", result.reason
    assert result.extractor == "density"


def test_all_extractors_fail_gives_thin_not_an_exception(
    page: Page, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object) -> None:
        raise RuntimeError("boom")

    for name in ("trafilatura", "density"):
        monkeypatch.setitem(extractors_module.EXTRACTORS, name, broken)
    result = extract(page, "news_article.html")
    assert result.outcome == "thin"
    assert result.error_kind is ErrorKind.THIN_EXTRACTION
    assert result.reason is not None and "extractors failed" in result.reason
    assert result.title == "City council approves riverside flood barrier after decade of debate"


def test_unknown_preference_is_ignored(page: Page) -> None:
    result = extract(page, "news_article.html", prefer="readability-9000")
    assert result.outcome == "ok"
    assert result.extractor == "trafilatura"


def test_shorter_than_feed_text(page: Page) -> None:
    ok = extract(page, "news_article.html")
    assert ok.text is not None
    feed_text = ok.text + "\n\n" + ok.text  # the feed carried twice what the page gave
    result = extract(page, "news_article.html", feed_text=feed_text)
    assert result.outcome == "thin"
    assert result.error_kind is ErrorKind.THIN_EXTRACTION
    assert result.reason is not None and result.reason.startswith("shorter_than_feed")
    # a feed summary shorter than the page is fine
    summary = "The council voted 9 to 4 to fund a 2.3 km flood barrier along the Wend river."
    assert extract(page, "news_article.html", feed_text=summary).outcome == "ok"


def test_same_page_same_result(page: Page) -> None:
    first = extract(page, "jsonld_article.html")
    second = extract(page, "jsonld_article.html")
    assert first == second


@pytest.mark.parametrize("prefer", [None, "density"])
def test_chrome_inside_the_article_container_is_left_out(page: Page, prefer: str | None) -> None:
    result = extract(page, "embedded_chrome.html", prefer=prefer)
    assert result.outcome == "ok", result.reason
    assert result.extractor == (prefer or "trafilatura")
    assert_body(
        result,
        [
            "For the first time in eleven years, a sleeper train left the capital",
            "Tickets went on sale in June and the first month sold out within days",
            "The transport ministry has said that it will review the contract",
            "to loud applause from the crowd along the platform.",
        ],
        [
            "Share this story",  # share bar
            "Sign up to our weekly newsletter",  # newsletter box
            "Why sleeper trains disappeared",  # related articles
            "Holiday cottages on the northern coast",  # advert
            "Hidden survey",  # display:none
            "I took this train as a child",  # comments
            "Does anyone know whether bicycles can be taken on board?",
            "Tracks Media",  # footer
            "Features",  # navigation
        ],
    )
    assert result.published_at == datetime(2024, 9, 14, 3, 0, tzinfo=UTC)


def _fake(paragraphs: list[str], name: str) -> Callable[..., extractors_module.Candidate]:
    def extractor(*args: object) -> extractors_module.Candidate:
        return extractors_module.Candidate(extractor=name, paragraphs=list(paragraphs))

    return extractor


def _prose(words: int) -> list[str]:
    sentence = "The harbour committee met again on Thursday to argue about the ferry budget. "
    count = len(sentence.split())
    return [f"Paragraph {i}. {sentence * 3}" for i in range(words // (3 * count + 2) + 1)]


@pytest.mark.parametrize(("density_words", "outcome"), [(150, "thin"), (400, "ok")])
def test_a_wall_seen_by_one_extractor_stands_against_a_short_reading(
    page: Page, monkeypatch: pytest.MonkeyPatch, density_words: int, outcome: str
) -> None:
    stub = [*_prose(60), "Already a subscriber? Sign in to read the rest of this story."]
    monkeypatch.setitem(extractors_module.EXTRACTORS, "trafilatura", _fake(stub, "trafilatura"))
    monkeypatch.setitem(
        extractors_module.EXTRACTORS, "density", _fake(_prose(density_words), "density")
    )
    result = extract(page, "news_article.html")
    assert result.outcome == outcome
    if outcome == "thin":
        assert result.reason is not None and result.reason.startswith("paywall")
        assert result.extractor == "trafilatura"  # the reading that saw the wall
        assert result.text is not None and "Already a subscriber" in result.text
    else:
        assert result.extractor == "density"
