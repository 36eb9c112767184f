"""A webhook receiver on loopback for every notify test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from notify.webhook_receiver import WebhookReceiver


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    r = WebhookReceiver()
    yield r
    r.close()
