"""Inputs far apart in time are merged as asked, but said: console, summary.json and page."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from gatling_common.results.generators.generate import RunSpec, write_text_log
from gatling_reporter.cli import main

from tests.support.browser import Browser, chromium_path
from tests.support.shared import REPO_ROOT

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


def alone_report(log: Path, out: Path) -> Path:
    result = CliRunner().invoke(main, ["build", str(log), "-o", str(out)])
    assert result.exit_code == 0, result.output
    return out


def _series(out: Path) -> dict:
    return json.loads((out / "js" / "series.json").read_text("utf-8"))


def test_each_run_keeps_its_own_buckets_and_the_axis_shows_the_gap(tmp_path: Path) -> None:
    """A day apart: one Gatling axis would make 1000 buckets of 86 s (each run a spike); each
    run gets its own one-second buckets instead, one after the other, and the pages cut the
    day out of their time axis."""
    t0 = 1_700_000_000_000
    out, _ = build(tmp_path, t0, t0 + DAY_MS)
    alone = [alone_report(tmp_path / f"pod-{i}.log", tmp_path / f"alone-{i}") for i in (0, 1)]
    merged = _series(out)["pages"][0]
    parts = [_series(a)["pages"][0] for a in alone]
    # every time series: the first run's buckets, then the second's, as each alone
    for key in ("requests", "responses", "percentiles", "users_all", "concurrent_users_all"):
        assert merged[key] == parts[0][key] + parts[1][key], key
    labels = [t for t, *_ in merged["requests"]]
    assert labels == sorted(labels) and len(labels) < 200  # one-second buckets, ~61 per run
    assert merged["outcome"] == [a + b for a, b in zip(parts[0]["outcome"], parts[1]["outcome"])]
    # request pages have the same buckets as the global one
    for page in _series(out)["pages"][1:]:
        if page["kind"] == "request":
            assert [p[0] for p in page["requests"]] == labels, page["path"]
    page = (out / "index.html").read_text("utf-8")
    first_end = parts[0]["requests"][-1][0] * 1000
    second_start = parts[1]["requests"][0][0] * 1000
    assert f'"breaks":[[{first_end + 1000},{second_start - 1000}]]' in page
    assert '"breaks":[]' in (alone[0] / "index.html").read_text("utf-8")


@pytest.mark.skipif(chromium_path() is None, reason="chromium not installed")
def test_the_gap_renders(tmp_path: Path) -> None:
    t0 = 1_700_000_000_000
    out, _ = build(tmp_path, t0, t0 + DAY_MS)
    with Browser() as browser:
        browser.open((out / "index.html").as_uri())
        browser.wait_for('document.body.getAttribute("data-charts-ready") === "1"')
        assert browser.events.problems() == []
        breaks = browser.evaluate(
            "echarts.getInstanceByDom(document.getElementById('chart-requests'))"
            ".getOption().xAxis[0].breaks.length"
        )
        browser.evaluate("document.getElementById('chart-requests').scrollIntoView()")
        browser.screenshot(REPO_ROOT / "test-artifacts" / "report-far-apart.png", full_page=False)
    assert breaks == 1
