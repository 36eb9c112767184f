"""Proxy choice and `resolve` parsing: pure decisions, no requests."""

from __future__ import annotations

from ipaddress import ip_address

import pytest
from yarl import URL

from riverbed.fetch import FetchSettings, HttpClient
from riverbed.fetch.client import no_proxy_matches
from riverbed.fetch.resolver import parse_overrides


@pytest.mark.parametrize(
    ("host", "port", "no_proxy", "bypass"),
    [
        ("example.com", 443, "example.com", True),
        ("www.example.com", 443, "example.com", True),
        ("www.example.com", 443, ".example.com", True),
        ("notexample.com", 443, "example.com", False),
        ("example.com", 443, "example.com:8080", False),
        ("example.com", 8080, "example.com:8080", True),
        ("anything.org", 80, "*", True),
        ("example.com", 443, "", False),
        ("example.com", 443, " other.org , EXAMPLE.com ", True),
    ],
)
def test_no_proxy_matches(host: str, port: int, no_proxy: str, bypass: bool) -> None:
    assert no_proxy_matches(host, port, no_proxy) is bypass


def test_proxy_choice(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.corp:3128")
    monkeypatch.setenv("HTTP_PROXY", "http://proxy.corp:3128")
    monkeypatch.setenv("NO_PROXY", "intranet.corp")
    client = HttpClient(FetchSettings(resolve={"demo.example": "127.0.0.1:8000"}))
    assert client._proxy_for(URL("https://news.example.org/")) == "http://proxy.corp:3128"
    assert client._proxy_for(URL("https://wiki.intranet.corp/")) is None  # NO_PROXY
    assert client._proxy_for(URL("http://demo.example/")) is None  # resolved: direct
    assert client._proxy_for(URL("http://127.0.0.1:9/")) is None  # loopback: direct
    assert client._proxy_for(URL("http://localhost:9/")) is None

    explicit = HttpClient(FetchSettings(proxy="http://127.0.0.1:3128"))
    assert explicit._proxy_for(URL("https://wiki.intranet.corp/")) == "http://127.0.0.1:3128"

    no_env = HttpClient(FetchSettings(proxy_from_env=False))
    assert no_env._proxy_for(URL("https://news.example.org/")) is None


def test_parse_overrides() -> None:
    table = parse_overrides(
        {
            "News.Example.org": "127.0.0.1:8080",
            "api.example.org:443": "[::1]:8443",
            "plain.example": "127.0.0.2",
        }
    )
    assert table == {
        ("news.example.org", None): (ip_address("127.0.0.1"), 8080),
        ("api.example.org", 443): (ip_address("::1"), 8443),
        ("plain.example", None): (ip_address("127.0.0.2"), None),
    }


@pytest.mark.parametrize("target", ["localhost:8080", "example.org", "127.0.0.1:notaport"])
def test_resolve_targets_must_be_ip_literals(target: str) -> None:
    with pytest.raises(ValueError, match=r"resolve|port"):
        HttpClient(FetchSettings(resolve={"news.example.org": target}))
