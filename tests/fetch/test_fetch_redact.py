"""Secrets never reach messages or recorded URLs."""

from __future__ import annotations

import pytest

from riverbed.fetch.redact import is_secret_param, redact_text, redact_url


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://example.org/feed", "https://example.org/feed"),
        ("https://user:hunter2@example.org/x", "https://REDACTED@example.org/x"),
        ("https://token@example.org/x", "https://REDACTED@example.org/x"),
        (
            "https://api.example.org/v1?api_key=abc123&q=rust",
            "https://api.example.org/v1?api_key=REDACTED&q=rust",
        ),
        (
            "https://x.org/?access_token=t&apiKey=k&page=2&Signature=s&X-Amz-Credential=c",
            "https://x.org/?access_token=REDACTED&apiKey=REDACTED&page=2&Signature=REDACTED"
            "&X-Amz-Credential=REDACTED",
        ),
        (
            "https://x.org/?password=p&secret=s#frag",
            "https://x.org/?password=REDACTED&secret=REDACTED#frag",
        ),
        (
            "https://x.org/?keywords=a&author=b&sort=new",
            "https://x.org/?keywords=a&author=b&sort=new",
        ),
        ("https://x.org/?token=", "https://x.org/?token="),
        ("https://x.org/?flag&key=v", "https://x.org/?flag&key=REDACTED"),
    ],
)
def test_redact_url(url: str, expected: str) -> None:
    assert redact_url(url) == expected


@pytest.mark.parametrize(
    ("name", "secret"),
    [
        ("api_key", True),
        ("x-api-key", True),
        ("apikey", True),
        ("access_token", True),
        ("client_secret", True),
        ("password", True),
        ("passwd", True),
        ("sig", True),
        ("X-Amz-Signature", True),
        ("q", False),
        ("keywords", False),
        ("author", False),
        ("page", False),
    ],
)
def test_secret_param_names(name: str, secret: bool) -> None:
    assert is_secret_param(name) is secret


def test_redact_text_finds_every_url() -> None:
    text = (
        "Cannot connect to http://u:pw@a.example/x?token=T1 after redirect from "
        "'https://b.example/?api_key=K2'"
    )
    out = redact_text(text)
    for secret in ("pw", "T1", "K2"):
        assert secret not in out
    assert out.count("REDACTED") == 3
