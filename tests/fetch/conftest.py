"""Fixtures for the fetch tests, and a network safety net: while these tests run, any DNS
lookup or socket connect that is not to a loopback address raises before anything leaves
the machine."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import pytest
from fetch_testkit import Fetch, LoopbackServer, fast_settings

from netguard import loopback_only
from riverbed.fetch import FetchResponse, FetchSettings, HttpClient


@pytest.fixture(scope="package", autouse=True)
def no_outside_network() -> Iterator[None]:
    with loopback_only():
        yield


@pytest.fixture(scope="package")
def _loopback_server() -> Iterator[LoopbackServer]:
    server = LoopbackServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def loopback(_loopback_server: LoopbackServer) -> LoopbackServer:
    _loopback_server.state.reset()
    return _loopback_server


@pytest.fixture
def fetch() -> Fetch:
    """`fetch(url, settings=None, dns=None, **get_kwargs)`: one GET with a fresh client."""

    def run(
        url: str,
        settings: FetchSettings | None = None,
        dns: Callable[[str, int, int], Awaitable[list[str]]] | None = None,
        **kwargs: Any,
    ) -> FetchResponse:
        async def go() -> FetchResponse:
            async with HttpClient(settings or fast_settings(), dns=dns) as client:
                return await client.get(url, **kwargs)

        return asyncio.run(go())

    return run


@pytest.fixture
def make_settings() -> Callable[..., FetchSettings]:
    return fast_settings
