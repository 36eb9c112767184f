"""FetchSession: the response headers a collector sees on a fresh body, a 304 re-use and a
replayed body; replay gaps; and the wait a collector may ask for before a request."""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections.abc import Mapping
from datetime import UTC, datetime

import pytest

from riverbed.core.errors import ErrorKind, RiverbedError
from riverbed.fetch import FetchSettings, HttpClient
from riverbed.fetch.session import (
    Body,
    FetchSession,
    NotRecordedError,
    ReplayTransport,
    UrlState,
    visible_headers,
)
from riverbed.fetch.types import Attempt, FetchResponse, Validators

URL = "https://www.reddit.com/r/programming/hot.json?limit=25"
AT = datetime(2025, 6, 1, 12, tzinfo=UTC)
DATA = b'{"kind": "Listing"}'


class MemoryStore:
    def __init__(self) -> None:
        self.blobs: dict[str, bytes] = {}

    def put(self, body: bytes) -> str:
        sha = hashlib.sha256(body).hexdigest()
        self.blobs[sha] = body
        return sha

    def get(self, sha: str) -> bytes | None:
        return self.blobs.get(sha)


class ScriptedTransport:
    """Answers each request with the next scripted (status, headers, body)."""

    def __init__(self, *replies: tuple[int, dict[str, str], bytes | None]) -> None:
        self.replies = list(replies)
        self.validators: list[Validators | None] = []

    async def get(
        self,
        url: str,
        *,
        headers: Mapping[str, str] | None = None,
        validators: Validators | None = None,
        trusted: bool = True,
        accept: tuple[str, ...] | None = None,
    ) -> FetchResponse:
        self.validators.append(validators)
        status, response_headers, body = self.replies.pop(0)
        return FetchResponse(
            url=url,
            final_url=url,
            fetched_at=AT,
            elapsed_ms=3,
            status=status,
            headers=response_headers,
            body=body,
            attempts=[Attempt(url, AT, 3, status, len(body or b""))],
        )


def session_over(transport: object, store: MemoryStore, state: dict[str, UrlState]) -> FetchSession:
    return FetchSession(transport, store, source_id="r", run_id="run-1", state=state)  # type: ignore[arg-type]


FIRST_HEADERS = {
    "content-type": "application/json; charset=UTF-8",
    "etag": '"v1"',
    "set-cookie": "session_tracker=secret; Domain=reddit.com",
    "x-ratelimit-remaining": "99.0",
    "x-ratelimit-used": "1",
    "x-ratelimit-reset": "412",
}


def test_visible_headers_lower_case_names_and_drop_cookies() -> None:
    assert visible_headers({"X-Ratelimit-Reset": "5", "Set-Cookie": "a=b", "SET-COOKIE2": "c"}) == {
        "x-ratelimit-reset": "5"
    }


def test_fresh_body_carries_its_response_headers_without_cookies() -> None:
    async def go() -> Body:
        store, state = MemoryStore(), {}
        session = session_over(ScriptedTransport((200, FIRST_HEADERS, DATA)), store, state)
        return await session.get(URL)

    body = asyncio.run(go())
    assert body.headers == {k: v for k, v in FIRST_HEADERS.items() if k != "set-cookie"}
    assert body.headers["x-ratelimit-reset"] == "412"


def test_304_reuses_the_stored_body_but_shows_the_304s_own_headers() -> None:
    later = {"etag": '"v1"', "x-ratelimit-remaining": "0.0", "x-ratelimit-reset": "30"}
    transport = ScriptedTransport((200, FIRST_HEADERS, DATA), (304, later, None))

    async def go() -> tuple[Body, Body]:
        store, state = MemoryStore(), {}
        first = await session_over(transport, store, state).get(URL)
        second = await session_over(transport, store, state).get(URL)
        return first, second

    first, second = asyncio.run(go())
    assert transport.validators[1] == Validators(etag='"v1"')
    assert (second.status, second.from_cache, second.data) == (304, True, DATA)
    assert second.content_type == FIRST_HEADERS["content-type"]  # from the stored body
    assert second.headers == later  # the current window, not the stored one
    assert second.observed_at == first.observed_at


def test_replayed_body_knows_only_what_bronze_keeps() -> None:
    async def go() -> tuple[Body, FetchSession]:
        store, state = MemoryStore(), {}
        live = session_over(ScriptedTransport((200, FIRST_HEADERS, DATA)), store, state)
        await live.get(URL)
        replay = FetchSession(
            ReplayTransport(live.rows, store),
            store,
            source_id="r",
            run_id="run-1",
            state={},
            record=False,
        )
        return await replay.get(URL), live

    body, live = asyncio.run(go())
    assert body.data == DATA
    sha = hashlib.sha256(DATA).hexdigest()
    assert body.headers == {"content-type": FIRST_HEADERS["content-type"], "etag": f'"{sha}"'}
    assert not any(name.startswith("x-ratelimit") for name in body.headers)
    assert body.observed_fetch_id == live.bodies[0].observed_fetch_id


def test_replay_of_a_url_the_run_never_requested_is_not_recorded() -> None:
    async def go() -> None:
        store = MemoryStore()
        replay = FetchSession(
            ReplayTransport([], store), store, source_id="r", run_id="x", state={}, record=False
        )
        await replay.get(URL + "&after=t3_abc")

    with pytest.raises(NotRecordedError) as caught:
        asyncio.run(go())
    assert isinstance(caught.value, RiverbedError)
    assert caught.value.kind is ErrorKind.INTERNAL
    assert caught.value.message == f"replay: no stored response for {URL}&after=t3_abc"


SECRET = "s3cr3t-canary-91c7"
SECRET_URL = f"https://bot:{SECRET}@feeds.example.org/private.xml?api_key={SECRET}&limit=25"


def test_a_urls_credentials_stay_out_of_the_state_and_the_fetches_rows() -> None:
    transport = ScriptedTransport((200, FIRST_HEADERS, DATA), (304, {"etag": '"v1"'}, None))

    async def go() -> tuple[Body, Body, dict[str, UrlState], list[dict[str, object]]]:
        store, state = MemoryStore(), {}
        first = session_over(transport, store, state)
        fresh = await first.get(SECRET_URL)
        second = session_over(transport, store, state)
        cached = await second.get(SECRET_URL)
        return fresh, cached, state, first.rows + second.rows

    fresh, cached, state, rows = asyncio.run(go())
    assert SECRET not in repr({k: v.to_json() for k, v in state.items()})
    assert SECRET not in repr(rows)
    assert transport.validators[1] == Validators(etag='"v1"')  # the state was found again
    assert (cached.status, cached.final_url) == (304, fresh.final_url)  # the URL as requested


@pytest.mark.parametrize("recorded_raw", [True, False], ids=["older raw row", "redacted row"])
def test_replay_finds_a_url_with_credentials_however_it_was_recorded(recorded_raw: bool) -> None:
    async def go() -> Body:
        store, live_state = MemoryStore(), {}
        live = session_over(ScriptedTransport((200, FIRST_HEADERS, DATA)), store, live_state)
        await live.get(SECRET_URL)
        rows = [{**r, "request_url": SECRET_URL} if recorded_raw else r for r in live.rows]
        replay = FetchSession(
            ReplayTransport(rows, store), store, source_id="r", run_id="x", state={}, record=False
        )
        return await replay.get(SECRET_URL)

    assert asyncio.run(go()).data == DATA


def wait(settings: FetchSettings | None, seconds: float) -> tuple[str | None, float]:
    async def go() -> tuple[str | None, float]:
        store = MemoryStore()
        transport: object = (
            HttpClient(settings) if settings is not None else ReplayTransport([], store)
        )
        session = session_over(transport, store, {})
        started = time.monotonic()
        reason = await session.wait_before_request(seconds)
        return reason, time.monotonic() - started

    return asyncio.run(go())


def test_wait_within_the_clients_limits_sleeps() -> None:
    reason, slept = wait(FetchSettings(max_retry_after_s=5, timeout_s=5), 0.3)
    assert reason is None
    assert slept >= 0.28


@pytest.mark.parametrize(
    ("seconds", "expected"),
    [
        (61, "a wait of 61s exceeds max_retry_after_s 60"),
        (30, "a wait of 30s is not shorter than the 30s deadline"),
        (45, "a wait of 45s is not shorter than the 30s deadline"),
        (float("inf"), "a wait of infs is not a number of seconds"),
        (float("nan"), "a wait of nans is not a number of seconds"),
    ],
)
def test_wait_beyond_the_clients_limits_is_refused_at_once(seconds: float, expected: str) -> None:
    reason, slept = wait(FetchSettings(max_retry_after_s=60, timeout_s=30), seconds)
    assert reason == expected
    assert slept < 0.1


def test_replay_never_waits() -> None:
    reason, slept = wait(None, 20)
    assert reason is None
    assert slept < 0.1


class VerdictTransport:
    """A request whose verdict differs from its last attempt's own error: two 500s, then the
    deadline ran out while waiting to retry (the case a CI run caught on a busy machine)."""

    def __init__(self, kind: ErrorKind | None, message: str | None) -> None:
        self.kind, self.message = kind, message

    async def get(self, url: str, **_: object) -> FetchResponse:
        attempts = [
            Attempt(url, AT, 3, 500, 0, ErrorKind.HTTP_STATUS),
            Attempt(url, AT, 3, 500, 0, ErrorKind.HTTP_STATUS, "HTTP 500"),
        ]
        return FetchResponse(
            url=url,
            final_url=url,
            fetched_at=AT,
            elapsed_ms=6,
            status=500,
            error_kind=self.kind,
            error_message=self.message,
            attempts=attempts,
        )


@pytest.mark.parametrize(
    ("kind", "message"),
    [
        (ErrorKind.TIMEOUT, f"no complete response within 2s (waiting 1.25s to retry): {URL}"),
        (ErrorKind.HTTP_STATUS, f"HTTP 500 from {URL}"),
        (ErrorKind.RATE_LIMITED, f"HTTP 429 from {URL} (Retry-After 90s exceeds 60)"),
    ],
)
def test_replay_of_a_failed_request_gives_the_same_verdict(kind: ErrorKind, message: str) -> None:
    def failure(session: FetchSession) -> RiverbedError:
        with pytest.raises(RiverbedError) as caught:
            asyncio.run(session.get(URL))
        return caught.value

    store = MemoryStore()
    live = session_over(VerdictTransport(kind, message), store, {})
    first = failure(live)
    replay = FetchSession(
        ReplayTransport(live.rows, store), store, source_id="r", run_id="x", state={}, record=False
    )
    again = failure(replay)
    assert (again.kind, again.message) == (first.kind, first.message) == (kind, message)
    assert [r["error_kind"] for r in live.rows] == ["http_status", kind.value]
