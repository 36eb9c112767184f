"""A webhook receiver on 127.0.0.1 for the alert tests: records every POST (path, headers,
body) and answers with scripted statuses (`queue(500, 200)`), then `default`."""

from __future__ import annotations

import json
import threading
from collections import deque
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from typing import Any

from loopback import serve, stop


@dataclass(frozen=True)
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    answered: int

    def json(self) -> Any:
        return json.loads(self.body)


class WebhookReceiver:
    def __init__(self, default: int = 200) -> None:
        self.default = default
        self.received: list[Received] = []
        self._script: deque[int] = deque()
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                with receiver._lock:
                    status = receiver._script.popleft() if receiver._script else receiver.default
                    receiver.received.append(
                        Received(self.path, dict(self.headers.items()), body, status)
                    )
                self.send_response(status)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = serve(Handler, poll_interval=0.05)
        self.port = self.httpd.server_address[1]

    def url(self, path: str = "/hook") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def queue(self, *statuses: int) -> None:
        with self._lock:
            self._script.extend(statuses)

    @property
    def delivered(self) -> list[Received]:
        """The POSTs answered with a 2xx."""
        return [r for r in self.received if 200 <= r.answered < 300]

    def events(self) -> list[tuple[str, str | None]]:
        """(event, source_id) of every delivered json POST, in order."""
        return [(r.json()["event"], r.json()["source_id"]) for r in self.delivered]

    def close(self) -> None:
        stop(self.httpd)
