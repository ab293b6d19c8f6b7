"""Deltas between a baseline and a run: matching, values, verdicts, added / removed."""

from __future__ import annotations

import pytest
from gatling_common.baseline import compare, report_stats
from gatling_common.baseline.deltas import NodeRef, percentile_name
from gatling_common.baseline.verdict import RULES, TIME_RULE, rule_for, verdict

from tests.baseline.helpers import group, request, tree


def stats(*children, percentiles=(50.0, 75.0, 95.0, 99.0), **root):
    return report_stats(tree(*children, **root), percentiles)


def test_identical_reports_have_zero_change_everywhere():
    one = stats(request("Home"), group("Shop", request("Pay", ("Shop",))))
    comparison = compare(one, one)
    assert [(d.kind, d.path) for d in comparison.deltas] == [
        ("global", ()),
        ("request", ("Home",)),
        ("group", ("Shop",)),
        ("request", ("Shop", "Pay")),
    ]
    assert (comparison.added, comparison.removed) == ((), ())
    for node in comparison.deltas:
        assert [m.metric for m in node.metrics] == [
            "count", "ok", "ko", "ko_percent", "mean", "min", "max",
            "p50", "p75", "p95", "p99", "rps",
        ]  # fmt: skip
        assert all((m.change, m.relative, m.verdict) == (0, 0.0, "same") for m in node.metrics)
        assert node.verdict == "same"


def test_values_changes_and_verdicts():
    before = stats(request("Pay", count=100, ko=2, mean=100, p=(90, 110, 150, 180), rps=10.0))
    after = stats(request("Pay", count=100, ko=5, mean=130, p=(90, 110, 151, 170), rps=9.0))
    pay = compare(before, after).get("request", ("Pay",))
    assert pay is not None
    got = {m.metric: (m.baseline, m.current, m.change, m.relative, m.verdict) for m in pay.metrics}
    assert got["mean"] == (100, 130, 30, 0.3, "worse")
    assert got["ko"] == (2, 5, 3, 1.5, "changed")
    assert got["ko_percent"] == (2.0, 5.0, 3.0, 1.5, "worse")
    assert got["p95"] == (150, 151, 1, 1 / 150, "same")  # 1 ms: within the tolerance
    assert got["p99"][4] == "better"
    assert got["rps"] == (10.0, 9.0, -1.0, -0.1, "worse")  # higher is better
    assert got["count"][4] == "same"
    assert pay.verdict == "worse"
    assert [m.metric for m in pay.worse()] == ["ko_percent", "mean", "rps"]


def test_added_and_removed_nodes_are_listed_not_compared():
    before = stats(request("Home"), request("Old"), group("G", request("In", ("G",))))
    after = stats(request("Home"), request("New"), request("In"))
    comparison = compare(before, after)
    assert [d.path for d in comparison.deltas] == [(), ("Home",)]
    assert comparison.added == (NodeRef("request", ("New",)), NodeRef("request", ("In",)))
    assert comparison.removed == (
        NodeRef("request", ("Old",)),
        NodeRef("group", ("G",)),
        NodeRef("request", ("G", "In")),
    )


def test_a_group_and_a_request_of_one_name_are_different_nodes():
    before = stats(group("X", request("r", ("X",))))
    after = stats(request("X"))
    comparison = compare(before, after)
    assert comparison.added == (NodeRef("request", ("X",)),)
    assert NodeRef("group", ("X",)) in comparison.removed


def test_only_the_percentiles_both_reports_have_are_compared():
    before = stats(percentiles=(50.0, 90.0, 95.0, 99.9))
    after = stats(percentiles=(50.0, 75.0, 95.0, 99.0))
    comparison = compare(before, after)
    assert comparison.percentiles == (50.0, 95.0)
    run = comparison.deltas[0]
    assert [m.metric for m in run.metrics if m.metric.startswith("p")] == ["p50", "p95"]
    # matched by rank: the baseline's p95 is its 3rd value, as is ours
    assert run.metric("p95").baseline == 150 and run.metric("p50").baseline == 90


@pytest.mark.parametrize(
    ("metric", "baseline", "current", "expected"),
    [
        ("mean", 100, 101, "same"),  # 1 ms
        ("mean", 100, 102, "worse"),  # 2 ms and 2 %
        ("p95", 1000, 1019, "same"),  # 1.9 %
        ("p95", 1000, 1020, "worse"),  # 2 %
        ("p95", 1000, 980, "better"),
        ("max", 0, 5, "worse"),  # no relative change from 0: the absolute bound only
        ("ko_percent", 0.0, 0.1, "same"),
        ("ko_percent", 0.0, 0.2, "worse"),
        ("ko_percent", 10.0, 9.0, "better"),
        ("rps", 100.0, 98.5, "same"),
        ("rps", 100.0, 97.0, "worse"),
        ("rps", 100.0, 103.0, "better"),
        ("count", 100, 101, "changed"),  # counts follow the load: never better or worse
        ("ok", 100, 100, "same"),
    ],
)
def test_verdict_tolerances(metric, baseline, current, expected):
    assert verdict(rule_for(metric), baseline, current) == expected


def test_every_percentile_is_a_time():
    assert rule_for("p99.9") is TIME_RULE and RULES["mean"] is TIME_RULE
    assert percentile_name(99.9) == "p99.9" and percentile_name(95.0) == "p95"


def _with_ranges(node_tree: dict, counts: tuple[int, ...], bounds: tuple[int, int]) -> dict:
    low, high = bounds
    names = (f"t < {low} ms", f"{low} ms <= t < {high} ms", f"t >= {high} ms", "failed")
    for i, (name, count) in enumerate(zip(names, counts, strict=True), start=1):
        node_tree["stats"][f"group{i}"] = {"name": name, "count": count, "percentage": 0}
    return node_tree


def test_range_counts_are_compared_when_both_have_the_same_bounds():
    before = report_stats(_with_ranges(tree(), (90, 5, 3, 2), (800, 1200)), (50, 75, 95, 99))
    after = report_stats(_with_ranges(tree(), (80, 12, 6, 2), (800, 1200)), (50, 75, 95, 99))
    run = compare(before, after).deltas[0]
    got = {m.metric: (m.baseline, m.current, m.verdict) for m in run.metrics}
    assert got["range_below"] == (90, 80, "changed")
    assert got["range_between"] == (5, 12, "changed")
    assert got["range_above"] == (3, 6, "changed")
    assert got["range_failed"] == (2, 2, "same")
    other = report_stats(_with_ranges(tree(), (80, 12, 6, 2), (500, 1000)), (50, 75, 95, 99))
    names = {m.metric for m in compare(before, other).deltas[0].metrics}
    assert not {n for n in names if n.startswith("range_")}  # other bounds: not comparable
