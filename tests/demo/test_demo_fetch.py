"""The demo corpus through riverbed's own HTTP client, configured only by the generated
catalogue: every host resolves to the replay server without a DNS query (the package's
network guard would raise), good feeds arrive intact, and the broken sources fail at the
HTTP layer with the kind the corpus documents."""

from __future__ import annotations

import asyncio
from urllib.parse import urlsplit

from riverbed.core.catalogue.loader import parse_catalogue
from riverbed.core.errors import ErrorKind
from riverbed.demo.corpus import Corpus
from riverbed.demo.platforms import PLATFORM_SOURCES
from riverbed.demo.server import ReplayServer
from riverbed.fetch import FetchResponse, FetchSettings, HttpClient

HTTP_LAYER_KINDS = {"http_status", "timeout"}  # the rest fail in the parser, not the client


def client_settings(corpus: Corpus, port: int) -> FetchSettings:
    settings = parse_catalogue(corpus.catalogue_yaml(port=port), env={}).settings
    return FetchSettings(
        user_agent=settings.user_agent,
        per_host_concurrency=settings.per_host_concurrency,
        connect_timeout_s=settings.connect_timeout_s,
        timeout_s=settings.timeout_s,
        max_body_bytes=settings.max_body_bytes,
        resolve=dict(settings.resolve),
        allow_private_hosts=tuple(settings.allow_private_hosts),
        proxy_from_env=False,
    )


def fetch_all(settings: FetchSettings, urls: list[str], *, trusted: bool) -> list[FetchResponse]:
    async def go() -> list[FetchResponse]:
        async with HttpClient(settings) as client:
            return list(await asyncio.gather(*(client.get(u, trusted=trusted) for u in urls)))

    return asyncio.run(go())


def test_catalogue_sources_fetch_as_the_corpus_documents_say(
    corpus: Corpus, server: ReplayServer
) -> None:
    settings = client_settings(corpus, server.port)
    # a platform source's url is a base URL: fetch its listing, as its collector does
    listings = {p.source_id: p.url + p.listing_path for p in PLATFORM_SOURCES}
    urls = [listings.get(s["id"], s["url"]) for s in corpus.sources]
    responses = fetch_all(settings, urls, trusted=True)
    for source, url, response in zip(corpus.sources, urls, responses, strict=True):
        expected = corpus.expected_failures.get(source["id"])
        if expected == "http_status":  # a retry of the error status may time out when loaded
            assert not response.ok, (source["id"], response)
            assert any((a.status or 0) >= 400 for a in response.attempts), (source["id"], response)
            continue
        if expected in HTTP_LAYER_KINDS:
            assert response.error_kind == ErrorKind(expected), (source["id"], response)
            continue
        parts = urlsplit(url)
        doc = corpus.lookup(parts.netloc, parts.path)
        assert doc is not None
        assert response.ok, (source["id"], response.error_kind, response.error_message)
        assert response.body == doc.body
        assert response.content_type == doc.content_type


def test_links_from_content_reach_the_server_in_every_spelling(
    corpus: Corpus, server: ReplayServer
) -> None:
    """Article links are untrusted: allowed only because the catalogue lists the demo hosts."""
    settings = client_settings(corpus, server.port)
    occurrences = [
        o for s in corpus.shared_stories[:40] for o in s.occurrences if o.variant != "https"
    ]
    responses = fetch_all(settings, [o.url for o in occurrences], trusted=False)
    for occurrence, response in zip(occurrences, responses, strict=True):
        parts = urlsplit(occurrence.url)
        doc = corpus.lookup(parts.netloc, parts.path)
        assert doc is not None and response.status == doc.status, occurrence
        if doc.status == 200:  # some posts were removed after publication: 404
            assert response.ok, (occurrence, response.error_kind, response.error_message)
            assert response.body == doc.body


def test_without_allow_private_hosts_content_links_are_blocked(
    corpus: Corpus, server: ReplayServer
) -> None:
    settings = client_settings(corpus, server.port)
    closed = FetchSettings(
        timeout_s=settings.timeout_s,
        connect_timeout_s=settings.connect_timeout_s,
        resolve=settings.resolve,
        proxy_from_env=False,
    )
    [response] = fetch_all(closed, [corpus.shared_stories[0].url], trusted=False)
    assert response.error_kind == ErrorKind.BLOCKED_ADDRESS
