"""The build's second half: evaluate thresholds, record them, write JUnit and the HTML pages.

`gatling-reporter build` and `report` call `finish_report` after the statistics JSON is written.
Thresholds go to summary.json (`"thresholds": [{expression, actual, passed}]`), the overview's
first section, the JUnit file and, through `thresholds.check`, the exit code (3 on failure).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import click
from gatling_common.results.report.gatling_json import StatsSettings
from gatling_common.results.report.report_data import report_data
from gatling_common.results.statistics.stats import RunStats
from gatling_reporter.html.adapter import model_from_report_data
from gatling_reporter.html.render import render_report
from gatling_reporter.simulation_assertions import (
    SimulationResult,
    assertions_json,
    assertions_xml,
    evaluate_simulation,
)
from gatling_reporter.thresholds import (
    Assertion,
    AssertionResult,
    RunStatsSource,
    evaluate,
    format_number,
    parse_all,
)

log = logging.getLogger(__name__)
F = TypeVar("F", bound=Callable[..., Any])
ENV = "GATLING_REPORTER_"


class _Expression(click.ParamType):
    """An assertion; in the environment variable, one per line (expressions contain spaces)."""

    name = "EXPR"
    envvar_list_splitter = "\n"


def threshold_options(fn: F) -> F:
    """--assert, --assertions and --junit, each also an environment variable."""
    fn = click.option(
        "--junit",
        "junit",
        envvar=f"{ENV}JUNIT",
        type=click.Path(dir_okay=False, path_type=Path),
        default=None,
        help="Write the threshold results as JUnit XML (one testcase per assertion).",
    )(fn)
    fn = click.option(
        "--assertions",
        "assertion_files",
        envvar=f"{ENV}ASSERTIONS",
        multiple=True,
        type=click.Path(dir_okay=False, path_type=Path),
        help="YAML or JSON file: a list of expressions or {expr: ...} (repeatable).",
    )(fn)
    fn = click.option(
        "--assert",
        "assertions",
        envvar=f"{ENV}ASSERT",
        multiple=True,
        type=_Expression(),
        help="A threshold, e.g. 'global.p95 < 800' or 'request(\"Login\").p99 < 1500' "
        "(repeatable; in the env var, one per line).",
    )(fn)
    return fn


def parse_thresholds(expressions: Sequence[str], files: Sequence[Path]) -> list[Assertion]:
    return parse_all([e for e in expressions if e.strip()], files)


def finish_report(
    stats: RunStats,
    summary: dict[str, Any],
    settings: StatsSettings,
    output: Path,
    assertions: Sequence[Assertion],
    junit: Path | None = None,
    series: dict[str, Any] | None = None,
    stats_json: dict[str, Any] | None = None,
    baseline_series: dict[str, Any] | None = None,
) -> list[AssertionResult]:
    """Evaluate the simulation's assertions and `assertions`, add them to summary.json, write
    js/assertions.json and .xml (Gatling's), the JUnit file and the pages. `stats_json`: the
    build's js/stats.json, not computed again (a second pass costs 1.7 s at 1,000 names);
    `baseline_series`: the --baseline's chart data, drawn over the charts."""
    simulation = evaluate_simulation(stats)
    write_simulation_assertions(output, simulation, stats)
    results = [r.as_threshold() for r in simulation]
    results += evaluate(assertions, RunStatsSource(stats))
    summary["thresholds"] = [r.to_json() for r in results]
    output.mkdir(parents=True, exist_ok=True)
    summary_path = output / "summary.json"
    summary_path.write_text(json.dumps(summary, indent=2, ensure_ascii=False) + "\n", "utf-8")
    if junit is not None:
        from gatling_reporter.junit import write_junit  # lazy: only --junit needs ElementTree

        classes = summary.get("simulation", {}).get("classes") or [""]
        write_junit(junit, results, simulation=", ".join(classes))
    data = report_data(stats, settings, stats_json)
    data["warnings"] = list(summary.get("warnings", []))  # the page shows summary.json's
    data["comparison"] = summary.get("comparison")
    model = model_from_report_data(data, results, stats, series, baseline_series)
    pages = render_report(output, model)
    log.info("html: %d files written to %s", len(pages), output)
    return results


def write_simulation_assertions(
    output: Path, results: list[SimulationResult], stats: RunStats
) -> None:
    js = output / "js"
    js.mkdir(parents=True, exist_ok=True)
    data = assertions_json(results, stats)
    (js / "assertions.json").write_text(json.dumps(data, indent=2, ensure_ascii=False), "utf-8")
    (js / "assertions.xml").write_text(assertions_xml(results, data["simulation"]), "utf-8")


def threshold_lines(results: Sequence[AssertionResult]) -> str:
    """The console's threshold block (empty when there are none)."""
    if not results:
        return ""
    failed = sum(1 for r in results if not r.passed)
    head = f"Thresholds: {len(results) - failed} passed, {failed} failed"
    lines = [head]
    for r in results:
        verdict = "passed" if r.passed else "FAILED"
        lines.append(f"  {verdict}  {r.expression}  (actual {format_number(r.actual)})")
    return "\n".join(lines) + "\n"
