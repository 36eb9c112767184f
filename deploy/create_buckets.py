"""Create the S3 buckets a deployment needs, if missing: the lake's (`RIVERBED_LAKE`,
`s3://bucket/prefix`) and the compute logs' (`DAGSTER_COMPUTE_LOG_BUCKET`).

Run once before the other services (the `s3-init` service of deploy/docker-compose.yaml).
Endpoint, region and keys are the standard AWS variables plus `AWS_ENDPOINT_URL`. Running it
again changes nothing. Exits 1, naming the bucket and the S3 error code, when a bucket cannot
be created; credentials never appear in the output.
"""

from __future__ import annotations

import os
import sys
from urllib.parse import urlparse


def wanted_buckets(env: dict[str, str] | os._Environ[str] = os.environ) -> list[str]:
    buckets: list[str] = []
    lake = urlparse(env.get("RIVERBED_LAKE", ""))
    if lake.scheme == "s3" and lake.netloc:
        buckets.append(lake.netloc)
    logs = env.get("DAGSTER_COMPUTE_LOG_BUCKET", "")
    if logs and logs not in buckets:
        buckets.append(logs)
    return buckets


def main() -> int:
    import boto3
    from botocore.exceptions import ClientError

    s3 = boto3.client("s3")
    for bucket in wanted_buckets():
        try:
            s3.head_bucket(Bucket=bucket)
            print(f"bucket {bucket}: exists")
            continue
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") not in ("404", "NoSuchBucket"):
                print(
                    f"bucket {bucket}: {exc.response.get('Error', {}).get('Code')}", file=sys.stderr
                )
                return 1
        region = s3.meta.region_name
        extra = (
            {"CreateBucketConfiguration": {"LocationConstraint": region}}
            if region and region != "us-east-1"  # AWS: us-east-1 takes no constraint
            else {}
        )
        try:
            s3.create_bucket(Bucket=bucket, **extra)
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code")
            if code not in ("BucketAlreadyOwnedByYou", "BucketAlreadyExists"):
                print(f"bucket {bucket}: {code}", file=sys.stderr)
                return 1
        print(f"bucket {bucket}: created")
    return 0


if __name__ == "__main__":
    sys.exit(main())
