"""Test kit for the fetch tests: a real aiohttp server on 127.0.0.1 (and ::1 when
available) run from a background thread, compression bombs, and fast client settings."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import struct
import threading
import zlib
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import brotli
from aiohttp import web

from riverbed.fetch import FetchResponse, FetchSettings

GIB = 1 << 30
TEXT = b"hello riverbed, " * 2000

Fetch = Callable[..., FetchResponse]


def gzip_bomb(total: int = GIB, chunk: int = 1 << 20) -> bytes:
    """A valid single-member gzip stream of `total` zero bytes (~1 MB), built in ~0.3 s by
    repeating one independently compressed (full-flush) block."""
    c = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    zeros = bytes(chunk)
    head = c.compress(zeros) + c.flush(zlib.Z_FULL_FLUSH)
    middle = c.compress(zeros) + c.flush(zlib.Z_FULL_FLUSH)
    tail = c.flush()[:-8]  # final block; the trailer is rebuilt for the full size
    crc = 0
    for _ in range(total // chunk):
        crc = zlib.crc32(zeros, crc)
    trailer = struct.pack("<II", crc, total & 0xFFFFFFFF)
    return head + middle * (total // chunk - 1) + tail + trailer


def brotli_bomb(total: int = GIB, chunk: int = 1 << 20) -> bytes:
    c = brotli.Compressor(quality=1)
    zeros = bytes(chunk)
    return b"".join([*(c.process(zeros) for _ in range(total // chunk)), c.finish()])


@dataclass
class ServerState:
    hits: Counter[str] = field(default_factory=Counter)
    in_flight: Counter[str] = field(default_factory=Counter)
    max_in_flight: Counter[str] = field(default_factory=Counter)
    starts: dict[str, list[float]] = field(default_factory=dict)
    seen_headers: list[dict[str, str]] = field(default_factory=list)
    proxied: list[str] = field(default_factory=list)

    def reset(self) -> None:
        self.hits.clear()
        self.in_flight.clear()
        self.max_in_flight.clear()
        self.starts.clear()
        self.seen_headers.clear()
        self.proxied.clear()


def build_app(state: ServerState, bombs: dict[str, bytes]) -> web.Application:
    routes = web.RouteTableDef()

    @routes.get("/ok")
    async def ok(request: web.Request) -> web.Response:
        state.hits["ok"] += 1
        return web.Response(text="ok")

    @routes.get("/canary")
    async def canary(request: web.Request) -> web.Response:
        state.hits["canary"] += 1
        return web.Response(text="the guard let this through")

    @routes.get("/enc/{coding}")
    async def encoded(request: web.Request) -> web.Response:
        coding = request.match_info["coding"]
        body = {
            "gzip": lambda: zlib.compress(TEXT, wbits=16 + zlib.MAX_WBITS),
            "deflate": lambda: zlib.compress(TEXT),
            "deflate-raw": lambda: zlib.compress(TEXT, wbits=-zlib.MAX_WBITS),
            "br": lambda: brotli.compress(TEXT),
            "identity": lambda: TEXT,
        }[coding]()
        header = "deflate" if coding == "deflate-raw" else coding
        return web.Response(body=body, headers={"Content-Encoding": header})

    @routes.get("/cond")
    async def conditional(request: web.Request) -> web.Response:
        state.hits["cond"] += 1
        validators = {"ETag": '"v1"', "Last-Modified": "Wed, 01 Jan 2025 00:00:00 GMT"}
        if (
            request.headers.get("If-None-Match") == '"v1"'
            or request.headers.get("If-Modified-Since") == validators["Last-Modified"]
        ):
            return web.Response(status=304, headers=validators)
        return web.Response(text="fresh", headers=validators)

    @routes.get("/flaky/{key}")
    async def flaky(request: web.Request) -> web.Response:
        key = request.match_info["key"]
        state.hits[key] += 1
        fails = int(request.query.get("fail", "1"))
        if state.hits[key] <= fails:
            headers = {}
            if "retry_after" in request.query:
                headers["Retry-After"] = request.query["retry_after"]
            return web.Response(status=int(request.query.get("status", "503")), headers=headers)
        return web.Response(text="recovered")

    @routes.get("/status/{code}")
    async def status(request: web.Request) -> web.Response:
        state.hits[request.path] += 1
        return web.Response(status=int(request.match_info["code"]), text="status")

    @routes.get("/redirect/{n}")
    async def redirect(request: web.Request) -> web.Response:
        n = int(request.match_info["n"])
        state.hits["redirect"] += 1
        if n > 0:
            raise web.HTTPFound(f"/redirect/{n - 1}")
        return web.Response(text="end of chain")

    @routes.get("/loop")
    async def loop(request: web.Request) -> web.Response:
        state.hits["loop"] += 1
        raise web.HTTPFound("/loop")

    @routes.get("/to")
    async def to(request: web.Request) -> web.Response:
        state.hits["to"] += 1
        return web.Response(
            status=int(request.query.get("code", "302")), headers={"Location": request.query["u"]}
        )

    @routes.get("/headers")
    async def headers(request: web.Request) -> web.Response:
        state.seen_headers.append(dict(request.headers))
        return web.json_response(dict(request.headers))

    @routes.get("/drip")
    async def drip(request: web.Request) -> web.StreamResponse:
        resp = web.StreamResponse()
        await resp.prepare(request)
        try:
            for _ in range(120):
                await resp.write(b"x")
                await asyncio.sleep(0.25)
        except (ConnectionError, RuntimeError):
            pass
        return resp

    @routes.get("/slow-headers")
    async def slow_headers(request: web.Request) -> web.Response:
        await asyncio.sleep(5)
        return web.Response(text="late")

    @routes.get("/endless")
    async def endless(request: web.Request) -> web.StreamResponse:
        resp = web.StreamResponse()
        await resp.prepare(request)
        chunk = b"y" * 65536
        try:
            for _ in range(100_000):
                await resp.write(chunk)
        except (ConnectionError, RuntimeError):
            pass
        return resp

    @routes.get("/declared-big")
    async def declared_big(request: web.Request) -> web.StreamResponse:
        resp = web.StreamResponse(headers={"Content-Length": str(50 * 1024 * 1024)})
        await resp.prepare(request)
        with contextlib.suppress(ConnectionError, RuntimeError):
            await resp.write(b"z" * 1024)
        return resp

    @routes.get("/bomb/{coding}")
    async def bomb(request: web.Request) -> web.Response:
        coding = request.match_info["coding"]
        return web.Response(body=bombs[coding], headers={"Content-Encoding": coding})

    @routes.get("/slow/{key}")
    async def slow(request: web.Request) -> web.Response:
        key = request.match_info["key"]
        loop_time = asyncio.get_running_loop().time()
        state.starts.setdefault(key, []).append(loop_time)
        for k in (key, "*"):
            state.in_flight[k] += 1
            state.max_in_flight[k] = max(state.max_in_flight[k], state.in_flight[k])
        try:
            await asyncio.sleep(float(request.query.get("s", "0.1")))
        finally:
            for k in (key, "*"):
                state.in_flight[k] -= 1
        return web.Response(text="done")

    @routes.get("/proxied")
    async def proxied(request: web.Request) -> web.Response:
        # Reached as a forward proxy: the request line carries the absolute target URL.
        state.proxied.append(f"{request.host} {request.path}")
        return web.Response(text="via proxy")

    app = web.Application()
    app.add_routes(routes)
    return app


class LoopbackServer:
    """The test app served from a background thread's event loop."""

    def __init__(self) -> None:
        self.state = ServerState()
        self.bombs = {"gzip": gzip_bomb(), "br": brotli_bomb()}
        self.port = 0
        self.port6: int | None = None
        self._loop = asyncio.new_event_loop()
        self._runner: web.AppRunner | None = None
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._serve, name="fetch-test-server", daemon=True)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def start(self) -> None:
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError("test server did not start")

    def _serve(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._loop.run_until_complete(self._setup())
        self._ready.set()
        try:
            self._loop.run_forever()
        finally:
            self._loop.close()

    async def _setup(self) -> None:
        self._runner = web.AppRunner(build_app(self.state, self.bombs), shutdown_timeout=0.1)
        await self._runner.setup()
        site = web.SockSite(self._runner, _listen("127.0.0.1", socket.AF_INET))
        await site.start()
        self.port = site._sock.getsockname()[1]
        try:
            sock6 = _listen("::1", socket.AF_INET6)
        except OSError:
            return  # no IPv6 loopback here: the [::1] cases are skipped
        site6 = web.SockSite(self._runner, sock6)
        await site6.start()
        self.port6 = sock6.getsockname()[1]

    def stop(self) -> None:
        async def cleanup() -> None:
            if self._runner is not None:
                await self._runner.cleanup()
            # Handlers still dripping to clients that gave up: cancel them before the loop ends.
            others = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            for task in others:
                task.cancel()
            await asyncio.gather(*others, return_exceptions=True)

        asyncio.run_coroutine_threadsafe(cleanup(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)


def _listen(host: str, family: socket.AddressFamily) -> socket.socket:
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, 0))
    sock.listen(128)
    return sock


def fast_settings(**overrides: Any) -> FetchSettings:
    """Defaults scaled down so that retry and timeout tests take fractions of a second."""
    base: dict[str, Any] = {
        "timeout_s": 5.0,
        "connect_timeout_s": 2.0,
        "backoff_base_s": 0.01,
        "retries": 3,
        "proxy_from_env": False,
    }
    base.update(overrides)
    return FetchSettings(**base)
