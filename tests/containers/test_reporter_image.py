"""The reporter image builds reports as uid 1000: a run's shards or logs from moto's S3 into a
published report, and a generated binary log (read-only mount) into a report folder."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from gatling_common.results.generators.generate import RunSpec, write_binary_log

from tests.containers.conftest import Images, owned_by_uid
from tests.reporter.test_agent_e2e import PODS, REQUESTS, transfer_three_pods
from tests.support.emulators import AWS_TEST_ENV, Target, s3_client

pytestmark = pytest.mark.containers

HOST_REPORTER = Path(sys.executable).parent / "gatling-reporter"


def _statistics(console: str) -> list[str]:
    """The console summary down to its Inputs section (which names paths)."""
    lines = console.splitlines()
    end = next(i for i, line in enumerate(lines) if line.startswith("---- Inputs"))
    assert any(line.startswith("> request count") for line in lines[:end]), console
    return lines[:end]


@pytest.mark.parametrize("shard", [True, False], ids=["shards", "logs"])
def test_the_reporter_publishes_a_run_from_moto_s3(
    images: Images, s3_bucket: Target, tmp_path: Path, shard: bool
) -> None:
    transfer_three_pods(s3_bucket, tmp_path, shard=shard)  # the host's transferer, as pods do
    endpoint = s3_bucket.settings.endpoint_url or ""
    env = [f"--env={key}={value}" for key, value in AWS_TEST_ENV.items()]
    result = images.run(
        "reporter",
        "report",
        "--source", s3_bucket.url,
        "--destination", f"{s3_bucket.url}/report",
        "--endpoint-url", endpoint,
        "--storage-attempts", "5",
        "--assert", f"global.count == {3 * REQUESTS}",
        options=("--network", "host", *env),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    kind = "shards" if shard else "logs"
    assert f"fetch: 3 {kind}" in result.stderr
    assert result.stdout.splitlines()[-1].endswith("/run1/report/index.html")
    s3 = s3_client(endpoint)
    prefix = s3_bucket.url.removeprefix(f"s3://{s3_bucket.bucket}/") + "/report/"
    listed = s3.list_objects_v2(Bucket=s3_bucket.bucket, Prefix=prefix)  # type: ignore[attr-defined]
    names = {o["Key"].removeprefix(prefix) for o in listed["Contents"]}
    assert {"index.html", "js/stats.json", "summary.json"} <= names
    assert [n for n in names if n.startswith("_builds/") and n.endswith("/js/echarts.min.js")]
    body = s3.get_object(Bucket=s3_bucket.bucket, Key=prefix + "summary.json")["Body"].read()  # type: ignore[attr-defined]
    summary = json.loads(body)
    assert summary["global"]["numberOfRequests"]["total"] == 3 * REQUESTS
    assert [Path(i["path"]).name.split(".")[0] for i in summary["inputs"]] == list(PODS)
    assert [i["status"] for i in summary["inputs"]] == ["COMPLETED", "COMPLETED", "FAILED"]


def test_the_reporter_builds_a_binary_log_as_the_host_does(images: Images, tmp_path: Path) -> None:
    """Same statistics from the image as from the host's install (numba and all)."""
    logs, out = tmp_path / "logs", tmp_path / "out"
    logs.mkdir()
    out.mkdir()
    write_binary_log(logs / "simulation.log", RunSpec(requests=5000, seed=7))
    logs.chmod(0o755)
    (logs / "simulation.log").chmod(0o644)
    owned_by_uid(out)
    result = images.run(
        "reporter",
        "build",
        "/logs",
        "-o",
        "/out/report",
        options=("--network", "none", "-v", f"{logs}:/logs:ro", "-v", f"{out}:/out"),
    )
    assert result.returncode == 0, result.stderr
    host = subprocess.run(
        [str(HOST_REPORTER), "build", str(logs), "-o", str(tmp_path / "host")],
        capture_output=True,
        text=True,
        check=False,
        timeout=240,
    )
    assert host.returncode == 0, host.stderr
    # The statistics are the same; the inputs' paths and the report's differ.
    assert _statistics(result.stdout) == _statistics(host.stdout)
    assert "/logs/simulation.log (Gatling 3.13.4, binary-3.13, UNKNOWN)" in result.stdout
    assert result.stdout.splitlines()[-1] == "Report: /out/report/index.html"
    index = out / "report" / "index.html"
    assert index.stat().st_size > 0
    assert (out / "report" / "js" / "echarts.min.js").stat().st_size > 100_000
    container_stats = json.loads((out / "report" / "js" / "global_stats.json").read_text())
    host_stats = json.loads((tmp_path / "host" / "js" / "global_stats.json").read_text())
    assert container_stats == host_stats
    assert container_stats["numberOfRequests"]["total"] == 5000
