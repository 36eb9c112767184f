"""Fixtures of the extraction tests: the fixture pages, and the loopback-only network guard
(extraction must never touch the network; a DNS lookup or connect here fails the test)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from netguard import loopback_only

ARTICLES = Path(__file__).resolve().parents[2] / "fixtures" / "articles"


@pytest.fixture(autouse=True, scope="module")
def _no_outside_network() -> Iterator[None]:
    with loopback_only():
        yield


@pytest.fixture(scope="session")
def page() -> Callable[[str], bytes]:
    """The bytes of a fixture page under tests/fixtures/articles/."""

    def read(name: str) -> bytes:
        return (ARTICLES / name).read_bytes()

    return read
