"""`report --baseline previous`: the newest complete earlier report of the same Gatling name,
found beside the run's location as the controller lays runs out (`<bucket>/<name>/<run id>`)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from gatling_common.baseline.previous import parent_url, previous_report
from gatling_common.results.generators.generate import RunSpec, write_text_log
from gatling_reporter.cli import main

T0 = 1_700_000_000_000


def _run(name_dir: Path, run: str, start_ms: int, *args: str) -> tuple[int, str, dict | None]:
    location = name_dir / run
    location.mkdir(parents=True, exist_ok=True)
    write_text_log(location / "pod-0.log", RunSpec(requests=400, seed=3, start_ms=start_ms))
    result = CliRunner().invoke(
        main, ["report", "--source", f"file://{location}", *args], catch_exceptions=False
    )
    summary = location / "summary.json"
    data = json.loads(summary.read_text("utf-8")) if summary.is_file() else None
    return result.exit_code, result.output, data


def test_the_newest_earlier_run_is_the_baseline_not_the_last_run_id(tmp_path: Path) -> None:
    name = tmp_path / "bucket" / "my-gatling"
    assert _run(name, "ffff", T0)[0] == 0  # older run, later id
    assert _run(name, "aaaa", T0 + 86_400_000)[0] == 0  # newer run, earlier id
    (name / "cccc").mkdir()
    (name / "cccc" / "summary.json").write_text('{"run": {"start": 9e15}}')  # no index.html
    code, output, summary = _run(
        name, "bbbb", T0 + 2 * 86_400_000,
        "--baseline", "previous", "--assert", "global.count == baseline",
    )  # fmt: skip
    assert code == 0, output
    assert summary is not None
    assert summary["comparison"]["baseline"]["ref"] == f"file://{name}/aaaa"
    assert summary["thresholds"][0]["baseline"] == 400
    assert previous_report(f"file://{name}/bbbb") == f"file://{name}/aaaa"


def test_a_first_run_leaves_relative_thresholds_out_and_says_so(tmp_path: Path) -> None:
    name = tmp_path / "bucket" / "my-gatling"
    code, output, summary = _run(
        name, "first", T0,
        "--baseline", "previous",
        "--assert", "global.p95 < baseline * 1.1", "--assert", "global.count == 400",
    )  # fmt: skip
    assert code == 0, output
    assert summary is not None
    assert "comparison" not in summary
    assert [t["expression"] for t in summary["thresholds"]] == ["global.count == 400"]


def test_build_refuses_previous_with_one_line(tmp_path: Path) -> None:
    log = write_text_log(tmp_path / "pod-0.log", RunSpec(requests=50))
    result = CliRunner().invoke(
        main, ["build", str(log), "-o", str(tmp_path / "out"), "--baseline", "previous"]
    )
    assert result.exit_code == 2
    assert "--baseline previous: only `report` can look for it" in result.output


@pytest.mark.parametrize("location", ["file:///run", "s3://bucket", "s3://bucket/"])
def test_a_location_without_a_parent_is_refused(location: str) -> None:
    with pytest.raises(ValueError, match="not a run location"):
        parent_url(location)
