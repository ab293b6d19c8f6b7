"""Which way a metric should move, and how much change counts as none ("same").

Tolerances (a change within either bound is "same"):

| metric | better | same when |
|---|---|---|
| min, max, mean, percentiles (ms) | lower | abs change <= 1 ms, or relative change < 2 % |
| ko_percent (percentage points) | lower | abs change <= 0.1 point, or relative change < 2 % |
| rps (requests per second) | higher | abs change <= 0.01 /s, or relative change < 2 % |
| count, ok, ko, range_* (range counts) | none | no change at all; any change is "changed" |

1 ms absorbs stats.json's whole milliseconds and Gatling's own percentile estimates (off by 1 or
2 ms on big runs, where 2 % covers them); 2 % is below the run-to-run noise of a load test, so
"worse" means a change worth looking at. Counts follow the load, not the system's health: they
are shown as "changed", never better or worse (KO % says whether failures grew).
A relative change is (current - baseline) / baseline; with a baseline of 0 it is None (unless
both are 0) and only the absolute bound applies.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Direction = Literal["lower", "higher", "none"]
Verdict = Literal["better", "same", "worse", "changed"]


@dataclass(frozen=True)
class Tolerance:
    absolute: float  # in the metric's unit
    relative: float  # a fraction: 0.02 is 2 %


TIME = Tolerance(absolute=1.0, relative=0.02)
KO_PERCENT = Tolerance(absolute=0.1, relative=0.02)
RPS = Tolerance(absolute=0.01, relative=0.02)
COUNT = Tolerance(absolute=0.0, relative=0.0)


@dataclass(frozen=True)
class MetricRule:
    direction: Direction
    tolerance: Tolerance


TIME_RULE = MetricRule("lower", TIME)
RULES: dict[str, MetricRule] = {
    "count": MetricRule("none", COUNT),
    "ok": MetricRule("none", COUNT),
    "ko": MetricRule("none", COUNT),
    "ko_percent": MetricRule("lower", KO_PERCENT),
    "min": TIME_RULE,
    "max": TIME_RULE,
    "mean": TIME_RULE,
    "rps": MetricRule("higher", RPS),
    **{name: MetricRule("none", COUNT) for name in ("range_below", "range_between",
                                                     "range_above", "range_failed")},
}  # fmt: skip


def rule_for(metric: str) -> MetricRule:
    """The rule of a metric name; `pNN` (a percentile) is a time."""
    return RULES.get(metric, TIME_RULE)


def relative_change(baseline: float, current: float) -> float | None:
    if baseline == 0:
        return 0.0 if current == 0 else None
    return (current - baseline) / abs(baseline)


def verdict(rule: MetricRule, baseline: float, current: float) -> Verdict:
    change = current - baseline
    relative = relative_change(baseline, current)
    within = abs(change) <= rule.tolerance.absolute or (
        relative is not None and abs(relative) < rule.tolerance.relative
    )
    if change == 0 or within:
        return "same"
    if rule.direction == "none":
        return "changed"
    improved = change < 0 if rule.direction == "lower" else change > 0
    return "better" if improved else "worse"
