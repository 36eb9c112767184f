"""Loaded at start-up by the Python processes tests/ai/ start in .venv-ai (PYTHONPATH points
here). The suite's own guard (tests/netguard.py) imports pytest, which .venv-ai does not
have, so this is the same loopback-only rule without it. Every refused attempt is also
written to stderr with MARKER: a library that catches the error and carries on (hub
clients fall back quietly) still leaves a trace the test can find."""

import ipaddress
import socket
import sys
from typing import Any

MARKER = "OUTSIDE-NETWORK-ATTEMPT"


def _loopback(host: object) -> bool:
    if isinstance(host, bytes):
        host = host.decode()
    if not isinstance(host, str):
        return False
    if host.lower() in ("localhost", "localhost."):
        return True
    try:
        return ipaddress.ip_address(host.split("%")[0]).is_loopback
    except ValueError:
        return False


def _refuse(what: str) -> None:  # raises
    sys.stderr.write(f"{MARKER}: {what}\n")
    sys.stderr.flush()
    raise OSError(f"network is off for this test: {what}")


_getaddrinfo = socket.getaddrinfo
_connect = socket.socket.connect
_connect_ex = socket.socket.connect_ex


def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
    if host is not None and not _loopback(host):
        _refuse(f"DNS lookup of {host!r}")
    return _getaddrinfo(host, *args, **kwargs)


def connect(self: socket.socket, address: Any) -> None:
    if isinstance(address, tuple) and not _loopback(address[0]):
        _refuse(f"connect to {address!r}")
    return _connect(self, address)


def connect_ex(self: socket.socket, address: Any) -> int:
    if isinstance(address, tuple) and not _loopback(address[0]):
        _refuse(f"connect to {address!r}")
    return _connect_ex(self, address)


socket.getaddrinfo = getaddrinfo  # type: ignore[assignment]
socket.socket.connect = connect  # type: ignore[method-assign]
socket.socket.connect_ex = connect_ex  # type: ignore[method-assign]
