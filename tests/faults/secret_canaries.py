"""Canary credentials: one distinctive random value per secret slot of a riverbed run, and
every form in which one could leak.

A canary is `cnry<slot><random hex>`, so a leak names its slot. Passwords also carry `@`
and `/`, which must be percent-encoded inside a URL: the raw and the encoded spellings are
then different strings, and both are looked for. Basic-auth pairs are also looked for as
the base64 a client puts in an `Authorization` / `Proxy-Authorization` header.
"""

from __future__ import annotations

import base64
import secrets
from dataclasses import dataclass, fields
from urllib.parse import quote


def _canary(slot: str, punctuated: bool = False) -> str:
    head, tail = secrets.token_hex(6), secrets.token_hex(6)
    return f"cnry{slot}{head}@/{tail}" if punctuated else f"cnry{slot}{head}{tail}"


@dataclass(frozen=True)
class Canaries:
    s3_access_key: str  # AWS_ACCESS_KEY_ID
    s3_secret_key: str  # AWS_SECRET_ACCESS_KEY
    s3_wrong_secret_key: str  # the secret key of a run that must be refused
    feed_token: str  # a source's `headers: {Authorization: "Bearer ${FEED_TOKEN}"}`
    feed_api_key: str  # a source's `headers: {X-Api-Key: <literal>}`
    query_token: str  # `?api_key=` / `?access_token=` in source URLs
    proxy_user: str  # settings.proxy = ${PROXY_URL} = http://user:password@127.0.0.1:port
    proxy_password: str
    hook_path_token: str  # notify URL ${HOOK_URL}: a Slack-style token in the path ...
    hook_query_token: str  # ... and ?token= in the query
    hook_header_token: str  # notify `headers: {Authorization: "Bearer ${HOOK_TOKEN}"}`
    hook_user: str  # a second notify URL with user:password@ (written in the catalogue)
    hook_password: str
    llm_api_key: str  # settings.enrich.summaries.llm.api_key = ${LLM_API_KEY}

    @classmethod
    def fresh(cls) -> Canaries:
        return cls(
            s3_access_key=_canary("S3AKID"),
            s3_secret_key=_canary("S3SECRET"),
            s3_wrong_secret_key=_canary("S3WRONG"),
            feed_token=_canary("FEEDTOKEN"),
            feed_api_key=_canary("FEEDAPIKEY"),
            query_token=_canary("QUERYTOKEN"),
            proxy_user=_canary("PROXYUSER"),
            proxy_password=_canary("PROXYPASS", punctuated=True),
            hook_path_token=_canary("HOOKPATH"),
            hook_query_token=_canary("HOOKQUERY"),
            hook_header_token=_canary("HOOKHEADER"),
            hook_user=_canary("HOOKUSER"),
            hook_password=_canary("HOOKPASS", punctuated=True),
            llm_api_key=_canary("LLMKEY"),
        )

    def values(self) -> dict[str, str]:
        """slot name -> raw value."""
        return {f.name: getattr(self, f.name) for f in fields(self)}

    def userinfo(self, user: str, password: str) -> str:
        """`user:password` as written inside a URL (percent-encoded)."""
        return f"{quote(user, safe='')}:{quote(password, safe='')}"

    def needles(self) -> dict[bytes, str]:
        """Every byte string whose presence is a leak -> what it is (`slot (encoding)`)."""
        out: dict[bytes, str] = {}
        for slot, value in self.values().items():
            out[value.encode()] = slot
            out.setdefault(quote(value, safe="").encode(), f"{slot} (url-encoded)")
        for pair, user, password in (
            ("proxy", self.proxy_user, self.proxy_password),
            ("hook", self.hook_user, self.hook_password),
        ):
            basic = base64.b64encode(f"{user}:{password}".encode())
            out[basic] = f"{pair} user:password (basic auth base64)"
        return out
