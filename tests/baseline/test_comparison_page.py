"""The global page's "Against the baseline" card, in headless Chromium: the request made slower
is the first row, marked worse; the hostile name of a request is shown as text."""

from __future__ import annotations

from pathlib import Path

import pytest
from gatling_common.results.generators.generate import RunSpec, write_text_log

from tests.baseline.helpers import build_report
from tests.baseline.test_compare_reports import slower
from tests.support.browser import Browser, chromium_path
from tests.support.shared import REPO_ROOT

ROWS = """Array.from(document.querySelectorAll('#baseline tbody tr')).map(tr => ({
  verdict: tr.className, cells: Array.from(tr.cells).map(td => td.textContent.trim())}))"""


@pytest.mark.skipif(chromium_path() is None, reason="chromium not installed")
def test_the_request_made_slower_leads_the_card(tmp_path: Path) -> None:
    base_log = write_text_log(tmp_path / "base.log", RunSpec(requests=3000, duration_s=60))
    slow_log = slower(base_log, tmp_path / "slow.log", "Search", 2)
    base = build_report(base_log, tmp_path / "base")
    out = build_report(slow_log, tmp_path / "slow", "--baseline", str(base))
    with Browser() as browser:
        browser.open((out / "index.html").as_uri())
        browser.wait_for('document.body.getAttribute("data-charts-ready") === "1"')
        assert browser.events.problems() == []
        rows = browser.evaluate(ROWS)
        heading = browser.evaluate("document.querySelector('#baseline h2').textContent")
        browser.screenshot(REPO_ROOT / "test-artifacts" / "report-baseline.png", full_page=False)
    assert rows, "no comparison rows"
    assert rows[0]["verdict"] == "delta-worse"
    assert rows[0]["cells"][0].endswith("Search") and rows[0]["cells"][-1] == "worse"
    worse = [r for r in rows if r["verdict"] == "delta-worse"]
    assert {r["cells"][0].split(" / ")[-1] for r in worse} <= {"Search", "All requests"}
    assert heading.strip().startswith(f"Against the baseline: {len(worse)} worse")
    # without --baseline there is no card
    assert 'id="baseline"' not in (base / "index.html").read_text("utf-8")


NODE_ROWS = """Array.from(document.querySelectorAll('#baseline tbody tr')).map(tr => ({
  verdict: tr.className, cells: Array.from(tr.cells).map(td => td.textContent.trim())}))"""


@pytest.mark.skipif(chromium_path() is None, reason="chromium not installed")
def test_request_pages_carry_their_own_card(tmp_path: Path) -> None:
    """The slowed request's page lists every metric of it, worse ones marked; another request's
    page shows all of its metrics the same; a request the baseline lacks says it was added."""
    base_log = write_text_log(tmp_path / "base.log", RunSpec(requests=3000, duration_s=60))
    slow_log = slower(base_log, tmp_path / "slow.log", "Search", 2)
    renamed = tmp_path / "renamed.log"
    renamed.write_text(slow_log.read_text().replace("\tHome\t", "\tHome <b>v2</b>\t"))
    base = build_report(base_log, tmp_path / "base")
    out = build_report(renamed, tmp_path / "slow", "--baseline", str(base))
    pages = {p.name.split("-")[0]: p for p in out.glob("req_*.html")}  # req_home, req_login...
    seen = {}
    with Browser() as browser:
        for key in ("req_search", "req_home", "req_login"):
            browser.open(pages[key].as_uri())
            browser.wait_for('document.body.getAttribute("data-charts-ready") === "1"')
            assert browser.events.problems() == []
            seen[key] = (
                browser.evaluate(NODE_ROWS),
                browser.evaluate("document.querySelector('#baseline').textContent"),
            )
        browser.open(pages["req_search"].as_uri())
        browser.screenshot(REPO_ROOT / "test-artifacts" / "report-baseline-request.png")
    rows, _ = seen["req_search"]
    metrics = {r["cells"][0]: r for r in rows}
    assert {"count", "ko_percent", "mean", "p50", "p95", "p99", "rps"} <= set(metrics)
    assert metrics["count"]["cells"][-1] == "same"
    assert metrics["mean"]["verdict"] == "delta-worse"
    assert metrics["mean"]["cells"][4].startswith("+")  # relative change, in percent
    rows, _ = seen["req_login"]
    assert rows and all(r["cells"][-1] == "same" for r in rows), rows
    rows, text = seen["req_home"]
    assert rows == [] and "Added: the baseline has no request of this name." in text
