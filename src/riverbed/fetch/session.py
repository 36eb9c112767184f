"""A source-scoped view of the HTTP client: conditional GET against the source's stored state,
raw bodies captured into the blob store (bronze), every request kept as a `fetches` row, and
the same interface served from bronze for `riverbed replay`.

The observation time of a body is the time it was first fetched: a 304, or a 200 returning a
byte-identical body, re-uses the stored body AND its observation time, so a re-run on
unchanged sources leaves the current-state tables identical.

Response headers (`Body.headers`) are those of the response to THIS request, names
lower-cased, cookies (`set-cookie`, `set-cookie2`) dropped: on a 304 they are the 304's own
headers (current rate-limit values, say) while the data and `content_type` come from the
stored body. Replay can only know what bronze keeps — the body, its content type and the
request URL (redacted) — so a replayed body carries `content-type` and a synthetic `etag`
(the body's SHA-256, which lets replayed requests be conditional) and nothing else:
`x-ratelimit-*`, `retry-after`, `date`, `cache-control`, `link` are never stored.
Collectors must read a missing header as "unknown" (for rate limits: no reason to wait;
replay sends nothing).
"""

from __future__ import annotations

import asyncio
import math
import uuid
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any, Protocol

from riverbed.core.errors import ErrorKind, RiverbedError
from riverbed.fetch.redact import redact_url
from riverbed.fetch.types import FetchResponse, FetchSettings, Validators

# Response headers a collector never sees: they can carry session credentials.
HIDDEN_RESPONSE_HEADERS = frozenset({"set-cookie", "set-cookie2"})


def visible_headers(headers: Mapping[str, str]) -> dict[str, str]:
    """Response headers as `Body.headers` shows them: lower-cased names, cookies dropped."""
    out: dict[str, str] = {}
    for name, value in headers.items():
        key = name.lower()
        if key not in HIDDEN_RESPONSE_HEADERS:
            out[key] = value
    return out


class NotRecordedError(RiverbedError):
    """Replay only: the original run never requested this URL (it stopped paginating
    earlier — a rate limit, a smaller `limit` then), so there is nothing to answer with.
    Kind `internal`; a paginating collector ends its pagination quietly on it."""

    def __init__(self, url: str) -> None:
        super().__init__(ErrorKind.INTERNAL, f"replay: no stored response for {url}")
        self.url = url


class Transport(Protocol):
    async def get(
        self,
        url: str,
        *,
        headers: Mapping[str, str] | None = None,
        validators: Validators | None = None,
        trusted: bool = True,
        accept: tuple[str, ...] | None = None,
    ) -> FetchResponse: ...


class BodyStore(Protocol):
    def put(self, body: bytes) -> str: ...
    def get(self, sha: str) -> bytes | None: ...


@dataclass(slots=True)
class UrlState:
    """What is remembered about a URL between runs (kept in the lake, shared by executors).

    Kept under the URL with its credentials redacted (`redact_url`: userinfo, secret-looking
    query values), and `final_url` is stored redacted too: the lake never holds a token a
    catalogue URL carries."""

    body_sha256: str
    observed_at: datetime  # first fetch of this exact body: the observation's identity
    observed_fetch_id: str | None = None
    observed_run_id: str | None = None
    content_type: str | None = None
    final_url: str | None = None
    etag: str | None = None
    last_modified: str | None = None

    def to_json(self) -> dict[str, Any]:
        d = asdict(self)
        d["observed_at"] = self.observed_at.isoformat()
        return d

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> UrlState:
        return cls(**{**d, "observed_at": datetime.fromisoformat(d["observed_at"])})


@dataclass(slots=True)
class Body:
    """A body as a collector sees it. `observed_*` name the request that first returned
    these exact bytes: rows derived from an unchanged body stay identical run after run.
    `headers`: this request's response headers (see the module docstring for 304s and
    replay)."""

    url: str
    final_url: str
    data: bytes
    content_type: str | None
    status: int
    from_cache: bool
    fetch_id: str  # this request
    observed_at: datetime
    observed_fetch_id: str
    observed_run_id: str
    headers: dict[str, str] = field(default_factory=dict)


class FetchSession:
    """Fetches for one source in one run. Raises `RiverbedError` when a URL cannot be had."""

    def __init__(
        self,
        transport: Transport,
        store: BodyStore,
        *,
        source_id: str | None,  # None: article pages, which belong to no source
        run_id: str,
        state: dict[str, UrlState],  # keyed by `redact_url(url)`; updated in place
        headers: Mapping[str, str] | None = None,
        record: bool = True,
    ) -> None:
        self.transport = transport
        self.store = store
        self.source_id = source_id
        self.run_id = run_id
        self.state = state
        self.headers = dict(headers or {})
        self.record = record
        self.rows: list[dict[str, Any]] = []
        self.bodies: list[Body] = []

    def known(self, url: str) -> UrlState | None:
        """What is remembered about `url` (after a `get`: its latest body)."""
        return self.state.get(redact_url(url))

    async def get(
        self, url: str, *, trusted: bool = True, accept: tuple[str, ...] | None = None
    ) -> Body:
        key = redact_url(url)  # the state and the fetches rows never hold credentials
        known = self.state.get(key)
        validators = (
            Validators(etag=known.etag, last_modified=known.last_modified)
            if known and (known.etag or known.last_modified)
            else None
        )
        resp = await self.transport.get(
            url, headers=self.headers, validators=validators, trusted=trusted, accept=accept
        )
        fetch_id = resp.fetch_id or uuid.uuid4().hex
        body: Body | None = None
        if resp.not_modified and known is not None:
            # bronze I/O (hash, zstd, write/fsync or an object-store round trip) runs in a
            # worker thread: on the event loop it would stall every other source's fetch
            data = await asyncio.to_thread(self.store.get, known.body_sha256)
            if data is None:  # bronze lost: fetch again unconditionally
                self.state.pop(key, None)
                self._record(resp, fetch_id, None)
                return await self.get(url, trusted=trusted, accept=accept)
            body = Body(
                url=url,
                # not redirected: the URL itself (its stored form is the redacted one)
                final_url=url if known.final_url in (None, key) else known.final_url,
                data=data,
                content_type=known.content_type,
                status=304,
                from_cache=True,
                fetch_id=fetch_id,
                observed_at=known.observed_at,
                observed_fetch_id=known.observed_fetch_id or fetch_id,
                observed_run_id=known.observed_run_id or self.run_id,
                headers=visible_headers(resp.headers),
            )
            self._record(resp, fetch_id, body, known.body_sha256)
        elif resp.ok and resp.body is not None:
            sha = await asyncio.to_thread(self.store.put, resp.body)  # off the loop, as above
            if known is not None and known.body_sha256 == sha and known.observed_fetch_id:
                observation = (known.observed_at, known.observed_fetch_id, known.observed_run_id)
            else:
                observation = (resp.fetched_at, fetch_id, self.run_id)
            self.state[key] = UrlState(
                body_sha256=sha,
                observed_at=observation[0],
                observed_fetch_id=observation[1],
                observed_run_id=observation[2],
                content_type=resp.content_type,
                final_url=redact_url(resp.final_url),
                etag=resp.headers.get("etag"),
                last_modified=resp.headers.get("last-modified"),
            )
            body = Body(
                url=url,
                final_url=resp.final_url,
                data=resp.body,
                content_type=resp.content_type,
                status=resp.status or 200,
                from_cache=False,
                fetch_id=fetch_id,
                observed_at=observation[0],
                observed_fetch_id=observation[1],
                observed_run_id=observation[2] or self.run_id,
                headers=visible_headers(resp.headers),
            )
            self._record(resp, fetch_id, body, sha)
        else:
            self._record(resp, fetch_id, None)
            kind = resp.error_kind or ErrorKind.HTTP_STATUS
            message = resp.error_message or f"HTTP {resp.status} from {url}"
            raise RiverbedError(kind, message, http_status=resp.status)
        self.bodies.append(body)
        return body

    async def wait_before_request(self, seconds: float) -> str | None:
        """Sleep `seconds` before a further request (a server's "come back in N s" outside a
        429, e.g. Reddit's `x-ratelimit-reset`), or say why not.

        The rule is the client's rule for a 429's `Retry-After`: the wait must be at most
        `max_retry_after_s` and shorter than one request's deadline (`timeout_s`). Returns
        None after sleeping, else the reason (nothing slept). A transport without fetch
        settings (replay) never sleeps: there is no server to wait for.
        """
        if not math.isfinite(seconds):
            return f"a wait of {seconds}s is not a number of seconds"
        seconds = max(0.0, seconds)
        settings = getattr(self.transport, "settings", None)
        if not isinstance(settings, FetchSettings):
            return None
        if seconds > settings.max_retry_after_s:
            return (
                f"a wait of {seconds:g}s exceeds max_retry_after_s {settings.max_retry_after_s:g}"
            )
        if seconds >= settings.timeout_s:
            return (
                f"a wait of {seconds:g}s is not shorter than the {settings.timeout_s:g}s deadline"
            )
        if seconds > 0:
            await asyncio.sleep(seconds)
        return None

    def _record(
        self, resp: FetchResponse, fetch_id: str, body: Body | None, sha: str | None = None
    ) -> None:
        if not self.record:
            return
        attempts = resp.attempts or []
        verdict = resp.error_kind if body is None else None
        for n, a in enumerate(attempts):
            last = n == len(attempts) - 1
            self.rows.append(
                {
                    "run_id": self.run_id,
                    "fetch_id": fetch_id,
                    "attempt": n,
                    "source_id": self.source_id,
                    "url": redact_url(a.url),  # the client redacted it; again where it is stored
                    "status": a.status,
                    "fetched_at": a.started_at,
                    "bytes": a.bytes,
                    "elapsed_ms": a.elapsed_ms,
                    "from_cache": bool(last and body is not None and body.from_cache),
                    # the last attempt of a failed request carries the request's own verdict
                    # (e.g. a deadline that ran out while waiting to retry a 500): what a
                    # replay of this row answers with, kind and message together
                    "error_kind": (verdict.value if last and verdict else None)
                    or (a.error_kind.value if a.error_kind else None),
                    "error_message": (resp.error_message if last and verdict else None)
                    or a.error_message,
                    "body_sha256": sha if last else None,
                    "content_type": body.content_type if last and body else None,
                    "observed_at": body.observed_at if last and body else None,
                    # the requested URL (redacted), so replay can answer the same request
                    "request_url": redact_url(resp.url) if last else None,
                }
            )


class ReplayTransport:
    """Answers requests from one earlier run's `fetches` rows and the blob store (no network).

    A URL the original run never requested raises `NotRecordedError` (a `RiverbedError`):
    a gap in the record, not a response. Headers are only what bronze can reconstruct (see
    the module docstring). Requests are matched on their redacted form, the one `request_url`
    is stored in (so two URLs differing only in a credential's value are one URL here)."""

    def __init__(self, rows: list[Mapping[str, Any]], store: BodyStore) -> None:
        self.store = store
        self.by_url: dict[str, Mapping[str, Any]] = {}
        for row in rows:
            if row.get("request_url"):  # redacted (rows written before that: redacted here)
                self.by_url[redact_url(row["request_url"])] = row

    async def get(
        self,
        url: str,
        *,
        headers: Mapping[str, str] | None = None,
        validators: Validators | None = None,
        trusted: bool = True,
        accept: tuple[str, ...] | None = None,  # the recorded answer already reflects it
    ) -> FetchResponse:
        row = self.by_url.get(redact_url(url))
        if row is None:
            raise NotRecordedError(url)
        when = row["observed_at"] or row["fetched_at"]
        sha = row.get("body_sha256")
        data = self.store.get(sha) if sha else None
        if sha and data is None:
            return FetchResponse(
                url=url,
                final_url=url,
                fetched_at=when,
                elapsed_ms=0,
                error_kind=ErrorKind.INTERNAL,
                error_message=f"replay: raw body {sha} missing",
                fetch_id=row["fetch_id"],
            )
        headers_out = {"content-type": row["content_type"]} if row.get("content_type") else {}
        if sha:
            headers_out["etag"] = f'"{sha}"'  # lets later replayed requests be conditional
        if row.get("from_cache") and validators is not None and data is not None:
            # the original request was answered 304: answer the same way
            return FetchResponse(
                url=url,
                final_url=url,
                fetched_at=when,
                elapsed_ms=0,
                status=304,
                headers=headers_out,
                fetch_id=row["fetch_id"],
            )
        error = ErrorKind(row["error_kind"]) if row.get("error_kind") else None
        return FetchResponse(
            url=url,
            final_url=url,
            fetched_at=when,
            elapsed_ms=0,
            status=200 if data is not None else row.get("status"),
            headers=headers_out,
            body=data,
            error_kind=error if data is None else None,
            error_message=row.get("error_message") if data is None else None,
            fetch_id=row["fetch_id"],
        )
