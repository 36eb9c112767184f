"""HttpClient.post against a real aiohttp server on 127.0.0.1: the body and the caller's
headers arrive, retries re-send the same body, redirects are not followed, errors are
classified as for GET."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from aiohttp import web
from fetch_testkit import fast_settings

from riverbed.core.errors import ErrorKind
from riverbed.fetch import FetchResponse, HttpClient


@dataclass
class Seen:
    method: str
    path: str
    body: bytes
    headers: dict[str, str]


@dataclass
class PostServer:
    """Records every request; `/echo` answers with the body, `/fail/{n}` answers 503 (with
    Retry-After 0) n times then 200, `/status/{code}` answers that code, `/moved` redirects to
    `/target`, `/slow` answers after 2 s."""

    seen: list[Seen] = field(default_factory=list)
    port: int = 0

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def app(self) -> web.Application:
        async def record(request: web.Request) -> int:
            self.seen.append(
                Seen(request.method, request.path, await request.read(), dict(request.headers))
            )
            return sum(1 for s in self.seen if s.path == request.path)

        async def echo(request: web.Request) -> web.Response:
            await record(request)
            return web.Response(body=self.seen[-1].body, content_type="application/json")

        async def fail(request: web.Request) -> web.Response:
            hits = await record(request)
            if hits <= int(request.match_info["n"]):
                return web.Response(status=503, headers={"Retry-After": "0"})
            return web.Response(text="recovered")

        async def status(request: web.Request) -> web.Response:
            await record(request)
            return web.Response(status=int(request.match_info["code"]), text="nope")

        async def moved(request: web.Request) -> web.Response:
            await record(request)
            return web.Response(status=307, headers={"Location": "/target"})

        async def slow(request: web.Request) -> web.Response:
            await record(request)
            await asyncio.sleep(2)
            return web.Response(text="late")

        app = web.Application()
        app.router.add_route("*", "/echo", echo)
        app.router.add_route("*", "/fail/{n}", fail)
        app.router.add_route("*", "/status/{code}", status)
        app.router.add_route("*", "/moved", moved)
        app.router.add_route("*", "/target", echo)
        app.router.add_route("*", "/slow", slow)
        return app


@pytest.fixture(scope="module")
def _server() -> Iterator[PostServer]:
    server = PostServer()
    loop = asyncio.new_event_loop()
    runner = web.AppRunner(server.app(), shutdown_timeout=0.1)
    ready = threading.Event()

    async def setup() -> None:
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        server.port = runner.addresses[0][1]

    def serve() -> None:
        asyncio.set_event_loop(loop)
        loop.run_until_complete(setup())
        ready.set()
        loop.run_forever()
        loop.close()

    thread = threading.Thread(target=serve, name="post-test-server", daemon=True)
    thread.start()
    assert ready.wait(10)
    yield server

    async def cleanup() -> None:
        await runner.cleanup()
        others = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        for task in others:
            task.cancel()
        await asyncio.gather(*others, return_exceptions=True)

    asyncio.run_coroutine_threadsafe(cleanup(), loop).result(10)
    loop.call_soon_threadsafe(loop.stop)
    thread.join(10)


@pytest.fixture
def server(_server: PostServer) -> PostServer:
    _server.seen.clear()
    return _server


def post(url: str, body: bytes, timeout_s: float = 5.0, **kwargs: Any) -> FetchResponse:
    async def go() -> FetchResponse:
        async with HttpClient(fast_settings(timeout_s=timeout_s)) as client:
            return await client.post(url, body, **kwargs)

    return asyncio.run(go())


def test_post_sends_body_and_caller_headers(server: PostServer) -> None:
    body = b'{"model": "m", "messages": []}'
    headers = {"Content-Type": "application/json", "Authorization": "Bearer sk-test"}
    resp = post(server.url("/echo"), body, headers=headers, trusted=True)
    assert resp.ok, resp.error_message
    assert resp.body == body
    [seen] = server.seen
    assert seen.method == "POST"
    assert seen.body == body
    assert seen.headers["Content-Type"] == "application/json"
    assert seen.headers["Authorization"] == "Bearer sk-test"
    assert len(resp.attempts) == 1


def test_post_retry_resends_the_same_body(server: PostServer) -> None:
    resp = post(server.url("/fail/2"), b"payload", trusted=True)
    assert resp.ok, resp.error_message
    assert resp.body == b"recovered"
    assert [s.body for s in server.seen] == [b"payload"] * 3
    assert [a.status for a in resp.attempts] == [503, 503, 200]


@pytest.mark.parametrize(
    ("path", "status", "kind", "hits"),
    [
        ("/status/404", 404, ErrorKind.HTTP_STATUS, 1),  # not retried
        ("/status/500", 500, ErrorKind.HTTP_STATUS, 4),  # retried (fast_settings: 3 retries)
        ("/status/429", 429, ErrorKind.RATE_LIMITED, 4),
        ("/moved", 307, ErrorKind.HTTP_STATUS, 1),  # redirect not followed
    ],
)
def test_post_failures_are_classified_like_get(
    server: PostServer, path: str, status: int, kind: ErrorKind, hits: int
) -> None:
    resp = post(server.url(path), b"x", trusted=True)
    assert resp.error_kind == kind
    assert resp.status == status
    assert resp.body is None
    assert len(server.seen) == hits
    assert all(s.path == path for s in server.seen)  # /target never reached


def test_post_redirect_says_it_was_not_followed(server: PostServer) -> None:
    resp = post(server.url("/moved"), b"x", trusted=True)
    assert resp.error_message is not None
    assert "not followed for POST" in resp.error_message


def test_post_deadline_ends_with_timeout(server: PostServer) -> None:
    resp = post(server.url("/slow"), b"x", timeout_s=0.3, trusted=True)
    assert resp.error_kind == ErrorKind.TIMEOUT
    assert len(server.seen) == 1


def test_post_untrusted_url_to_loopback_is_blocked(server: PostServer) -> None:
    resp = post(server.url("/echo"), b"x")
    assert resp.error_kind == ErrorKind.BLOCKED_ADDRESS
    assert server.seen == []
