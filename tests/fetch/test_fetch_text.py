"""Charset handling of decode_text."""

from __future__ import annotations

import codecs

import pytest

from riverbed.fetch.text import charset_from_content_type, decode_text

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
