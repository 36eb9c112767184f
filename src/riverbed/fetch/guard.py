"""Which addresses a URL taken from content (or from a redirect) may reach.

Pure functions over literal hosts and addresses; no I/O, no DNS. The HTTP client applies
`is_blocked_ip` to the address it is about to connect to (see `fetch.resolver`) and to hosts
that are themselves IP literals in any spelling (`parse_ip_host`).

Why not just `ipaddress.is_global`: it is True for multicast (224.0.0.1), NAT64
(64:ff9b::a9fe:a9fe) and 6to4 (2002:a9fe:a9fe::) addresses that reach private or metadata
hosts, and older Pythons treat 100.64/10 inconsistently. The ranges below are explicit.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network, ip_address

IPAddress = IPv4Address | IPv6Address

_BLOCKED_V4 = tuple(
    IPv4Network(n)
    for n in (
        "0.0.0.0/8",  # "this network", unspecified
        "10.0.0.0/8",  # private
        "100.64.0.0/10",  # shared / carrier-grade NAT (100.100.100.200 is a metadata service)
        "127.0.0.0/8",  # loopback
        "169.254.0.0/16",  # link-local (169.254.169.254: cloud metadata)
        "172.16.0.0/12",  # private
        "192.0.0.0/24",  # IETF protocol assignments
        "192.0.2.0/24",  # documentation
        "192.88.99.0/24",  # 6to4 relay anycast
        "192.168.0.0/16",  # private
        "198.18.0.0/15",  # benchmarking
        "198.51.100.0/24",  # documentation
        "203.0.113.0/24",  # documentation
        "224.0.0.0/4",  # multicast
        "240.0.0.0/4",  # reserved, including 255.255.255.255 (broadcast)
    )
)

_GLOBAL_UNICAST_V6 = IPv6Network("2000::/3")
_NAT64_V6 = IPv6Network("64:ff9b::/96")  # well-known prefix: the last 32 bits are an IPv4
_SIIT_V6 = IPv6Network("::ffff:0:0:0/96")  # IPv4-translated (RFC 2765)
_COMPAT_V6 = IPv6Network("::/96")  # deprecated IPv4-compatible (also :: and ::1)


def parse_ipv4_loose(host: str) -> IPv4Address | None:
    """An IPv4 address in any spelling `inet_aton` (and browsers) accept, else None.

    Handles dotted quads, a single 32-bit number (2130706433), hex (0x7f000001, 0x7f.1),
    octal (0177.0.0.1) and short forms (127.1, 10.1.1), with one optional trailing dot.
    Unlike glibc's `inet_aton` it accepts nothing after the number (no "127.0.0.1 junk").
    """
    if host.endswith("."):
        host = host[:-1]
    parts = host.split(".")
    if not 1 <= len(parts) <= 4:
        return None
    numbers: list[int] = []
    for part in parts:
        if not part or not part.isascii():
            return None
        if part[:2].lower() == "0x":
            digits, base = part[2:], 16
        elif len(part) > 1 and part[0] == "0":
            digits, base = part[1:], 8
        else:
            digits, base = part, 10
        if digits == "":
            numbers.append(0)  # "0x" alone is 0, as in the WHATWG URL parser
            continue
        if not digits.isalnum():  # int() would tolerate "_", "+" and spaces; we do not
            return None
        try:
            numbers.append(int(digits, base))
        except ValueError:
            return None
    *head, last = numbers
    if any(n > 255 for n in head) or last >= 256 ** (4 - len(head)):
        return None
    value = last
    for i, n in enumerate(head):
        value += n << (8 * (3 - i))
    return IPv4Address(value)


def normalise_host(host: str) -> str:
    """A host as written in a URL, in the form used for comparisons.

    Lower-cased, brackets of an IPv6 literal removed, one trailing dot removed, non-ASCII
    names IDNA-encoded (`bücher.de` -> `xn--bcher-kva.de`).
    """
    h = host.strip().lower()
    if h.startswith("[") and h.endswith("]"):
        h = h[1:-1]
    if h.endswith(".") and not h.endswith(".."):
        h = h[:-1]
    if not h.isascii():
        with contextlib.suppress(UnicodeError):
            h = h.encode("idna").decode("ascii")
    return h


def parse_ip_host(host: str) -> IPAddress | None:
    """The address a URL host denotes when it is an IP literal in any spelling, else None."""
    h = normalise_host(host)
    if ":" in h:
        try:
            return IPv6Address(h.split("%", 1)[0])
        except ValueError:
            return None
    return parse_ipv4_loose(h)


def embedded_ipv4(ip: IPv6Address) -> IPv4Address | None:
    """The IPv4 address an IPv6 address stands for (mapped, compatible, NAT64, 6to4), if any."""
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip in _COMPAT_V6 or ip in _SIIT_V6 or ip in _NAT64_V6:
        return IPv4Address(int(ip) & 0xFFFFFFFF)
    if ip.sixtofour is not None:
        return ip.sixtofour
    return None


def is_blocked_ip(ip: IPAddress | str) -> bool:
    """True when a URL from content must not reach `ip`.

    Blocked: loopback, private (10/8, 172.16/12, 192.168/16, fc00::/7), shared 100.64/10,
    link-local (169.254/16, fe80::/10), multicast, unspecified, broadcast, documentation and
    reserved ranges, and any IPv6 address embedding a blocked IPv4 (IPv4-mapped/compatible,
    NAT64 64:ff9b::/96, 6to4 2002::/16). IPv6 is allowed only inside global unicast 2000::/3.
    """
    if isinstance(ip, str):
        ip = ip_address(ip.split("%", 1)[0])
    if isinstance(ip, IPv4Address):
        return not ip.is_global or any(ip in net for net in _BLOCKED_V4)
    inner = embedded_ipv4(ip)
    if inner is not None:
        return is_blocked_ip(inner)
    return not (ip in _GLOBAL_UNICAST_V6 and ip.is_global and not ip.is_multicast)


def split_host_port(entry: str) -> tuple[str, int | None]:
    """`host`, `host:port`, `[v6]`, `[v6]:port` or a bare IPv6 literal -> (host, port).

    The host is normalised (`normalise_host`); ValueError for a malformed entry."""
    entry = entry.strip()
    if entry.startswith("["):
        close = entry.find("]")
        if close < 0:
            raise ValueError(f"unbalanced '[' in {entry!r}")
        host, rest = entry[1:close], entry[close + 1 :]
        if not rest:
            return normalise_host(host), None
        if not rest.startswith(":"):
            raise ValueError(f"unexpected text after ']' in {entry!r}")
        return normalise_host(host), _port(rest[1:], entry)
    if entry.count(":") == 1:
        host, port = entry.split(":")
        return normalise_host(host), _port(port, entry)
    return normalise_host(entry), None  # a name, or an IPv6 literal without brackets


def _port(text: str, entry: str) -> int:
    if not text.isdigit() or not 0 < int(text) < 65536:
        raise ValueError(f"bad port in {entry!r}")
    return int(text)


def host_allowed(host: str, port: int | None, allow: Iterable[str]) -> bool:
    """True when `host` (as written in the URL) and `port` match an `allow_private_hosts` entry.

    Matching is textual and case-insensitive on the host as written (`127.0.0.1` does not
    match a URL written `2130706433`); an entry without a port matches every port; `port` is
    the URL's effective port (explicit, or 80/443 by scheme).
    """
    h = normalise_host(host)
    for entry in allow:
        try:
            ah, ap = split_host_port(entry)
        except ValueError:
            continue
        if ah == h and (ap is None or ap == port):
            return True
    return False
