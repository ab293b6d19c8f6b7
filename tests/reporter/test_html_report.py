"""The HTML report in a real headless Chromium, opened from disk (file://), offline."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from gatling_common.errors import PermanentError
from gatling_reporter.cli import main
from gatling_reporter.html.render import LICENSE, cells, chart_library, columns, flatten
from gatling_reporter.thresholds import AssertionResult

from tests.reporter.report_builders import (
    HOSTILE_GROUP,
    HOSTILE_MESSAGE,
    HOSTILE_REQUEST,
    HOSTILE_SCENARIO,
    generated_run,
    hostile_run,
    render,
)
from tests.support.browser import Browser, chromium_path
from tests.support.shared import REPO_ROOT, gatling_fixture

ARTIFACTS = REPO_ROOT / "test-artifacts"
needs_chromium = pytest.mark.skipif(chromium_path() is None, reason="chromium not installed")
READY = 'document.body.getAttribute("data-charts-ready") === "1"'
# Per chart container: what its ECharts instance holds (series with their data) and drew.
CHARTS = """Array.from(document.querySelectorAll('.chart')).map(c => {
    const chart = echarts.getInstanceByDom(c);
    const series = chart ? chart.getOption().series : [];
    const canvas = c.querySelector('canvas');
    return {
      id: c.id, rendered: c.getAttribute('data-rendered'),
      points: Number(c.getAttribute('data-points')),
      series: series.length,
      filled: series.filter(s => (s.data || []).some(
        d => (Array.isArray(d) ? d[1] : d) !== null && (Array.isArray(d) ? d[1] : d) !== undefined
      )).length,
      canvas: canvas ? canvas.width * canvas.height : 0,
    };
})"""


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("report")
    thresholds = [
        AssertionResult("global.p95 < 800", 950.0, False, "actual 950"),
        AssertionResult("global.rps >= 1", 50.0, True),
    ]
    render(generated_run(), out, thresholds)
    return out


@pytest.fixture(scope="module")
def browser():
    if chromium_path() is None:
        pytest.skip("chromium not installed (make setup-browser)")
    with Browser() as b:
        yield b


def legend_of(browser: Browser, chart_id: str) -> list[str]:
    """The names ECharts' legend draws (as canvas text, so read from its model)."""
    return browser.evaluate(
        f"echarts.getInstanceByDom(document.getElementById('{chart_id}'))"
        ".getOption().series.map(s => s.name)"
    )


def rendered_with_data(chart: dict) -> bool:
    """Drawn, every series present in the instance holds a value, and the canvas has a size."""
    return (
        chart["rendered"] == "1"
        and chart["points"] > 0
        and chart["series"] > 0
        and chart["filled"] >= 1
        and chart["canvas"] > 0
    )


def test_missing_chart_library_is_one_clear_line(tmp_path: Path):
    with pytest.raises(PermanentError) as failure:
        chart_library(tmp_path / "vendor")
    assert str(failure.value) == (
        f"{tmp_path / 'vendor' / 'echarts.min.js'}: the report's chart library (echarts.min.js)"
        " is missing; `make setup-node` installs it (the reporter image carries it)"
    )


def test_pages_and_assets_written(report: Path):
    tree = json.loads((report / "js" / "stats.json").read_text())
    nodes = list(flatten(tree))
    kinds = [n.kind for n in nodes]
    assert (kinds.count("group"), kinds.count("request")) == (4, 12)  # the generator's tree
    for page in ["index.html", "pods.html", *(n.href for n in nodes)]:
        assert (report / page).is_file(), page
    library = (report / "js" / "echarts.min.js").read_text()
    assert "Apache Software Foundation" in library[:500]
    assert 't.version="6.1.0"' in library[-400:]  # the pinned bundle, not a stub
    assert "Apache License" in (report / "js" / LICENSE).read_text()
    for page in report.glob("*.html"):
        html = page.read_text()
        assert html.count('<script id="report-data" type="application/json">') == 1
        # Offline: nothing is fetched from a network address.
        assert not re.search(r'(src|href)="(https?:)?//', html), page.name


@needs_chromium
@pytest.mark.browser
def test_global_page_in_chromium(report: Path, browser: Browser):
    browser.resize(1280, 900)
    browser.open((report / "index.html").as_uri())
    browser.wait_for(READY)
    assert browser.events.problems() == []
    charts = browser.evaluate(CHARTS)
    assert [c["id"] for c in charts] == [
        "chart-users",  # Gatling's order
        "chart-distribution",
        "chart-percentiles",
        "chart-requests",
        "chart-responses",
    ]
    for chart in charts:
        assert rendered_with_data(chart), chart
        assert chart["series"] >= 2, chart
    ARTIFACTS.mkdir(exist_ok=True)
    shot = browser.screenshot(ARTIFACTS / "report-global.png")
    assert shot.stat().st_size > 10_000


@needs_chromium
@pytest.mark.browser
def test_statistics_table_equals_stats_json(report: Path, browser: Browser):
    browser.open((report / "index.html").as_uri())
    browser.wait_for(READY)
    rows = browser.evaluate(
        """Array.from(document.querySelectorAll('#stats-table tbody tr')).map(tr => {
            const row = {};
            tr.querySelectorAll('td[data-field]').forEach(td => {
              const field = td.getAttribute('data-field');
              const text = field === 'name' ? td.querySelector('.node-name') : td;
              row[field] = text.textContent.trim();
            });
            return row;
        })"""
    )
    tree = json.loads((report / "js" / "stats.json").read_text())
    expected = [tree["stats"]] + [n.stats for n in flatten(tree)]
    assert len(rows) == len(expected)
    fields = [c["field"] for c in columns(["p50", "p75", "p95", "p99"])]
    for row, stats in zip(rows, expected, strict=True):
        assert row["name"] == (stats["name"] if stats is not tree["stats"] else "All requests")
        for field in fields:
            if field == "koPercent":
                continue
            group, split = field.split(".")
            value = stats[group][split]
            shown = f"{value:.2f}" if group == "meanNumberOfRequestsPerSecond" else str(value)
            assert row[field] == shown, (stats["name"], field)
        total, ko = stats["numberOfRequests"]["total"], stats["numberOfRequests"]["ko"]
        assert float(row["koPercent"]) == pytest.approx(ko * 100 / total, abs=0.005)
        del row["name"]
        assert row == cells(stats)


@needs_chromium
@pytest.mark.browser
def test_every_page_renders_its_charts(report: Path, browser: Browser):
    tree = json.loads((report / "js" / "stats.json").read_text())
    pages = ["pods.html", *(n.href for n in flatten(tree))]
    for page in pages:
        browser.open((report / page).as_uri())
        browser.wait_for(READY)
        assert browser.events.problems() == [], page
        charts = browser.evaluate(CHARTS)
        assert charts, page
        for chart in charts:
            assert rendered_with_data(chart), (page, chart)
    browser.open((report / "pods.html").as_uri())
    browser.wait_for(READY)
    assert legend_of(browser, "chart-pod-rps") == ["pod-0", "pod-1", "pod-2"]
    browser.screenshot(ARTIFACTS / "report-pods.png")


@needs_chromium
@pytest.mark.browser
def test_collapsing_a_group_hides_its_rows(report: Path, browser: Browser):
    browser.open((report / "index.html").as_uri())
    browser.wait_for(READY)
    visible = "document.querySelectorAll('#stats-table tbody tr:not([hidden])').length"
    before = browser.evaluate(visible)
    browser.evaluate("document.querySelector('button.toggle').click()")
    after = browser.evaluate(visible)
    assert 0 < after < before
    browser.evaluate("document.querySelector('button.toggle').click()")
    assert browser.evaluate(visible) == before


@needs_chromium
@pytest.mark.browser
def test_phone_width_has_no_horizontal_page_scroll(report: Path, browser: Browser):
    browser.resize(390, 844)
    try:
        browser.open((report / "index.html").as_uri())
        browser.wait_for(READY)
        width = browser.evaluate("document.documentElement.scrollWidth")
        assert width <= 390
        assert browser.evaluate("document.querySelector('.side details').open") is False
        browser.screenshot(ARTIFACTS / "report-phone.png")
    finally:
        browser.resize(1280, 900)


@needs_chromium
@pytest.mark.browser
def test_hostile_names_and_messages_stay_text(tmp_path: Path, browser: Browser):
    render(hostile_run(), tmp_path)
    for page in sorted(tmp_path.glob("*.html")):
        html = page.read_text()
        assert "<script>alert" not in html, page.name
        assert "<img src=x" not in html, page.name
        assert "<svg onload" not in html, page.name
        browser.open(page.as_uri())
        browser.wait_for(READY)
        assert browser.events.problems() == [], page.name
        # Only our four scripts exist: nothing injected became an element.
        assert browser.evaluate("document.scripts.length") == 4, page.name
        # The menu (js/nav.js) holds the hostile names as text.
        menu = browser.evaluate(
            "Array.from(document.querySelectorAll('#nav a')).map(a => a.textContent)"
        )
        assert HOSTILE_REQUEST in menu and HOSTILE_GROUP in menu, page.name
        assert browser.evaluate("document.querySelectorAll('img, svg[onload]').length") == 0
    browser.open((tmp_path / "index.html").as_uri())
    browser.wait_for(READY)
    text = browser.evaluate("document.body.innerText")
    assert HOSTILE_REQUEST in text
    assert HOSTILE_GROUP in text
    assert HOSTILE_MESSAGE in text
    assert legend_of(browser, "chart-users") == [HOSTILE_SCENARIO]
    # ECharts' tooltip is HTML: show it on every chart; names must arrive as text.
    tips = browser.evaluate(
        """Array.from(document.querySelectorAll('.chart')).map(c => {
            echarts.getInstanceByDom(c).dispatchAction(
              {type: 'showTip', seriesIndex: 0, dataIndex: 0});
            const tip = c.querySelector('.chart-tip');
            return {id: c.id, text: tip ? tip.textContent : '',
                    elements: tip ? tip.querySelectorAll('img, svg, script, a, b').length : -1};
        })"""
    )
    by_id = {tip["id"]: tip for tip in tips}
    assert HOSTILE_SCENARIO in by_id["chart-users"]["text"]
    for tip in tips:
        assert tip["elements"] == 0, tip
    assert browser.evaluate("document.querySelectorAll('img, svg[onload], b').length") == 0
    assert browser.events.problems() == []


@needs_chromium
@pytest.mark.browser
@pytest.mark.shared
@pytest.mark.parametrize(
    "fixture",
    ["v3.10.5-hard-zoladp-3.5MB", "v3.14.3bin-tracker-teleivo-sample", "v3.5.1-apicurio-45u-3.5MB"],
)
def test_real_gatling_logs_through_the_cli(fixture: str, tmp_path: Path, browser: Browser):
    """`gatling-reporter build` on real logs: pages open cleanly and agree with js/stats.json."""
    log = gatling_fixture(fixture, "simulation.log")
    out = tmp_path / "report"
    result = CliRunner().invoke(main, ["build", str(log), "-o", str(out)], catch_exceptions=False)
    # 3: that simulation's own assertions failed (as in Gatling's run); the report is complete.
    assert result.exit_code == (3 if fixture == "v3.10.5-hard-zoladp-3.5MB" else 0), result.output
    tree = json.loads((out / "js" / "stats.json").read_text())
    nodes = list(flatten(tree))
    for page in ["index.html", "pods.html", *(n.href for n in nodes[:4])]:  # all: in the test above
        browser.open((out / page).as_uri())
        browser.wait_for(READY)
        assert browser.events.problems() == [], page
    browser.open((out / "index.html").as_uri())
    browser.wait_for(READY)
    totals = browser.evaluate(
        """Array.from(document.querySelectorAll('#stats-table tbody tr')).map(tr =>
             tr.querySelector('td[data-field="numberOfRequests.total"]').textContent)"""
    )
    expected = [tree["stats"]] + [n.stats for n in flatten(tree)]
    assert totals == [str(s["numberOfRequests"]["total"]) for s in expected]
    browser.screenshot(ARTIFACTS / f"report-{fixture}.png")


def page_data(page: Path) -> dict:
    html = page.read_text()
    found = re.search(r'<script id="report-data" type="application/json">(.*?)</script>', html)
    assert found is not None
    return json.loads(found.group(1))


def test_a_group_without_group_records_gets_no_empty_chart(tmp_path: Path):
    log = tmp_path / "simulation.log"
    log.write_text(
        "RUN\tshop.Sim\tsim\t1700000000000\t \t3.10.5\n"
        "USER\tShop\tSTART\t1700000000000\n"
        "REQUEST\tA\tPay\t1700000000100\t1700000000200\tOK\t \n"
        "REQUEST\tA\tPay\t1700000001100\t1700000001300\tOK\t \n"
        "USER\tShop\tEND\t1700000002000\n"
    )
    out = tmp_path / "report"
    result = CliRunner().invoke(main, ["build", str(log), "-o", str(out)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    tree = json.loads((out / "js" / "stats.json").read_text())
    pages = {n.kind: n.href for n in flatten(tree)}
    for kind, page in pages.items():
        data = page_data(out / page)
        html = (out / page).read_text()
        containers = re.findall(r'<div class="chart" id="chart-([a-z-]+)"', html)
        assert containers == [c["id"] for c in data["charts"]], kind
        for chart in data["charts"]:
            assert any(v is not None for s in chart["series"] for v in s["y"]), (kind, chart["id"])
    request_charts = [c["id"] for c in page_data(out / pages["request"])["charts"]]
    assert request_charts == ["distribution", "percentiles", "requests", "responses", "rps-scatter"]
