"""Fixtures for the demo tests: one corpus, one running replay server, and a network safety
net — while these tests run, any DNS lookup or connect that is not to a loopback address
raises before anything leaves the machine (the demo must never need one)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from demo_testkit import DAY

from netguard import loopback_only
from riverbed.demo.corpus import Corpus, build_corpus
from riverbed.demo.server import ReplayServer


@pytest.fixture(scope="package", autouse=True)
def no_outside_network() -> Iterator[None]:
    with loopback_only():
        yield


@pytest.fixture(scope="package")
def corpus() -> Corpus:
    return build_corpus(DAY)


@pytest.fixture(scope="package")
def server(corpus: Corpus) -> Iterator[ReplayServer]:
    with ReplayServer(corpus) as running:
        yield running
