"""An interrupted multipart upload is aborted, even when aborting failed at first (issue 13,
case 9): parts left in a bucket are billed and invisible to `ls`."""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

import boto3
import pytest
from gatling_common.retry import RetryPolicy
from gatling_common.storage import open_storage

from tests.support.emulators import Target
from tests.support.faultproxy import Fault, FaultProxy

BIG = 11 * 1024 * 1024  # three parts of the 5 MiB test chunk size


def _pending_uploads(target: Target) -> list[str]:
    s = target.settings
    client = boto3.client(
        "s3",
        endpoint_url=s.endpoint_url,
        region_name=s.region or "us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    bucket = target.url.removeprefix("s3://").split("/", 1)[0]
    found = client.list_multipart_uploads(Bucket=bucket).get("Uploads", [])
    return [str(u["Key"]) for u in found]


@pytest.mark.parametrize("faults", ["parts-and-abort", "parts"])
def test_no_multipart_upload_is_left_after_a_retried_upload(
    s3_bucket: Target, tmp_path: Path, faults: str
) -> None:
    big = tmp_path / "big.log"
    big.write_bytes(os.urandom(BIG))
    methods = {"PUT", "DELETE"} if faults == "parts-and-abort" else {"PUT"}
    proxy = FaultProxy(
        s3_bucket.settings.endpoint_url or "", [Fault.reset(times=8)], methods=methods
    ).start()
    try:
        settings = replace(
            s3_bucket.settings,
            endpoint_url=proxy.url,
            retry=RetryPolicy(attempts=6, base_delay=0.01, max_delay=0.05),
        )
        info = open_storage(s3_bucket.url, settings).upload_file(big, "big.log")
    finally:
        proxy.stop()
    assert info.size == BIG
    assert proxy.injected == 8
    assert _pending_uploads(s3_bucket) == []
