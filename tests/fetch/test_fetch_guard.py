"""The address guard as pure functions over literal addresses: nothing here touches a socket."""

from __future__ import annotations

from ipaddress import IPv4Address, IPv6Address

import pytest

from riverbed.fetch.guard import (
    host_allowed,
    is_blocked_ip,
    normalise_host,
    parse_ip_host,
    parse_ipv4_loose,
    split_host_port,
)

BLOCKED = [
    # loopback
    "127.0.0.1",
    "127.255.255.254",
    "::1",
    # private
    "10.0.0.1",
    "172.16.0.1",
    "172.31.255.255",
    "192.168.1.1",
    "fd00::1",
    "fc00::1",
    # shared / CGNAT, including the Alibaba metadata address
    "100.64.0.1",
    "100.100.100.200",
    "100.127.255.255",
    # link-local, including the AWS/GCP/Azure metadata address
    "169.254.169.254",
    "169.254.0.1",
    "fe80::1",
    "fe80::1%2",
    # multicast
    "224.0.0.1",
    "239.255.255.250",
    "ff02::1",
    "ff0e::1",
    # unspecified, broadcast, reserved, documentation, benchmarking
    "0.0.0.0",
    "0.1.2.3",
    "255.255.255.255",
    "240.0.0.1",
    "192.0.2.1",
    "198.51.100.7",
    "203.0.113.9",
    "198.18.0.1",
    "192.0.0.8",
    "::",
    "2001:db8::1",
    "100::1",
    "fec0::1",
    # IPv6 forms embedding a blocked IPv4
    "::ffff:127.0.0.1",
    "::ffff:169.254.169.254",
    "::ffff:10.0.0.1",
    "::127.0.0.1",
    "::ffff:0:127.0.0.1",
    "64:ff9b::a9fe:a9fe",  # NAT64 of 169.254.169.254
    "64:ff9b::7f00:1",  # NAT64 of 127.0.0.1
    "64:ff9b::a00:1",  # NAT64 of 10.0.0.1
    "2002:a9fe:a9fe::",  # 6to4 of 169.254.169.254
    "2002:7f00:1::1",  # 6to4 of 127.0.0.1
    "2002:c0a8:101::",  # 6to4 of 192.168.1.1
    "64:ff9b:1::1",  # local-use NAT64 prefix
    "2001::1",  # Teredo
]

ALLOWED = [
    "8.8.8.8",
    "1.1.1.1",
    "93.184.215.14",
    "100.63.255.255",  # just below 100.64/10
    "100.128.0.1",  # just above
    "172.15.255.255",
    "172.32.0.1",
    "169.253.255.255",
    "223.255.255.255",
    "2606:4700::1",
    "2001:4860:4860::8888",
    "2a00:1450:4001::1",
    "::ffff:8.8.8.8",
    "64:ff9b::808:808",  # NAT64 of 8.8.8.8
    "2002:808:808::1",  # 6to4 of 8.8.8.8
]


@pytest.mark.parametrize("address", BLOCKED)
def test_blocked_addresses(address: str) -> None:
    assert is_blocked_ip(address)


@pytest.mark.parametrize("address", ALLOWED)
def test_public_addresses_allowed(address: str) -> None:
    assert not is_blocked_ip(address)


def test_accepts_address_objects() -> None:
    assert is_blocked_ip(IPv4Address("169.254.169.254"))
    assert not is_blocked_ip(IPv6Address("2606:4700::1"))


@pytest.mark.parametrize(
    ("spelling", "address"),
    [
        ("127.0.0.1", "127.0.0.1"),
        ("2130706433", "127.0.0.1"),
        ("0x7f000001", "127.0.0.1"),
        ("0X7F000001", "127.0.0.1"),
        ("127.1", "127.0.0.1"),
        ("127.0.1", "127.0.0.1"),
        ("0177.0.0.1", "127.0.0.1"),
        ("0x7f.0.0.1", "127.0.0.1"),
        ("0x7f.1", "127.0.0.1"),
        ("017700000001", "127.0.0.1"),
        ("127.0.0.1.", "127.0.0.1"),
        ("2852039166", "169.254.169.254"),
        ("0xa9fea9fe", "169.254.169.254"),
        ("0251.0376.0251.0376", "169.254.169.254"),
        ("169.254.43518", "169.254.169.254"),
        ("0", "0.0.0.0"),
        ("10.1", "10.0.0.1"),
    ],
)
def test_loose_ipv4_spellings(spelling: str, address: str) -> None:
    assert parse_ipv4_loose(spelling) == IPv4Address(address)
    assert is_blocked_ip(IPv4Address(address))


@pytest.mark.parametrize(
    "text",
    [
        "example.com",
        "127.0.0.1.example.com",
        "256.0.0.1",
        "1.2.3.4.5",
        "4294967296",
        "127.0.0.1 junk",
        "1_0.0.0.1",
        "+1.0.0.1",
        "08.0.0.1",  # not octal
        "0x1g",
        "",
        "1..1",
        "١٢٧.0.0.1",  # non-ASCII digits
    ],
)
def test_not_ipv4(text: str) -> None:
    assert parse_ipv4_loose(text) is None


@pytest.mark.parametrize(
    ("host", "address"),
    [
        ("[::1]", "::1"),
        ("::1", "::1"),
        ("[::ffff:7f00:1]", "::ffff:127.0.0.1"),
        ("0x7f000001", "127.0.0.1"),
        ("LOCALHOST", None),
        ("example.com", None),
        ("[not-an-ip]", None),
    ],
)
def test_parse_ip_host(host: str, address: str | None) -> None:
    parsed = parse_ip_host(host)
    assert (str(parsed) if parsed else None) == (
        str(IPv6Address(address) if ":" in address else IPv4Address(address)) if address else None
    )


@pytest.mark.parametrize(
    ("host", "normal"),
    [
        ("Example.COM", "example.com"),
        ("example.com.", "example.com"),
        ("[::1]", "::1"),
        ("bücher.de", "xn--bcher-kva.de"),
        ("LOCALHOST", "localhost"),
    ],
)
def test_normalise_host(host: str, normal: str) -> None:
    assert normalise_host(host) == normal


@pytest.mark.parametrize(
    ("entry", "parsed"),
    [
        ("example.com", ("example.com", None)),
        ("Example.com:8080", ("example.com", 8080)),
        ("[::1]:8443", ("::1", 8443)),
        ("[::1]", ("::1", None)),
        ("::1", ("::1", None)),
        ("127.0.0.1:80", ("127.0.0.1", 80)),
    ],
)
def test_split_host_port(entry: str, parsed: tuple[str, int | None]) -> None:
    assert split_host_port(entry) == parsed


@pytest.mark.parametrize("entry", ["host:", "host:port", "host:70000", "[::1", "[::1]x"])
def test_split_host_port_rejects(entry: str) -> None:
    with pytest.raises(ValueError, match="in"):
        split_host_port(entry)


@pytest.mark.parametrize(
    ("host", "port", "allow", "allowed"),
    [
        ("127.0.0.1", 8080, ["127.0.0.1:8080"], True),
        ("127.0.0.1", 8081, ["127.0.0.1:8080"], False),
        ("127.0.0.1", 8081, ["127.0.0.1"], True),  # no port: every port
        ("INTRANET.local", 80, ["intranet.LOCAL"], True),  # case-insensitive
        ("intranet.local", 443, ["intranet.local:443"], True),
        ("2130706433", 80, ["127.0.0.1"], False),  # matched as written, not as resolved
        ("2130706433", 80, ["2130706433:80"], True),
        ("::1", 8080, ["[::1]:8080"], True),
        ("sub.intranet.local", 80, ["intranet.local"], False),  # no suffix matching
        ("intranet.local", 80, ["garbage:", "intranet.local"], True),  # bad entries skipped
        ("intranet.local", 80, [], False),
    ],
)
def test_host_allowed(host: str, port: int, allow: list[str], allowed: bool) -> None:
    assert host_allowed(host, port, allow) is allowed
