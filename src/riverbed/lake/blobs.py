"""Content-addressed store of raw response bodies (bronze): `raw/<sha[:2]>/<sha>.zst`."""

from __future__ import annotations

import hashlib
import struct

import pyarrow as pa
from upath import UPath

from riverbed.lake.store import Lake

_HEADER = struct.Struct(">Q")  # uncompressed length, needed by zstd block decompression


def body_sha256(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


class BlobStore:
    def __init__(self, lake: Lake) -> None:
        self.lake = lake

    def _path(self, sha: str) -> UPath:
        return self.lake.path("raw", sha[:2], f"{sha}.zst")

    def put(self, body: bytes) -> str:
        """Store `body` once; return its sha256."""
        sha = body_sha256(body)
        path = self._path(sha)
        if not self.lake.exists(path):
            packed = _HEADER.pack(len(body)) + pa.compress(body, codec="zstd", asbytes=True)
            self.lake.write_bytes(path, packed)
        return sha

    def get(self, sha: str) -> bytes | None:
        packed = self.lake.read_bytes(self._path(sha))
        if packed is None:
            return None
        (size,) = _HEADER.unpack_from(packed)
        body = pa.decompress(
            packed[_HEADER.size :], decompressed_size=size, codec="zstd", asbytes=True
        )
        if body_sha256(body) != sha:
            raise ValueError(f"raw blob {sha} is corrupt")
        return bytes(body)
