"""Value types of the fetch layer: settings in, one `FetchResponse` out per logical request."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from riverbed.core.errors import ErrorKind


@dataclass(frozen=True, slots=True)
class FetchSettings:
    user_agent: str = "riverbed/0.1 (+https://github.com/riverbed-dev/riverbed)"
    per_host_concurrency: int = 4
    per_host_delay_ms: int = 0
    total_concurrency: int = 64
    connect_timeout_s: float = 10.0
    timeout_s: float = 30.0  # wall-clock deadline for a whole request, body and retries included
    max_body_bytes: int = 10 * 1024 * 1024  # enforced on the wire and after decompression
    max_redirects: int = 5
    retries: int = 3  # extra attempts on 429/5xx/connect errors
    backoff_base_s: float = 0.5
    max_retry_after_s: float = 60.0
    resolve: dict[str, str] = field(default_factory=dict)  # host[:port] -> ip:port (curl --resolve)
    allow_private_hosts: tuple[str, ...] = ()  # host or host:port, case-insensitive
    proxy: str | None = None  # http(s) proxy for every request except `resolve`d/loopback hosts
    proxy_from_env: bool = True  # without `proxy`: HTTP(S)_PROXY / NO_PROXY from the environment


@dataclass(frozen=True, slots=True)
class Validators:
    """Conditional-GET validators remembered from an earlier 200."""

    etag: str | None = None
    last_modified: str | None = None


@dataclass(slots=True)
class Attempt:
    """One HTTP request actually sent (a retry or a redirect hop is its own attempt)."""

    url: str
    started_at: datetime
    elapsed_ms: int
    status: int | None
    bytes: int
    error_kind: ErrorKind | None = None
    error_message: str | None = None


@dataclass(slots=True)
class FetchResponse:
    """Outcome of one logical GET. The client never raises for network or HTTP trouble."""

    url: str  # as requested
    final_url: str  # after redirects
    fetched_at: datetime  # when the request started (UTC)
    elapsed_ms: int
    status: int | None = None
    headers: dict[str, str] = field(default_factory=dict)  # lower-cased names
    body: bytes | None = None  # decoded (decompressed) body, only for 2xx
    error_kind: ErrorKind | None = None
    error_message: str | None = None
    attempts: list[Attempt] = field(default_factory=list)
    fetch_id: str | None = None  # set when answering from bronze (replay): the original fetch

    @property
    def ok(self) -> bool:
        return self.error_kind is None and self.status is not None and 200 <= self.status < 300

    @property
    def not_modified(self) -> bool:
        return self.status == 304 and self.error_kind is None

    @property
    def content_type(self) -> str | None:
        return self.headers.get("content-type")
