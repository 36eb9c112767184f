"""parse_feed on real-world-shaped documents: every format, charset, and failure it must name."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from riverbed.core.errors import ErrorKind, RiverbedError
from riverbed.core.models import MAX_PROBLEMS, ItemProblem, ParseResult
from riverbed.sources.feed_bytes import cap_text_runs
from riverbed.sources.rss import parse_feed

FEEDS = Path(__file__).parent.parent / "fixtures" / "feeds"
NOW = datetime(2025, 6, 1, tzinfo=UTC)
BASE = "https://feeds.example.com/feed.xml"


def parse(name: str, **kwargs: object) -> ParseResult:
    options: dict[str, object] = {"base_url": BASE, "now": NOW, **kwargs}
    return parse_feed((FEEDS / name).read_bytes(), **options)  # type: ignore[arg-type]


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


def rows(result: ParseResult) -> list[tuple[object, ...]]:
    return [(i.external_id, i.url, i.title, i.author, i.published_at, i.text) for i in result.items]


# (fixture, format, feed title, [(external_id, url, title, author, published_at, text)])
FIXTURES = [
    (
        "rss20_wordpress.xml",
        "rss20",
        "Planet Storage – Notes on databases",
        [
            (
                "https://planetstorage.example.com/?p=4812",
                "https://planetstorage.example.com/2025/05/postgres-17-incremental-backup/",
                "Why Postgres 17’s incremental backup changes everything",
                "Maria Lindqvist",
                utc(2025, 5, 12, 9, 0),
                "Incremental backups landed in Postgres 17. Here is what they mean for your"
                " restore times. The WAL summarizer A new background process, the walsummarizer,"
                " records which blocks changed. Restores now combine a full backup with"
                " increments & replay far less WAL.",
            ),
            (
                "https://planetstorage.example.com/2025/05/vacuum-tuning/",
                "https://planetstorage.example.com/2025/05/vacuum-tuning/",
                "Vacuum tuning cheat sheet",
                "Tom Okafor",
                utc(2025, 5, 9, 20, 45, 12),
                "Autovacuum settings that matter, and the ones that don’t."
                " autovacuum_vacuum_scale_factor autovacuum_naptime",
            ),
            (
                "https://planetstorage.example.com/?p=4790",
                "https://planetstorage.example.com/2025/05/podcast-storage-engines/",
                "Podcast: storage engines with Andy",
                "Maria Lindqvist",
                utc(2025, 5, 6, 15, 30),
                "We talk LSM trees, B-trees and why your SSD lies to you.",
            ),
        ],
    ),
    (
        "rss091_netscape.xml",
        "rss091",
        "Scripting News",
        [
            (
                None,
                "http://www.scripting.com/2002/09/30.html#cafe",
                "Café notes: outliners & weblogs",
                None,
                None,
                "Joshua Allen: Who loves ya baby? Outliners and weblogs, together at last.",
            ),
            (
                None,
                "http://news.com.com/2100-1001-960059.html?tag=fd_top",
                "News.Com: Microsoft's .NET plans",
                None,
                None,
                "News.Com has a story about the .NET plans.",
            ),
        ],
    ),
    (
        "rdf_arxiv.xml",
        "rdf",
        "cs.DB updates on arXiv.org",
        [
            (
                "http://arxiv.org/abs/2505.06123",
                "http://arxiv.org/abs/2505.06123",
                "Learned Cardinality Estimation Under Workload Drift. (arXiv:2505.06123v1 [cs.DB])",
                "Li Chen, Petra Novak",
                None,
                "Learned cardinality estimators degrade when the query workload drifts."
                " We propose DriftGuard, which detects drift and retrains incrementally.",
            ),
            (
                "http://arxiv.org/abs/2505.05871",
                "http://arxiv.org/abs/2505.05871",
                "A Survey of Vector Database Management Systems."
                " (arXiv:2505.05871v2 [cs.DB] UPDATED)",
                "Kenji Ito",
                None,
                "We survey 20 vector database systems.",
            ),
        ],
    ),
    (
        "rdf_slashdot.xml",
        "rdf",
        "Slashdot",
        [
            (
                "https://linux.slashdot.org/story/25/05/12/1937217/kernel-drops-support-for-486"
                "?utm_source=rss1.0mainlinkanon&utm_medium=feed",
                "https://linux.slashdot.org/story/25/05/12/1937217/kernel-drops-support-for-486"
                "?utm_source=rss1.0mainlinkanon&utm_medium=feed",
                "Kernel Drops Support For 486",
                "msmash",
                utc(2025, 5, 12, 20, 40),
                "An anonymous reader quotes a report: The 486 is finally going away.",
            ),
        ],
    ),
    (
        "atom10_github_releases.xml",
        "atom10",
        "Release notes from duckdb",
        [
            (
                "tag:github.com,2008:Repository/138754790/v1.3.0",
                "https://github.com/duckdb/duckdb/releases/tag/v1.3.0",
                'DuckDB 1.3.0 "Ossivalis"',
                "Mytherin",
                utc(2025, 5, 21, 12, 3, 44),
                'This release of DuckDB is named "Ossivalis". What\'s Changed'
                " Add TRY expression by @Mytherin in #16955",
            ),
            (
                "tag:github.com,2008:Repository/138754790/v1.2.2",
                "https://github.com/duckdb/duckdb/releases/tag/v1.2.2",
                "v1.2.2 Bugfix Release",
                "lnkuiper",
                utc(2025, 4, 8, 7, 41, 8, 517000),
                "This is a bug fix release for various issues discovered after we released 1.2.1.",
            ),
        ],
    ),
    (
        "atom10_xml_base.xml",
        "atom10",
        "Field Notes & Errata",
        [
            (
                "tag:journal.example.net,2025-05-10:/clock-skew",
                "https://journal.example.net/2025/05/clock-skew-revisited.html",
                "Clock skew, revisited",
                "Ada Ferreira",
                utc(2025, 5, 10, 16, 30, 2),
                "Hybrid logical clocks still need bounded skew. Here is why.",
            ),
            (
                "tag:journal.example.net,2025-04-02:/div-soup",
                "https://journal.example.net/2025/04/div-soup",
                "Why <div> soup hurts feeds",
                "Guest Writer",
                utc(2025, 4, 2, 14, 15),
                "Markup that is not semantic costs everyone.",
            ),
            (
                "tag:journal.example.net,2025-03-01:/elsewhere",
                None,
                "Linking elsewhere",
                "Ada Ferreira",
                utc(2025, 3, 1, 12, 0),
                "Plain text content with a <tag> that is just text.",
            ),
        ],
    ),
    (
        "atom03_blogger.xml",
        "atom03",
        "Old Computers",
        [
            (
                "tag:blogger.com,1999:blog-8832104.post-114237552007398172",
                "http://oldcomputers.blogspot.com/2006/03/pdp-11-power-supply.html",
                "The PDP-11 power supply",
                "Walt",
                utc(2006, 3, 14, 22, 32),
                "Capacitors first. Always capacitors first.",
            ),
            (
                "tag:blogger.com,1999:blog-8832104.post-113880000000000001",
                "http://oldcomputers.blogspot.com/2006/02/teletype.html",
                "Teletype & paper tape",
                "Walt",
                utc(2006, 2, 1, 17, 0),
                "The ASR-33 punches and reads tape.",
            ),
        ],
    ),
    (
        "youtube_channel.xml",
        "atom10",
        "Kurzgesagt – In a Nutshell",
        [
            (
                "yt:video:dQw4w9WgXcQ",
                "https://www.youtube.com/watch?v=dQw4w9WgXcQ",
                "What Happens If You Destroy A Black Hole?",
                "Kurzgesagt – In a Nutshell",
                utc(2025, 5, 6, 14, 0, 17),
                "Black holes are the most extreme objects in the universe. Sources & further"
                " reading: https://sites.google.com/view/sources-black-holes",
            ),
        ],
    ),
    (
        "jsonfeed10.json",
        "jsonfeed10",
        "Daring Linker",
        [
            (
                "https://linker.example.com/linked/2025/03/05/macbook-air",
                "https://linker.example.com/linked/2025/03/05/macbook-air",
                "Apple Announces New MacBook Air",
                "J. Gruber-ish",
                utc(2025, 3, 5, 14, 14, 2),
                "Nice bump, and the sky blue color is “a pleasant surprise”.",
            ),
            (
                "20250304",
                "https://feeds.example.com/2025/03/04/untitled-link",
                "A title-less link post: the feed says everything in its body, which can run on"
                " for quite a while before it ends.",
                "J. Gruber-ish",
                utc(2025, 3, 4, 20, 0),
                "A title-less link post: the feed says everything in its body, which can run on"
                " for quite a while before it ends.",
            ),
        ],
    ),
    (
        "jsonfeed11.json",
        "jsonfeed11",
        "Microblog of Sam",
        [
            (
                "https://sam.example.social/2025/05/11/clocks.html",
                "https://sam.example.social/2025/05/11/clocks.html",
                "On clocks and time",
                "Sam Rivera, Kai Moreau",
                utc(2025, 5, 11, 7, 30, 0, 250000),
                "Two clocks never agree. Never.",
            ),
            (
                "https://sam.example.social/2025/05/10/coffee.html",
                "https://sam.example.social/2025/05/10/coffee.html",
                "Coffee at the new place. It was fine.",
                "Sam Rivera",
                utc(2025, 5, 10, 7, 5),
                "Coffee at the new place. It was fine.",
            ),
        ],
    ),
    (
        "rss20_latin1.xml",
        "rss20",
        "Le Journal du Café",
        [
            (
                "https://journal-cafe.example.fr/?p=77",
                "https://journal-cafe.example.fr/2025/05/creme-brulee",
                "Crème brûlée à l’école",
                "Rédaction",
                utc(2025, 5, 11, 17, 45),
                "L’été arrive – les desserts aussi.",
            ),
        ],
    ),
    (
        "rss20_utf8_bom.xml",
        "rss20",
        "BOM Weekly — news",
        [
            (
                "tram-1",
                "https://bom.example.org/tram",
                "Straßenbahn → Zürich",
                None,
                utc(2025, 5, 8, 6, 0),
                "日本語のテキスト and emoji 🚃",
            ),
        ],
    ),
    (
        "rss20_malformed_ampersands.xml",
        "rss20",
        "Q&A Weekly",
        [
            (
                "qa-101",
                "https://qa.example.com/2025/05/att-ipv6?a=1&b=2",
                "Q&A: AT&T moves to IPv6 <3",
                None,
                utc(2025, 5, 7, 16, 0),
                "Our Q&A with the network team.",
            ),
            (
                "qa-102",
                "https://qa.example.com/2025/05/second",
                "Second question",
                None,
                utc(2025, 5, 6, 16, 0),
                None,
            ),
        ],
    ),
    (
        "rss20_unclosed_html.xml",
        "rss20",
        "Hand-rolled PHP feed",
        [
            (
                "http://tinkering.example.net/?post=41",
                "http://tinkering.example.net/?post=41",
                "Soldering station review",
                None,
                utc(2025, 5, 3, 16, 20),
                "Hot enough. Cheap enough.",
            ),
            (
                None,
                "https://feeds.example.com/?post=42",
                "Desoldering, the sequel",
                None,
                utc(2025, 5, 4, 8, 0),
                "Braid beats pump.",
            ),
        ],
    ),
]


@pytest.mark.parametrize(
    ("name", "fmt", "feed_title", "expected"), FIXTURES, ids=[f[0] for f in FIXTURES]
)
def test_fixture_feeds_parse_to_exact_items(
    name: str, fmt: str, feed_title: str, expected: list[tuple[object, ...]]
) -> None:
    result = parse(name)
    assert result.format == fmt
    assert result.feed_title == feed_title
    assert rows(result) == expected


def test_rss_extensions_give_tags_comments_and_summary() -> None:
    first, second, third = parse("rss20_wordpress.xml").items
    assert first.tags == ["Databases", "PostgreSQL", "Backups"]
    assert first.comments == 14
    assert first.comments_url == (
        "https://planetstorage.example.com/2025/05/postgres-17-incremental-backup/#comments"
    )
    assert first.summary_html is not None
    assert first.summary_html.startswith("<p>Incremental backups landed in Postgres 17.")
    assert second.tags == ["PostgreSQL"]  # "postgresql" is the same tag
    assert second.comments == 0
    assert third.comments is None and third.comments_url is None


def test_atom_extensions_give_tags_reply_counts_and_clean_xhtml() -> None:
    first, _, third = parse("atom10_xml_base.xml").items
    assert first.tags == ["time", "distributed-systems"]
    assert first.comments == 7
    assert first.comments_url == (
        "https://journal.example.net/2025/05/clock-skew-revisited.html#comments"
    )
    assert first.summary_html == "<p>Hybrid logical clocks <em>still</em> need bounded skew.</p>"
    assert third.summary_html == "Plain text content with a &lt;tag&gt; that is just text."


def test_slashdot_comment_count_and_subject() -> None:
    (item,) = parse("rdf_slashdot.xml").items
    assert item.comments == 231
    assert item.tags == ["linux"]


def test_json_feed_items_that_are_not_objects_become_problems() -> None:
    result = parse("jsonfeed11.json")
    assert [(p.error_kind, p.message) for p in result.problems] == [
        (ErrorKind.INVALID_ITEM, "JSON Feed item 2 is not an object")
    ]
    assert result.items[0].tags == ["time", "clocks"]
    assert result.items[0].summary_html == "A short note about clocks."


def test_a_json_feed_of_numbers_records_fifty_problems_and_a_count() -> None:
    # one good item (a feed of nothing else fails whole: `not_a_feed`), then 10,000 `1`s
    good = {"id": "1", "url": "https://example.org/1", "title": "one"}
    doc = {"version": "https://jsonfeed.org/version/1.1", "items": [good] + [1] * 10_000}
    result = parse_feed(json.dumps(doc).encode())
    assert [i.title for i in result.items] == ["one"]
    assert len(result.problems) == MAX_PROBLEMS + 1 == 51
    assert [p.message for p in result.problems[:2]] == [
        "JSON Feed item 1 is not an object",
        "JSON Feed item 2 is not an object",
    ]
    last = result.problems[-1]
    assert (last.error_kind, last.message, last.omitted) == (
        ErrorKind.INVALID_ITEM,
        "9950 more problems not recorded",
        9950,
    )


def test_problems_merged_from_capped_pages_are_capped_with_an_exact_count() -> None:
    def page(n: int, kind: ErrorKind) -> list[ItemProblem]:
        return ParseResult(
            items=[], problems=[ItemProblem(kind, f"p{i}") for i in range(n)]
        ).problems

    merged = ParseResult(
        items=[], problems=[*page(60, ErrorKind.INVALID_ITEM), *page(30, ErrorKind.HTTP_STATUS)]
    ).problems
    assert [p.message for p in merged[:MAX_PROBLEMS]] == [f"p{i}" for i in range(50)]
    assert (merged[-1].message, merged[-1].omitted) == ("40 more problems not recorded", 40)
    assert len(merged) == 51 and ParseResult(items=[], problems=merged).problems == merged
    few = [ItemProblem(ErrorKind.INVALID_ITEM, "only one")]
    assert ParseResult(items=[], problems=few).problems == few


def test_duplicate_guids_keep_the_first_entry_and_record_nothing() -> None:
    result = parse("rss20_duplicate_guids.xml")
    assert [(i.external_id, i.title) for i in result.items] == [
        ("post-1", "First copy"),
        ("post-2", "Another post"),
        (None, "No guid one"),
        (None, "No guid two"),
    ]
    assert result.problems == []


def test_utf16_feed_is_decoded() -> None:
    text = (FEEDS / "rss20_utf8_bom.xml").read_bytes()[3:].decode("utf-8")
    body = text.replace('encoding="utf-8"', 'encoding="utf-16"').encode("utf-16")
    assert [i.title for i in parse_feed(body, now=NOW).items] == ["Straßenbahn → Zürich"]


def test_http_charset_applies_when_the_document_declares_none() -> None:
    body = "<rss version='2.0'><channel><item><title>Déjà vu</title></item></channel></rss>"
    result = parse_feed(
        body.encode("latin-1"), content_type="text/xml; charset=ISO-8859-1", now=NOW
    )
    assert [i.title for i in result.items] == ["Déjà vu"]


def test_xml_declaration_wins_over_a_wrong_http_charset() -> None:
    result = parse("rss20_latin1.xml", content_type="application/rss+xml; charset=utf-8")
    assert result.items[0].title == "Crème brûlée à l’école"


def test_bytes_that_are_not_the_declared_utf8_are_redecoded() -> None:
    body = (
        "<?xml version='1.0' encoding='utf-8'?><rss version='2.0'><channel>"
        "<item><title>Caf\u00e9 \u2013 menu</title></item></channel></rss>"
    ).encode("cp1252")
    assert [i.title for i in parse_feed(body, now=NOW).items] == ["Café – menu"]


def _feed_with(title: str, link: str = "https://ex.org/big") -> bytes:
    return (
        "<rss version='2.0'><channel><title>T</title>"
        "<item><title>Before</title><link>https://ex.org/1</link><guid>1</guid></item>"
        f"<item><title>{title}</title><link>{link}</link><guid>big</guid></item>"
        "<item><title>After</title><link>https://ex.org/3</link><guid>3</guid></item>"
        "</channel></rss>"
    ).encode()


def test_an_item_with_a_two_megabyte_title_is_invalid_and_the_others_survive() -> None:
    result = parse_feed(_feed_with("A" * 2_000_000), now=NOW)
    assert [i.title for i in result.items] == ["Before", "After"]
    (problem,) = result.problems
    assert problem.error_kind == ErrorKind.INVALID_ITEM
    assert problem.external_id == "big"
    assert problem.url == "https://ex.org/big"
    assert "2000000" in problem.message


@pytest.mark.parametrize(
    "title",
    [
        "A" * 10_485_760,  # over libxml2's 10,000,000-byte text node limit
        "<![CDATA[" + "é" * 6_000_000 + "]]>",  # 12 MB of two-byte characters in CDATA
        "&amp;" * 2_100_000,  # cut must not split a reference
    ],
    ids=["plain", "cdata-utf8", "references"],
)
def test_an_item_with_a_ten_megabyte_title_is_invalid_and_the_others_survive(title: str) -> None:
    result = parse_feed(_feed_with(title), now=NOW)
    assert [i.title for i in result.items] == ["Before", "After"]
    (problem,) = result.problems
    assert (problem.error_kind, problem.external_id) == (ErrorKind.INVALID_ITEM, "big")


def test_cap_text_runs_cuts_only_character_data_and_keeps_it_well_formed() -> None:
    assert (
        cap_text_runs(b"<a>" + "é".encode() * 5 + b"</a>", 4) == b"<a>" + "é".encode() * 2 + b"</a>"
    )
    assert cap_text_runs(b"<a>xx&amp;yy</a>", 5) == b"<a>xx</a>"
    assert cap_text_runs(b"<a><![CDATA[abcdef]]></a>", 10) == b"<a><![CDATA[ab]]></a>"
    assert cap_text_runs(b"<a href='0123456789'>x</a>", 5) == b"<a href='0123456789'>x</a>"
    small = b"<a>" + b"x" * 100 + b"</a>"
    assert cap_text_runs(small, 200) is small


def test_an_item_with_an_overlong_link_is_invalid() -> None:
    result = parse_feed(_feed_with("Big link", "https://ex.org/" + "a" * 5000), now=NOW)
    assert [i.title for i in result.items] == ["Before", "After"]
    assert [p.error_kind for p in result.problems] == [ErrorKind.INVALID_ITEM]


def test_long_titles_and_texts_are_capped() -> None:
    body = _feed_with("word " * 1000).replace(
        b"<guid>big</guid>",
        b"<guid>big</guid><description>" + b"text " * 10_000 + b"</description>",
    )
    item = parse_feed(body, now=NOW).items[1]
    assert len(item.title) <= 1000 and item.title.endswith("…")
    assert item.text is not None and len(item.text) <= 20_000


def test_an_item_without_title_or_text_is_invalid() -> None:
    body = (
        b"<rss version='2.0'><channel><item><link>https://ex.org/x</link><guid>x</guid></item>"
        b"<item><title>Kept</title></item></channel></rss>"
    )
    result = parse_feed(body, now=NOW)
    assert [i.title for i in result.items] == ["Kept"]
    assert [(p.error_kind, p.external_id, p.url) for p in result.problems] == [
        (ErrorKind.INVALID_ITEM, "x", "https://ex.org/x")
    ]


def test_only_http_links_are_kept() -> None:
    body = (
        b"<rss version='2.0'><channel>"
        b"<item><title>a</title><link>javascript:alert(1)</link></item>"
        b"<item><title>b</title><link>ftp://ex.org/file</link></item>"
        b"<item><title>c</title><link> https://ex.org/c </link></item>"
        b"</channel></rss>"
    )
    assert [i.url for i in parse_feed(body, now=NOW).items] == [None, None, "https://ex.org/c"]


def test_implausible_dates_are_dropped_and_updated_is_the_fallback() -> None:
    body = (
        b"<feed xmlns='http://www.w3.org/2005/Atom'>"
        b"<entry><title>future</title><id>1</id><published>2099-01-01T00:00:00Z</published>"
        b"<updated>2025-05-01T00:00:00Z</updated></entry>"
        b"<entry><title>ancient</title><id>2</id><updated>1970-01-01T00:00:00Z</updated></entry>"
        b"</feed>"
    )
    assert [i.published_at for i in parse_feed(body, now=NOW).items] == [utc(2025, 5, 1), None]


@pytest.mark.parametrize(
    ("body", "kind"),
    [
        ((FEEDS / "entity_expansion.xml").read_bytes(), ErrorKind.PARSE_ERROR),
        ((FEEDS / "truncated.xml").read_bytes(), ErrorKind.PARSE_ERROR),
        ((FEEDS / "html_page.html").read_bytes(), ErrorKind.NOT_A_FEED),
        (b"", ErrorKind.NOT_A_FEED),
        (b" \r\n\t ", ErrorKind.NOT_A_FEED),
        (b"\xef\xbb\xbf", ErrorKind.NOT_A_FEED),
        (b"Service Unavailable", ErrorKind.NOT_A_FEED),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", ErrorKind.NOT_A_FEED),
        (b"<html><body><h1>404</h1></body></html>", ErrorKind.NOT_A_FEED),
        (b'<?xml version="1.0"?><urlset xmlns="x"><url/></urlset>', ErrorKind.NOT_A_FEED),
        (b'<?xml version="1.0"?><opml version="2.0"><body/></opml>', ErrorKind.NOT_A_FEED),
        (b'{"data": [1, 2, 3]}', ErrorKind.NOT_A_FEED),
        (b"[1, 2, 3]", ErrorKind.NOT_A_FEED),
        # well-formed feeds with no entries: "empty" is `not_a_feed` in the contract
        (b"<rss version='2.0'><channel><title>t</title></channel></rss>", ErrorKind.NOT_A_FEED),
        (
            b"<feed xmlns='http://www.w3.org/2005/Atom'><title>t</title></feed>",
            ErrorKind.NOT_A_FEED,
        ),
        (
            b'{"version": "https://jsonfeed.org/version/1.1", "title": "t", "items": []}',
            ErrorKind.NOT_A_FEED,
        ),
        (b'{"version": "https://jsonfeed.org/version/1.1", "items": "none"}', ErrorKind.NOT_A_FEED),
        (
            b'{"version": "https://jsonfeed.org/version/1.1", "items": [{"id": "1"',
            ErrorKind.PARSE_ERROR,
        ),
        (b"[" * 100_000 + b"]" * 100_000, ErrorKind.PARSE_ERROR),
        (b"<rss", ErrorKind.PARSE_ERROR),
        (b'<?xml version="1.0"?>', ErrorKind.PARSE_ERROR),
        (b"<rss version='2.0'><channel><item><title>x</title>", ErrorKind.PARSE_ERROR),
        (
            b"<feed xmlns='http://www.w3.org/2005/Atom'><entry><title>x</title></entry>",
            ErrorKind.PARSE_ERROR,
        ),
        (
            b"<rss><channel><item><title>x</b></item></channel></rss>" + b"<!ENTITY x 'y'>",
            ErrorKind.PARSE_ERROR,
        ),
        (
            b"<rss version='2.0'><channel><title>T</titel><item><title>A</titel>"
            b"<link>https://x.org/a</link></item><item><title>B</title></item></channel></rss>",
            ErrorKind.PARSE_ERROR,
        ),
    ],
    ids=[
        "entity-declarations",
        "truncated",
        "html-page",
        "empty",
        "whitespace",
        "bom-only",
        "plain-text",
        "png",
        "html-snippet",
        "sitemap",
        "opml",
        "json-object",
        "json-array",
        "rss-with-no-items",
        "atom-with-no-entries",
        "json-feed-with-no-items",
        "json-feed-without-items-list",
        "truncated-json-feed",
        "deep-json",
        "half-a-tag",
        "declaration-only",
        "rss-never-closed",
        "atom-never-closed",
        "dtd-markup-after-the-root",
        "mismatched-tags",
    ],
)
def test_documents_that_fail_name_the_failure(body: bytes, kind: ErrorKind) -> None:
    with pytest.raises(RiverbedError) as raised:
        parse_feed(body, now=NOW)
    assert raised.value.kind == kind


def test_entity_declarations_are_refused_with_the_documented_message() -> None:
    with pytest.raises(RiverbedError, match="DTD/entity declarations are not allowed"):
        parse("entity_expansion.xml")


def test_billion_laughs_is_refused_before_parsing() -> None:
    body = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        + b"".join(
            b'<!ENTITY lol%d "%s">' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10)
            for i in range(1, 10)
        )
        + b"]><rss><channel><title>&lol9;</title></channel></rss>"
    )
    with pytest.raises(RiverbedError) as raised:
        parse_feed(body, now=NOW)
    assert raised.value.kind == ErrorKind.PARSE_ERROR


def test_external_dtds_are_never_loaded(tmp_path: Path) -> None:
    dtd = tmp_path / "evil.dtd"
    dtd.write_text('<!ENTITY secret "LEAKED">')
    body = (
        f'<?xml version="1.0"?><!DOCTYPE rss SYSTEM "{dtd.as_uri()}">'
        "<rss version='2.0'><channel><title>t</title>"
        "<item><title>x &secret; y</title><guid>1</guid></item></channel></rss>"
    ).encode()
    result = parse_feed(body, now=NOW)
    assert "LEAKED" not in repr(result)
    assert [i.title for i in result.items] == ["x y"]


def test_json_feed_with_deep_values_inside_items_still_parses() -> None:
    deep: object = "leaf"
    for _ in range(200):
        deep = {"x": deep}
    doc = {
        "version": "https://jsonfeed.org/version/1.1",
        "items": [{"id": "1", "title": "ok", "_ext": deep}],
    }
    result = parse_feed(json.dumps(doc).encode(), now=NOW)
    assert [i.title for i in result.items] == ["ok"]


AGREEING = [
    "rss20_wordpress.xml",
    "rss20_latin1.xml",
    "rss20_malformed_ampersands.xml",
    "rdf_arxiv.xml",
    "rdf_slashdot.xml",
    "atom10_github_releases.xml",
    "atom10_xml_base.xml",
    "atom03_blogger.xml",
    "youtube_channel.xml",
]


@pytest.mark.parametrize("name", AGREEING)
def test_the_tolerant_path_reads_the_same_items_as_the_strict_path(name: str) -> None:
    body = (FEEDS / name).read_bytes()
    first_title = body.index(b"<title")
    # An unclosed <br> before the first title: no repair fixes it, feedparser tolerates it.
    damaged = body[:first_title] + b"<br>" + body[first_title:]
    strict = parse_feed(body, base_url=BASE, now=NOW)
    tolerant = parse_feed(damaged, base_url=BASE, now=NOW)
    fields = ("title", "url", "external_id", "author", "published_at", "text", "tags")
    extras = ("comments", "comments_url")
    assert [[getattr(i, f) for f in fields + extras] for i in tolerant.items] == [
        [getattr(i, f) for f in fields + extras] for i in strict.items
    ]
    assert tolerant.format == strict.format


def test_rss_in_the_userland_namespace_is_read_as_rss() -> None:
    body = (
        b'<rss xmlns="http://backend.userland.com/rss2" version="2.0"><channel><title>T</title>'
        b"<item><title>A</title><link>https://x.org/a</link><guid>a</guid></item>"
        b"</channel></rss>"
    )
    result = parse_feed(body, now=NOW)
    assert result.format == "rss20"
    assert [(i.external_id, i.title, i.url) for i in result.items] == [
        ("a", "A", "https://x.org/a")
    ]


def test_a_large_malformed_document_is_not_read_tolerantly() -> None:
    item = b"<item><title>A</title><description>x</description></item>"
    body = b"<rss version='2.0'><channel><br>" + item * 80_000 + b"</channel></rss>"
    with pytest.raises(RiverbedError, match="too large to read tolerantly") as raised:
        parse_feed(body, now=NOW)
    assert raised.value.kind == ErrorKind.PARSE_ERROR


def test_a_str_is_never_taken_for_a_path_or_url() -> None:
    with pytest.raises(TypeError):
        parse_feed("https://example.com/feed.xml", now=NOW)  # type: ignore[arg-type]


def test_a_link_with_an_upper_case_scheme_is_kept_with_the_scheme_lower_cased():
    # found by fuzzing: `Http://…` was kept as written, and everything downstream compares
    # schemes as "http://" / "https://"
    rss = (
        b'<rss version="2.0"><channel><title>t</title>'
        b"<item><title>a</title><link>Http://Example.org/A?x=1</link></item>"
        b"<item><title>b</title><link>HTTPS://example.org/b</link>"
        b"<comments>hTTp://example.org/b#comments</comments></item>"
        b"<item><title>c</title><link>ftp://example.org/c</link></item>"
        b"</channel></rss>"
    )
    items = parse_feed(rss, now=NOW).items
    assert [i.url for i in items] == [
        "http://Example.org/A?x=1",
        "https://example.org/b",
        None,
    ]
    assert items[1].comments_url == "http://example.org/b#comments"
    feed = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": "t",
        "items": [{"id": "1", "title": "a", "url": "HTTP://example.org/a"}],
    }
    assert [i.url for i in parse_feed(json.dumps(feed).encode(), now=NOW).items] == [
        "http://example.org/a"
    ]


@pytest.mark.parametrize(
    "fixture",
    [
        # feedparser's loose mode left a `str` in an entry's `links`
        "links_as_text.xml",
        # ... and a dict as an entry's `link` (it could in any scalar field)
        "link_as_mapping.xml",
    ],
)
def test_a_loosely_parsed_feed_with_odd_link_values_is_parsed(fixture):
    # found by fuzzing: the fallback path raised AttributeError on both (the source would
    # fail as an internal error)
    body = (FEEDS / "fuzz" / fixture).read_bytes()
    try:
        result = parse_feed(body, base_url=BASE, now=NOW)
    except RiverbedError as exc:
        assert exc.kind == ErrorKind.PARSE_ERROR
    else:
        assert all(i.url is None or i.url.startswith(("http://", "https://")) for i in result.items)
        assert all(isinstance(i.title, str | None) for i in result.items)


@pytest.mark.parametrize(
    ("declaration", "content_type"),
    [
        ('<?xml version="1.0" encoding="uu"?>', None),
        ('<?xml version="1.0"?>', "application/rss+xml; charset=base64"),
    ],
)
def test_a_charset_that_is_no_text_encoding_is_ignored(declaration, content_type):
    # found by fuzzing: `encoding="uu"` (a bytes-to-bytes codec) raised LookupError
    body = (
        f'{declaration}<rss version="2.0"><channel><title>t</title><item><title>Café</title>'
        "<link>http://example.com/a</link></item></channel></rss>"
    ).encode()
    try:
        result = parse_feed(body, content_type=content_type, base_url=BASE, now=NOW)
    except RiverbedError as exc:
        assert exc.kind == ErrorKind.PARSE_ERROR
    else:
        assert [i.title for i in result.items] == ["Café"]
