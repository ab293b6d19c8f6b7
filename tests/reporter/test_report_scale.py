"""Report weight grows with the number of request names, not with its square: the menu and the
data are written once, not copied into every page; the table sorts, filters and keeps its
header in view."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from gatling_common.results.generators.generate import RunSpec, write_text_log_with_names
from gatling_reporter.cli import main

from tests.support.browser import Browser, chromium_path

needs_chromium = pytest.mark.skipif(chromium_path() is None, reason="needs Chromium")


def report(tmp_path: Path, names: int) -> Path:
    log = write_text_log_with_names(
        tmp_path / f"{names}.log", RunSpec(requests=names * 30, duration_s=60), names
    )
    out = tmp_path / f"report-{names}"
    result = CliRunner().invoke(main, ["build", str(log), "-o", str(out)])
    assert result.exit_code == 0, result.output
    return out


def largest_request_page(out: Path) -> int:
    return max(p.stat().st_size for p in out.glob("req_*.html"))


def test_a_request_page_does_not_grow_with_the_number_of_names(tmp_path: Path) -> None:
    small, large = report(tmp_path, 40), report(tmp_path, 400)
    assert len(list(large.glob("req_*.html"))) == 400
    # Ten times the names: a request page stays the same size (it was linear: the whole menu).
    assert largest_request_page(large) < 1.2 * largest_request_page(small)
    nav = (large / "js" / "nav.js").read_text("utf-8")
    other = next(large.glob("req_endpoint-0001-*.html")).read_text("utf-8")
    assert nav.count("Endpoint 0399") == 1 and "Endpoint 0399" not in other


@needs_chromium
@pytest.mark.browser
def test_the_statistics_table_sorts_filters_and_keeps_its_header(tmp_path: Path) -> None:
    out = report(tmp_path, 120)
    with Browser(1280, 900) as b:
        b.open((out / "index.html").as_uri())
        b.wait_for('document.body.getAttribute("data-charts-ready") === "1"')
        assert b.events.problems() == []
        links = b.evaluate("document.querySelectorAll('#nav a').length")
        assert links == 2 + 120 + 5  # the pages, the requests, the groups (Flow 0, 4, ... 16)
        # Sort by Total, descending: the numbers come out ordered, the "All requests" row first.
        b.evaluate("document.querySelector('#stats-table th[data-sort=\"1\"]').click()")
        totals = b.evaluate(
            """Array.from(document.querySelectorAll('#stats-table tbody tr'))
                 .map(tr => +tr.cells[1].textContent)"""
        )
        assert totals[1:] == sorted(totals[1:], reverse=True) and totals[0] == max(totals)
        # Filter: only the matching rows stay visible (and the total).
        b.evaluate(
            """(() => { const i = document.getElementById('stats-filter');
                 i.value = 'endpoint 0007'; i.dispatchEvent(new Event('input')); })()"""
        )
        shown = b.evaluate(
            """Array.from(document.querySelectorAll('#stats-table tbody tr'))
                 .filter(tr => tr.offsetParent !== null)
                 .map(tr => tr.cells[0].textContent.trim())"""
        )
        assert shown == ["All requests", "Endpoint 0007"]
        # The header sticks: scrolled down its box, the header is still at the box's top.
        b.evaluate(
            """(() => { const i = document.getElementById('stats-filter');
                 i.value = ''; i.dispatchEvent(new Event('input')); })()"""
        )
        gap = b.evaluate(
            """(() => { const box = document.querySelector('.table-wrap.scroll');
                 box.scrollTop = 2000; const th = box.querySelector('th');
                 return [box.scrollTop,
                         th.getBoundingClientRect().top - box.getBoundingClientRect().top]; })()"""
        )
        assert gap[0] > 1000 and abs(gap[1]) < 2, gap  # really scrolled, header still on top


@needs_chromium
@pytest.mark.browser
def test_own_percentiles_reach_the_tiles_and_the_charts(tmp_path: Path) -> None:
    """--percentiles 50,90,99,99.9: the table, a tile in place of p95, and 99.9 over the bands."""
    log = write_text_log_with_names(tmp_path / "p.log", RunSpec(requests=3000, duration_s=30), 3)
    out = tmp_path / "report"
    args = ["build", str(log), "-o", str(out), "--percentiles", "50,90,99,99.9"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    with Browser(1280, 900) as b:
        b.open((out / "index.html").as_uri())
        b.wait_for('document.body.getAttribute("data-charts-ready") === "1"')
        assert b.events.problems() == []
        tiles = b.evaluate("Array.from(document.querySelectorAll('.tile')).map(t => t.textContent)")
        assert any("p99" in t and "p99.9" not in t for t in tiles), tiles
        legend = b.evaluate(
            "echarts.getInstanceByDom(document.getElementById('chart-percentiles'))"
            ".getOption().series.map(s => s.name)"
        )
        assert legend[-1] == "p99.9" and "p95" in legend  # Gatling's ten, then ours


@needs_chromium
@pytest.mark.browser
def test_a_lone_point_is_drawn_as_a_dot(tmp_path: Path) -> None:
    """A bucket with neighbours on neither side has no line: it gets a dot, others none."""
    log = tmp_path / "simulation.log"
    log.write_text(
        "RUN\tsim.Sim\tsim\t1700000000000\t \t3.10.5\n"
        "USER\tS\tSTART\t1700000000000\n"
        "REQUEST\t\tBusy\t1700000000000\t1700000000100\tOK\t \n"
        "REQUEST\t\tBusy\t1700000001000\t1700000001100\tOK\t \n"
        "REQUEST\t\tBusy\t1700000002000\t1700000002100\tOK\t \n"
        "REQUEST\t\tLone\t1700000005000\t1700000005040\tOK\t \n"
        "REQUEST\t\tBusy\t1700000009000\t1700000009100\tOK\t \n"
        "USER\tS\tEND\t1700000009500\n"
    )
    out = tmp_path / "report"
    result = CliRunner().invoke(main, ["build", str(log), "-o", str(out)])
    assert result.exit_code == 0, result.output
    lone = next(out.glob("req_lone-*.html"))
    with Browser(1280, 900) as b:
        b.open(lone.as_uri())
        b.wait_for('document.body.getAttribute("data-charts-ready") === "1"')
        shown = b.evaluate(
            """(() => { const o = echarts.getInstanceByDom(
                 document.getElementById('chart-percentiles')).getOption();
               return o.series.map(s => [s.showSymbol,
                 s.data.map((d, i) => s.symbolSize(d.value, {dataIndex: i})).filter(x => x > 0)
                   .length]); })()"""
        )
        assert all(symbol and dots == 1 for symbol, dots in shown), shown
        b.open((out / "index.html").as_uri())
        b.wait_for('document.body.getAttribute("data-charts-ready") === "1"')
        requests = b.evaluate(
            """echarts.getInstanceByDom(document.getElementById('chart-requests')).getOption()
                 .series.map(s => s.showSymbol)"""
        )
        assert requests == [False, False]  # no lone point (zeros between): no symbols at all
