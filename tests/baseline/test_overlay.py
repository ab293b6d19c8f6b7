"""The baseline over this run's charts: percentile bands get the baseline's p50 and p95, the
requests chart its requests/s, moved onto this run's clock (runs an hour apart line up)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from gatling_common.results.generators.generate import RunSpec, write_text_log

from tests.baseline.helpers import build_report
from tests.baseline.test_compare_reports import slower
from tests.support.browser import Browser, chromium_path
from tests.support.shared import REPO_ROOT

HOUR_MS = 3_600_000


def page_data(page: Path) -> dict:
    found = re.search(r'<script id="report-data" type="application/json">(.*?)</script>',
                      page.read_text("utf-8"), re.S)  # fmt: skip
    assert found, page
    return json.loads(found.group(1))


def series_page(report: Path, kind: str, path: list[str]) -> dict:
    doc = json.loads((report / "js" / "series.json").read_text("utf-8"))
    return next(p for p in doc["pages"] if p["kind"] == kind and p["path"] == path)


def chart(data: dict, chart_id: str) -> dict:
    return next(c for c in data["charts"] if c["id"] == chart_id)


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    tmp = tmp_path_factory.mktemp("overlay")
    base_log = write_text_log(tmp / "base.log", RunSpec(requests=3000, duration_s=60))
    later = RunSpec(requests=3000, duration_s=60, start_ms=1_700_000_000_000 + HOUR_MS)
    slow_log = slower(write_text_log(tmp / "later.log", later), tmp / "slow.log", "Search", 2)
    base = build_report(base_log, tmp / "base")
    return base, build_report(slow_log, tmp / "slow", "--baseline", str(base))


def test_request_pages_draw_the_baselines_p50_p95_and_requests_on_this_runs_clock(reports):
    base, out = reports
    page = next(out.glob("req_search-*.html"))
    data = page_data(page)
    theirs = series_page(base, "request", ["Search"])
    mine = series_page(out, "request", ["Search"])
    lines = {s["name"]: s for s in chart(data, "percentiles")["series"] if s.get("baseline")}
    assert set(lines) == {"Baseline p50", "Baseline p95"}
    assert lines["Baseline p95"]["y"] == [
        None if v is None else v[7] for _, v in theirs["percentiles"]
    ]
    assert lines["Baseline p50"]["y"] == [
        None if v is None else v[2] for _, v in theirs["percentiles"]
    ]
    # one hour later, shifted back onto the run's own first bucket, spacing kept
    assert lines["Baseline p95"]["x"][0] == mine["percentiles"][0][0] * 1000 == data["time"][0]
    assert lines["Baseline p95"]["x"] == [
        (t - theirs["percentiles"][0][0] + mine["percentiles"][0][0]) * 1000
        for t, _ in theirs["percentiles"]
    ]
    (requests,) = [s for s in chart(data, "requests")["series"] if s.get("baseline")]
    assert requests["name"] == "Baseline all"
    assert requests["y"] == [total for _, total, _, _ in theirs["requests"]]
    # the run's own p95 is about twice the baseline's here: Search was made slower
    own = next(s for s in chart(data, "percentiles")["series"] if s["name"] == "p95")
    assert sum(v or 0 for v in own["y"]) > 1.5 * sum(v or 0 for v in lines["Baseline p95"]["y"])


def test_group_and_global_pages_get_the_overlay_and_no_baseline_no_overlay(reports):
    base, out = reports
    overview = page_data(out / "index.html")
    assert any(s.get("baseline") for s in chart(overview, "percentiles")["series"])
    group = page_data(next(out.glob("group_checkout-*.html")))
    names = [s["name"] for s in chart(group, "percentiles")["series"] if s.get("baseline")]
    assert names == ["Baseline p50", "Baseline p95"]
    assert all(c["id"] != "requests" for c in group["charts"])  # groups have no throughput
    plain = page_data(base / "index.html")
    assert not any(s.get("baseline") for c in plain["charts"] for s in c["series"])


@pytest.mark.skipif(chromium_path() is None, reason="chromium not installed")
def test_the_overlay_renders(reports):
    _, out = reports
    page = next(out.glob("req_search-*.html"))
    with Browser() as browser:
        browser.open(page.as_uri())
        browser.wait_for('document.body.getAttribute("data-charts-ready") === "1"')
        assert browser.events.problems() == []
        legend = browser.evaluate(
            "echarts.getInstanceByDom(document.getElementById('chart-percentiles'))"
            ".getOption().series.map(s => s.name)"
        )
        browser.evaluate("document.getElementById('chart-percentiles').scrollIntoView()")
        browser.screenshot(REPO_ROOT / "test-artifacts" / "report-baseline-overlay.png")
    assert "Baseline p95" in legend and "p95" in legend
