"""Threshold expressions: what parses, and the one-line errors for what does not."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from gatling_common.errors import InputError
from gatling_reporter.junit import SUITE_NAME, junit_xml
from gatling_reporter.thresholds import (
    AssertionResult,
    AssertionsFailed,
    Relative,
    Target,
    check,
    load_assertions_file,
    parse_all,
    parse_assertion,
)


@pytest.mark.parametrize(
    ("text", "target", "metric", "op", "value", "percentile"),
    [
        ("global.p95 < 800", Target("global"), "percentile", "<", 800, 95.0),
        ("global.ko_percent <= 1", Target("global"), "ko_percent", "<=", 1, None),
        ('request("Login").p99 < 1500', Target("request", ("Login",)), "percentile", "<", 1500, 99),
        ("group('Checkout').mean<300", Target("group", ("Checkout",)), "mean", "<", 300, None),
        ("global.rps >= 200", Target("global"), "rps", ">=", 200, None),
        ("  global.p99.9 != 12.5 ", Target("global"), "percentile", "!=", 12.5, 99.9),
        (
            'request("A", "B \\"x\\"").count == 3',
            Target("request", ("A", 'B "x"')),
            "count",
            "==",
            3,
            None,
        ),
        ("global.min > -1", Target("global"), "min", ">", -1, None),
        ("global.p0 >= 0", Target("global"), "percentile", ">=", 0, 0.0),
        ("global.p100 <= 1e4", Target("global"), "percentile", "<=", 10000, 100.0),
    ],
)
def test_parses(text, target, metric, op, value, percentile):
    parsed = parse_assertion(text)
    assert parsed.target == target
    assert parsed.metric == metric
    assert parsed.operator == op
    assert parsed.value == value
    assert parsed.percentile == percentile
    assert parsed.expression == text.strip()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("global.p95 <", "--assert 'global.p95 <': expected a number at column 13"),
        (
            "global.p95 800",
            "--assert 'global.p95 800': expected an operator (<, <=, >, >=, ==, !=) at column 12",
        ),
        (
            "glob.p95 < 1",
            "--assert 'glob.p95 < 1': expected global, request(\"...\") or "
            'group("...") at column 1',
        ),
        (
            "global.p101 < 1",
            "--assert 'global.p101 < 1': expected a metric (count, ok, ko, "
            "ko_percent, min, max, mean, stddev, rps, or p0 to p100) at column 8",
        ),
        ("global.latency < 1", "at column 8"),
        ("request(Login).p99 < 1", "expected a quoted name at column 9"),
        ('request("Login.p99 < 1', "expected a closing quote for the name starting at column 9"),
        ('request("Login".p99 < 1', "expected ')' or ',' at column 16"),
        ("global p95 < 1", "expected '.' and a metric at column 8"),
        ("global.p95 < 1 and more", "expected the end of the expression at column 16"),
        ("global.p95 < abc", "expected a number at column 14"),
        ("", "expected global"),
        ("global.p95 < 1; import os", "expected the end of the expression at column 15"),
    ],
)
def test_errors_point_at_expression_and_column(text, message):
    with pytest.raises(InputError) as caught:
        parse_assertion(text)
    assert message in str(caught.value)
    assert "\n" not in str(caught.value)


def test_file_yaml_and_json(tmp_path: Path):
    yml = tmp_path / "t.yaml"
    yml.write_text('- global.p95 < 800\n- expr: request("Login").p99 < 1500\n')
    js = tmp_path / "t.json"
    js.write_text(json.dumps(["global.rps >= 200", {"expr": "global.ko <= 0"}]))
    parsed = parse_all(["global.max < 5"], [yml, js])
    assert [p.expression for p in parsed] == [
        "global.max < 5",
        "global.p95 < 800",
        'request("Login").p99 < 1500',
        "global.rps >= 200",
        "global.ko <= 0",
    ]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("global.p95: 3", "expected a list of expressions"),
        ("- 12\n", "item 1: expected a string or {{expr: ...}}"),
        ("- global.p95 <\n", "assertions file {path} item 1 'global.p95 <': expected a number"),
        ("- [unclosed\n", "not valid YAML/JSON"),
    ],
)
def test_file_errors(tmp_path: Path, content, message):
    path = tmp_path / "t.yml"
    path.write_text(content)
    with pytest.raises(InputError) as caught:
        load_assertions_file(path)
    assert message.format(path=path) in str(caught.value)
    assert "\n" not in str(caught.value)


def test_missing_file(tmp_path: Path):
    with pytest.raises(InputError, match=r"assertions file .*nope\.yml: cannot read it"):
        load_assertions_file(tmp_path / "nope.yml")


def test_check_raises_with_exit_code_3():
    results = [
        AssertionResult("global.p95 < 800", 950.0, False, "actual 950"),
        AssertionResult("global.rps >= 1", 2.5, True),
    ]
    with pytest.raises(AssertionsFailed) as caught:
        check(results)
    assert caught.value.exit_code == 3
    assert str(caught.value) == "1 of 2 assertions failed: global.p95 < 800 (actual 950)"
    check(results[1:])  # all passed: no exception


def test_junit_structure():
    results = [
        AssertionResult("global.p95 < 800", 950.0, False, "actual 950"),
        AssertionResult('request("<Login>").p99 < 1500', 12.25, True),
    ]
    root = ET.fromstring(junit_xml(results, simulation="demo.Sim"))
    assert root.tag == "testsuite"
    assert root.attrib["name"] == SUITE_NAME
    assert (root.attrib["tests"], root.attrib["failures"], root.attrib["errors"]) == ("2", "1", "0")
    cases = root.findall("testcase")
    assert [c.attrib["name"] for c in cases] == [r.expression for r in results]
    assert all(c.attrib["classname"] == "demo.Sim" for c in cases)
    failure = cases[0].find("failure")
    assert failure is not None
    assert failure.attrib["message"] == "global.p95 < 800: actual 950"
    assert cases[1].find("failure") is None
    assert root.find("properties/property").attrib == {"name": "simulation", "value": "demo.Sim"}


# -- relative thresholds (issue #15): the right side names the baseline ---------------------


@pytest.mark.parametrize(
    ("text", "relative", "limit_of_100"),
    [
        ('request("Login").p95 < baseline * 1.10', Relative("*", 1.1), 110.0),
        ("global.ko_percent <= baseline + 1", Relative("+", 1.0), 101.0),
        ("global.rps >= baseline * 0.95", Relative("*", 0.95), 95.0),
        ("global.mean<baseline-5", Relative("-", 5.0), 95.0),
        ("global.max <= baseline", Relative(), 100.0),
        ("  global.p99.9 != baseline *2e0 ", Relative("*", 2.0), 200.0),
    ],
)
def test_parses_relative(text, relative, limit_of_100):
    parsed = parse_assertion(text)
    assert parsed.relative == relative
    assert parsed.relative.limit(100.0) == pytest.approx(limit_of_100)
    assert parsed.baseline_value is None  # bound later, from the baseline
    assert parsed.expression == text.strip()


def test_absolute_thresholds_have_no_relative_part():
    assert parse_assertion("global.p95 < 800").relative is None


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "global.p95 < baseline / 2",
            "--assert 'global.p95 < baseline / 2': expected '*', '+' or '-' and a number "
            "after baseline, or the end at column 23",
        ),
        (
            "global.p95 < baseline *",
            "--assert 'global.p95 < baseline *': expected a number at column 24",
        ),
        ("global.p95 < baseline * -1", "expected a number at column 25"),
        ("global.p95 < baseline * x", "expected a number at column 25"),
        ("global.p95 < baseline + 1 ms", "expected the end of the expression at column 27"),
        ("global.p95 < baselines", "expected a number at column 14"),
        ("global.p95 < 2 * baseline", "expected the end of the expression at column 16"),
    ],
)
def test_relative_errors_point_at_expression_and_column(text, message):
    with pytest.raises(InputError) as caught:
        parse_assertion(text)
    assert message in str(caught.value)
    assert "\n" not in str(caught.value)


def test_relative_result_json_and_junit_carry_baseline_and_limit():
    failed = AssertionResult(
        "global.p95 < baseline * 1.1",
        130.0,
        False,
        "actual 130, baseline 100, limit 110",
        100.0,
        110.0,
    )
    assert failed.to_json() == {
        "expression": "global.p95 < baseline * 1.1",
        "actual": 130.0,
        "passed": False,
        "baseline": 100.0,
        "limit": 110.0,
    }
    case = ET.fromstring(junit_xml([failed])).find("testcase")
    assert case.find("failure").attrib["message"] == "global.p95 < baseline * 1.1: actual 130"
    assert case.find("failure").text == "actual 130, baseline 100, limit 110"
    plain = AssertionResult("global.p95 < 800", 950.0, False, "actual 950")
    assert set(plain.to_json()) == {"expression", "actual", "passed"}  # unchanged
