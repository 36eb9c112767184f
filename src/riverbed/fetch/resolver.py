"""Name resolution for the HTTP client: `resolve` overrides, then the address guard.

aiohttp connects to exactly the addresses its resolver returns, so checking them here is a
check on the address actually dialled: a DNS answer cannot change between the check and the
connect (no rebinding window). aiohttp does not call the resolver for hosts that are plain IP
literals; the client checks those itself (`guard.parse_ip_host`).
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Awaitable, Callable, Mapping
from ipaddress import ip_address

from aiohttp.abc import AbstractResolver, ResolveResult

from riverbed.fetch.guard import (
    IPAddress,
    host_allowed,
    is_blocked_ip,
    normalise_host,
    parse_ip_host,
    split_host_port,
)

# host, port, address family (0 = any) -> addresses as text ("93.184.215.14", "2606:4700::1")
DnsLookup = Callable[[str, int, int], Awaitable[list[str]]]

Overrides = dict[tuple[str, int | None], tuple[IPAddress, int | None]]


class BlockedAddressError(OSError):
    """The host resolves to an address that URLs from content may not reach."""

    def __init__(self, host: str, port: int, address: IPAddress) -> None:
        super().__init__(f"{host}:{port} resolves to blocked address {address}")
        self.host = host
        self.port = port
        self.address = address


async def system_lookup(host: str, port: int, family: int = 0) -> list[str]:
    """getaddrinfo in the loop's executor (a real DNS query for names not in /etc/hosts)."""
    infos = await asyncio.get_running_loop().getaddrinfo(
        host, port, family=family, type=socket.SOCK_STREAM, flags=socket.AI_ADDRCONFIG
    )
    seen: dict[str, None] = {}
    for _family, _type, _proto, _name, sockaddr in infos:
        seen[str(sockaddr[0])] = None
    return list(seen)


def parse_overrides(resolve: Mapping[str, str]) -> Overrides:
    """`{"host[:port]": "ip[:port]"}` (curl --resolve style) -> lookup table.

    Raises ValueError naming the bad entry: the target must be an IP literal, so that no DNS
    query is ever made for an overridden host.
    """
    table: Overrides = {}
    for key, target in resolve.items():
        host, port = split_host_port(key)
        ip_text, ip_port = split_host_port(target)
        try:
            ip = ip_address(ip_text)
        except ValueError:
            raise ValueError(
                f"resolve: {key!r} must map to an IP address, not {target!r}"
            ) from None
        table[(host, port)] = (ip, ip_port)
    return table


class GuardedResolver(AbstractResolver):
    """An aiohttp resolver applying `resolve` overrides, then (when `guard`) the address guard.

    With `guard=False` (the connector for operator-written first hops) addresses are returned
    unchecked; with `guard=True` a host is refused with `BlockedAddressError` when ANY of its
    addresses is blocked, unless host[:port] is in `allow`.
    """

    def __init__(
        self,
        *,
        overrides: Overrides,
        allow: tuple[str, ...] = (),
        guard: bool,
        lookup: DnsLookup = system_lookup,
    ) -> None:
        self.overrides = overrides
        self.allow = allow
        self.guard = guard
        self._lookup = lookup

    async def addresses(self, host: str, port: int, family: int = 0) -> list[tuple[IPAddress, int]]:
        """Where a connection to host:port goes: an override, an IP literal, or DNS."""
        name = normalise_host(host)
        hit = self.overrides.get((name, port)) or self.overrides.get((name, None))
        if hit is not None:
            ip, mapped_port = hit
            return [(ip, mapped_port or port)]
        literal = parse_ip_host(name)
        if literal is not None:
            return [(literal, port)]
        found = await self._lookup(name, port, family)
        return [(ip_address(a.split("%", 1)[0]), port) for a in found]

    def check(self, host: str, port: int, addresses: list[tuple[IPAddress, int]]) -> None:
        """Raise `BlockedAddressError` if the guard refuses any of `addresses`."""
        if not self.guard or host_allowed(host, port, self.allow):
            return
        for ip, _port in addresses:
            if is_blocked_ip(ip):
                raise BlockedAddressError(host, port, ip)

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_UNSPEC
    ) -> list[ResolveResult]:
        found = await self.addresses(host, port, int(family))
        if not found:
            raise OSError(f"no address for {host}")
        self.check(host, port, found)
        return [
            ResolveResult(
                hostname=host,
                host=str(ip),
                port=p,
                family=socket.AF_INET6 if ip.version == 6 else socket.AF_INET,
                proto=0,
                flags=socket.AI_NUMERICHOST | socket.AI_NUMERICSERV,
            )
            for ip, p in found
        ]

    async def close(self) -> None:
        return None
