"""parse_feed on arbitrary and damaged bytes: RiverbedError or well-formed items, nothing else."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from riverbed.core.errors import RiverbedError
from riverbed.core.models import ParseResult
from riverbed.sources.rss import parse_feed

FEEDS = Path(__file__).parent.parent / "fixtures" / "feeds"
SAMPLES = [p.read_bytes() for p in sorted(FEEDS.iterdir()) if p.suffix in (".xml", ".json")]
NOW = datetime(2025, 6, 1, tzinfo=UTC)
PREFIXES = [
    b"<rss version='2.0'><channel><item><title>",
    b"<?xml version='1.0'?><feed xmlns='http://www.w3.org/2005/Atom'><entry><title>",
    b"<rdf:RDF xmlns:rdf='http://www.w3.org/1999/02/22-rdf-syntax-ns#'>",
    b'{"version": "https://jsonfeed.org/version/1.1", "items": [{"title": ',
    b"\xef\xbb\xbf<?xml version='1.0' encoding='iso-8859-1'?><rss>",
    b"\xff\xfe<\x00r\x00s\x00s\x00",
]


def check(result: ParseResult) -> None:
    for item in result.items:
        assert item.title and len(item.title) <= 1000
        assert item.url is None or item.url.startswith(("http://", "https://"))
        assert item.published_at is None or item.published_at.tzinfo is UTC
        for value in (item.title, item.text, item.author, item.summary_html, item.external_id):
            if value is not None:
                value.encode("utf-8")  # no lone surrogates


def parse_or_fail_politely(body: bytes) -> None:
    try:
        result = parse_feed(body, base_url="https://feeds.example.com/feed", now=NOW)
    except RiverbedError:
        return
    check(result)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=2000))
def test_arbitrary_bytes(body: bytes) -> None:
    parse_or_fail_politely(body)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(PREFIXES), st.binary(max_size=500))
def test_feed_shaped_prefixes_followed_by_noise(prefix: bytes, noise: bytes) -> None:
    parse_or_fail_politely(prefix + noise)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(SAMPLES), st.data())
def test_real_feeds_truncated_or_corrupted(sample: bytes, data: st.DataObject) -> None:
    cut = data.draw(st.integers(0, len(sample)))
    parse_or_fail_politely(sample[:cut])
    position = data.draw(st.integers(0, len(sample) - 1))
    replacement = data.draw(st.binary(min_size=1, max_size=8))
    parse_or_fail_politely(sample[:position] + replacement + sample[position + 1 :])
