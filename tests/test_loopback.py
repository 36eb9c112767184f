"""`loopback.serve`: the one way the tests start an HTTP server of their own."""

from __future__ import annotations

import urllib.request
from http.server import BaseHTTPRequestHandler

import pytest

from loopback import serve, stop


class Hello(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Length", "5")
        self.end_headers()
        self.wfile.write(b"hello")

    def log_message(self, *args: object) -> None:
        pass


def test_serve_answers_on_loopback_until_stopped() -> None:
    server = serve(Hello, poll_interval=0.05)
    host, port = server.server_address[:2]
    assert host == "127.0.0.1" and server.daemon_threads
    url = f"http://127.0.0.1:{port}/"
    with urllib.request.urlopen(url, timeout=5) as answer:
        assert answer.read() == b"hello"
    stop(server)
    with pytest.raises(OSError):
        urllib.request.urlopen(url, timeout=5)
