"""`gatling-reporter report` end to end: three pods' transferers upload, the reporter publishes.

Real console scripts (transferer and reporter) against each storage backend's emulator.
"""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest
from gatling_common.results.generators.generate import RunSpec, write_text_log
from gatling_common.storage import open_storage

from tests.support import emulators
from tests.support.emulators import Target, s3_client

BIN = Path(sys.executable).parent
PODS = ("runner-0", "runner-1", "runner-2")
REQUESTS = 3000


def storage_args(target: Target) -> list[str]:
    s = target.settings
    args = ["--storage-attempts", "5"]  # a busy CI machine slows the emulators down
    if s.endpoint_url:
        args += ["--endpoint-url", s.endpoint_url]
    if s.gcs_endpoint_url:
        args += ["--gcs-endpoint-url", s.gcs_endpoint_url]
    if s.azure_connection_string:
        args += ["--azure-connection-string", s.azure_connection_string]
    return args


def run(*command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, capture_output=True, text=True, check=False, timeout=240)


def transfer_three_pods(target: Target, tmp_path: Path, *, shard: bool) -> None:
    """Each pod: a generated Gatling 3.10 log and its marker; the real transferer uploads it."""
    for i, pod in enumerate(PODS):
        results = tmp_path / pod / "results"
        (results / "sim-1").mkdir(parents=True)
        write_text_log(results / "sim-1" / "simulation.log", RunSpec(requests=REQUESTS, seed=i + 1))
        (results / ("FAILED" if i == 2 else "COMPLETED")).touch()
        extra = ["--compress", "gzip"] if i == 1 else []
        extra += ["--shard"] if shard else []
        done = run(
            str(BIN / "gatling-transferer"),
            "--results-dir", str(results),
            "--destination", target.url,
            "--name", pod,
            "--timeout", "60",
            *extra,
            *storage_args(target),
        )  # fmt: skip
        assert done.returncode == 0, done.stderr


def make_public(target: Target) -> None:
    """What an operator does for a report bucket (fake-gcs-server serves objects publicly)."""
    if target.backend == "azure":
        from azure.storage.blob import BlobServiceClient

        connection = target.settings.azure_connection_string or ""
        container = BlobServiceClient.from_connection_string(connection).get_container_client(
            target.bucket
        )
        container.set_container_access_policy(signed_identifiers={}, public_access="blob")
        return
    if target.backend != "s3":
        return
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": "*",
                "Action": "s3:GetObject",
                "Resource": f"arn:aws:s3:::{target.bucket}/*",
            }
        ],
    }
    client = s3_client(target.settings.endpoint_url or "")
    client.put_bucket_policy(Bucket=target.bucket, Policy=json.dumps(policy))  # type: ignore[attr-defined]


@pytest.fixture(params=list(emulators.BACKEND_FIXTURES))
def target(request: pytest.FixtureRequest) -> Target:
    found: Target = request.getfixturevalue(emulators.BACKEND_FIXTURES[request.param])
    return found


@pytest.mark.parametrize("shard", [True, False], ids=["shards", "logs"])
def test_report_end_to_end(target: Target, tmp_path: Path, shard: bool):
    transfer_three_pods(target, tmp_path, shard=shard)
    destination = target.url + "/report"
    done = run(
        str(BIN / "gatling-reporter"), "report",
        "--source", target.url,
        "--destination", destination,
        "--assert", f"global.count == {3 * REQUESTS}",
        "--junit", str(tmp_path / "junit.xml"),
        *storage_args(target),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    store = open_storage(destination, target.settings)
    url = done.stdout.strip().splitlines()[-1]
    assert url == store.public_url("index.html")
    index = store.head("index.html")
    assert index.content_type == "text/html; charset=utf-8"
    names = {o.name for o in store.list()}
    (build,) = {n.split("/")[1] for n in names if n.startswith("_builds/")}
    at = f"_builds/{build}/"
    assert store.head(at + "js/echarts.min.js").content_type == "application/javascript"
    assert store.head("js/stats.json").content_type == "application/json"
    assert store.head(at + "style/report.css").content_type == "text/css"
    assert {"summary.json", "js/global_stats.json", at + "pods.html", at + "index.html"} <= names
    assert at + "js/echarts.LICENSE.txt" in names
    assert not [n for n in names if n.endswith((".log", ".log.gz", ".log.zst", ".stats"))]
    store.download_file("summary.json", tmp_path / "summary.json")
    summary = json.loads((tmp_path / "summary.json").read_text())
    inputs = summary["inputs"]
    suffix = ".stats" if shard else ".log"
    assert [Path(i["path"]).name.split(".")[0] for i in inputs] == list(PODS)
    assert [i["path"] for i in inputs] == [f"{target.url}/{pod}{suffix}" for pod in PODS] or (
        not shard and inputs[1]["path"] == f"{target.url}/{PODS[1]}.log.gz"
    )
    assert [i["status"] for i in inputs] == ["COMPLETED", "COMPLETED", "FAILED"]
    assert summary["global"]["numberOfRequests"]["total"] == 3 * REQUESTS
    assert summary["thresholds"] == [
        {"expression": f"global.count == {3 * REQUESTS}", "actual": 9000.0, "passed": True}
    ]
    kind = "shards" if shard else "logs"
    assert f"fetch: 3 {kind}" in done.stderr
    assert "publish: done" in done.stderr
    if target.backend == "local":
        assert Path(url.removeprefix("file://")).is_file()
    else:
        make_public(target)  # reports are served from a public-read bucket / container
        with urllib.request.urlopen(url, timeout=30) as response:  # the emulator, on loopback
            assert response.status == 200
            assert response.headers["Content-Type"] == "text/html; charset=utf-8"
            assert b'<script id="report-data"' in response.read()


def test_failed_threshold_still_publishes_and_exits_3(local_bucket: Target, tmp_path: Path):
    transfer_three_pods(local_bucket, tmp_path, shard=True)
    done = run(
        str(BIN / "gatling-reporter"), "report",
        "--source", local_bucket.url,
        "--assert", "global.count < 10",
    )  # fmt: skip
    assert done.returncode == 3
    store = open_storage(local_bucket.url, local_bucket.settings)
    assert done.stdout.strip().splitlines()[-1] == store.public_url("index.html")
    assert store.exists("index.html")
    assert done.stderr.strip().splitlines()[-1] == (
        "error: 1 of 1 assertions failed: global.count < 10 (actual 9000)"
    )


def test_empty_prefix_is_one_line_error(local_bucket: Target):
    Path(local_bucket.url.removeprefix("file://")).mkdir(parents=True)
    done = run(str(BIN / "gatling-reporter"), "report", "--source", local_bucket.url)
    assert done.returncode == 2
    assert done.stdout == ""
    last = done.stderr.strip().splitlines()[-1]
    assert last == (
        f"error: {local_bucket.url}: no Gatling logs or shards "
        "(*.log, *.log.gz, *.log.zst, *.stats) there (0 other objects)"
    )


def test_missing_bucket_is_one_line_error(s3_server: str):
    done = run(
        str(BIN / "gatling-reporter"), "report",
        "--source", "s3://no-such-bucket-4242/run",
        "--endpoint-url", s3_server,
        "--storage-attempts", "1",
    )  # fmt: skip
    assert done.returncode == 1
    assert done.stdout == ""
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("error: ") and "no-such-bucket-4242" in last
    assert "Traceback" not in done.stderr


def test_unreachable_storage_is_one_line_error_after_retries(aws_test_env: dict[str, str]):
    closed = emulators.free_port()  # nothing listens there
    done = run(
        str(BIN / "gatling-reporter"), "report",
        "--source", "s3://bucket/run",
        "--endpoint-url", f"http://127.0.0.1:{closed}",
        "--storage-attempts", "2",
    )  # fmt: skip
    assert done.returncode == 1
    assert done.stdout == ""
    lines = done.stderr.strip().splitlines()
    assert lines[-1].startswith("error: ") and "s3://bucket/run" in lines[-1]
    assert any("attempt 1/2 failed" in line and "will retry" in line for line in lines)
    assert "Traceback" not in done.stderr
