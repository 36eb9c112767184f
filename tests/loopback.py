"""Threaded HTTP servers on 127.0.0.1 for the tests.

`serve(Handler)` starts any request handler class on a free loopback port, in a daemon thread
(its requests in daemon threads too), and `stop(server)` ends it: the one way the tests start
a server of their own; `refused_port()` is a port that refuses every connection.
`LoopbackHTTP(respond)` is the common case on top of it: it calls `respond(host, path_qs,
headers)` for every GET (host without port) and sends back the `Reply` it returns; `respond`
may block (a stalled server)."""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=lambda: {"Content-Type": "text/plain"})


def serve(
    handler: type[BaseHTTPRequestHandler],
    *,
    server_cls: type[ThreadingHTTPServer] = ThreadingHTTPServer,
    poll_interval: float = 0.5,
) -> ThreadingHTTPServer:
    """`handler` served on 127.0.0.1 at a free port (`server.server_address[1]`) by a daemon
    thread, so a test that forgets `stop` never hangs the interpreter at exit.
    `poll_interval`: how soon `stop` returns (serve_forever checks for it that often)."""
    server = server_cls(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": poll_interval}, daemon=True
    ).start()
    return server


def stop(server: ThreadingHTTPServer) -> None:
    server.shutdown()
    server.server_close()


Respond = Callable[[str, str, Mapping[str, str]], Reply | None]


class LoopbackHTTP:
    def __init__(self, respond: Respond) -> None:
        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                host = (self.headers.get("Host") or "").split(":")[0]
                reply = respond(host, self.path, self.headers)
                if reply is None:  # hang up without an answer
                    return
                self.send_response(reply.status)
                for k, v in reply.headers.items():
                    self.send_header(k, v)
                if reply.status != 304:
                    self.send_header("Content-Length", str(len(reply.body)))
                self.end_headers()
                if reply.status != 304:
                    self.wfile.write(reply.body)

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = serve(Handler)
        self.port = self.httpd.server_address[1]

    def close(self) -> None:
        stop(self.httpd)


@contextmanager
def refused_port() -> Iterator[int]:
    """A loopback port where every connection is refused, for as long as the block lasts: the
    socket stays bound without listening, so no other server (another test, another worker)
    can take the port between choosing it and connecting to it."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        yield sock.getsockname()[1]
