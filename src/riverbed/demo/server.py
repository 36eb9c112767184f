"""The demo's loopback replay server: serves a `Corpus` on 127.0.0.1 by Host header + path.

It behaves like a well-run origin so the fetch layer's real code paths run: Content-Type
and status as the corpus says, a strong ETag (SHA-256 of the body) and Last-Modified, 304
for a matching If-None-Match (or, without one, an unchanged If-Modified-Since), gzip when
the client accepts it, robots.txt on every host, 404 for anything unknown. Slow documents
stall (`delay_s`) or trickle their body (`drip_s`); both give up at once when the server
stops, so `stop()` is quick even with a slow request in flight.

The server runs an aiohttp application on its own event loop in a daemon thread, so it can
be used from synchronous code (the CLI, pytest) and from async code alike:

    with ReplayServer(build_corpus(day)) as server:
        catalogue = corpus.catalogue_yaml(port=server.port)
"""

from __future__ import annotations

import asyncio
import contextlib
import gzip
import socket
import threading
from collections import Counter
from email.utils import parsedate_to_datetime
from types import TracebackType
from typing import Protocol

from aiohttp import web

from riverbed.demo.corpus import Doc, etag, http_date

COMPRESSIBLE = ("text/", "application/")  # xml, json, rss+xml, atom+xml, feed+json
MIN_GZIP_BYTES = 256
DRIP_CHUNK = 1  # bytes per tick of a dripping body
DRIP_TICK_S = 0.5


class Documents(Protocol):
    """What the server serves: a `Corpus`, or any generator of documents (the load
    generator in benchmarks/loadgen.py)."""

    def lookup(self, host: str, path: str) -> Doc | None: ...


class ReplayServer:
    """Serve `corpus` (a `Corpus` or any `Documents`) on `host` (127.0.0.1) at a free port
    (or `port`)."""

    def __init__(self, corpus: Documents, host: str = "127.0.0.1", port: int = 0) -> None:
        self.corpus = corpus
        self.host = host
        self._requested_port = port
        self._port: int | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._runner: web.AppRunner | None = None
        self._stopping: asyncio.Event | None = None
        self._gzip_cache: dict[str, bytes] = {}
        self._lock = threading.Lock()
        self.request_counts: Counter[tuple[str, str]] = Counter()

    # -- lifecycle ---------------------------------------------------------------------------

    @property
    def port(self) -> int:
        if self._port is None:
            raise RuntimeError("ReplayServer is not running; call start() first")
        return self._port

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> int:
        """Bind, start serving in a background thread, and return the port."""
        if self._port is not None:
            return self._port
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind((self.host, self._requested_port))
            sock.listen(128)
            sock.setblocking(False)
        except OSError:
            sock.close()
            raise
        loop = asyncio.new_event_loop()
        ready = threading.Event()
        failure: list[BaseException] = []
        thread = threading.Thread(
            target=self._serve,
            args=(loop, sock, ready, failure),
            name="riverbed-replay",
            daemon=True,
        )
        thread.start()
        ready.wait(timeout=10)
        if failure or not ready.is_set():
            thread.join(timeout=5)
            sock.close()
            raise RuntimeError("the replay server failed to start") from (
                failure[0] if failure else None
            )
        self._loop, self._thread = loop, thread
        self._port = int(sock.getsockname()[1])
        return self._port

    def stop(self, timeout_s: float = 5.0) -> None:
        """Stop serving: in-flight slow responses are cut short; idempotent."""
        loop, thread = self._loop, self._thread
        if loop is None or thread is None:
            return
        if thread.is_alive():
            # RuntimeError: the loop closed meanwhile; TimeoutError: it is stopped below anyway
            with contextlib.suppress(TimeoutError, RuntimeError):
                asyncio.run_coroutine_threadsafe(self._shutdown(), loop).result(timeout_s)
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=timeout_s)
        self._loop = self._thread = self._runner = None
        self._port = None

    def __enter__(self) -> ReplayServer:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def _serve(
        self,
        loop: asyncio.AbstractEventLoop,
        sock: socket.socket,
        ready: threading.Event,
        failure: list[BaseException],
    ) -> None:
        asyncio.set_event_loop(loop)
        try:
            self._stopping = asyncio.Event()
            app = web.Application()
            app.router.add_route("*", "/{tail:.*}", self._handle)
            runner = web.AppRunner(app, handle_signals=False, access_log=None, shutdown_timeout=0.5)
            loop.run_until_complete(runner.setup())
            loop.run_until_complete(web.SockSite(runner, sock).start())
            self._runner = runner
        except BaseException as exc:  # reported to start(), which raises it
            failure.append(exc)
            ready.set()
            loop.close()
            return
        ready.set()
        try:
            loop.run_forever()
        finally:
            if self._runner is not None:
                loop.run_until_complete(self._runner.cleanup())
            loop.close()

    async def _shutdown(self) -> None:
        if self._stopping is not None:
            self._stopping.set()
        if self._runner is not None:
            runner, self._runner = self._runner, None
            await runner.cleanup()

    # -- requests ----------------------------------------------------------------------------

    def requests_for(self, host: str, path: str) -> int:
        """How many requests arrived for host (case-insensitive, no port) and path."""
        return self.request_counts[(host.lower(), path)]

    @property
    def total_requests(self) -> int:
        return sum(self.request_counts.values())

    async def _stalled(self, seconds: float) -> bool:
        """Wait `seconds`; True if the server began stopping meanwhile."""
        assert self._stopping is not None
        try:
            await asyncio.wait_for(self._stopping.wait(), timeout=seconds)
        except TimeoutError:
            return False
        return True

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        host = _host_name(request.headers.get("Host", ""))
        path = request.path
        with self._lock:
            self.request_counts[(host, path)] += 1
        doc = self.corpus.lookup(host, request.path_qs)
        if doc is None:
            return web.Response(status=404, text="404 not found\n", content_type="text/plain")
        if doc.delay_s and await self._stalled(doc.delay_s):
            raise web.HTTPServiceUnavailable(text="shutting down\n")

        headers = {"Content-Type": doc.content_type, **doc.headers, "Vary": "Accept-Encoding"}
        use_gzip = _wants_gzip(request) and _compressible(doc)
        if doc.status == 200:
            tag = etag(doc.body)
            gz_tag = tag[:-1] + '-gzip"'  # each content-coding has its own strong ETag
            headers["ETag"] = gz_tag if use_gzip else tag
            if doc.last_modified is not None:
                headers["Last-Modified"] = http_date(doc.last_modified)
            if _not_modified(request, doc, (tag, gz_tag)):
                del headers["Content-Type"]
                return web.Response(status=304, headers=headers)
        body = doc.body
        if use_gzip:
            body = self._gzipped(doc)
            headers["Content-Encoding"] = "gzip"
        if request.method == "HEAD":
            headers["Content-Length"] = str(len(body))
            return web.Response(status=doc.status, headers=headers)
        if doc.drip_s:
            return await self._drip(request, doc, body, headers)
        return web.Response(status=doc.status, body=body, headers=headers)

    async def _drip(
        self, request: web.Request, doc: Doc, body: bytes, headers: dict[str, str]
    ) -> web.StreamResponse:
        """Headers at once, then DRIP_CHUNK bytes every DRIP_TICK_S for up to `drip_s`."""
        response = web.StreamResponse(status=doc.status, headers=headers)
        response.content_length = len(body)
        await response.prepare(request)
        elapsed, offset = 0.0, 0
        try:
            while offset < len(body):
                if elapsed < doc.drip_s:
                    if await self._stalled(DRIP_TICK_S):
                        return response  # cut short: the client sees a truncated body
                    elapsed += DRIP_TICK_S
                    chunk = body[offset : offset + DRIP_CHUNK]
                else:
                    chunk = body[offset:]
                await response.write(chunk)
                offset += len(chunk)
            await response.write_eof()
        except ConnectionError:
            pass  # the client gave up (as it should): nothing left to do
        return response

    def _gzipped(self, doc: Doc) -> bytes:
        key = etag(doc.body)
        with self._lock:
            cached = self._gzip_cache.get(key)
        if cached is None:
            cached = gzip.compress(doc.body, compresslevel=6, mtime=0)
            with self._lock:
                self._gzip_cache[key] = cached
        return cached


def _host_name(header: str) -> str:
    name = header.strip().lower()
    if name.startswith("["):
        return name.split("]", 1)[0] + "]"
    if name.count(":") == 1:
        name = name.split(":", 1)[0]
    return name.removesuffix(".")


def _compressible(doc: Doc) -> bool:
    return len(doc.body) >= MIN_GZIP_BYTES and doc.content_type.startswith(COMPRESSIBLE)


def _wants_gzip(request: web.Request) -> bool:
    for part in request.headers.get("Accept-Encoding", "").split(","):
        coding, _, params = part.strip().partition(";")
        if coding.strip().lower() not in ("gzip", "x-gzip", "*"):
            continue
        q = params.strip().lower()
        if q.startswith("q="):
            try:
                return float(q[2:]) > 0
            except ValueError:
                return False
        return True
    return False


def _not_modified(request: web.Request, doc: Doc, tags: tuple[str, ...]) -> bool:
    """RFC 9110 §13.1: If-None-Match wins; If-Modified-Since only without it."""
    inm = request.headers.get("If-None-Match")
    if inm is not None:
        wanted = {t.strip().removeprefix("W/") for t in inm.split(",")}
        return "*" in wanted or any(t in wanted for t in tags)
    ims = request.headers.get("If-Modified-Since")
    if ims and doc.last_modified is not None:
        try:
            since = parsedate_to_datetime(ims)
        except (TypeError, ValueError):
            return False
        if since.tzinfo is None:
            return False
        return doc.last_modified.replace(microsecond=0) <= since
    return False
