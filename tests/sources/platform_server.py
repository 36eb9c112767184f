"""Test kit for the platform collectors: a real aiohttp server on 127.0.0.1 serving fixture
files on the platforms' real API paths, and a runner that drives a collector through the real
`HttpClient` and `FetchSession`.

Nothing here talks to anything but 127.0.0.1; `loopback_only()` turns any other DNS lookup or
connect into an error before a packet leaves (test modules use it as an autouse fixture).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiohttp import web

from riverbed.core.catalogue import parse_catalogue
from riverbed.core.errors import RiverbedError
from riverbed.core.models import ParseResult
from riverbed.fetch import FetchSettings, HttpClient
from riverbed.fetch.session import FetchSession

FIXTURES = Path(__file__).parent.parent / "fixtures" / "platforms"


@dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = "application/json; charset=utf-8"


class PlatformServer:
    """Answers GETs from `routes` (exact path+query first, then path; a list of replies is
    consumed in order and its last one repeats), else from the files under `root` at the
    request path, else 404. Every request is recorded in `hits` (path with query)."""

    def __init__(self) -> None:
        self.root: Path | None = None
        self.routes: dict[str, list[Reply]] = {}
        self.delay_s = 0.0
        self.hits: list[str] = []
        self.in_flight = 0
        self.max_in_flight = 0
        self.port = 0
        self._lock = threading.Lock()
        self._loop = asyncio.new_event_loop()
        self._runner: web.AppRunner | None = None
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._serve, name="platform-server", daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def reset(self, root: Path | None = None) -> None:
        with self._lock:
            self.root = root
            self.routes = {}
            self.delay_s = 0.0
            self.hits = []
            self.in_flight = 0
            self.max_in_flight = 0

    def start(self) -> None:
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError("platform test server did not start")

    def stop(self) -> None:
        async def cleanup() -> None:
            if self._runner is not None:
                await self._runner.cleanup()

        asyncio.run_coroutine_threadsafe(cleanup(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)

    def _serve(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._loop.run_until_complete(self._setup())
        self._ready.set()
        try:
            self._loop.run_forever()
        finally:
            self._loop.close()

    async def _setup(self) -> None:
        app = web.Application()
        app.router.add_get("/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, shutdown_timeout=0.1)
        await self._runner.setup()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))  # a free port
        self.port = sock.getsockname()[1]
        await web.SockSite(self._runner, sock).start()

    async def _handle(self, request: web.Request) -> web.Response:
        with self._lock:
            self.hits.append(request.path_qs)
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            if self.delay_s:
                await asyncio.sleep(self.delay_s)
            reply = self._reply(request)
            return web.Response(
                status=reply.status,
                body=reply.body,
                headers={"Content-Type": reply.content_type, **reply.headers},
            )
        finally:
            with self._lock:
                self.in_flight -= 1

    def _reply(self, request: web.Request) -> Reply:
        with self._lock:
            for key in (request.path_qs, request.path):
                queue = self.routes.get(key)
                if queue:
                    return queue.pop(0) if len(queue) > 1 else queue[0]
        if self.root is not None:
            path = (self.root / request.path.lstrip("/")).resolve()
            if path.is_relative_to(self.root.resolve()) and path.is_file():
                return Reply(body=path.read_bytes())
        return Reply(404, b'{"error": 404}')


@contextlib.contextmanager
def running_server() -> Iterator[PlatformServer]:
    server = PlatformServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()


class MemoryStore:
    """The `BodyStore` of the tests: bodies by SHA-256 in memory."""

    def __init__(self) -> None:
        self.blobs: dict[str, bytes] = {}

    def put(self, body: bytes) -> str:
        sha = hashlib.sha256(body).hexdigest()
        self.blobs[sha] = body
        return sha

    def get(self, sha: str) -> bytes | None:
        return self.blobs.get(sha)


def fast_settings(**overrides: Any) -> FetchSettings:
    options: dict[str, Any] = {
        "retries": 2,
        "backoff_base_s": 0.01,
        "timeout_s": 10.0,
        "connect_timeout_s": 2.0,
        "proxy_from_env": False,
        **overrides,
    }
    return FetchSettings(**options)


def load_source(base_url: str, kind: str, **options: Any) -> Any:
    """The validated catalogue model of one source, through `parse_catalogue`."""
    lines = ["sources:", "  - id: test-source", f"    kind: {kind}", f"    url: {base_url}"]
    lines += [f"    {key}: {value}" for key, value in options.items()]
    return parse_catalogue("\n".join(lines) + "\n", env={}).sources[0]


@dataclass
class Outcome:
    result: ParseResult | None
    error: RiverbedError | None
    session: FetchSession
    elapsed_s: float


def run_collector(collector: Any, source: Any, settings: FetchSettings | None = None) -> Outcome:
    """`collector.collect(source, session)` through a real client; errors are returned."""

    async def go() -> Outcome:
        async with HttpClient(settings or fast_settings()) as client:
            session = FetchSession(
                client, MemoryStore(), source_id=source.id, run_id="test-run", state={}
            )
            started = time.monotonic()
            try:
                result = await collector.collect(source, session)
            except RiverbedError as e:
                return Outcome(None, e, session, time.monotonic() - started)
            return Outcome(result, None, session, time.monotonic() - started)

    return asyncio.run(go())
