"""YouTube channel feeds: the parser over a realistic feed, and the collector against a
loopback server on the real path `/feeds/videos.xml`."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from platform_server import PlatformServer, Reply, fixture, run_collector, source_from_yaml

from riverbed.core.errors import ErrorKind, RiverbedError
from riverbed.core.models import ParseResult
from riverbed.sources.youtube import YoutubeCollector, parse_youtube, youtube_feed_url

NOW = datetime(2025, 6, 1, tzinfo=UTC)
CHANNEL = "UCsBjURrPoezykLs9EqgamOA"
ATOM = "text/xml; charset=UTF-8"


def test_videos_map_to_items() -> None:
    result = parse_youtube(fixture("youtube", "channel.xml"), now=NOW)
    assert result.problems == []
    assert result.feed_title == "Fireship"
    assert result.format == "youtube"
    first, second, third = result.items
    assert first.external_id == "dQw4w9WgXcQ"
    assert first.url == "https://www.youtube.com/watch?v=dQw4w9WgXcQ"
    assert first.title == "Postgres in 100 Seconds"
    assert first.author == "Fireship"
    assert first.published_at == datetime(2025, 5, 20, 15, 0, 7, tzinfo=UTC)
    assert (
        first.text
        == "Learn the basics of PostgreSQL in 100 seconds. #postgres #database Chapters: 0:00 Intro"
    )
    assert first.summary_html == (
        "<p>Learn the basics of PostgreSQL in 100 seconds.<br>#postgres #database<br><br>"
        "Chapters:<br>0:00 Intro</p>"
    )
    assert first.score == 1204577  # views
    assert first.comments is None and first.comments_url is None
    assert second.title == "Rust & WebAssembly — the code report"
    assert second.text is None and second.summary_html is None
    assert second.score == 0
    assert third.external_id == "kJQP7kiw5Fk"
    assert third.score == 887310


def test_missing_video_id_falls_back_to_the_entry_id_and_link_to_a_watch_url() -> None:
    doc = fixture("youtube", "channel.xml")
    doc = doc.replace(b"<yt:videoId>dQw4w9WgXcQ</yt:videoId>", b"")
    doc = doc.replace(
        b'<link rel="alternate" href="https://www.youtube.com/watch?v=dQw4w9WgXcQ"/>', b""
    )
    first = parse_youtube(doc, now=NOW).items[0]
    assert first.external_id == "dQw4w9WgXcQ"
    assert first.url == "https://www.youtube.com/watch?v=dQw4w9WgXcQ"


def test_entry_without_id_is_an_item_problem() -> None:
    doc = fixture("youtube", "channel.xml")
    doc = doc.replace(b"<yt:videoId>dQw4w9WgXcQ</yt:videoId>", b"").replace(
        b"<id>yt:video:dQw4w9WgXcQ</id>", b""
    )
    result = parse_youtube(doc, now=NOW)
    assert [i.external_id for i in result.items] == ["9bZkp7q19f0", "kJQP7kiw5Fk"]
    assert [p.error_kind for p in result.problems] == [ErrorKind.INVALID_ITEM]


def test_feed_with_no_videos_is_not_a_feed() -> None:
    doc = b'<feed xmlns="http://www.w3.org/2005/Atom"><title>Empty</title></feed>'
    with pytest.raises(RiverbedError) as caught:
        parse_youtube(doc, now=NOW)
    assert caught.value.kind is ErrorKind.NOT_A_FEED


def test_feed_url() -> None:
    assert youtube_feed_url("https://www.youtube.com", CHANNEL) == (
        f"https://www.youtube.com/feeds/videos.xml?channel_id={CHANNEL}"
    )


CATALOGUE = f"""
sources:
  - id: fireship
    kind: youtube
    url: {{base}}
    channel_id: {CHANNEL}
    limit: 2
"""


def test_collector_calls_the_real_endpoint(server: PlatformServer) -> None:
    server.routes["/feeds/videos.xml"] = [
        Reply(body=fixture("youtube", "channel.xml"), content_type=ATOM)
    ]
    result = run_collector(YoutubeCollector(), source_from_yaml(CATALOGUE, server.url)).value
    seen = server.requests
    assert isinstance(result, ParseResult)
    assert [i.external_id for i in result.items] == ["dQw4w9WgXcQ", "9bZkp7q19f0"]
    assert [(s.path, s.query) for s in seen] == [("/feeds/videos.xml", {"channel_id": [CHANNEL]})]


@pytest.mark.parametrize(
    ("route", "kind"),
    [
        (None, ErrorKind.HTTP_STATUS),
        (
            Reply(
                body=b"<feed xmlns='http://www.w3.org/2005/Atom'><entry><title>", content_type=ATOM
            ),
            ErrorKind.PARSE_ERROR,
        ),
        (
            Reply(
                body=b"<!DOCTYPE html><html><body>consent</body></html>", content_type="text/html"
            ),
            ErrorKind.NOT_A_FEED,
        ),
    ],
)
def test_collector_failures(server: PlatformServer, route: Reply | None, kind: ErrorKind) -> None:
    if route:
        server.routes["/feeds/videos.xml"] = [route]
    result = run_collector(YoutubeCollector(), source_from_yaml(CATALOGUE, server.url)).value
    assert isinstance(result, RiverbedError)
    assert result.kind is kind
