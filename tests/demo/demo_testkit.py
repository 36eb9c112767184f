"""Helpers shared by the demo tests (imported by name, like tests/fetch/fetch_testkit.py)."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

import aiohttp
from multidict import CIMultiDict

DAY = date(2025, 6, 12)


@dataclass(slots=True)
class Reply:
    status: int
    headers: Mapping[str, str]
    body: bytes  # as sent on the wire (not decompressed)


def http_get(
    port: int,
    host: str,
    path: str,
    headers: Mapping[str, str] | None = None,
    *,
    method: str = "GET",
    timeout_s: float = 5.0,
) -> Reply:
    """One request to 127.0.0.1:`port` with an explicit Host header (no DNS involved)."""

    async def go() -> Reply:
        timeout = aiohttp.ClientTimeout(total=timeout_s)
        async with (
            aiohttp.ClientSession(auto_decompress=False, timeout=timeout) as session,
            session.request(
                method,
                f"http://127.0.0.1:{port}{path}",
                headers={"Host": host, "Accept-Encoding": "identity", **(headers or {})},
            ) as resp,
        ):
            return Reply(resp.status, CIMultiDict(resp.headers), await resp.read())

    return asyncio.run(go())
