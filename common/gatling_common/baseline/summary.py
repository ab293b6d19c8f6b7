"""The `baseline` section of summary.json: the baseline used and every delta, for CI systems.

    {"baseline": {"ref": "s3://...", "kind": "ours" | "gatling", "run": {...}},
     "percentiles": [50.0, 95.0],          # the ranks compared (those both reports have)
     "deltas": [{"kind": "request", "path": ["Checkout", "Pay"], "verdict": "worse",
                 "metrics": [{"metric": "p95", "baseline": 120, "current": 180,
                              "change": 60, "relative": 0.5, "verdict": "worse"}, ...]}, ...],
     "added": [{"kind": "request", "path": ["New"]}],
     "removed": [{"kind": "group", "path": ["Old"]}]}

`relative` is null when the baseline value is 0 and the current one is not. Numbers are plain JSON
(whole numbers as integers).
"""

from __future__ import annotations

from typing import Any

from gatling_common.baseline.deltas import Comparison, MetricDelta, NodeDelta, NodeRef, compare
from gatling_common.baseline.load import Baseline
from gatling_common.baseline.stats import ReportStats


def _number(value: float) -> float | int:
    return int(value) if float(value).is_integer() else value


def _metric(m: MetricDelta) -> dict[str, Any]:
    return {
        "metric": m.metric,
        "baseline": _number(m.baseline),
        "current": _number(m.current),
        "change": _number(m.change),
        "relative": m.relative,
        "verdict": m.verdict,
    }


def _node(d: NodeDelta) -> dict[str, Any]:
    return {
        "kind": d.kind,
        "path": list(d.path),
        "verdict": d.verdict,
        "metrics": [_metric(m) for m in d.metrics],
    }


def _ref(r: NodeRef) -> dict[str, Any]:
    return {"kind": r.kind, "path": list(r.path)}


def comparison_json(baseline: Baseline, comparison: Comparison) -> dict[str, Any]:
    """The section's dict for an already computed comparison."""
    return {
        "baseline": {"ref": baseline.ref, "kind": baseline.kind, "run": dict(baseline.run)},
        "percentiles": list(comparison.percentiles),
        "deltas": [_node(d) for d in comparison.deltas],
        "added": [_ref(r) for r in comparison.added],
        "removed": [_ref(r) for r in comparison.removed],
    }


def baseline_summary(baseline: Baseline, current: ReportStats) -> dict[str, Any]:
    """summary.json's `baseline` section: `current` (the run's stats.json, see
    stats.report_stats) compared with the baseline."""
    return comparison_json(baseline, compare(baseline.stats, current))
