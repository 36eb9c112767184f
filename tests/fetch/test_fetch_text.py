"""Charset handling of decode_text."""

from __future__ import annotations

import codecs

import pytest

from riverbed.fetch.text import charset_from_content_type, decode_text, text_codec

CAFE = "Café – “quoted” ünïcödé"


@pytest.mark.parametrize(
    ("body", "content_type", "expected"),
    [
        (CAFE.encode("utf-8"), "text/html; charset=utf-8", CAFE),
        (CAFE.encode("utf-8"), None, CAFE),
        ("Café".encode("latin-1"), "text/html; charset=ISO-8859-1", "Café"),
        # "latin-1" pages mean cp1252: 0x93/0x94 are curly quotes, not C1 controls
        (b"\x93quoted\x94", "text/html; charset=iso-8859-1", "“quoted”"),
        (CAFE.encode("utf-16"), "text/plain", CAFE),  # BOM
        (codecs.BOM_UTF8 + CAFE.encode("utf-8"), "text/html; charset=iso-8859-1", CAFE),
        ("Привет".encode("koi8-r"), 'text/html; charset="KOI8-R"', "Привет"),
        (
            b'<?xml version="1.0" encoding="windows-1251"?><t>'
            + "Привет".encode("cp1251")
            + b"</t>",
            "application/xml",
            '<?xml version="1.0" encoding="windows-1251"?><t>Привет</t>',
        ),
        (
            b'<html><head><meta charset="shift_jis"></head>' + "日本語".encode("shift_jis"),
            "text/html",
            '<html><head><meta charset="shift_jis"></head>日本語',
        ),
        (b"caf\xe9", "text/html; charset=utf-8", "caf\ufffd"),  # declared wins, with replacement
        (b"plain ascii", "text/html; charset=no-such-codec", "plain ascii"),
    ],
)
def test_decode_text(body: bytes, content_type: str | None, expected: str) -> None:
    assert decode_text(body, content_type) == expected


def test_undeclared_legacy_bytes_are_detected() -> None:
    text = "Съешь же ещё этих мягких французских булок, да выпей чаю. " * 5
    assert decode_text(text.encode("cp1251"), "text/html") == text


def test_never_raises_on_garbage() -> None:
    assert isinstance(decode_text(bytes(range(256)) * 4, None), str)


@pytest.mark.parametrize(
    ("content_type", "codec"),
    [
        ("text/html; charset=UTF-8", "utf-8"),
        ("text/html;charset='utf8'", "utf-8"),
        ("text/html", None),
        (None, None),
        ("text/html; charset=bogus", None),
    ],
)
def test_charset_from_content_type(content_type: str | None, codec: str | None) -> None:
    assert charset_from_content_type(content_type) == codec


@pytest.mark.parametrize("label", ["uu", "base64", "zlib", "rot13", "idna", "punycode"])
def test_a_charset_that_is_no_text_encoding_is_ignored(label):
    # found by fuzzing: `charset=uu` raised LookupError (a bytes-to-bytes codec), and idna /
    # punycode raise even with errors="replace"
    body = "<p>caf\u00e9 \u2014 ok</p>".encode()
    assert decode_text(body, f"text/html; charset={label}") == "<p>caf\u00e9 \u2014 ok</p>"
    declared = b'<?xml version="1.0" encoding="' + label.encode() + b'"?><r>\xc3\xa9</r>'
    assert decode_text(declared, None).endswith("<r>\u00e9</r>")


# every spelling Python knows for latin-1 and ASCII (WHATWG maps them all to windows-1252)
LATIN_AND_ASCII = ["ISO-8859-1", "iso8859-1", "iso_8859-1", "iso_8859-1:1987", "latin-1",
                   "latin1", "latin", "l1", "cp819", "IBM819", "csISOLatin1", "iso-ir-100",
                   "us-ascii", "ascii", "646", "us", "ANSI_X3.4-1968", "iso646-us", "cp367"]  # fmt: skip


@pytest.mark.parametrize("label", LATIN_AND_ASCII)
def test_every_latin1_and_ascii_label_reads_as_windows_1252(label: str) -> None:
    assert text_codec(label) == "cp1252"
    assert decode_text(b"\x93quoted\x94", f"text/html; charset={label}") == "“quoted”"


@pytest.mark.parametrize("label", LATIN_AND_ASCII)
def test_a_page_and_a_feed_with_the_same_label_decode_alike(label: str) -> None:
    from datetime import UTC, datetime

    from riverbed.sources.rss import parse_feed

    body = (
        f"<?xml version='1.0' encoding='{label}'?><rss version='2.0'><channel>"
        "<item><title>\x93Caf\xe9\x94</title><link>https://ex.org/1</link></item>"
        "</channel></rss>"
    ).encode("latin-1")
    feed = parse_feed(body, now=datetime(2026, 11, 27, tzinfo=UTC))
    page = decode_text(body, None)
    assert [i.title for i in feed.items] == ["“Café”"]
    assert "“Café”" in page
