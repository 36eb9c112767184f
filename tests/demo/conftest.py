"""Fixtures for the demo tests: one corpus, one running replay server, and a network safety
net — while these tests run, any DNS lookup or connect that is not to a loopback address
raises before anything leaves the machine (the demo must never need one)."""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterator
from typing import Any

import pytest
from demo_testkit import DAY

from riverbed.demo.corpus import Corpus, build_corpus
from riverbed.demo.server import ReplayServer


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
            raise OutsideNetworkError(f"DNS lookup of {host!r} attempted in a demo test")
        return real_getaddrinfo(host, *args, **kwargs)

    def check(address: Any) -> None:
        if isinstance(address, tuple) and not _is_loopback_literal(address[0]):
            raise OutsideNetworkError(f"connect to {address!r} attempted in a demo test")

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
def corpus() -> Corpus:
    return build_corpus(DAY)


@pytest.fixture(scope="package")
def server(corpus: Corpus) -> Iterator[ReplayServer]:
    with ReplayServer(corpus) as running:
        yield running
