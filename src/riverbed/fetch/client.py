"""The one HTTP client every collector uses: `async with HttpClient(settings) as client`.

`await client.get(url, headers=..., validators=..., trusted=...)` returns a `FetchResponse`
and never raises for network or HTTP trouble: `error_kind` (contract vocabulary) and a
redacted `error_message` say what went wrong, and `attempts` lists every hop tried.
`await client.post(url, body, headers=..., trusted=...)` is the same request with a body
(an API call such as an OpenAI-compatible endpoint): same deadline, safety, credentials,
proxy, retries and body limits, but redirects are not followed (a 3xx ends the request with
`http_status`: re-sending a body to wherever a Location points is not something to do
silently).

Behaviour in one place:
- Deadline: `timeout_s` of wall-clock time per logical request — connects, every retry and
  backoff sleep, every redirect hop and the body — starting when the request first gets its
  concurrency slot (time queued behind `per_host_concurrency` does not count).
- Safety: `trusted=True` (a URL the operator wrote in the catalogue) lets the first hop go to
  any address. Every redirect hop, and every hop of an untrusted URL, is refused with
  `blocked_address` when its resolved address is loopback/private/shared/link-local/
  multicast/reserved (see `guard.is_blocked_ip`) unless host[:port] as written is in
  `allow_private_hosts`. The check is made by the resolver on the addresses the socket then
  connects to (no DNS-rebinding window); trusted and checked hops use separate connection
  pools so a keep-alive connection opened for a trusted hop is never reused by a checked one.
  Only http and https (`scheme_rejected`), at most `max_redirects` hops
  (`too_many_redirects`), no https->http downgrade (`scheme_rejected`).
- Credentials: caller headers (Authorization, Cookie, catalogue `headers`) are sent only to
  the origin of the requested URL (same host and port, or its http->https upgrade);
  User-Agent, Accept-Encoding and the conditional-GET validators go to every hop.
- Proxy: `settings.proxy`, else HTTP(S)_PROXY/NO_PROXY from the environment
  (`proxy_from_env`). Hosts mapped with `resolve` and loopback hosts never use a proxy.
  Through a proxy the proxy resolves the name, so the connection cannot be pinned: checked
  hops are then resolved by us first and refused if any address is blocked, and the proxy
  itself should deny private ranges (residual risk: DNS answers changing between our lookup
  and the proxy's).
- Retries: 429/500/502/503/504 and connection failures, exponential backoff with jitter
  (`backoff_base_s` * 2^n * [0.5, 1.5)), `Retry-After` (seconds or HTTP date) honoured;
  a wait longer than `max_retry_after_s` or past the deadline ends the request at once with
  the last outcome (`rate_limited` for 429, `http_status` otherwise).
- Body: read raw and decoded incrementally (`body.BodyDecoder`); more than `max_body_bytes`
  on the wire or decoded -> `too_large`. Only 2xx bodies are kept; 304 -> status 304, no body.
"""

from __future__ import annotations

import asyncio
import email.utils
import logging
import math
import random
import time
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import TracebackType
from urllib.request import getproxies_environment

import aiohttp
from multidict import CIMultiDict
from yarl import URL

from riverbed.core.errors import ErrorKind
from riverbed.fetch.body import BadEncoding, BodyDecoder, BodyTooLarge
from riverbed.fetch.guard import normalise_host, parse_ip_host, split_host_port
from riverbed.fetch.redact import redact_text, redact_url
from riverbed.fetch.resolver import (
    BlockedAddressError,
    DnsLookup,
    GuardedResolver,
    parse_overrides,
    system_lookup,
)
from riverbed.fetch.types import Attempt, FetchResponse, FetchSettings, Validators

log = logging.getLogger(__name__)

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
ACCEPT_ENCODING = "gzip, deflate, br"
DRAIN_BYTES = 64 * 1024  # error/redirect bodies read (and dropped) to keep the connection


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a `Retry-After` value (delta-seconds or HTTP date), else None."""
    if not value:
        return None
    text = value.strip()
    try:
        seconds = float(text)
    except ValueError:
        pass
    else:
        return max(0.0, seconds) if math.isfinite(seconds) else None
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def backoff_delay(retry_index: int, base_s: float) -> float:
    """Exponential backoff with jitter for the `retry_index`-th retry (0-based)."""
    return base_s * (2**retry_index) * random.uniform(0.5, 1.5)


def no_proxy_matches(host: str, port: int | None, no_proxy: str) -> bool:
    """True when NO_PROXY (comma-separated `*`, names, `.suffix`, `host:port`, IPs) covers
    host[:port]; a name also covers its subdomains."""
    for raw in no_proxy.split(","):
        entry = raw.strip().lower()
        if not entry:
            continue
        if entry == "*":
            return True
        try:
            name, entry_port = split_host_port(entry)
        except ValueError:
            continue
        if entry_port is not None and entry_port != port:
            continue
        name = name.lstrip(".")
        if host == name or host.endswith("." + name):
            return True
    return False


def _same_credentials_origin(origin: URL, target: URL) -> bool:
    if origin.raw_host != target.raw_host:
        return False
    if (origin.scheme, origin.port) == (target.scheme, target.port):
        return True
    return (origin.scheme, origin.port, target.scheme, target.port) == ("http", 80, "https", 443)


@dataclass(slots=True)
class _Hop:
    """Outcome of one attempt."""

    status: int | None = None
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes | None = None
    error_kind: ErrorKind | None = None
    message: str | None = None
    retryable: bool = False


@dataclass(slots=True)
class _Call:
    """State of one logical request."""

    url: str
    final_url: str
    timeout_s: float
    limit: int
    method: str = "GET"
    data: bytes | None = None  # request body (POST), re-sent as is on a retry
    accept: tuple[str, ...] | None = None  # media types worth reading (None: any)
    scope: asyncio.Timeout | None = None
    deadline: float | None = None  # loop time
    t0: float | None = None  # monotonic, when the clock started
    fetched_at: datetime | None = None
    attempts: list[Attempt] = field(default_factory=list)
    phase: str = "waiting for a connection slot"
    current_url: str = ""  # redacted URL of the attempt in flight
    current_start: float = 0.0
    current_started_at: datetime | None = None
    current_status: int | None = None
    current_bytes: int = 0
    in_flight: bool = False

    def start_clock(self) -> None:
        if self.deadline is not None:
            return
        loop = asyncio.get_running_loop()
        self.deadline = loop.time() + self.timeout_s
        self.t0 = time.monotonic()
        self.fetched_at = datetime.now(UTC)
        if self.scope is not None:
            self.scope.reschedule(self.deadline)

    def remaining(self) -> float:
        if self.deadline is None:
            return self.timeout_s
        return self.deadline - asyncio.get_running_loop().time()

    def elapsed_ms(self) -> int:
        return 0 if self.t0 is None else int((time.monotonic() - self.t0) * 1000)


class HttpClient:
    """Async HTTP GET (and POST) with the safety, limits and retries every collector needs.

    Use as `async with HttpClient(settings) as client:`. `dns` replaces the system resolver
    (tests use it to make DNS answers up without a query).
    """

    def __init__(self, settings: FetchSettings | None = None, *, dns: DnsLookup | None = None):
        self.settings = settings or FetchSettings()
        s = self.settings
        overrides = parse_overrides(s.resolve)  # ValueError on a bad entry: a config error
        lookup = dns or system_lookup
        self._trusted_resolver = GuardedResolver(overrides=overrides, guard=False, lookup=lookup)
        self._checked_resolver = GuardedResolver(
            overrides=overrides, allow=tuple(s.allow_private_hosts), guard=True, lookup=lookup
        )
        self._proxy_resolver = GuardedResolver(overrides={}, guard=False, lookup=lookup)
        self._overrides = overrides
        self._env_proxies = getproxies_environment() if s.proxy_from_env and not s.proxy else {}
        self._host_slots: dict[str, asyncio.Semaphore] = {}
        self._next_start: dict[str, float] = {}
        self._global = asyncio.Semaphore(max(1, s.total_concurrency))
        self._sessions: dict[str, aiohttp.ClientSession] = {}
        self._base_headers = {
            "User-Agent": s.user_agent,
            "Accept": "*/*",
            "Accept-Encoding": ACCEPT_ENCODING,
        }

    async def __aenter__(self) -> HttpClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    async def close(self) -> None:
        sessions, self._sessions = self._sessions, {}
        for session in sessions.values():
            await session.close()

    def _session(self, which: str) -> aiohttp.ClientSession:
        session = self._sessions.get(which)
        if session is None or session.closed:
            resolver = {
                "trusted": self._trusted_resolver,
                "checked": self._checked_resolver,
                "proxied": self._proxy_resolver,
            }[which]
            connector = aiohttp.TCPConnector(
                resolver=resolver, limit=max(1, self.settings.total_concurrency), limit_per_host=0
            )
            session = aiohttp.ClientSession(
                connector=connector,
                auto_decompress=False,  # we decode ourselves, bounded (see body.py)
                cookie_jar=aiohttp.DummyCookieJar(),  # sources must not leak cookies to each other
                trust_env=False,  # proxies are chosen in _proxy_for; no ~/.netrc credentials
                timeout=aiohttp.ClientTimeout(
                    total=None, sock_connect=self.settings.connect_timeout_s
                ),
            )
            self._sessions[which] = session
        return session

    def _proxy_for(self, url: URL) -> str | None:
        host = normalise_host(url.raw_host or "")
        if (host, url.port) in self._overrides or (host, None) in self._overrides:
            return None
        ip = parse_ip_host(host)
        if host == "localhost" or (ip is not None and ip.is_loopback):
            return None
        if self.settings.proxy:
            return self.settings.proxy
        proxy = self._env_proxies.get(url.scheme)
        if proxy and no_proxy_matches(host, url.port, self._env_proxies.get("no", "")):
            return None
        return proxy

    @asynccontextmanager
    async def _slot(self, call: _Call, host: str) -> AsyncIterator[None]:
        """Hold a per-host and a global concurrency slot, spacing starts per host."""
        s = self.settings
        sem = self._host_slots.get(host)
        if sem is None:
            sem = self._host_slots[host] = asyncio.Semaphore(max(1, s.per_host_concurrency))
        async with sem:
            delay = s.per_host_delay_ms / 1000
            if delay > 0:
                now = asyncio.get_running_loop().time()
                start = max(now, self._next_start.get(host, now))
                self._next_start[host] = start + delay
                if start > now:
                    call.phase = "waiting for per-host spacing"
                    await asyncio.sleep(start - now)
            async with self._global:
                yield

    async def get(
        self,
        url: str,
        *,
        headers: Mapping[str, str] | None = None,
        validators: Validators | None = None,
        trusted: bool = False,
        max_body_bytes: int | None = None,
        timeout_s: float | None = None,
        accept: tuple[str, ...] | None = None,
    ) -> FetchResponse:
        """GET `url`; see the module docstring. `trusted=True` only for URLs the operator
        wrote (catalogue); anything taken from content must use the default `False`.
        `max_body_bytes` / `timeout_s` override the settings for this request. `accept`:
        media types worth reading; a 2xx declaring another type ends with `content_type`
        before its body is read (no declared type: read)."""
        call = _Call(
            url=url,
            final_url=url,
            timeout_s=timeout_s if timeout_s is not None else self.settings.timeout_s,
            limit=max_body_bytes if max_body_bytes is not None else self.settings.max_body_bytes,
            accept=tuple(a.lower() for a in accept) if accept else None,
        )
        return await self._request(call, url, headers or {}, validators, trusted)

    async def post(
        self,
        url: str,
        body: bytes,
        *,
        headers: Mapping[str, str] | None = None,
        trusted: bool = False,
        max_body_bytes: int | None = None,
        timeout_s: float | None = None,
        accept: tuple[str, ...] | None = None,
    ) -> FetchResponse:
        """POST `body` to `url` (give its Content-Type in `headers`). Like `get` in every
        way except: no conditional validators, and redirects are not followed (a 3xx is
        returned as `http_status`). 429/5xx and connection failures are retried with the same
        body, so use it for requests that are safe to repeat (or set `retries=0`)."""
        call = _Call(
            url=url,
            final_url=url,
            timeout_s=timeout_s if timeout_s is not None else self.settings.timeout_s,
            limit=max_body_bytes if max_body_bytes is not None else self.settings.max_body_bytes,
            method="POST",
            data=body,
            accept=tuple(a.lower() for a in accept) if accept else None,
        )
        return await self._request(call, url, headers or {}, None, trusted)

    async def _request(
        self,
        call: _Call,
        url: str,
        headers: Mapping[str, str],
        validators: Validators | None,
        trusted: bool,
    ) -> FetchResponse:
        try:
            async with asyncio.timeout(None) as scope:
                call.scope = scope
                return await self._run(call, url, headers, validators, trusted)
        except TimeoutError as exc:
            if not scope.expired():  # not our deadline: an unexpected timeout from below
                return self._internal_error(call, exc)
            self._close_in_flight(call, ErrorKind.TIMEOUT, "deadline reached")
            last = call.attempts[-1].url if call.attempts else redact_url(url)
            return self._response(
                call,
                call.final_url,
                call.current_status,
                ErrorKind.TIMEOUT,
                f"no complete response within {call.timeout_s:g}s ({call.phase}): {last}",
            )
        except Exception as exc:  # the client's promise: never raise for a request's trouble
            return self._internal_error(call, exc)

    def _internal_error(self, call: _Call, exc: Exception) -> FetchResponse:
        # No traceback in the log: exception texts can carry URLs with credentials.
        message = redact_text(f"{type(exc).__name__}: {exc}")
        log.error("internal error fetching %s: %s", redact_url(call.url), message)
        self._close_in_flight(call, ErrorKind.INTERNAL, message)
        return self._response(call, call.final_url, None, ErrorKind.INTERNAL, message)

    def _response(
        self,
        call: _Call,
        final_url: str,
        status: int | None,
        kind: ErrorKind | None,
        message: str | None,
        headers: dict[str, str] | None = None,
        body: bytes | None = None,
    ) -> FetchResponse:
        return FetchResponse(
            url=call.url,
            final_url=final_url,
            fetched_at=call.fetched_at or datetime.now(UTC),
            elapsed_ms=call.elapsed_ms(),
            status=status,
            headers=headers or {},
            body=body,
            error_kind=kind,
            error_message=redact_text(message) if message else None,
            attempts=call.attempts,
        )

    async def _run(
        self,
        call: _Call,
        url: str,
        caller_headers: Mapping[str, str],
        validators: Validators | None,
        trusted: bool,
    ) -> FetchResponse:
        s = self.settings
        try:
            first = current = URL(url)
        except (ValueError, TypeError) as exc:
            return self._response(
                call, url, None, ErrorKind.CONNECT_ERROR, f"invalid URL {url!r}: {exc}"
            )
        # Sent to every hop; the caller's headers go only to the requested URL's origin (and
        # may override User-Agent and Accept there, not the Accept-Encoding we decode).
        hop_headers = CIMultiDict(self._base_headers)
        if validators is not None:
            if validators.etag:
                hop_headers["If-None-Match"] = validators.etag
            if validators.last_modified:
                hop_headers["If-Modified-Since"] = validators.last_modified
        origin_headers = hop_headers.copy()
        origin_headers.update(caller_headers)
        origin_headers["Accept-Encoding"] = ACCEPT_ENCODING

        trusted_hop = trusted
        redirects = retries = 0
        final_url = url
        while True:
            sending = origin_headers if _same_credentials_origin(first, current) else hop_headers
            hop = await self._attempt(call, current, sending, trusted_hop)
            if hop.error_kind is not None:
                if hop.retryable and retries < s.retries:
                    reason = await self._backoff(call, retries, None)
                    if reason is None:
                        retries += 1
                        continue
                    hop.message = f"{hop.message}; {reason}"
                return self._response(
                    call, final_url, hop.status, hop.error_kind, hop.message, hop.headers
                )
            status = hop.status
            assert status is not None
            location = hop.headers.get("location")
            if status in REDIRECT_STATUSES and location and call.method == "GET":
                redirects += 1
                shown = redact_url(str(current))
                if redirects > s.max_redirects:
                    return self._response(
                        call,
                        final_url,
                        status,
                        ErrorKind.TOO_MANY_REDIRECTS,
                        f"more than {s.max_redirects} redirects (last from {shown})",
                        hop.headers,
                    )
                try:
                    target = current.join(URL(location)).with_fragment(None)
                except (ValueError, TypeError) as exc:
                    return self._response(
                        call,
                        final_url,
                        status,
                        ErrorKind.HTTP_STATUS,
                        f"HTTP {status} from {shown} with a bad Location: {exc}",
                        hop.headers,
                    )
                if current.scheme == "https" and target.scheme == "http":
                    return self._response(
                        call,
                        final_url,
                        status,
                        ErrorKind.SCHEME_REJECTED,
                        f"redirect from https to http refused ({shown} -> {target})",
                        hop.headers,
                    )
                current, final_url, trusted_hop = target, str(target), False
                call.final_url = final_url
                continue
            if status in RETRY_STATUSES and retries < s.retries:
                wait = parse_retry_after(hop.headers.get("retry-after"))
                reason = await self._backoff(call, retries, wait)
                if reason is None:
                    retries += 1
                    continue
                hop.message = reason
            return self._final(call, final_url, hop)

    def _final(self, call: _Call, final_url: str, hop: _Hop) -> FetchResponse:
        status = hop.status
        assert status is not None
        if 200 <= status < 300 or status == 304:
            body = hop.body if status != 304 else None
            return self._response(call, final_url, status, None, None, hop.headers, body)
        shown = redact_url(final_url)
        message = f"HTTP {status} from {shown}"
        if hop.message:
            message += f" ({hop.message})"
        elif status in REDIRECT_STATUSES and call.method != "GET":
            message += f" (redirects are not followed for {call.method})"
        kind = ErrorKind.RATE_LIMITED if status == 429 else ErrorKind.HTTP_STATUS
        return self._response(call, final_url, status, kind, message, hop.headers)

    async def _backoff(
        self, call: _Call, retry_index: int, retry_after: float | None
    ) -> str | None:
        """Sleep before a retry; or return why not (the wait would pass a limit)."""
        s = self.settings
        if retry_after is not None:
            if retry_after > s.max_retry_after_s:
                return (
                    f"Retry-After {retry_after:g}s exceeds max_retry_after_s "
                    f"{s.max_retry_after_s:g}"
                )
            delay = retry_after
        else:
            delay = backoff_delay(retry_index, s.backoff_base_s)
        if delay >= call.remaining():
            return f"gave up: a retry in {delay:.2f}s would pass the {call.timeout_s:g}s deadline"
        call.phase = f"waiting {delay:.2f}s to retry"
        await asyncio.sleep(delay)
        return None

    def _refuse(self, call: _Call, url: URL, kind: ErrorKind, message: str) -> _Hop:
        """A hop refused before anything was sent; recorded as an attempt with no status."""
        call.attempts.append(
            Attempt(
                url=redact_url(str(url)),
                started_at=datetime.now(UTC),
                elapsed_ms=0,
                status=None,
                bytes=0,
                error_kind=kind,
                error_message=redact_text(message),
            )
        )
        return _Hop(error_kind=kind, message=message)

    async def _preflight(self, url: URL, proxy: str | None) -> BlockedAddressError | None:
        """Address check for a checked hop that the connect-time resolver will not see: an
        IP-literal host (aiohttp skips the resolver for those) or a proxied request."""
        host = url.raw_host or ""
        port = url.port or (443 if url.scheme == "https" else 80)
        if proxy is None and parse_ip_host(host) is None:
            return None  # a name: checked by the resolver at connect time
        try:
            found = await self._checked_resolver.addresses(host, port)
            self._checked_resolver.check(host, port, found)
        except BlockedAddressError as exc:
            return exc
        return None

    async def _attempt(
        self, call: _Call, url: URL, headers: CIMultiDict[str], trusted_hop: bool
    ) -> _Hop:
        shown = redact_url(str(url))
        if url.scheme not in ("http", "https"):
            return self._refuse(
                call, url, ErrorKind.SCHEME_REJECTED, f"scheme {url.scheme!r} refused: {shown}"
            )
        if not url.is_absolute() or not url.raw_host:
            return self._refuse(call, url, ErrorKind.CONNECT_ERROR, f"invalid URL: {shown}")
        proxy = self._proxy_for(url)
        if not trusted_hop:
            if proxy is not None:  # a DNS lookup of ours: under the deadline too
                call.start_clock()
                call.phase = f"resolving {url.raw_host}"
            try:
                blocked = await self._preflight(url, proxy)
            except OSError as exc:
                return self._refuse(
                    call, url, ErrorKind.CONNECT_ERROR, f"cannot resolve {url.raw_host}: {exc}"
                )
            if blocked is not None:
                return self._refuse(call, url, ErrorKind.BLOCKED_ADDRESS, f"{blocked} ({shown})")
        which = "proxied" if proxy else ("trusted" if trusted_hop else "checked")
        host = normalise_host(url.raw_host or "")
        call.phase = "waiting for a connection slot"
        async with self._slot(call, host):
            call.start_clock()
            call.in_flight = True
            call.current_url = shown
            call.current_start = time.monotonic()
            call.current_started_at = datetime.now(UTC)
            call.current_status = None
            call.current_bytes = 0
            call.phase = f"connecting to {url.raw_host}"
            hop = await self._send(call, url, headers, which, proxy)
            self._close_in_flight(call, hop.error_kind, hop.message)
        log.debug(
            "%s %s -> %s %s (%d bytes)",
            call.method,
            shown,
            hop.status,
            hop.error_kind or "",
            call.current_bytes,
        )
        return hop

    def _close_in_flight(self, call: _Call, kind: ErrorKind | None, message: str | None) -> None:
        if not call.in_flight:
            return
        call.in_flight = False
        call.attempts.append(
            Attempt(
                url=call.current_url,
                started_at=call.current_started_at or datetime.now(UTC),
                elapsed_ms=int((time.monotonic() - call.current_start) * 1000),
                status=call.current_status,
                bytes=call.current_bytes,
                error_kind=kind,
                error_message=redact_text(message) if message else None,
            )
        )

    async def _send(
        self, call: _Call, url: URL, headers: CIMultiDict[str], which: str, proxy: str | None
    ) -> _Hop:
        shown = redact_url(str(url))
        try:
            async with self._session(which).request(
                call.method,
                url,
                headers=headers,
                data=call.data,
                allow_redirects=False,
                proxy=proxy,
            ) as resp:
                status = call.current_status = resp.status
                hop = _Hop(status=status, headers=_lower_headers(resp.headers))
                media = hop.headers.get("content-type", "").split(";")[0].strip().lower()
                if 200 <= status < 300 and call.accept and media and media not in call.accept:
                    hop.error_kind = ErrorKind.CONTENT_TYPE
                    hop.message = f"content type {media!r} not wanted here ({shown})"
                    return hop  # the body is never read; the connection is closed
                if 200 <= status < 300:
                    call.phase = f"reading the body of {shown}"
                    hop.body = await self._read_body(call, resp, hop.headers)
                elif status != 304:
                    call.phase = f"reading the HTTP {status} body of {shown}"
                    await self._drain(call, resp)
                return hop
        except BodyTooLarge as exc:
            return _Hop(
                status=call.current_status,
                error_kind=ErrorKind.TOO_LARGE,
                message=f"{exc} ({shown})",
            )
        except BadEncoding as exc:
            return _Hop(
                status=call.current_status,
                error_kind=ErrorKind.PARSE_ERROR,
                message=f"{exc} ({shown})",
            )
        except aiohttp.ClientError as exc:
            return _classify(exc, call, shown, self.settings.connect_timeout_s)
        except TimeoutError as exc:  # aiohttp's connect timeout (the deadline is CancelledError)
            return _classify(exc, call, shown, self.settings.connect_timeout_s)

    async def _read_body(
        self, call: _Call, resp: aiohttp.ClientResponse, headers: Mapping[str, str]
    ) -> bytes:
        declared = headers.get("content-length", "")
        if declared.isdigit() and int(declared) > call.limit:
            raise BodyTooLarge(f"Content-Length {declared} exceeds the {call.limit}-byte cap")
        decoder = BodyDecoder(headers.get("content-encoding"), call.limit)
        while True:
            # never take more than one byte past the cap off the stream: `iter_any` hands over
            # whatever is buffered, which overshoots the cap by up to the buffer size
            want = min(READ_CHUNK, call.limit - call.current_bytes + 1)
            chunk = await resp.content.read(want)
            if not chunk:
                break
            call.current_bytes += len(chunk)
            decoder.feed(chunk)
        return decoder.finish()

    async def _drain(self, call: _Call, resp: aiohttp.ClientResponse) -> None:
        """Read a little of a body we do not keep, so a short one frees the connection for
        reuse; a long one is left unread and the connection is closed on release."""
        while call.current_bytes < DRAIN_BYTES:
            chunk = await resp.content.readany()
            if not chunk:
                return
            call.current_bytes += len(chunk)


READ_CHUNK = 64 * 1024


def _lower_headers(headers: Mapping[str, str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for name, value in headers.items():
        key = name.lower()
        out[key] = f"{out[key]}, {value}" if key in out else value
    return out


def _classify(exc: BaseException, call: _Call, shown: str, connect_timeout_s: float) -> _Hop:
    """Map an aiohttp/OS exception to a hop outcome (kind, message, retryable)."""
    status = call.current_status

    def hop(kind: ErrorKind, message: str, retryable: bool) -> _Hop:
        return _Hop(status=status, error_kind=kind, message=message, retryable=retryable)

    if isinstance(exc, aiohttp.ClientConnectorDNSError):
        cause = exc.os_error
        if isinstance(cause, BlockedAddressError):
            return hop(ErrorKind.BLOCKED_ADDRESS, f"{cause} ({shown})", False)
        return hop(ErrorKind.CONNECT_ERROR, f"cannot resolve host of {shown}: {cause}", False)
    if isinstance(exc, aiohttp.ClientConnectorCertificateError | aiohttp.ClientSSLError):
        return hop(ErrorKind.CONNECT_ERROR, f"TLS failure for {shown}: {exc}", False)
    if isinstance(exc, aiohttp.ConnectionTimeoutError):
        return hop(
            ErrorKind.CONNECT_ERROR,
            f"connect timed out after {connect_timeout_s:g}s: {shown}",
            True,
        )
    if isinstance(exc, aiohttp.ServerTimeoutError):
        return hop(ErrorKind.TIMEOUT, f"timed out: {shown}", False)
    if isinstance(exc, aiohttp.ClientConnectorError):
        return hop(ErrorKind.CONNECT_ERROR, f"cannot connect: {exc} ({shown})", True)
    if isinstance(exc, aiohttp.ServerDisconnectedError):
        return hop(ErrorKind.CONNECT_ERROR, f"server closed the connection: {shown}", True)
    if isinstance(exc, aiohttp.ClientPayloadError):
        return hop(ErrorKind.CONNECT_ERROR, f"body cut short: {exc} ({shown})", True)
    if isinstance(exc, aiohttp.InvalidURL):
        return hop(ErrorKind.CONNECT_ERROR, f"invalid URL {shown}: {exc}", False)
    if isinstance(exc, aiohttp.ClientOSError):
        return hop(ErrorKind.CONNECT_ERROR, f"connection failed: {exc} ({shown})", True)
    if isinstance(exc, TimeoutError):
        return hop(ErrorKind.CONNECT_ERROR, f"connect timed out: {shown}", True)
    return hop(ErrorKind.CONNECT_ERROR, f"{type(exc).__name__}: {exc} ({shown})", False)
