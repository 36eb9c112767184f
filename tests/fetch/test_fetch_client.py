"""HttpClient against a real aiohttp server on loopback.

Realistic hostnames are mapped to the server with `resolve` (no DNS query is made); URLs the
guard must refuse point at a canary handler that has to count zero hits. The package conftest
turns any DNS lookup or connect to a non-loopback address into a test failure.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import socket
import time
import tracemalloc
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fetch_testkit import TEXT, Fetch, LoopbackServer

from loopback import refused_port
from riverbed.core.errors import ErrorKind
from riverbed.fetch import FetchSettings, HttpClient, Validators
from riverbed.fetch.client import _Hop, parse_retry_after

Settings = Callable[..., FetchSettings]


# --- bodies and conditional GET -------------------------------------------------------------


@pytest.mark.parametrize("coding", ["gzip", "br", "deflate", "deflate-raw", "identity"])
def test_decodes_content_encodings(loopback: LoopbackServer, fetch: Fetch, coding: str) -> None:
    resp = fetch(loopback.url(f"/enc/{coding}"), trusted=True)
    assert resp.ok, resp.error_message
    assert resp.body == TEXT
    assert resp.status == 200
    assert len(resp.attempts) == 1
    assert resp.attempts[0].bytes > 0
    if coding != "identity":
        assert resp.attempts[0].bytes < len(TEXT)  # raw (compressed) bytes are what is counted


def test_sends_user_agent_and_caller_headers(
    loopback: LoopbackServer, fetch: Fetch, make_settings: Settings
) -> None:
    resp = fetch(
        loopback.url("/headers"),
        settings=make_settings(user_agent="riverbed-test/1.0"),
        headers={"X-Api": "abc", "Accept": "application/json"},
        trusted=True,
    )
    seen = json.loads(resp.body or b"{}")
    assert seen["User-Agent"] == "riverbed-test/1.0"
    assert seen["X-Api"] == "abc"
    assert seen["Accept"] == "application/json"
    assert seen["Accept-Encoding"] == "gzip, deflate, br"


@pytest.mark.parametrize(
    "validators",
    [Validators(etag='"v1"'), Validators(last_modified="Wed, 01 Jan 2025 00:00:00 GMT")],
)
def test_conditional_get_returns_not_modified(
    loopback: LoopbackServer, fetch: Fetch, validators: Validators
) -> None:
    resp = fetch(loopback.url("/cond"), validators=validators, trusted=True)
    assert resp.status == 304
    assert resp.not_modified
    assert resp.body is None
    assert resp.error_kind is None
    assert not resp.ok


def test_unconditional_get_returns_validators(loopback: LoopbackServer, fetch: Fetch) -> None:
    resp = fetch(loopback.url("/cond"), validators=Validators(etag='"old"'), trusted=True)
    assert resp.status == 200
    assert resp.body == b"fresh"
    assert resp.headers["etag"] == '"v1"'
    assert resp.headers["last-modified"] == "Wed, 01 Jan 2025 00:00:00 GMT"


# --- retries --------------------------------------------------------------------------------


def test_retries_503_then_succeeds(loopback: LoopbackServer, fetch: Fetch) -> None:
    resp = fetch(loopback.url("/flaky/a?fail=2&status=503"), trusted=True)
    assert resp.ok
    assert resp.body == b"recovered"
    assert [a.status for a in resp.attempts] == [503, 503, 200]
    assert loopback.state.hits["a"] == 3


def test_retry_after_is_honoured(loopback: LoopbackServer, fetch: Fetch) -> None:
    started = time.monotonic()
    resp = fetch(loopback.url("/flaky/b?fail=1&status=503&retry_after=1"), trusted=True)
    assert resp.ok
    assert time.monotonic() - started >= 1.0  # backoff_base_s is 0.01: only Retry-After waits
    assert [a.status for a in resp.attempts] == [503, 200]


def test_retry_after_beyond_the_cap_gives_up_at_once(
    loopback: LoopbackServer, fetch: Fetch
) -> None:
    started = time.monotonic()
    resp = fetch(loopback.url("/flaky/c?fail=5&status=429&retry_after=120"), trusted=True)
    assert resp.error_kind == ErrorKind.RATE_LIMITED
    assert "Retry-After 120s" in (resp.error_message or "")
    assert loopback.state.hits["c"] == 1
    assert time.monotonic() - started < 30  # not the 120 s asked for (wide: loaded CI)


def test_429_exhausted_is_rate_limited(
    loopback: LoopbackServer, fetch: Fetch, make_settings: Settings
) -> None:
    resp = fetch(loopback.url("/status/429"), settings=make_settings(retries=2), trusted=True)
    assert resp.error_kind == ErrorKind.RATE_LIMITED
    assert resp.status == 429
    assert loopback.state.hits["/status/429"] == 3
    assert len(resp.attempts) == 3


@pytest.mark.parametrize("code", [400, 401, 403, 404, 410])
def test_other_4xx_is_http_status_without_retry(
    loopback: LoopbackServer, fetch: Fetch, code: int
) -> None:
    resp = fetch(loopback.url(f"/status/{code}"), trusted=True)
    assert resp.error_kind == ErrorKind.HTTP_STATUS
    assert resp.status == code
    assert resp.body is None
    assert loopback.state.hits[f"/status/{code}"] == 1


def test_5xx_exhausted_is_http_status(loopback: LoopbackServer, fetch: Fetch) -> None:
    resp = fetch(loopback.url("/status/502"), trusted=True)
    assert resp.error_kind == ErrorKind.HTTP_STATUS
    assert loopback.state.hits["/status/502"] == 4  # 1 + retries=3


def test_deadline_covers_retries(
    loopback: LoopbackServer, fetch: Fetch, make_settings: Settings
) -> None:
    settings = make_settings(retries=50, backoff_base_s=0.2, timeout_s=1.0)
    started = time.monotonic()
    resp = fetch(loopback.url("/status/503"), settings=settings, trusted=True)
    elapsed = time.monotonic() - started
    assert elapsed < 1.3
    assert resp.error_kind in (ErrorKind.HTTP_STATUS, ErrorKind.TIMEOUT)
    assert 1 < len(resp.attempts) < 10


def test_connection_refused_is_connect_error_and_retried(
    fetch: Fetch, make_settings: Settings
) -> None:
    with refused_port() as port:
        resp = fetch(f"http://127.0.0.1:{port}/", settings=make_settings(retries=2), trusted=True)
    assert resp.error_kind == ErrorKind.CONNECT_ERROR
    assert [a.error_kind for a in resp.attempts] == [ErrorKind.CONNECT_ERROR] * 3


def test_connect_timeout(fetch: Fetch, make_settings: Settings) -> None:
    # A listener whose accept queue is full drops further SYNs: the connect hangs.
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    port = listener.getsockname()[1]
    fillers = []
    try:
        for _ in range(4):
            f = socket.socket()
            f.setblocking(False)
            f.connect_ex(("127.0.0.1", port))
            fillers.append(f)
        time.sleep(0.05)
        settings = make_settings(connect_timeout_s=0.3, retries=1, timeout_s=5)
        started = time.monotonic()
        resp = fetch(f"http://127.0.0.1:{port}/", settings=settings, trusted=True)
        elapsed = time.monotonic() - started
    finally:
        for f in fillers:
            f.close()
        listener.close()
    if resp.error_kind == ErrorKind.CONNECT_ERROR and "timed out" not in (resp.error_message or ""):
        pytest.skip("this kernel did not drop SYNs for a full accept queue")
    assert resp.error_kind == ErrorKind.CONNECT_ERROR
    assert "timed out" in (resp.error_message or "")
    assert len(resp.attempts) == 2
    assert elapsed < 2


# --- redirects ------------------------------------------------------------------------------


def test_redirect_chain_is_followed(
    loopback: LoopbackServer, fetch: Fetch, make_settings: Settings
) -> None:
    settings = make_settings(
        resolve={"feeds.example.org": f"127.0.0.1:{loopback.port}"},
        allow_private_hosts=("feeds.example.org",),
    )
    resp = fetch("http://feeds.example.org/redirect/3", settings=settings, trusted=True)
    assert resp.ok, resp.error_message
    assert resp.body == b"end of chain"
    assert resp.final_url == "http://feeds.example.org/redirect/0"
    assert resp.url == "http://feeds.example.org/redirect/3"
    assert [a.status for a in resp.attempts] == [302, 302, 302, 200]


def test_redirect_loop_is_too_many_redirects(
    loopback: LoopbackServer, fetch: Fetch, make_settings: Settings
) -> None:
    settings = make_settings(allow_private_hosts=("127.0.0.1",), max_redirects=5)
    resp = fetch(loopback.url("/loop"), settings=settings, trusted=True)
    assert resp.error_kind == ErrorKind.TOO_MANY_REDIRECTS
    assert loopback.state.hits["loop"] == 6
    assert len(resp.attempts) == 6


def test_max_redirects_hops_are_allowed(
    loopback: LoopbackServer, fetch: Fetch, make_settings: Settings
) -> None:
    settings = make_settings(allow_private_hosts=("127.0.0.1",), max_redirects=2)
    assert fetch(loopback.url("/redirect/2"), settings=settings, trusted=True).ok
    resp = fetch(loopback.url("/redirect/3"), settings=settings, trusted=True)
    assert resp.error_kind == ErrorKind.TOO_MANY_REDIRECTS


def test_redirect_to_other_scheme_is_rejected(loopback: LoopbackServer, fetch: Fetch) -> None:
    resp = fetch(loopback.url("/to?u=file:///etc/passwd"), trusted=True)
    assert resp.error_kind == ErrorKind.SCHEME_REJECTED


def test_https_to_http_downgrade_is_refused(make_settings: Settings) -> None:
    client = HttpClient(make_settings())
    sent: list[str] = []

    async def fake_attempt(call: Any, url: Any, headers: Any, trusted_hop: bool) -> _Hop:
        sent.append(str(url))
        return _Hop(status=301, headers={"location": "http://feeds.example.org/feed"})

    client._attempt = fake_attempt  # type: ignore[method-assign]

    async def go() -> Any:
        async with client:
            return await client.get("https://feeds.example.org/feed", trusted=True)

    resp = asyncio.run(go())
    assert resp.error_kind == ErrorKind.SCHEME_REJECTED
    assert sent == ["https://feeds.example.org/feed"]


def _origin_settings(loopback: LoopbackServer, make_settings: Settings) -> FetchSettings:
    target = f"127.0.0.1:{loopback.port}"
    return make_settings(
        resolve={"a.example": target, "b.example": target},
        allow_private_hosts=("a.example", "b.example"),
    )


def test_credentials_dropped_on_cross_origin_redirect(
    loopback: LoopbackServer, fetch: Fetch, make_settings: Settings
) -> None:
    resp = fetch(
        "http://a.example/to?u=http://b.example/headers",
        settings=_origin_settings(loopback, make_settings),
        headers={"Authorization": "Bearer s3cret", "Cookie": "sid=1", "X-Custom": "1"},
        validators=Validators(etag='"e"'),
        trusted=True,
    )
    assert resp.ok, resp.error_message
    seen = json.loads(resp.body or b"{}")
    assert "Authorization" not in seen
    assert "Cookie" not in seen
    assert "X-Custom" not in seen
    assert seen["User-Agent"].startswith("riverbed/")
    assert seen["If-None-Match"] == '"e"'


def test_credentials_kept_on_same_origin_redirect(
    loopback: LoopbackServer, fetch: Fetch, make_settings: Settings
) -> None:
    resp = fetch(
        "http://a.example/to?u=/headers",
        settings=_origin_settings(loopback, make_settings),
        headers={"Authorization": "Bearer s3cret"},
        trusted=True,
    )
    seen = json.loads(resp.body or b"{}")
    assert seen["Authorization"] == "Bearer s3cret"


# --- the address guard, end to end (canary must stay at zero) --------------------------------


def _loopback_spellings(loopback: LoopbackServer) -> Iterator[str]:
    p = loopback.port
    yield f"http://127.0.0.1:{p}/canary"
    yield f"http://localhost:{p}/canary"  # mapped with `resolve` below: no lookup
    yield f"http://LocalHost.:{p}/canary"
    yield f"http://2130706433:{p}/canary"
    yield f"http://0x7f000001:{p}/canary"
    yield f"http://127.1:{p}/canary"
    yield f"http://0177.0.0.1:{p}/canary"
    yield f"http://[::ffff:127.0.0.1]:{p}/canary"
    yield f"http://metadata.internal:{p}/canary"  # a name resolving (by override) to loopback
    if loopback.port6:
        yield f"http://[::1]:{loopback.port6}/canary"


def _guard_settings(loopback: LoopbackServer, make_settings: Settings, **kw: Any) -> FetchSettings:
    loop4 = f"127.0.0.1:{loopback.port}"
    return make_settings(
        resolve={"localhost": loop4, "metadata.internal": loop4, "feeds.example.org": loop4},
        **kw,
    )


def test_untrusted_loopback_spellings_are_blocked(
    loopback: LoopbackServer, fetch: Fetch, make_settings: Settings
) -> None:
    settings = _guard_settings(loopback, make_settings)
    for url in _loopback_spellings(loopback):
        resp = fetch(url, settings=settings, trusted=False)
        assert resp.error_kind == ErrorKind.BLOCKED_ADDRESS, (url, resp.error_message)
        assert resp.attempts[-1].status is None
    assert loopback.state.hits["canary"] == 0


def test_redirects_from_a_trusted_url_to_loopback_are_blocked(
    loopback: LoopbackServer, fetch: Fetch, make_settings: Settings
) -> None:
    settings = _guard_settings(loopback, make_settings)
    for target in _loopback_spellings(loopback):
        for code in (301, 302, 307, 308):
            resp = fetch(
                f"http://feeds.example.org/to?code={code}&u={target}",
                settings=settings,
                trusted=True,
            )
            assert resp.error_kind == ErrorKind.BLOCKED_ADDRESS, (target, resp.error_message)
            assert resp.attempts[0].status == code
    assert loopback.state.hits["canary"] == 0
    assert loopback.state.hits["to"] > 0  # the trusted first hop did reach the server


def test_trusted_first_hop_may_reach_loopback(
    loopback: LoopbackServer, fetch: Fetch, make_settings: Settings
) -> None:
    settings = _guard_settings(loopback, make_settings)
    assert fetch("http://feeds.example.org/canary", settings=settings, trusted=True).ok
    assert loopback.state.hits["canary"] == 1


def test_trusted_connection_is_not_reused_for_a_checked_hop(
    loopback: LoopbackServer, make_settings: Settings
) -> None:
    settings = _guard_settings(loopback, make_settings)

    async def go() -> tuple[Any, Any]:
        async with HttpClient(settings) as client:
            first = await client.get("http://feeds.example.org/ok", trusted=True)
            second = await client.get("http://feeds.example.org/canary", trusted=False)
            return first, second

    first, second = asyncio.run(go())
    assert first.ok
    assert second.error_kind == ErrorKind.BLOCKED_ADDRESS
    assert loopback.state.hits["canary"] == 0


@pytest.mark.parametrize(
    ("allow", "passes"),
    [
        (("127.0.0.1:{port}",), True),
        (("127.0.0.1",), True),
        (("127.0.0.1:1",), False),
        (("2130706433",), False),  # matched as written
        (("localhost",), False),
    ],
)
def test_allow_private_hosts(
    loopback: LoopbackServer,
    fetch: Fetch,
    make_settings: Settings,
    allow: tuple[str, ...],
    passes: bool,
) -> None:
    settings = make_settings(allow_private_hosts=tuple(a.format(port=loopback.port) for a in allow))
    resp = fetch(loopback.url("/canary"), settings=settings, trusted=False)
    assert resp.ok is passes, resp.error_message
    assert loopback.state.hits["canary"] == (1 if passes else 0)


def test_allow_private_hosts_for_a_mapped_name_is_case_insensitive(
    loopback: LoopbackServer, fetch: Fetch, make_settings: Settings
) -> None:
    settings = _guard_settings(loopback, make_settings, allow_private_hosts=("METADATA.internal",))
    resp = fetch(
        f"http://metadata.INTERNAL:{loopback.port}/canary", settings=settings, trusted=False
    )
    assert resp.ok, resp.error_message
    assert loopback.state.hits["canary"] == 1


@pytest.mark.parametrize(
    "answers",
    [
        ["169.254.169.254"],
        ["100.100.100.200"],
        ["10.0.0.7"],
        ["fd00::1"],
        ["64:ff9b::a9fe:a9fe"],
        ["93.184.215.14", "127.0.0.1"],  # one bad answer is enough
    ],
)
def test_names_resolving_to_blocked_addresses_are_refused(
    fetch: Fetch, make_settings: Settings, answers: list[str]
) -> None:
    lookups: list[str] = []

    async def fake_dns(host: str, port: int, family: int) -> list[str]:
        lookups.append(host)
        return answers

    resp = fetch("http://evil.test/latest", settings=make_settings(), dns=fake_dns, trusted=False)
    assert resp.error_kind == ErrorKind.BLOCKED_ADDRESS
    assert lookups == ["evil.test"]
    assert resp.attempts[-1].status is None


@pytest.mark.parametrize(
    "url", ["ftp://127.0.0.1/x", "file:///etc/passwd", "gopher://h/", "data:,x"]
)
def test_non_http_schemes_are_rejected(fetch: Fetch, url: str) -> None:
    for trusted in (True, False):
        resp = fetch(url, trusted=trusted)
        assert resp.error_kind == ErrorKind.SCHEME_REJECTED


def test_invalid_url_is_an_error_not_an_exception(fetch: Fetch) -> None:
    resp = fetch("http://", trusted=True)
    assert resp.error_kind == ErrorKind.CONNECT_ERROR


# --- proxies --------------------------------------------------------------------------------


def test_proxy_is_used_and_checked_hops_are_resolved_first(
    loopback: LoopbackServer, make_settings: Settings
) -> None:
    async def fake_dns(host: str, port: int, family: int) -> list[str]:
        return {"public.test": ["93.184.215.14"], "internal.test": ["10.1.2.3"]}[host]

    settings = make_settings(proxy=f"http://127.0.0.1:{loopback.port}")

    async def go() -> tuple[Any, Any, Any]:
        async with HttpClient(settings, dns=fake_dns) as client:
            public = await client.get("http://public.test/proxied", trusted=False)
            internal = await client.get("http://internal.test/proxied", trusted=False)
            direct = await client.get(loopback.url("/ok"), trusted=True)  # loopback: no proxy
            return public, internal, direct

    public, internal, direct = asyncio.run(go())
    assert public.ok, public.error_message
    assert internal.error_kind == ErrorKind.BLOCKED_ADDRESS
    assert direct.ok
    assert loopback.state.proxied == ["public.test /proxied"]


# --- deadlines and caps ---------------------------------------------------------------------


def test_slow_drip_dies_at_the_deadline(
    loopback: LoopbackServer, fetch: Fetch, make_settings: Settings
) -> None:
    started = time.monotonic()
    resp = fetch(loopback.url("/drip"), settings=make_settings(timeout_s=1.0), trusted=True)
    elapsed = time.monotonic() - started
    assert resp.error_kind == ErrorKind.TIMEOUT
    assert elapsed < 6  # the deadline (1 s), not the 30 s drip (wide: loaded CI)
    assert resp.attempts[-1].error_kind == ErrorKind.TIMEOUT
    assert resp.attempts[-1].status == 200
    assert resp.attempts[-1].bytes >= 2


def test_slow_headers_die_at_the_deadline(
    loopback: LoopbackServer, fetch: Fetch, make_settings: Settings
) -> None:
    started = time.monotonic()
    resp = fetch(loopback.url("/slow-headers"), settings=make_settings(timeout_s=0.5), trusted=True)
    assert resp.error_kind == ErrorKind.TIMEOUT
    assert time.monotonic() - started < 4  # the 0.5 s deadline, not the 5 s headers


def test_endless_body_is_too_large(
    loopback: LoopbackServer, fetch: Fetch, make_settings: Settings
) -> None:
    cap = 1 << 20
    resp = fetch(loopback.url("/endless"), settings=make_settings(max_body_bytes=cap), trusted=True)
    assert resp.error_kind == ErrorKind.TOO_LARGE
    assert resp.body is None
    assert cap < resp.attempts[-1].bytes <= cap + (1 << 17)


def test_declared_length_over_the_cap_is_refused_before_reading(
    loopback: LoopbackServer, fetch: Fetch
) -> None:
    resp = fetch(loopback.url("/declared-big"), trusted=True, max_body_bytes=1 << 20)
    assert resp.error_kind == ErrorKind.TOO_LARGE
    assert resp.attempts[-1].bytes == 0


@pytest.mark.parametrize("coding", ["gzip", "br"])
def test_compression_bomb_is_too_large_with_bounded_memory(
    loopback: LoopbackServer, fetch: Fetch, make_settings: Settings, coding: str
) -> None:
    cap = 5 << 20
    tracemalloc.start()
    try:
        resp = fetch(
            loopback.url(f"/bomb/{coding}"),
            settings=make_settings(max_body_bytes=cap),
            trusted=True,
        )
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert resp.error_kind == ErrorKind.TOO_LARGE
    assert "decoded" in (resp.error_message or "")
    assert peak < cap + (16 << 20)  # the bomb inflates to 1 GiB


# --- concurrency ----------------------------------------------------------------------------


def _gather(settings: FetchSettings, urls: list[str]) -> list[Any]:
    async def go() -> list[Any]:
        async with HttpClient(settings) as client:
            return list(await asyncio.gather(*(client.get(u, trusted=True) for u in urls)))

    return asyncio.run(go())


def test_per_host_concurrency_is_observed_by_the_server(
    loopback: LoopbackServer, make_settings: Settings
) -> None:
    responses = _gather(make_settings(per_host_concurrency=3), [loopback.url("/slow/h")] * 10)
    assert all(r.ok for r in responses)
    assert loopback.state.max_in_flight["h"] == 3


def test_total_concurrency_spans_hosts(loopback: LoopbackServer, make_settings: Settings) -> None:
    target = f"127.0.0.1:{loopback.port}"
    hosts = [f"h{i}.example" for i in range(4)]
    settings = make_settings(
        per_host_concurrency=4, total_concurrency=2, resolve={h: target for h in hosts}
    )
    urls = [f"http://{h}/slow/t{i}?s=0.05" for i, h in enumerate(hosts) for _ in range(3)]
    assert all(r.ok for r in _gather(settings, urls))
    assert loopback.state.max_in_flight["*"] == 2


def test_per_host_delay_spaces_request_starts(
    loopback: LoopbackServer, make_settings: Settings
) -> None:
    settings = make_settings(per_host_concurrency=4, per_host_delay_ms=150)
    assert all(r.ok for r in _gather(settings, [loopback.url("/slow/d?s=0")] * 4))
    starts = sorted(loopback.state.starts["d"])
    gaps = [b - a for a, b in itertools.pairwise(starts)]
    # seen at the server, so a loaded machine jitters single gaps; without the delay all four
    # requests would arrive within a few milliseconds
    assert starts[-1] - starts[0] >= 0.4 and min(gaps) >= 0.075, gaps


# --- messages -------------------------------------------------------------------------------


def test_secrets_are_redacted_from_messages_and_attempts(
    loopback: LoopbackServer, fetch: Fetch
) -> None:
    url = f"http://user:hunter2@127.0.0.1:{loopback.port}/status/404?api_key=SECRETKEY&q=ok"
    resp = fetch(url, trusted=True)
    assert resp.error_kind == ErrorKind.HTTP_STATUS
    recorded = [resp.error_message or "", *(a.url for a in resp.attempts)]
    for text in recorded:
        assert "hunter2" not in text
        assert "SECRETKEY" not in text
    assert "REDACTED" in (resp.error_message or "")
    assert "q=ok" in (resp.error_message or "")
    assert resp.url == url  # the request itself is kept as given (for replay)


def test_secrets_are_redacted_from_connect_errors(fetch: Fetch) -> None:
    with refused_port() as port:
        resp = fetch(f"http://u:pw-xyz@127.0.0.1:{port}/?token=TOKVAL", trusted=True)
    assert resp.error_kind == ErrorKind.CONNECT_ERROR
    for text in [resp.error_message or "", *(a.url for a in resp.attempts)]:
        assert "pw-xyz" not in text
        assert "TOKVAL" not in text


# --- pure helpers ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("3", 3.0),
        (" 0 ", 0.0),
        ("1.5", 1.5),
        ("-4", 0.0),
        ("Wed, 21 Oct 2015 07:28:10 GMT", 10.0),
        ("Wed, 21 Oct 2015 07:27:00 GMT", 0.0),  # in the past
        ("soon", None),
        ("nan", None),
        ("", None),
        (None, None),
    ],
)
def test_parse_retry_after(value: str | None, seconds: float | None) -> None:
    from datetime import UTC, datetime

    now = datetime(2015, 10, 21, 7, 28, 0, tzinfo=UTC)
    assert parse_retry_after(value, now) == seconds
