"""Secrets out of URLs and messages before they are logged or stored.

Removed: userinfo (`user:password@`) and the values of query parameters whose names look like
credentials (`api_key`, `apiKey`, `access_token`, `X-Amz-Signature`, `password`, `secret`, …).
"""

from __future__ import annotations

import re
from urllib.parse import SplitResult, urlsplit, urlunsplit

REDACTED = "REDACTED"

# A name is secret when it contains one of these words, or ends with one of the short ones
# (so `apiKey` and `x-api-key` are caught but `keywords` and `author` are not).
_SECRET_ANYWHERE = re.compile(r"token|secret|passw|signature|credential", re.IGNORECASE)
_SECRET_SUFFIX = re.compile(r"(key|pwd|sig|auth|session|sessionid|sid|jwt)$", re.IGNORECASE)
_URL_IN_TEXT = re.compile(r"[a-zA-Z][a-zA-Z0-9+.-]*://[^\s'\"<>`]+")
_PARAM = re.compile(r"([^&=;]*)(=?)([^&;]*)")


def is_secret_param(name: str) -> bool:
    """True for query-parameter names that usually carry credentials."""
    return bool(_SECRET_ANYWHERE.search(name) or _SECRET_SUFFIX.search(name))


def _redact_query(query: str) -> str:
    def one(m: re.Match[str]) -> str:
        name, eq, value = m.group(1), m.group(2), m.group(3)
        if eq and value and is_secret_param(name):
            return f"{name}={REDACTED}"
        return m.group(0)

    return _PARAM.sub(one, query)


def redact_url(url: str) -> str:
    """`url` with userinfo and secret-looking query values replaced by REDACTED.

    Never raises: text that does not parse as a URL is returned with the same substitutions
    applied as far as they can be.
    """
    try:
        parts = urlsplit(url)
    except ValueError:
        return re.sub(r"//[^/@\s]*@", f"//{REDACTED}@", url)
    netloc = parts.netloc
    if "@" in netloc:
        netloc = f"{REDACTED}@{netloc.rsplit('@', 1)[1]}"
    query = _redact_query(parts.query) if parts.query else parts.query
    if netloc == parts.netloc and query == parts.query:
        return url
    return urlunsplit(SplitResult(parts.scheme, netloc, parts.path, query, parts.fragment))


def redact_text(text: str) -> str:
    """Every URL inside free text (an exception message, a log line) passed through
    `redact_url`."""
    return _URL_IN_TEXT.sub(lambda m: redact_url(m.group(0)), text)
