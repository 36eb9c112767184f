"""Parsers and the sanitiser on arbitrary and damaged bytes: nothing but their documented
error, and output within the bound of `fuzz/checks.py` (the same checks the atheris targets
run, here driven by hypothesis from the fixtures)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from checks import (
    CHECKS,
    GROWTH,
    NOW,
    SLACK,
    check_canonical,
    check_feed,
    check_sanitize,
    result_chars,
)
from hypothesis import example, given
from hypothesis import strategies as st
from property_settings import scaled

from riverbed.core.models import MAX_PROBLEMS
from riverbed.sources.rss import parse_feed

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def _samples(*folders: str) -> list[bytes]:
    files = [p for f in folders for p in sorted((FIXTURES / f).rglob("*")) if p.is_file()]
    return [p.read_bytes() for p in files if p.stat().st_size <= 64 * 1024]


SAMPLES = {
    "feed": _samples("feeds", "platforms/arxiv", "platforms/youtube"),
    "platforms": _samples("platforms"),
    "extract": _samples("articles"),
    "sanitize": _samples("articles", "render"),
    "canonical": [b"https://www.youtube.com/watch?v=dQw4w9WgXcQ&t=1", b"HTTP://Ex.COM:80/a/../b"],
    "opml": _samples("catalogues"),
    "catalogue": _samples("catalogues"),
}
# How many examples each check gets relative to the profile: extraction is the slow one.
COST = {"extract": 0.1, "feed": 0.5, "platforms": 0.5, "opml": 0.5, "catalogue": 0.5}


@st.composite
def _damaged(draw: st.DrawFn, samples: list[bytes]) -> bytes:
    """A fixture cut short, with bytes inserted, overwritten or repeated, or raw noise."""
    noise = st.binary(max_size=64)
    if not samples or draw(st.integers(0, 4)) == 0:
        return draw(st.binary(max_size=2000))
    data = draw(st.sampled_from(samples))
    at = draw(st.integers(0, len(data)))
    how = draw(st.sampled_from(["cut", "insert", "overwrite", "repeat"]))
    if how == "cut":
        return data[:at]
    if how == "insert":
        return data[:at] + draw(noise) + data[at:]
    if how == "overwrite":
        patch = draw(noise)
        return data[:at] + patch + data[at + len(patch) :]
    end = draw(st.integers(at, min(len(data), at + 200)))
    return data[:end] + data[at:end] * draw(st.integers(1, 20)) + data[end:]


def _case(name: str) -> Callable[[], None]:
    @scaled(COST.get(name, 1))
    @given(_damaged(SAMPLES[name]))
    def run(data: bytes) -> None:
        CHECKS[name](data)

    return run


@pytest.mark.parametrize("name", sorted(CHECKS))
def test_damaged_inputs_raise_only_documented_errors_and_stay_bounded(name: str) -> None:
    _case(name)()


_MARKUP = st.lists(
    st.sampled_from(
        [
            "<a href='javascript:x'>",
            "<a href=//e.com/x>",
            "<p>",
            "</p>",
            "<em>",
            "<script>",
            "<!--",
            "-->",
            "&#106;",
            "&amp;",
            "&",
            "<",
            "\x00",
            "\ud800",
            "\u202e",
            "text ",
            "é",
            "<blockquote>",
            "<![CDATA[",
            "]]>",
            "<svg><a href=x>",
            "<code>",
            "</a>",
        ]
    ),
    max_size=60,
).map("".join)


@scaled(1)
@given(_MARKUP, st.integers(0, 255))
@example('<a href="//m/href=">', 0)  # a URL that says href= is not a second attribute
def test_sanitiser_on_tag_soup(markup: str, cut: int) -> None:
    check_sanitize(bytes([cut]) + markup.encode("utf-8", "surrogatepass"))


@scaled(1)
@given(st.binary(max_size=300))
def test_canonicaliser_on_bytes(data: bytes) -> None:
    check_canonical(data)


def test_a_feed_of_unusable_items_no_longer_grows_its_output() -> None:
    # Was the worst growth known (one ~47-character `invalid_item` problem per two bytes,
    # 23.5x); a parse now records at most `MAX_PROBLEMS` problems and one that counts the rest
    body = json.dumps(
        {"version": "https://jsonfeed.org/version/1.1", "items": [{"title": "a"}] + [1] * 3000},
        separators=(",", ":"),
    ).encode()
    result = parse_feed(body, now=NOW)
    assert len(result.problems) == MAX_PROBLEMS + 1
    assert result.problems[-1].omitted == 3000 - MAX_PROBLEMS
    assert result_chars(result) < len(body) <= GROWTH * len(body) + SLACK
    check_feed(body)
