"""Fixtures for the fetch tests, and a network safety net: while these tests run, any DNS
lookup or socket connect that is not to a loopback address raises before anything leaves
the machine."""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import pytest
from fetch_testkit import Fetch, LoopbackServer, fast_settings

from riverbed.fetch import FetchResponse, FetchSettings, HttpClient


class OutsideNetworkError(AssertionError):
    """A test tried to reach a non-loopback address (nothing was sent)."""


def _is_loopback_literal(host: object) -> bool:
    if isinstance(host, bytes):
        host = host.decode()
    if not isinstance(host, str):
        return False
    try:
        return ipaddress.ip_address(host.split("%")[0]).is_loopback
    except ValueError:
        return False


@pytest.fixture(scope="package", autouse=True)
def no_outside_network() -> Iterator[None]:
    real_getaddrinfo = socket.getaddrinfo
    real_connect = socket.socket.connect
    real_connect_ex = socket.socket.connect_ex

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        if host is not None and not _is_loopback_literal(host):
            raise OutsideNetworkError(f"DNS lookup of {host!r} attempted in a test")
        return real_getaddrinfo(host, *args, **kwargs)

    def check(address: Any) -> None:
        if isinstance(address, tuple) and not _is_loopback_literal(address[0]):
            raise OutsideNetworkError(f"connect to {address!r} attempted in a test")

    def connect(self: socket.socket, address: Any) -> None:
        check(address)
        return real_connect(self, address)

    def connect_ex(self: socket.socket, address: Any) -> int:
        check(address)
        return real_connect_ex(self, address)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(socket, "getaddrinfo", getaddrinfo)
        mp.setattr(socket.socket, "connect", connect)
        mp.setattr(socket.socket, "connect_ex", connect_ex)
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
