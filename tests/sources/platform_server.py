"""Test kit for the collectors: a real aiohttp server on 127.0.0.1 serving replies on the
platforms' real paths, and one runner driving a collector through the real `HttpClient` and
`FetchSession`.

- `PlatformServer` answers GETs from `routes` (exact path+query first, then path; a list of
  replies is consumed in order and its last one repeats), else from the files under `root`
  at the request path, else 404. Every request is recorded in `requests` (`hits`: the
  path+query of each).
- `load_source` / `source_from_yaml` build the validated catalogue model of one source.
- `run_collector` runs `collector.collect(source, session)` and returns an `Outcome`.

The fixtures (`server`, and the loopback-only network guard) live in `conftest.py`; nothing
here talks to anything but 127.0.0.1.
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
from riverbed.fetch.session import FetchSession, UrlState

FIXTURES = Path(__file__).parent.parent / "fixtures" / "platforms"


def fixture(*parts: str) -> bytes:
    """The bytes of a fixture file under tests/fixtures/platforms/."""
    return FIXTURES.joinpath(*parts).read_bytes()


@dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = "application/json; charset=utf-8"


@dataclass
class Seen:
    """One request the server received."""

    path: str
    query: dict[str, list[str]]
    query_string: str
    path_qs: str
    headers: dict[str, str]
    at: float  # time.monotonic() when it arrived


class PlatformServer:
    """See the module docstring. Use `running_server()` (or the `server` fixture)."""

    def __init__(self) -> None:
        self.root: Path | None = None
        self.routes: dict[str, list[Reply]] = {}
        self.delay_s = 0.0
        self.requests: list[Seen] = []
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

    @property
    def hits(self) -> list[str]:
        """Path and query of every request, in arrival order."""
        return [s.path_qs for s in self.requests]

    def reset(self, root: Path | None = None) -> None:
        with self._lock:
            self.root = root
            self.routes = {}
            self.delay_s = 0.0
            self.requests = []
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
        self._runner = web.AppRunner(app, shutdown_timeout=0.1, access_log=None)
        await self._runner.setup()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))  # a free port
        self.port = sock.getsockname()[1]
        await web.SockSite(self._runner, sock).start()

    async def _handle(self, request: web.Request) -> web.Response:
        query: dict[str, list[str]] = {}
        for key, value in request.query.items():
            query.setdefault(key, []).append(value)
        seen = Seen(
            path=request.path,
            query=query,
            query_string=request.query_string,
            path_qs=request.path_qs,
            headers={k.lower(): v for k, v in request.headers.items()},
            at=time.monotonic(),
        )
        with self._lock:
            self.requests.append(seen)
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
    """Client settings for the tests: short timeouts and backoff, no proxy from the env."""
    options: dict[str, Any] = {
        "retries": 2,
        "backoff_base_s": 0.01,
        "timeout_s": 10.0,
        "connect_timeout_s": 2.0,
        "proxy_from_env": False,
        **overrides,
    }
    return FetchSettings(**options)


def source_from_yaml(catalogue_yaml: str, base_url: str) -> Any:
    """The first source of a catalogue, `{base}` replaced by `base_url`, through
    `parse_catalogue` (so the collector gets exactly what validation makes of it)."""
    return parse_catalogue(catalogue_yaml.replace("{base}", base_url), env={}).sources[0]


def load_source(base_url: str, kind: str, **options: Any) -> Any:
    """One source `test-source` of `kind` at `base_url` with `options` as YAML scalars."""
    lines = ["sources:", "  - id: test-source", f"    kind: {kind}", "    url: {base}"]
    lines += [f"    {key}: {value}" for key, value in options.items()]
    return source_from_yaml("\n".join(lines) + "\n", base_url)


@dataclass
class Outcome:
    result: ParseResult | None
    error: RiverbedError | None
    session: FetchSession
    elapsed_s: float

    @property
    def value(self) -> ParseResult | RiverbedError:
        """The result, or the error the collector raised."""
        if self.result is not None:
            return self.result
        assert self.error is not None
        return self.error


def run_collector(
    collector: Any,
    source: Any,
    settings: FetchSettings | None = None,
    *,
    store: MemoryStore | None = None,
    state: dict[str, UrlState] | None = None,
) -> Outcome:
    """`collector.collect(source, session)` through a real client (`fast_settings()` unless
    given); a `RiverbedError` is returned in the outcome, not raised. Pass `store` and
    `state` from an earlier run to make its requests conditional."""

    async def go() -> Outcome:
        async with HttpClient(settings or fast_settings()) as client:
            session = FetchSession(
                client,
                store if store is not None else MemoryStore(),
                source_id=source.id,
                run_id="test-run",
                state=state if state is not None else {},
            )
            started = time.monotonic()
            try:
                result = await collector.collect(source, session)
            except RiverbedError as e:
                return Outcome(None, e, session, time.monotonic() - started)
            return Outcome(result, None, session, time.monotonic() - started)

    return asyncio.run(go())
