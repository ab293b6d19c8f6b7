"""The transferer image uploads a pod's log as uid 1000: to a mounted folder, to moto's S3."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.containers.conftest import UID, Images, owned_by_uid
from tests.support.emulators import AWS_TEST_ENV, s3_client, unique_bucket
from tests.transferer.support import LOG_310, write_log

pytestmark = pytest.mark.containers


@pytest.fixture
def results_and_bucket(tmp_path: Path) -> Iterator[tuple[Path, Path]]:
    results, bucket = tmp_path / "results", tmp_path / "bucket"
    results.mkdir()
    bucket.mkdir()
    write_log(results)
    (results / "COMPLETED").touch()
    owned_by_uid(results, bucket)
    yield results, bucket


def test_the_transferer_uploads_to_a_mounted_folder_as_uid_1000(
    images: Images, results_and_bucket: tuple[Path, Path]
) -> None:
    results, bucket = results_and_bucket
    result = images.run(
        "transferer",
        "--destination",
        "file:///bucket/run1",
        "--name",
        "pod-0",
        "--shard",
        "--timeout",
        "30",
        options=(
            "--network",
            "none",
            "-v",
            f"{results}:/opt/gatling/results",
            "-v",
            f"{bucket}:/bucket",
        ),
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0] == "file:///bucket/run1/pod-0.log"
    uploaded = bucket / "run1" / "pod-0.log"
    assert uploaded.read_text() == LOG_310
    assert uploaded.stat().st_uid == UID
    assert (bucket / "run1" / "pod-0.stats").stat().st_size > 0


def test_the_transferer_uploads_to_the_moto_s3_server(
    images: Images, results_and_bucket: tuple[Path, Path], s3_server: str
) -> None:
    results, _ = results_and_bucket
    name = unique_bucket("img")
    s3_client(s3_server).create_bucket(Bucket=name)  # type: ignore[attr-defined]
    env = [f"--env={key}={value}" for key, value in AWS_TEST_ENV.items()]
    result = images.run(
        "transferer",
        "--destination",
        f"s3://{name}/run1",
        "--endpoint-url",
        s3_server,
        "--name",
        f"pod-{uuid.uuid4().hex[:6]}",
        "--timeout",
        "30",
        options=("--network", "host", *env, "-v", f"{results}:/opt/gatling/results"),
    )
    assert result.returncode == 0, result.stderr
    key = result.stdout.splitlines()[0].removeprefix(f"s3://{name}/")
    body = s3_client(s3_server).get_object(Bucket=name, Key=key)["Body"].read()  # type: ignore[attr-defined]
    assert body.decode() == LOG_310
