"""The `errors.error_kind` vocabulary of the contract, and the exception that carries it."""

from __future__ import annotations

from enum import StrEnum


class ErrorKind(StrEnum):
    TIMEOUT = "timeout"
    CONNECT_ERROR = "connect_error"
    HTTP_STATUS = "http_status"
    TOO_LARGE = "too_large"
    TOO_MANY_REDIRECTS = "too_many_redirects"
    BLOCKED_ADDRESS = "blocked_address"
    SCHEME_REJECTED = "scheme_rejected"
    CONTENT_TYPE = "content_type"
    ROBOTS_DISALLOWED = "robots_disallowed"
    RATE_LIMITED = "rate_limited"
    PARSE_ERROR = "parse_error"
    NOT_A_FEED = "not_a_feed"
    INVALID_ITEM = "invalid_item"
    THIN_EXTRACTION = "thin_extraction"
    BUDGET_EXHAUSTED = "budget_exhausted"
    INTERNAL = "internal"


class RiverbedError(Exception):
    """An error with a contract `error_kind`; its message is safe to record (no secrets)."""

    def __init__(self, kind: ErrorKind, message: str, http_status: int | None = None) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.http_status = http_status  # the response's status, when there was one

    def __str__(self) -> str:
        return f"{self.kind.value}: {self.message}"
