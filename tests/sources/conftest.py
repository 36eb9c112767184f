"""Fixtures of the collector tests: the loopback-only network guard around every module, and
one `PlatformServer` per module (`server` hands it to a test freshly reset; a module whose
server serves files overrides `server` to set `root`)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from platform_server import PlatformServer, running_server

from netguard import loopback_only


@pytest.fixture(autouse=True, scope="module")
def _no_outside_network() -> Iterator[None]:
    with loopback_only():
        yield


@pytest.fixture(scope="module")
def _platform_server() -> Iterator[PlatformServer]:
    with running_server() as server:
        yield server


@pytest.fixture
def server(_platform_server: PlatformServer) -> PlatformServer:
    _platform_server.reset()
    return _platform_server
