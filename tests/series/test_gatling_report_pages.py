"""Every page our build makes from each Gatling report fixture's log opens in headless Chromium
with no console error and draws its charts; the overview and a request page are kept as
screenshots (test-artifacts/) to be looked at beside Gatling's."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from gatling_reporter.cli import main

from tests.support.browser import Browser, chromium_path
from tests.support.shared import REPO_ROOT, gatling_report, gatling_report_names

ARTIFACTS = REPO_ROOT / "test-artifacts" / "gatling-reports"
READY = 'document.body.getAttribute("data-charts-ready") === "1"'
DRAWN = """Array.from(document.querySelectorAll('.chart')).map(c =>
    c.getAttribute('data-rendered') === '1' && c.querySelector('canvas') !== null)"""


@pytest.mark.shared
@pytest.mark.browser
@pytest.mark.skipif(chromium_path() is None, reason="chromium not installed")
@pytest.mark.parametrize("name", gatling_report_names())
def test_every_page_renders(name: str, tmp_path: Path) -> None:
    folder = gatling_report(name)
    out = tmp_path / "report"
    result = CliRunner().invoke(main, ["build", str(folder / "simulation.log"), "-o", str(out)])
    assert result.exit_code in (0, 3), result.output  # 3: the simulation's assertions failed
    series = json.loads((out / "js" / "series.json").read_text("utf-8"))
    pages = sorted(p.name for p in out.glob("*.html"))
    # a page per request and group (G1), the overview and the pods page
    assert len(pages) == len(series["pages"]) - 1 + 2
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with Browser(1280, 900) as browser:
        for page in pages:
            browser.open((out / page).as_uri())
            browser.wait_for(READY)
            assert browser.events.problems() == [], (name, page)
            drawn = browser.evaluate(DRAWN)
            assert drawn and all(drawn), (name, page, drawn)
        for page in ("index.html", next(p for p in pages if p.startswith("req_"))):
            browser.open((out / page).as_uri())
            browser.wait_for(READY)
            browser.screenshot(ARTIFACTS / f"{name}-{page}.png")
