"""What is really stored under an S3 prefix, read straight from the server: every object must
decode in full (Parquet with every row group, JSON, a zstd raw blob matching its sha256) and
no multipart upload may be pending. Shared by the storage-fault tests and
scripts/storage_faults.py."""

from __future__ import annotations

import hashlib
import json
import struct
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq


def direct_fs(endpoint: str) -> Any:
    """An s3fs client to `endpoint` itself (past any proxy), with no cached instance."""
    import s3fs

    return s3fs.S3FileSystem(skip_instance_cache=True, endpoint_url=endpoint)


def _problem(key: str, data: bytes) -> str | None:
    try:
        if key.endswith(".parquet"):
            pq.read_table(pa.BufferReader(data))
        elif key.endswith(".json"):
            json.loads(data)
        elif key.endswith(".zst"):
            (size,) = struct.unpack_from(">Q", data)
            body = pa.decompress(data[8:], decompressed_size=size, codec="zstd", asbytes=True)
            if hashlib.sha256(body).hexdigest() != key.rsplit("/", 1)[1].removesuffix(".zst"):
                return f"{key}: content does not match its sha256"
    except Exception as exc:  # any failure to decode is the finding
        return f"{key}: {type(exc).__name__}: {exc}"
    return None


def pending_uploads(fs: Any, bucket: str, prefix: str) -> list[tuple[str, int]]:
    """(key, parts stored) of every multipart upload under `prefix` not completed nor aborted."""
    uploads = fs.call_s3("list_multipart_uploads", Bucket=bucket, Prefix=prefix)
    out = []
    for upload in uploads.get("Uploads", []):
        parts = fs.call_s3(
            "list_parts", Bucket=bucket, Key=upload["Key"], UploadId=upload["UploadId"]
        )
        out.append((upload["Key"], len(parts.get("Parts", []))))
    return out


def stored_problems(fs: Any, bucket: str, prefix: str) -> tuple[int, list[str]]:
    """(objects checked, problems): corrupt objects and pending multipart uploads."""
    keys = fs.find(f"{bucket}/{prefix}")
    problems = [p for key in keys if (p := _problem(key, fs.cat_file(key))) is not None]
    problems += [
        f"pending multipart upload of {key} ({parts} parts)"
        for key, parts in pending_uploads(fs, bucket, prefix)
    ]
    return len(keys), problems
