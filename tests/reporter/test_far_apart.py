"""Inputs far apart in time are merged as asked, but said: console, summary.json and page."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner
from gatling_common.results.generate import RunSpec, write_text_log
from gatling_reporter.cli import main

DAY_MS = 86_400_000


def build(tmp_path: Path, *starts: int) -> tuple[Path, str]:
    logs = [
        write_text_log(tmp_path / f"pod-{i}.log", RunSpec(requests=500, seed=i + 1,
                       start_ms=start, duration_s=60))
        for i, start in enumerate(starts)
    ]  # fmt: skip
    out = tmp_path / "report"
    result = CliRunner().invoke(main, ["build", *map(str, logs), "-o", str(out)])
    assert result.exit_code == 0, result.output
    return out, result.output


def test_inputs_a_day_apart_are_named_everywhere(tmp_path: Path) -> None:
    t0 = 1_700_000_000_000
    out, output = build(tmp_path, t0, t0 + DAY_MS)
    line = next(line for line in output.splitlines() if "apart" in line)
    assert "inputs 24.0 h apart:" in line and f"{tmp_path / 'pod-1.log'} starts" in line
    summary = json.loads((out / "summary.json").read_text("utf-8"))
    assert len(summary["warnings"]) == 1 and "24.0 h apart" in summary["warnings"][0]
    page = (out / "index.html").read_text("utf-8")
    assert 'class="warning"' in page and "24.0 h apart" in page


def test_pods_of_one_run_raise_no_warning(tmp_path: Path) -> None:
    t0 = 1_700_000_000_000
    out, output = build(tmp_path, t0, t0 + 1500, t0 + 30_000)
    assert "apart" not in output
    assert json.loads((out / "summary.json").read_text("utf-8"))["warnings"] == []
