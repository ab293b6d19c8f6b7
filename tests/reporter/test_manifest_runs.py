"""A run location holds only that run (issue 13, case 1): transfer re-runs into one location.

Real console scripts (transferer, then reporter) against each storage backend's emulator: the
earlier run's objects that the re-run's pods did not write are never merged, and each one left
out is named.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from gatling_common.results.generators.generate import RunSpec, write_text_log
from gatling_common.storage import open_storage

from tests.support import emulators
from tests.support.emulators import Target
from tests.transferer.support import TRANSFERER

from .test_agent_e2e import BIN, run, storage_args

EARLIER, RERUN = 700, 300  # requests per log: the two runs' totals can never be confused


def transfer(
    target: Target,
    tmp_path: Path,
    pod: str,
    *,
    logs: int = 1,
    requests: int,
    run_id: str | None = None,
    seed: int = 1,
) -> subprocess.CompletedProcess[str]:
    """One pod of one run: `logs` generated simulation.log files, then the real transferer."""
    results = tmp_path / f"{pod}-{run_id}-{seed}" / "results"
    for i in range(logs):
        spec = RunSpec(requests=requests, seed=seed + i, duration_s=60)
        (results / f"sim-{i}").mkdir(parents=True)
        write_text_log(results / f"sim-{i}" / "simulation.log", spec)
    (results / "COMPLETED").touch()
    extra = ["--run-id", run_id] if run_id else []
    done = run(
        str(TRANSFERER),
        "--results-dir", str(results),
        "--destination", target.url,
        "--name", pod,
        "--timeout", "60",
        "--settle", "0",
        *extra,
        *storage_args(target),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return done


def report(target: Target, tmp_path: Path) -> tuple[subprocess.CompletedProcess[str], dict]:
    destination = f"{target.url}/report"
    done = run(
        str(BIN / "gatling-reporter"), "report",
        "--source", target.url,
        "--destination", destination,
        *storage_args(target),
    )  # fmt: skip
    summary: dict = {}
    if done.returncode == 0:
        store = open_storage(destination, target.settings)
        store.download_file("summary.json", tmp_path / "summary.json")
        summary = json.loads((tmp_path / "summary.json").read_text())
    return done, summary


def total(summary: dict) -> int:
    return int(summary["global"]["numberOfRequests"]["total"])


def warnings(stderr: str) -> list[str]:
    """The reporter's input warnings, without time stamps."""
    marker = " WARNING gatling_reporter.agent: "
    return [line.split(marker, 1)[1] for line in stderr.splitlines() if marker in line]


@pytest.fixture(params=list(emulators.BACKEND_FIXTURES))
def target(request: pytest.FixtureRequest) -> Target:
    found: Target = request.getfixturevalue(emulators.BACKEND_FIXTURES[request.param])
    return found


def test_a_rerun_with_fewer_pods_reports_only_its_own_requests(
    target: Target, tmp_path: Path
) -> None:
    """The issue's case: 3 pods (the first with a second log), then 2 pods, one location."""
    transfer(target, tmp_path, "runner-0", logs=2, requests=EARLIER, run_id="run-1", seed=10)
    transfer(target, tmp_path, "runner-1", requests=EARLIER, run_id="run-1", seed=20)
    transfer(target, tmp_path, "runner-2", requests=EARLIER, run_id="run-1", seed=30)
    transfer(target, tmp_path, "runner-0", requests=RERUN, run_id="run-2", seed=40)
    transfer(target, tmp_path, "runner-1", requests=RERUN, run_id="run-2", seed=50)

    done, summary = report(target, tmp_path)

    assert done.returncode == 0, done.stderr
    assert total(summary) == 2 * RERUN
    assert [Path(i["path"]).name for i in summary["inputs"]] == ["runner-0.log", "runner-1.log"]
    names = {o.name for o in open_storage(target.url, target.settings).list()}
    # The re-run of runner-0 deleted the second log its earlier transfer had listed.
    assert "runner-0-2.log" not in names
    assert {"runner-2.log", "runner-2.manifest.json"} <= names  # another pod: not ours to delete
    assert warnings(done.stderr) == [
        f"left out pod runner-2: {target.url}/runner-2.manifest.json is of run 'run-1', "
        "not of the newest run 'run-2'",
        f"left out {target.url}/runner-2.log: listed in no manifest of this run (an "
        "earlier run's, or not written by a transferer)",
    ]


def test_a_rerun_of_one_pod_without_run_ids_replaces_its_objects(
    local_bucket: Target, tmp_path: Path
) -> None:
    """`pod-0-2.log` of the earlier run stays out, also when nobody names the runs."""
    transfer(local_bucket, tmp_path, "pod-0", logs=2, requests=EARLIER, seed=1)
    transfer(local_bucket, tmp_path, "pod-0", requests=RERUN, seed=5)

    done, summary = report(local_bucket, tmp_path)

    assert done.returncode == 0, done.stderr
    assert total(summary) == RERUN
    assert warnings(done.stderr) == []
    names = {o.name for o in open_storage(local_bucket.url, local_bucket.settings).list()}
    assert not {n for n in names if n.startswith("pod-0-2")}


def test_a_log_placed_by_hand_beside_the_manifests_is_left_out_by_name(
    s3_bucket: Target, tmp_path: Path
) -> None:
    transfer(s3_bucket, tmp_path, "runner-0", requests=RERUN, seed=1)
    stray = tmp_path / "stray.log"
    write_text_log(stray, RunSpec(requests=EARLIER, seed=9, duration_s=60))
    store = open_storage(s3_bucket.url, s3_bucket.settings)
    store.upload_file(stray, "extra/runner-9.log")

    done, summary = report(s3_bucket, tmp_path)

    assert done.returncode == 0, done.stderr
    assert total(summary) == RERUN
    assert warnings(done.stderr) == [
        f"left out {s3_bucket.url}/extra/runner-9.log: listed in no manifest of this "
        "run (an earlier run's, or not written by a transferer)"
    ]


def test_a_location_without_manifests_is_merged_as_found_with_a_warning(
    gcs_bucket: Target, tmp_path: Path
) -> None:
    """Older transferers wrote no manifest: such a location is still reported, as before."""
    store = open_storage(gcs_bucket.url, gcs_bucket.settings)
    for i, pod in enumerate(("pod-a", "pod-b")):
        log = tmp_path / f"{pod}.log"
        write_text_log(log, RunSpec(requests=RERUN, seed=i + 1, duration_s=60))
        store.upload_file(log, f"{pod}.log", metadata={"status": "COMPLETED"})

    done, summary = report(gcs_bucket, tmp_path)

    assert done.returncode == 0, done.stderr
    assert total(summary) == 2 * RERUN
    [warning] = warnings(done.stderr)
    assert warning.startswith(
        f"{gcs_bucket.url} has no transfer manifests (*.manifest.json): merging every log and "
        "shard there as found"
    )


def test_an_object_replaced_after_its_transfer_is_never_merged(
    azure_container: Target, tmp_path: Path
) -> None:
    transfer(azure_container, tmp_path, "runner-0", requests=RERUN, seed=1)
    transfer(azure_container, tmp_path, "runner-1", requests=RERUN, seed=2)
    store = open_storage(azure_container.url, azure_container.settings)
    store.download_file("runner-1.log", tmp_path / "original.log")
    original = (tmp_path / "original.log").read_bytes()
    # Other bytes of the same size: only the manifest's SHA-256 tells them apart.
    (tmp_path / "same-size.log").write_bytes(original.replace(b"\tOK\t", b"\tKO\t", 1))
    store.upload_file(tmp_path / "same-size.log", "runner-1.log")

    done, _ = report(azure_container, tmp_path)

    assert done.returncode == 2
    assert done.stderr.strip().splitlines()[-1] == (
        f"error: {azure_container.url}/runner-1.log: its content is not what its pod's manifest "
        "lists (SHA-256 differs): replaced after the transfer; re-run the transfer of that pod"
    )

    # Replaced by one of another size: left out, named; the other pod is still reported.
    (tmp_path / "shorter.log").write_bytes(original[: len(original) // 2])
    store.upload_file(tmp_path / "shorter.log", "runner-1.log")

    done, summary = report(azure_container, tmp_path)

    assert done.returncode == 0, done.stderr
    assert total(summary) == RERUN
    assert warnings(done.stderr) == [
        f"left out {azure_container.url}/runner-1.log: {len(original) // 2} bytes, its "
        f"manifest lists {len(original)} (replaced after its transfer)"
    ]
