"""The suite's one network guard: while active, any DNS lookup of a name that is not a
loopback literal (or `localhost`, answered from /etc/hosts), or any connect to a
non-loopback address, raises before a packet leaves."""

from __future__ import annotations

import contextlib
import ipaddress
import socket
from collections.abc import Iterator
from typing import Any

import pytest


class OutsideNetworkError(AssertionError):
    """A test tried to reach a non-loopback address (nothing was sent)."""


def is_loopback_literal(host: object) -> bool:
    if isinstance(host, bytes):
        host = host.decode()
    if not isinstance(host, str):
        return False
    if host.lower() in ("localhost", "localhost."):  # /etc/hosts: no packet leaves
        return True
    try:
        return ipaddress.ip_address(host.split("%")[0]).is_loopback
    except ValueError:
        return False


def _guards() -> tuple[Any, Any, Any]:
    real_getaddrinfo = socket.getaddrinfo
    real_connect = socket.socket.connect
    real_connect_ex = socket.socket.connect_ex

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        if host is not None and not is_loopback_literal(host):
            raise OutsideNetworkError(f"DNS lookup of {host!r} attempted in a test")
        return real_getaddrinfo(host, *args, **kwargs)

    def check(address: Any) -> None:
        if isinstance(address, tuple) and not is_loopback_literal(address[0]):
            raise OutsideNetworkError(f"connect to {address!r} attempted in a test")

    def connect(self: socket.socket, address: Any) -> None:
        check(address)
        return real_connect(self, address)

    def connect_ex(self: socket.socket, address: Any) -> int:
        check(address)
        return real_connect_ex(self, address)

    return getaddrinfo, connect, connect_ex


def install() -> None:
    """Guard this whole process (for child processes: see netguard_site/sitecustomize.py)."""
    getaddrinfo, connect, connect_ex = _guards()
    socket.getaddrinfo = getaddrinfo  # type: ignore[assignment]
    socket.socket.connect = connect  # type: ignore[method-assign]
    socket.socket.connect_ex = connect_ex  # type: ignore[method-assign]


@contextlib.contextmanager
def loopback_only() -> Iterator[None]:
    getaddrinfo, connect, connect_ex = _guards()
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(socket, "getaddrinfo", getaddrinfo)
        mp.setattr(socket.socket, "connect", connect)
        mp.setattr(socket.socket, "connect_ex", connect_ex)
        yield
