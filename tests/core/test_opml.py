"""OPML subscription lists become valid catalogues; hostile or broken OPML is refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from riverbed.core.catalogue import RssSource, parse_catalogue
from riverbed.core.opml import OpmlError, import_opml, parse_opml

FIXTURES = Path(__file__).parent.parent / "fixtures" / "catalogues"


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def test_nested_folders_become_tags_and_every_feed_a_source() -> None:
    text = import_opml(fixture("subscriptions.opml"))
    catalogue = parse_catalogue(text, env={})
    rows = [(s.id, s.url, s.tags) for s in catalogue.sources]
    assert all(isinstance(s, RssSource) for s in catalogue.sources)
    assert rows == [
        ("lwn-net", "https://lwn.net/headlines/rss", ["tech-news"]),
        ("ars-technica", "https://feeds.arstechnica.com/arstechnica/index", ["tech-news"]),
        ("krebs-on-security", "https://krebsonsecurity.com/feed/", ["tech-news", "security"]),
        ("schneier-on-security", "https://www.schneier.com/feed/atom/", ["tech-news", "security"]),
        (
            "simon-willisons-weblog",
            "https://simonwillison.net/atom/everything/",
            ["blogs", "python", "ai"],  # folder, then the leaves of OPML 2.0 `category`
        ),
        ("julia-evans", "https://jvns.ca/atom.xml", ["blogs"]),
        ("dan-luu", "https://danluu.com/atom.xml", ["blogs"]),
        ("blog", "https://blog.rust-lang.org/feed.xml", ["blogs"]),
        ("blog-2", "https://go.dev/blog/feed.atom", ["blogs"]),
        # no title at all: the id comes from the URL
        ("rachelbythebay-com-w-atom-xml", "https://rachelbythebay.com/w/atom.xml", ["blogs"]),
        ("ecrits-deric", "http://eric.example.org/feed.xml", ["blogs"]),  # feed:// -> http://
        ("zhen-example-cn-rss", "https://zhen.example.cn/rss", ["blogs"]),  # no ASCII in title
    ]


def test_duplicate_feeds_are_merged_once() -> None:
    document = parse_opml(fixture("subscriptions.opml"))
    urls = [f.xml_url for f in document.feeds]
    assert urls.count("https://lwn.net/headlines/rss") == 1
    # https://JVNS.ca/atom.xml/ is the same feed as https://jvns.ca/atom.xml
    assert sum("jvns.ca" in u.lower() for u in urls) == 1
    dan = next(f for f in document.feeds if "danluu" in f.xml_url)
    assert dan.title == "Dan Luu"  # the untitled first listing borrows the later title


def test_output_has_a_header_comment_and_notes_what_was_skipped() -> None:
    text = import_opml(fixture("subscriptions.opml"))
    header = text.splitlines()[:4]
    assert header[0] == "# riverbed source catalogue, imported from OPML: Ada's subscriptions"
    assert "riverbed sources validate" in "\n".join(header)
    assert "# skipped Old gopher hole: gopher://gopher.example.org/1/feed is not http(s)" in text
    assert "  # Simon Willison’s Weblog\n" in text  # titles kept as comments


def test_opml_1_0_with_lowercase_attribute_names() -> None:
    catalogue = parse_catalogue(import_opml(fixture("opml1.opml")), env={})
    assert [(s.id, s.url, s.tags) for s in catalogue.sources] == [
        ("python-insider", "https://blog.python.org/feeds/posts/default", []),
        ("postgresql-news", "https://www.postgresql.org/news.rss", []),
    ]


def test_every_cadence_is_written() -> None:
    catalogue = parse_catalogue(import_opml(fixture("opml1.opml"), every="6h"), env={})
    assert {s.every for s in catalogue.sources} == {"6h"}


def test_ids_stay_unique_when_titles_collide() -> None:
    outlines = "".join(
        f'<outline text="Same Title!" xmlUrl="https://example.org/{i}.xml"/>' for i in range(12)
    )
    data = f'<opml version="2.0"><head/><body>{outlines}</body></opml>'.encode()
    ids = [s.id for s in parse_catalogue(import_opml(data), env={}).sources]
    assert ids[:3] == ["same-title", "same-title-2", "same-title-3"]
    assert len(set(ids)) == 12


def test_titles_that_look_like_yaml_are_quoted() -> None:
    data = (
        b'<opml version="2.0"><body>'
        b'<outline text="true" xmlUrl="https://a.example/f"/>'
        b'<outline text="# not a comment: [x]" xmlUrl="https://b.example/f?a=1&amp;b=%22"/>'
        b'<outline text="multi&#10;line" xmlUrl="https://c.example/f"/>'
        b"</body></opml>"
    )
    catalogue = parse_catalogue(import_opml(data), env={})
    assert [s.id for s in catalogue.sources] == ["true", "not-a-comment-x", "multi-line"]
    assert catalogue.sources[1].url == "https://b.example/f?a=1&b=%22"


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("billion_laughs.opml", "declares entities"),
        ("xxe.opml", "declares entities"),
        ("not_opml.xml", "root element is <rss>"),
        ("malformed.opml", "not well-formed XML"),
    ],
)
def test_hostile_or_invalid_opml_is_refused(name: str, message: str) -> None:
    with pytest.raises(OpmlError, match=message):
        import_opml(fixture(name))


def test_entity_declarations_are_refused_in_utf16_too() -> None:
    data = fixture("xxe.opml").decode().replace('<?xml version="1.0"?>', "").encode("utf-16")
    with pytest.raises(OpmlError, match="entities"):
        import_opml(data)


def test_external_files_are_never_read(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET")
    data = (
        f'<?xml version="1.0"?><!DOCTYPE opml SYSTEM "file://{secret}">'
        '<opml version="2.0"><body><outline text="Feed" xmlUrl="https://example.org/f"/>'
        "</body></opml>"
    ).encode()
    text = import_opml(data)  # a bare DOCTYPE is harmless: it is never loaded
    assert "TOP-SECRET" not in text


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "not well-formed XML"),
        (b"<opml><head/></opml>", "no <body>"),
        (b"<opml><body><outline text='Folder'/></body></opml>", "no feeds found"),
        (
            b"<opml><body><outline text='x' xmlUrl='javascript:alert(1)'/></body></opml>",
            "no feeds found",
        ),
    ],
)
def test_opml_without_usable_feeds_is_an_error(data: bytes, message: str) -> None:
    with pytest.raises(OpmlError, match=message):
        import_opml(data)
