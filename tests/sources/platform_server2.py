"""A loopback fixture server for the arxiv/youtube/github_trending/html/json_api collector
tests, and a network guard: while a test using `network_guard` runs, any DNS lookup or
connect that is not to a loopback address raises before anything leaves the machine.

`collect_via_server(collector, catalogue_yaml, routes)` starts an aiohttp server on
127.0.0.1 (free port), builds the source from the catalogue YAML (`{base}` is replaced by
`http://127.0.0.1:PORT`) with `parse_catalogue`, and runs the collector through the real
`HttpClient` + `FetchSession` (in-memory body store). It returns the result (or the
`RiverbedError` raised) and the requests the server received.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from netguard import loopback_only
from riverbed.core.catalogue.loader import parse_catalogue
from riverbed.core.errors import RiverbedError
from riverbed.core.models import ParseResult
from riverbed.fetch import FetchSettings, HttpClient
from riverbed.fetch.session import FetchSession

FIXTURES = Path(__file__).parent.parent / "fixtures" / "platforms"


@pytest.fixture
def network_guard() -> Iterator[None]:
    with loopback_only():
        yield


@dataclass
class Route:
    body: bytes = b""
    content_type: str = "application/xml; charset=utf-8"
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)


def fixture(*parts: str) -> bytes:
    return FIXTURES.joinpath(*parts).read_bytes()


@dataclass
class Seen:
    path: str
    query: dict[str, list[str]]
    query_string: str


class MemoryStore:
    def __init__(self) -> None:
        self.blobs: dict[str, bytes] = {}

    def put(self, body: bytes) -> str:
        sha = hashlib.sha256(body).hexdigest()
        self.blobs[sha] = body
        return sha

    def get(self, sha: str) -> bytes | None:
        return self.blobs.get(sha)


def _settings() -> FetchSettings:
    return FetchSettings(
        timeout_s=5.0, connect_timeout_s=2.0, retries=0, backoff_base_s=0.01, proxy_from_env=False
    )


async def _collect(
    collector: Any, catalogue_yaml: str, routes: Mapping[str, Route]
) -> tuple[ParseResult | RiverbedError, list[Seen]]:
    seen: list[Seen] = []

    async def handle(request: web.Request) -> web.StreamResponse:
        query: dict[str, list[str]] = {}
        for key, value in request.query.items():
            query.setdefault(key, []).append(value)
        seen.append(Seen(request.path, query, request.query_string))
        route = routes.get(request.path)
        if route is None:
            return web.Response(status=404, text="not found")
        return web.Response(
            status=route.status,
            body=route.body,
            headers={"Content-Type": route.content_type, **route.headers},
        )

    app = web.Application()
    app.router.add_route("GET", "/{tail:.*}", handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        port = runner.addresses[0][1]
        base = f"http://127.0.0.1:{port}"
        source = parse_catalogue(catalogue_yaml.replace("{base}", base), env={}).sources[0]
        async with HttpClient(_settings()) as client:
            session = FetchSession(
                client, MemoryStore(), source_id=source.id, run_id="test-run", state={}
            )
            try:
                result: ParseResult | RiverbedError = await collector.collect(source, session)
            except RiverbedError as e:
                result = e
    finally:
        await runner.cleanup()
    return result, seen


def collect_via_server(
    collector: Any, catalogue_yaml: str, routes: Mapping[str, Route]
) -> tuple[ParseResult | RiverbedError, list[Seen]]:
    return asyncio.run(_collect(collector, catalogue_yaml, routes))
