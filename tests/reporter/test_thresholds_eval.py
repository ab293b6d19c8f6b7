"""Thresholds against real statistics: values, pass/fail, names, CLI output, exit codes, JUnit."""

from __future__ import annotations

import json
import math
import tempfile
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from gatling_common.baseline import report_stats
from gatling_common.errors import InputError
from gatling_common.results.generators.generate import RunSpec, catalog_strings, generate
from gatling_common.results.report.gatling_json import StatsSettings, stats_tree_json
from gatling_common.results.statistics.stats import stats_of_batches
from gatling_reporter.build import BuildSettings
from gatling_reporter.build import build as build_stats
from gatling_reporter.cli import main
from gatling_reporter.thresholds import (
    BaselineSource,
    RunStatsSource,
    bind_baseline,
    evaluate,
    parse_all,
)

from tests.support.shared import gatling_fixture

# Two requests named "Pay" in different groups (with their GROUP records), and one KO.
TWO_PAYS = (
    "RUN\tshop.Sim\tsim\t1700000000000\t \t3.10.5\n"
    "USER\tShop\tSTART\t1700000000000\n"
    "REQUEST\tA\tPay\t1700000000100\t1700000000200\tOK\t \n"
    "REQUEST\tB\tPay\t1700000000300\t1700000000700\tKO\tboom\n"
    "GROUP\tA\t1700000000100\t1700000000200\t100\tOK\n"
    "GROUP\tB\t1700000000300\t1700000000700\t400\tKO\n"
    "REQUEST\t\tHome\t1700000000800\t1700000000810\tOK\t \n"
    "USER\tShop\tEND\t1700000001000\n"
)


def build(tmp_path: Path, *args: str, log_text: str = TWO_PAYS, env=None):
    log = tmp_path / "simulation.log"
    log.write_text(log_text)
    out = tmp_path / "report"
    result = CliRunner().invoke(
        main, ["build", str(log), "-o", str(out), *args], env=env, catch_exceptions=False
    )
    return result, out


def java_round(x: float) -> int:
    return math.floor(x + 0.5)


def test_metrics_equal_gatlings_own_numbers(tmp_path: Path):
    """Every plain metric equals what Gatling 3.10.5 wrote in the fixture's js/stats.json."""
    fixture = gatling_fixture("v3.10.5-hard-zoladp-3.5MB")
    gatling = json.loads((fixture / "js" / "stats.json").read_text())
    fields = {
        "count": ("numberOfRequests", "total"),
        "ok": ("numberOfRequests", "ok"),
        "ko": ("numberOfRequests", "ko"),
        "min": ("minResponseTime", "total"),
        "max": ("maxResponseTime", "total"),
        "mean": ("meanResponseTime", "total"),
        "stddev": ("standardDeviation", "total"),
        "rps": ("meanNumberOfRequestsPerSecond", "total"),
    }
    login = next(c for c in gatling["contents"].values() if c["name"] == "Login request")
    expressions = [f"global.{m} >= 0" for m in fields] + [
        f'request("Login request").{m} >= 0' for m in fields
    ]
    expressions += ["global.ko_percent >= 0", "global.p95 >= 0"]
    out = tmp_path / "report"
    result = CliRunner().invoke(
        main,
        ["build", str(fixture / "simulation.log"), "-o", str(out)]
        + [a for e in expressions for a in ("--assert", e)],
        catch_exceptions=False,
    )
    # The simulation's own assertions (p99 < 3000, >= 99 % OK) failed in Gatling's run too.
    assert result.exit_code == 3, result.output
    assert "2 of 20 assertions failed: Global: 99th percentile" in result.output
    actual = {
        t["expression"].rsplit(" ", 2)[0]: t["actual"]
        for t in json.loads((out / "summary.json").read_text())["thresholds"]
    }
    for metric, (key, split) in fields.items():
        assert actual[f"global.{metric}"] == pytest.approx(gatling["stats"][key][split]), metric
        want = login["stats"][key][split]
        assert actual[f'request("Login request").{metric}'] == pytest.approx(want), metric
    stats = gatling["stats"]["numberOfRequests"]
    assert actual["global.ko_percent"] == pytest.approx(stats["ko"] * 100 / stats["total"])
    ours = json.loads((out / "js" / "stats.json").read_text())
    assert actual["global.p95"] == ours["stats"]["percentiles3"]["total"]


@pytest.mark.parametrize("p", [0.0, 50.0, 95.0, 99.9, 99.99, 100.0])
def test_any_percentile_is_exact(p: float):
    spec = RunSpec(requests=5000, seed=7)
    batches = list(generate(spec))
    stats = stats_of_batches(batches, catalog_strings())
    times = np.concatenate([b.req_end - b.req_start for b in batches])
    (result,) = evaluate(parse_all([f"global.p{p:g} >= 0"]), RunStatsSource(stats))
    assert result.actual == java_round(float(np.percentile(times, p)))


def test_groups_and_paths(tmp_path: Path):
    result, out = build(
        tmp_path,
        "--assert", 'request("A", "Pay").max == 100',
        "--assert", 'request("B", "Pay").ko == 1',
        "--assert", 'group("B").ko_percent == 100',
        "--assert", 'request("Home").count == 1',
        "--assert", "global.ko_percent < 34",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    verdicts = json.loads((out / "summary.json").read_text())["thresholds"]
    assert [v["passed"] for v in verdicts] == [True] * 5
    assert verdicts[4]["actual"] == pytest.approx(100 / 3)


def test_ambiguous_and_unknown_names_are_input_errors(tmp_path: Path):
    result, _ = build(tmp_path, "--assert", 'request("Pay").p99 < 1')
    assert result.exit_code == 2
    assert result.stderr == (
        'error: threshold request("Pay"): 2 requests have that name (A / Pay; B / Pay); '
        'give the group path first, e.g. request("Group", "Pay")\n'
    )
    result, _ = build(tmp_path, "--assert", 'group("Nope").mean < 1')
    assert result.exit_code == 2
    assert result.stderr == (
        'error: threshold group("Nope"): no group of that name in the run (known: "A", "B")\n'
    )


def test_failure_exit_code_output_and_junit(tmp_path: Path):
    junit = tmp_path / "ci" / "thresholds.xml"
    result, out = build(
        tmp_path,
        "--assert", "global.max < 300",
        "--assert", "global.count == 3",
        "--junit", str(junit),
    )  # fmt: skip
    assert result.exit_code == 3
    assert result.stdout.endswith(
        "Thresholds: 1 passed, 1 failed\n"
        "  FAILED  global.max < 300  (actual 400)\n"
        "  passed  global.count == 3  (actual 3)\n"
        f"Report: {(out / 'index.html').resolve()}\n"
    )
    assert result.stderr == "error: 1 of 2 assertions failed: global.max < 300 (actual 400)\n"
    assert (out / "index.html").is_file()  # the report is written before the verdict
    suite = ET.parse(junit).getroot()
    assert (suite.attrib["tests"], suite.attrib["failures"]) == ("2", "1")
    cases = suite.findall("testcase")
    assert [c.attrib["name"] for c in cases] == ["global.max < 300", "global.count == 3"]
    assert cases[0].find("failure").attrib["message"] == "global.max < 300: actual 400"
    assert cases[1].find("failure") is None
    assert all(c.attrib["classname"] == "shop.Sim" for c in cases)
    html = (out / "index.html").read_text()
    assert "1 of 2 thresholds failed" in html


def test_malformed_expression_fails_before_reading(tmp_path: Path):
    result, out = build(tmp_path, "--assert", "global.p95 <")
    assert result.exit_code == 2
    assert result.stderr == "error: --assert 'global.p95 <': expected a number at column 13\n"
    assert not out.exists()


def test_assertions_file_and_env_var(tmp_path: Path):
    rules = tmp_path / "rules.yaml"
    rules.write_text('- global.count == 3\n- expr: request("Home").max <= 10\n')
    env = {"GATLING_REPORTER_ASSERT": "global.ko == 1\nglobal.ok == 2"}
    result, out = build(tmp_path, "--assertions", str(rules), env=env)
    assert result.exit_code == 0, result.output
    verdicts = json.loads((out / "summary.json").read_text())["thresholds"]
    assert [v["expression"] for v in verdicts] == [
        "global.ko == 1",
        "global.ok == 2",
        "global.count == 3",
        'request("Home").max <= 10',
    ]
    assert all(v["passed"] for v in verdicts)


def test_no_thresholds_no_verdict_lines(tmp_path: Path):
    result, out = build(tmp_path)
    assert result.exit_code == 0
    assert "Thresholds:" not in result.stdout
    assert json.loads((out / "summary.json").read_text())["thresholds"] == []


def test_unknown_request_error_names_known_ones_briefly():
    stats = stats_of_batches(list(generate(RunSpec(requests=500))), catalog_strings())
    with pytest.raises(InputError) as caught:
        evaluate(parse_all(['request("Nope").max < 1']), RunStatsSource(stats))
    message = str(caught.value)
    assert message.startswith('threshold request("Nope"): no request of that name in the run')
    assert message.endswith(", ...)")


# -- relative thresholds (issue #15) ---------------------------------------------------------


def stats_of_text(log_text: str):
    """The run's RunStats and its js/stats.json as a baseline's statistics."""
    with tempfile.TemporaryDirectory() as tmp:
        log = Path(tmp, "simulation.log")
        log.write_text(log_text)
        result = build_stats(BuildSettings(inputs=(log,), output=Path(tmp, "out")))
        return result.stats, report_stats(result.stats_json, result.indicators.percentiles)


SLOWER_HOME = TWO_PAYS.replace("1700000000800\t1700000000810", "1700000000800\t1700000000830")


def test_relative_thresholds_evaluate_against_the_baselines_metric():
    _, baseline = stats_of_text(TWO_PAYS)
    current, _ = stats_of_text(SLOWER_HOME)
    assertions = bind_baseline(
        parse_all(
            [
                'request("Home").max <= baseline * 3',  # 30 <= 30
                'request("Home").p95 < baseline + 10',  # 20 < 20: fails
                'request("A", "Pay").mean == baseline',
                "global.ko_percent <= baseline + 1",
                "global.count >= baseline - 0",
                'group("B").ko >= baseline',
            ]
        ),
        BaselineSource(baseline),
    )
    assert [a.baseline_value for a in assertions] == [10, 10, 100, pytest.approx(100 / 3), 3, 1]
    results = evaluate(assertions, RunStatsSource(current))
    assert [r.passed for r in results] == [True, False, True, True, True, True]
    assert (results[1].actual, results[1].baseline, results[1].limit) == (30, 10, 20)
    assert results[1].message == "actual 30, baseline 10, limit 20"
    assert results[0].to_json() == {
        "expression": 'request("Home").max <= baseline * 3',
        "actual": 30.0,
        "passed": True,
        "baseline": 10.0,
        "limit": 30.0,
    }


def test_evaluate_binds_a_baseline_given_to_it():
    current, baseline = stats_of_text(TWO_PAYS)
    (result,) = evaluate(
        parse_all(["global.max <= baseline"]), RunStatsSource(current), BaselineSource(baseline)
    )
    assert (result.passed, result.actual, result.baseline, result.limit) == (True, 400, 400, 400)


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        (
            "global.p95 < baseline * 1.1",
            "threshold 'global.p95 < baseline * 1.1' compares with the baseline, "
            "but no --baseline was given",
        ),
    ],
)
def test_relative_threshold_without_a_baseline_is_an_input_error(expression, message):
    current, _ = stats_of_text(TWO_PAYS)
    with pytest.raises(InputError) as caught:
        bind_baseline(parse_all([expression]), None)
    assert str(caught.value) == message
    with pytest.raises(InputError) as caught:
        evaluate(parse_all([expression]), RunStatsSource(current))
    assert str(caught.value) == message


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        (
            'request("Login").p95 < baseline * 1.10',
            'threshold request("Login"): no request of that name in the baseline '
            '(known: "Pay", "Home")',
        ),
        (
            'request("Pay").mean < baseline',
            'threshold request("Pay"): 2 requests have that name in the baseline (A / Pay; '
            'B / Pay); give the group path first, e.g. request("Group", "Pay")',
        ),
        (
            'group("C").mean < baseline',
            'threshold group("C"): no group of that name in the baseline (known: "A", "B")',
        ),
        (
            "global.p99.9 < baseline",
            "threshold 'global.p99.9 < baseline': the baseline has no p99.9 "
            "(its percentiles: p50, p75, p95, p99)",
        ),
    ],
)
def test_baseline_lacking_what_a_threshold_names_is_an_input_error(expression, message):
    _, baseline = stats_of_text(TWO_PAYS)
    with pytest.raises(InputError) as caught:
        bind_baseline(parse_all([expression]), BaselineSource(baseline))
    assert str(caught.value) == message


def test_a_percentile_of_the_baselines_own_ranks_is_found():
    current, _ = stats_of_text(TWO_PAYS)
    tree = stats_tree_json(current, StatsSettings(percentiles=(50.0, 99.9)))
    ranks = report_stats(tree, (50.0, 99.9))
    (bound,) = bind_baseline(parse_all(["global.p99.9 <= baseline"]), BaselineSource(ranks))
    assert bound.baseline_value == tree["stats"]["percentiles2"]["total"] > 300


def test_relative_failure_through_the_cli_output_and_junit(tmp_path: Path):
    (tmp_path / "base").mkdir()
    (tmp_path / "slow").mkdir()
    base_result, base = build(tmp_path / "base")
    assert base_result.exit_code == 0
    junit = tmp_path / "junit.xml"
    result, out = build(
        tmp_path / "slow",
        "--baseline", str(base),
        "--assert", 'request("Home").max < baseline * 1.5',
        "--assert", "global.count == baseline",
        "--junit", str(junit),
        log_text=SLOWER_HOME,
    )  # fmt: skip
    assert result.exit_code == 3
    assert result.stdout.endswith(
        "Thresholds: 1 passed, 1 failed\n"
        '  FAILED  request("Home").max < baseline * 1.5  (actual 30)\n'
        "  passed  global.count == baseline  (actual 3)\n"
        f"Report: {(out / 'index.html').resolve()}\n"
    )
    assert result.stderr == (
        'error: 1 of 2 assertions failed: request("Home").max < baseline * 1.5 (actual 30)\n'
    )
    verdicts = json.loads((out / "summary.json").read_text())["thresholds"]
    assert verdicts == [
        {
            "expression": 'request("Home").max < baseline * 1.5',
            "actual": 30.0,
            "passed": False,
            "baseline": 10.0,
            "limit": 15.0,
        },
        {
            "expression": "global.count == baseline",
            "actual": 3.0,
            "passed": True,
            "baseline": 3.0,
            "limit": 3.0,
        },
    ]
    failure = ET.parse(junit).getroot().find("testcase/failure")
    assert failure.attrib["message"] == 'request("Home").max < baseline * 1.5: actual 30'
    assert failure.text == "actual 30, baseline 10, limit 15"
