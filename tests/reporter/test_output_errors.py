"""A bad report folder or a damaged shard is one `error:` line and exit 2, not a traceback
(issue 13, case 6)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner
from gatling_common.results.generators.generate import RunSpec, write_text_log
from gatling_common.results.statistics.shard import write_shard
from gatling_common.storage import open_storage
from gatling_reporter.cli import main


@pytest.fixture
def log(tmp_path: Path) -> Path:
    return write_text_log(tmp_path / "pod-0.log", RunSpec(requests=200, seed=1))


def _build(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["build", *args], env={})
    assert result.stdout == ""
    return result.exit_code, result.stderr


def test_an_output_below_a_regular_file(log: Path, tmp_path: Path) -> None:
    blocker = tmp_path / "afile"
    blocker.write_text("x")
    out = blocker / "report"
    assert _build(str(log), "-o", str(out)) == (
        2, f"error: -o {out}: {blocker} is not a folder; expected a report folder\n"
    )  # fmt: skip


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders anyway")
def test_a_read_only_output_folder(log: Path, tmp_path: Path) -> None:
    ro = tmp_path / "ro"
    ro.mkdir(mode=0o555)
    assert _build(str(log), "-o", str(ro / "report")) == (
        2, f"error: -o {ro / 'report'}: {ro} is not writable; expected a report folder\n"
    )  # fmt: skip


def test_a_damaged_shard(log: Path, tmp_path: Path) -> None:
    shard = tmp_path / "pod-0.stats"
    write_shard([log], shard)
    data = bytearray(shard.read_bytes())
    # Inside the compressed archive, past the frame header: the frame's checksum must catch it
    # (without one, zstd can decode damaged literals into wrong numbers without a word).
    middle = len(data) // 2
    data[middle : middle + 16] = bytes(b ^ 0xFF for b in data[middle : middle + 16])
    shard.write_bytes(bytes(data))
    code, err = _build(str(shard), "-o", str(tmp_path / "report"))
    assert code == 2
    assert err.startswith(f"error: {shard}: ") and err.count("\n") == 1
    assert "gatling-fleet-shard file" in err
    assert not (tmp_path / "report").exists()


def test_report_errors_name_the_object_not_a_temp_copy(log: Path, tmp_path: Path) -> None:
    run = tmp_path / "bucket" / "run"
    run.mkdir(parents=True)
    (run / "pod-0.log").write_bytes(log.read_bytes())
    (run / "pod-1.log").write_bytes(b"hello\n")  # a pod whose log is no Gatling log
    result = CliRunner().invoke(main, ["report", "--source", f"file://{run}"], env={})
    assert result.exit_code == 2
    assert result.stderr.splitlines()[-1].startswith(f"error: file://{run}/pod-1.log: ")


def test_a_pod_without_data_is_listed_and_the_others_reported(log: Path, tmp_path: Path) -> None:
    """One pod's empty log (its runner died first) no longer blocks the report of the others."""
    run = tmp_path / "bucket" / "run"
    run.mkdir(parents=True)
    for pod in ("pod-0", "pod-2"):
        (run / f"{pod}.log").write_bytes(log.read_bytes())
    (run / "pod-1.log").write_bytes(b"")
    result = CliRunner().invoke(main, ["report", "--source", f"file://{run}"], env={})
    assert result.exit_code == 0, result.output
    warning = (
        f"file://{run}/pod-1.log: no data (no request record); the report is built from the "
        "other 2 input(s)"
    )
    assert warning in result.stderr  # named by its URL, not the temp copy
    summary = json.loads((run / "summary.json").read_text("utf-8"))
    assert warning in summary["warnings"]
    assert [i.get("data") for i in summary["inputs"]] == [None, "no data", None]
    per_pod = json.loads((run / "summary.json").read_text("utf-8"))["inputs"][0]["requests"]
    assert summary["global"]["numberOfRequests"]["total"] == 2 * per_pod
    assert "no data (no request record)" in (run / "index.html").read_text("utf-8")


def test_a_log_uploaded_incomplete_is_said(log: Path, tmp_path: Path) -> None:
    """The transferer's complete=false (a log still written, or cut) reaches the report."""
    run = tmp_path / "bucket" / "run"
    store = open_storage(f"file://{run}")
    store.upload_file(log, "pod-0.log", metadata={"status": "COMPLETED", "complete": "true"})
    store.upload_file(log, "pod-1.log", metadata={"status": "COMPLETED", "complete": "false"})
    result = CliRunner().invoke(main, ["report", "--source", f"file://{run}"], env={})
    assert result.exit_code == 0, result.output
    line = f"file://{run}/pod-1.log: uploaded incomplete by its transferer"
    assert line in result.stderr and "pod-0.log: uploaded incomplete" not in result.stderr
    summary = json.loads((run / "summary.json").read_text("utf-8"))
    assert [w for w in summary["warnings"] if "incomplete" in w] == [
        line + " (still written or cut at its end when the run ended); its last records may be "
        "missing"
    ]
