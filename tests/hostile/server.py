"""Loopback servers for the hostile corpus: one `HostileServer` answering by Host header and
path (static replies and streaming payloads: compression bombs, endless bodies, 1 byte/s
drips, redirects), and a `Canary` that nothing may ever reach.

Both bind 127.0.0.1 only (the canary also binds [::1] on the same port when the machine has
IPv6 loopback, so `http://[::1]:<port>/` would reach it too). Nothing here touches any other
address: realistic host names reach the server through the catalogue's `resolve` setting.
"""

from __future__ import annotations

import socket
import threading
import time
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import brotli

from loopback import serve, stop

ZEROS = bytes(1 << 20)  # 1 MiB of zeros, compressed again and again by the bomb streams
BOMB_BYTES = 10 * 1024**3  # what a bomb stream inflates to if nobody stops reading: 10 GiB


@dataclass(frozen=True)
class Reply:
    """A static answer. `body` may be a function making the bytes (big payloads are only
    built when served: `HostileServer.add` calls it once)."""

    status: int = 200
    body: bytes | Callable[[], bytes] = b""
    content_type: str | None = "application/rss+xml"
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Stream:
    """A streamed answer: `chunks()` is written piece by piece, close-delimited (HTTP/1.0,
    no Content-Length), until it ends or the client goes away. `pause_s` between pieces."""

    chunks: Callable[[], Iterator[bytes]]
    content_type: str = "application/rss+xml"
    headers: dict[str, str] = field(default_factory=dict)
    pause_s: float = 0.0


Route = Reply | Stream


def redirect(location: str, status: int = 302) -> Reply:
    return Reply(status, b"", "text/plain", {"Location": location})


def _zeros(total: int) -> Iterator[bytes]:
    sent = 0
    while sent < total:
        yield ZEROS
        sent += len(ZEROS)


def gzip_bomb(total: int = BOMB_BYTES) -> Iterator[bytes]:
    """`total` zeros as a gzip stream, compressed as it is sent (about 1 KB per MiB)."""
    c = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    for block in _zeros(total):
        yield c.compress(block) + c.flush(zlib.Z_SYNC_FLUSH)
    yield c.flush()


def deflate_bomb(total: int = BOMB_BYTES) -> Iterator[bytes]:
    """`total` zeros as a zlib-wrapped deflate stream (`Content-Encoding: deflate`)."""
    c = zlib.compressobj(9, zlib.DEFLATED, zlib.MAX_WBITS)
    for block in _zeros(total):
        yield c.compress(block) + c.flush(zlib.Z_SYNC_FLUSH)
    yield c.flush()


def brotli_bomb(total: int = BOMB_BYTES) -> Iterator[bytes]:
    """`total` zeros as a brotli stream (a few bytes per MiB)."""
    c = brotli.Compressor(quality=5)
    for block in _zeros(total):
        yield c.process(block) + c.flush()
    yield c.finish()


def endless_feed() -> Iterator[bytes]:
    """A feed that never ends: items for as long as anyone reads (bounded at 10 GiB)."""
    yield b'<?xml version="1.0"?><rss version="2.0"><channel><title>endless</title>'
    item = b"<item><title>again</title><link>http://endless.example.net/x</link></item>\n"
    chunk = item * (65536 // len(item))
    for _ in range(BOMB_BYTES // len(chunk)):
        yield chunk


def drip(payload: bytes) -> Iterator[bytes]:
    """`payload` one byte at a time (with `Stream.pause_s` = 1: one byte per second)."""
    for i in range(len(payload)):
        yield payload[i : i + 1]


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    # a run opens dozens of connections at once: socketserver's default backlog of 5 drops
    # SYNs, and the client's 1 s connect timeout then fires before the kernel retransmits
    request_queue_size = 128


class _Server6(_Server):
    address_family = socket.AF_INET6


class HostileServer:
    """Answers `routes[(host, path)]` (path without the query), else `fallback[host]`, else
    404. Every request is recorded in `hits` as (host, path)."""

    def __init__(self) -> None:
        self.routes: dict[tuple[str, str], Route] = {}
        self.fallback: dict[str, Route] = {}
        self.hits: list[tuple[str, str]] = []
        self.lock = threading.Lock()
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                host = (self.headers.get("Host") or "").rsplit(":", 1)[0].lower()
                path = self.path.split("?", 1)[0]
                with owner.lock:
                    owner.hits.append((host, path))
                route = owner.routes.get((host, path)) or owner.fallback.get(host)
                try:
                    if route is None:
                        self._static(Reply(404, b"not found", "text/plain"))
                    elif isinstance(route, Reply):
                        self._static(route)
                    else:
                        self._stream(route)
                except (BrokenPipeError, ConnectionResetError, TimeoutError):
                    pass  # the client gave up (as it should on every hostile stream)

            def _static(self, reply: Reply) -> None:
                self.send_response(reply.status)
                if reply.content_type:
                    self.send_header("Content-Type", reply.content_type)
                for k, v in reply.headers.items():
                    self.send_header(k, v)
                assert isinstance(reply.body, bytes)
                self.send_header("Content-Length", str(len(reply.body)))
                self.end_headers()
                self.wfile.write(reply.body)

            def _stream(self, stream: Stream) -> None:
                self.send_response(200)
                self.send_header("Content-Type", stream.content_type)
                for k, v in stream.headers.items():
                    self.send_header(k, v)
                self.send_header("Connection", "close")
                self.end_headers()
                self.wfile.flush()
                for piece in stream.chunks():
                    if piece:
                        self.wfile.write(piece)
                        self.wfile.flush()
                    if stream.pause_s:
                        time.sleep(stream.pause_s)

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = serve(Handler, server_cls=_Server)
        self.port = self.httpd.server_address[1]

    def add(self, routes: dict[tuple[str, str], Route], fallback: dict[str, Route]) -> None:
        """Serve `routes` and `fallback`, building every lazy `Reply.body` now."""

        def built(route: Route) -> Route:
            if isinstance(route, Reply) and callable(route.body):
                return replace(route, body=route.body())
            return route

        self.routes.update({key: built(r) for key, r in routes.items()})
        self.fallback.update({host: built(r) for host, r in fallback.items()})

    def count(self, host: str, path: str | None = None) -> int:
        with self.lock:
            return sum(1 for h, p in self.hits if h == host and (path is None or p == path))

    def close(self) -> None:
        stop(self.httpd)


class Canary:
    """Counts every connection it accepts (`connections`) and every request (`requests`).
    Both must stay at zero: nothing taken from content or a redirect may reach it."""

    def __init__(self) -> None:
        self.connections = 0
        self.requests: list[str] = []
        self.lock = threading.Lock()
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                with owner.lock:
                    owner.requests.append(f"{self.headers.get('Host')} {self.path}")
                body = b'<?xml version="1.0"?><!-- canary: you should not be here -->'
                self.send_response(200)
                self.send_header("Content-Type", "text/xml")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        def counting(cls: type[_Server]) -> type[_Server]:
            class Counting(cls):  # type: ignore[valid-type,misc]
                def verify_request(self, request: object, client_address: object) -> bool:
                    with owner.lock:
                        owner.connections += 1
                    return True

            return Counting

        self.servers: list[_Server] = []
        for _ in range(20):  # the same port on 127.0.0.1 and ::1 (when IPv6 loopback exists)
            v4 = counting(_Server)(("127.0.0.1", 0), Handler)
            port = v4.server_address[1]
            try:
                v6 = counting(_Server6)(("::1", port), Handler)
            except OSError:
                if socket.has_ipv6 and _ipv6_loopback_works():
                    v4.server_close()
                    continue  # port taken on ::1: try another
                self.servers = [v4]
                break
            self.servers = [v4, v6]
            break
        else:
            raise RuntimeError("no port free on both 127.0.0.1 and ::1")
        self.port = port
        for server in self.servers:
            threading.Thread(target=server.serve_forever, daemon=True).start()

    @property
    def hits(self) -> int:
        with self.lock:
            return self.connections + len(self.requests)

    def close(self) -> None:
        for server in self.servers:
            stop(server)


def _ipv6_loopback_works() -> bool:
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as s:
            s.bind(("::1", 0))
        return True
    except OSError:
        return False
