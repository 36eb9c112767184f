"""A fault-injecting TCP proxy on 127.0.0.1, for putting storage failures between riverbed and
its S3 server (SeaweedFS) without touching either.

    proxy = FaultProxy(("127.0.0.1", s3_port))   # listens on proxy.endpoint
    proxy.set(Fault.TRUNCATE, after_bytes=100, times=2)
    ...
    proxy.set(Fault.PASS)
    proxy.close()

A fault applies to connections opened after `set()` (open ones are dropped by `set()`, so
the client's next request opens a new one). `skip` new connections pass first (a fault in
the middle of a run); then `times` connections are faulted and the proxy passes again (a
transient fault, which retries should survive); `times=None` faults every later connection
(retries run out). Faults, per connection:

- PASS: bytes flow both ways untouched.
- LATENCY: each response waits `delay_s` before its first byte.
- RESET_REQUEST: after `after_bytes` bytes of the request, both sides are reset (RST).
- RESET_RESPONSE: after `after_bytes` bytes of the response body, the client is reset.
- TRUNCATE: the response head and `after_bytes` bytes of its body, then a clean close (FIN):
  a short body whose Content-Length promised more.
- BLACKHOLE: the connection is accepted, the request read, nothing ever answered.
- DOWN: the listening port is closed: connections are refused (a stopped server) until the
  next `set()` opens it again on the same port.

`stats` counts connections and faults injected. Threads only; everything stops on `close()`.
"""

from __future__ import annotations

import contextlib
import socket
import struct
import threading
import time
from dataclasses import dataclass
from enum import StrEnum

_CHUNK = 64 * 1024
_HEAD_END = b"\r\n\r\n"


class Fault(StrEnum):
    PASS = "pass"
    LATENCY = "latency"
    RESET_REQUEST = "reset-request"
    RESET_RESPONSE = "reset-response"
    TRUNCATE = "truncate"
    BLACKHOLE = "blackhole"
    DOWN = "down"


@dataclass
class Stats:
    connections: int = 0  # accepted by the proxy
    faulted: int = 0  # connections a fault was applied to (DOWN: `set()` calls)


@dataclass(frozen=True)
class _Mode:
    fault: Fault = Fault.PASS
    after_bytes: int = 0
    delay_s: float = 0.0


def _reset(sock: socket.socket) -> None:
    """Close with an RST instead of a FIN (SO_LINGER 0): the peer sees 'connection reset'.

    SHUT_RD first wakes the other pump thread blocked in `recv` on this socket (it sends
    nothing to the peer); until that `recv` returns, the kernel would hold the socket open."""
    with contextlib.suppress(OSError):
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RD)
    with contextlib.suppress(OSError):
        sock.close()


def _close(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
    with contextlib.suppress(OSError):
        sock.close()


class _Conn:
    """One client connection and its upstream: two pump threads."""

    def __init__(self, client: socket.socket, upstream: socket.socket | None, mode: _Mode):
        self.client, self.upstream, self.mode = client, upstream, mode
        self.done = threading.Event()
        self.request_pending = threading.Event()  # a request went up, its response not yet

    def start(self) -> None:
        if self.upstream is None:  # BLACKHOLE: swallow the request, answer nothing
            threading.Thread(target=self._swallow, daemon=True).start()
            return
        threading.Thread(target=self._up, daemon=True).start()
        threading.Thread(target=self._down, daemon=True).start()

    def drop(self) -> None:
        if not self.done.is_set():
            self.done.set()
            _close(self.client)
            if self.upstream is not None:
                _close(self.upstream)

    def _swallow(self) -> None:
        with contextlib.suppress(OSError):
            while not self.done.is_set() and self.client.recv(_CHUNK):
                pass
        self.drop()

    def _up(self) -> None:
        assert self.upstream is not None
        sent = 0
        try:
            while data := self.client.recv(_CHUNK):
                if self.mode.fault is Fault.RESET_REQUEST:
                    room = self.mode.after_bytes - sent
                    if len(data) >= room:
                        self.upstream.sendall(data[: max(room, 0)])
                        self.done.set()
                        _reset(self.client)
                        _reset(self.upstream)
                        return
                self.request_pending.set()
                self.upstream.sendall(data)
                sent += len(data)
        except OSError:
            pass
        self.drop()

    def _down(self) -> None:
        assert self.upstream is not None
        head = b""  # the response stream until the end of the first head
        body = -1  # body bytes passed so far, once the head is through
        try:
            while data := self.upstream.recv(_CHUNK):
                if self.mode.fault is Fault.LATENCY and self.request_pending.is_set():
                    self.request_pending.clear()
                    time.sleep(self.mode.delay_s)
                if self.mode.fault in (Fault.TRUNCATE, Fault.RESET_RESPONSE):
                    if body < 0:
                        head += data
                        end = head.find(_HEAD_END)
                        if end < 0:
                            self.client.sendall(data)
                            continue
                        data, body = head[end + len(_HEAD_END) :], 0
                        self.client.sendall(head[: end + len(_HEAD_END)])
                    room = self.mode.after_bytes - body
                    if len(data) >= room:
                        self.client.sendall(data[: max(room, 0)])
                        self.done.set()
                        if self.mode.fault is Fault.TRUNCATE:
                            _close(self.client)
                        else:
                            _reset(self.client)
                        _close(self.upstream)
                        return
                    body += len(data)
                self.client.sendall(data)
        except OSError:
            pass
        self.drop()


class FaultProxy:
    """Listens on 127.0.0.1 (`endpoint`, `port`) and forwards to `upstream` with faults."""

    def __init__(self, upstream: tuple[str, int]) -> None:
        self.upstream = upstream
        self.stats = Stats()
        self._mode = _Mode()
        self._times: int | None = None
        self._skip = 0
        self._lock = threading.Lock()
        self._conns: list[_Conn] = []
        self._listener: socket.socket | None = None
        self.port = 0
        self._listen()
        self.endpoint = f"http://127.0.0.1:{self.port}"

    def _listen(self) -> None:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", self.port))
        sock.listen(64)
        self.port = sock.getsockname()[1]
        self._listener = sock
        threading.Thread(target=self._accept, args=(sock,), daemon=True).start()

    def _unlisten(self) -> None:
        if self._listener is not None:
            # shutdown wakes the thread blocked in accept(); close alone may not
            with contextlib.suppress(OSError):
                self._listener.shutdown(socket.SHUT_RDWR)
            self._listener.close()
            self._listener = None

    def set(
        self,
        fault: Fault,
        *,
        after_bytes: int = 0,
        delay_s: float = 0.0,
        times: int | None = None,
        skip: int = 0,
    ) -> None:
        """Pass `skip` new connections, then apply `fault` to `times` of them (None: all).
        DOWN closes the port at once (`skip` and `times` do not apply)."""
        with self._lock:
            self._mode = _Mode(fault, after_bytes, delay_s)
            self._times, self._skip = times, skip
            conns, self._conns = self._conns, []
            if fault is Fault.DOWN:
                self._unlisten()
                self.stats.faulted += 1
            elif self._listener is None:
                self._listen()
        for conn in conns:
            conn.drop()

    def _next_mode(self) -> _Mode:
        with self._lock:
            self.stats.connections += 1
            mode = self._mode
            if mode.fault is Fault.PASS:
                return mode
            if self._skip > 0:
                self._skip -= 1
                return _Mode()
            self.stats.faulted += 1
            if self._times is not None:
                self._times -= 1
                if self._times <= 0:
                    self._mode, self._times = _Mode(), None
            return mode

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return  # closed by set(DOWN) or close()
            mode = self._next_mode()
            upstream = None
            if mode.fault is not Fault.BLACKHOLE:
                try:
                    upstream = socket.create_connection(self.upstream, timeout=5)
                    upstream.settimeout(None)
                except OSError:
                    _reset(client)
                    continue
            conn = _Conn(client, upstream, mode)
            with self._lock:
                self._conns = [c for c in self._conns if not c.done.is_set()]
                self._conns.append(conn)
            conn.start()

    def close(self) -> None:
        with self._lock:
            self._unlisten()
            conns, self._conns = self._conns, []
        for conn in conns:
            conn.drop()

    def __enter__(self) -> FaultProxy:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
