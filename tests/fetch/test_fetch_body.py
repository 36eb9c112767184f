"""Bounded incremental decoding of Content-Encoding."""

from __future__ import annotations

import gzip
import tracemalloc
import zlib

import brotli
import pytest

from riverbed.fetch.body import BadEncoding, BodyDecoder, BodyTooLarge

DOC = b"<rss><channel><title>riverbed</title></channel></rss>\n" * 500

ENCODED = {
    "gzip": gzip.compress(DOC),
    "x-gzip": gzip.compress(DOC),
    "deflate": zlib.compress(DOC),
    "br": brotli.compress(DOC),
    "identity": DOC,
    "": DOC,
    "GZIP": gzip.compress(DOC),
    "deflate, gzip": gzip.compress(zlib.compress(DOC)),
}


def decode(coding: str | None, data: bytes, limit: int = 10 << 20, step: int = 0) -> bytes:
    decoder = BodyDecoder(coding, limit)
    step = step or len(data) or 1
    for i in range(0, len(data), step):
        decoder.feed(data[i : i + step])
    return decoder.finish()


@pytest.mark.parametrize("coding", sorted(ENCODED))
@pytest.mark.parametrize("step", [0, 1, 7, 4096])
def test_decodes_in_any_chunking(coding: str, step: int) -> None:
    assert decode(coding, ENCODED[coding], step=step) == DOC


def test_raw_deflate_without_zlib_header() -> None:
    raw = zlib.compress(DOC, wbits=-zlib.MAX_WBITS)
    assert decode("deflate", raw, step=1) == DOC


def test_multi_member_gzip() -> None:
    data = gzip.compress(b"first ") + gzip.compress(b"second")
    assert decode("gzip", data, step=3) == b"first second"


def test_trailing_zero_padding_after_gzip_is_ignored() -> None:
    assert decode("gzip", gzip.compress(b"x") + b"\0" * 10) == b"x"


def test_exactly_at_the_cap_is_fine_one_more_byte_is_not() -> None:
    assert decode("gzip", gzip.compress(b"a" * 1000), limit=1000) == b"a" * 1000
    with pytest.raises(BodyTooLarge, match="decoded"):
        decode("gzip", gzip.compress(b"a" * 1001), limit=1000)


def test_raw_bytes_over_the_cap() -> None:
    with pytest.raises(BodyTooLarge, match="wire"):
        decode(None, b"b" * 1001, limit=1000, step=100)


@pytest.mark.parametrize("coding", ["gzip", "deflate", "br"])
def test_corrupt_data_is_bad_encoding(coding: str) -> None:
    with pytest.raises(BadEncoding, match="corrupt"):
        decode(coding, b"\x1f\x8b\x08\x00this is not compressed at all" * 10)


def test_unknown_coding_is_bad_encoding() -> None:
    with pytest.raises(BadEncoding, match="unsupported"):
        BodyDecoder("zstd", 100)


@pytest.mark.parametrize("coding", ["gzip", "br"])
def test_bomb_stops_at_cap_with_bounded_memory(coding: str) -> None:
    zeros = bytes(1 << 20)
    if coding == "gzip":
        c = zlib.compressobj(9, zlib.DEFLATED, 31)
        bomb = b"".join([*(c.compress(zeros) for _ in range(256)), c.flush()])  # 256 MB
    else:
        bomb = brotli.compress(zeros * 64, quality=1)  # 64 MB
    cap = 2 << 20
    tracemalloc.start()
    try:
        with pytest.raises(BodyTooLarge):
            decode(coding, bomb, limit=cap, step=65536)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < cap + (8 << 20)
