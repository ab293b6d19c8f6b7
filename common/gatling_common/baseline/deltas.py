"""The change of every metric between a baseline and the current run, node by node.

Nodes (the run, each request, each group) are matched by kind and path of names (as in
stats.json's `contents` tree); nodes on one side only are `added` (current only) or `removed`
(baseline only). Metrics compared, each on the `total` split (OK and KO): count, ok, ko,
ko_percent, min, max, mean, the percentiles both reports have (by rank: `p95` is compared only
when both computed a 95th percentile), rps (stats.json's meanNumberOfRequestsPerSecond), and the
response-time range counts (range_below, range_between, range_above, range_failed) when both
reports have them with the same bounds (Gatling 3.14's table has no ranges).
Verdicts and their tolerances: verdict.py.
"""

from __future__ import annotations

from dataclasses import dataclass

from gatling_common.baseline.stats import NodeKind, NodeStats, ReportStats
from gatling_common.baseline.verdict import Verdict, relative_change, rule_for, verdict

PLAIN = ("count", "ok", "ko", "ko_percent", "mean", "min", "max")
RANGES = ("range_below", "range_between", "range_above", "range_failed")
VERDICT_ORDER: dict[Verdict, int] = {"same": 0, "better": 1, "changed": 2, "worse": 3}


@dataclass(frozen=True)
class MetricDelta:
    metric: str  # count, ok, ko, ko_percent, mean, min, max, pNN, rps
    baseline: float
    current: float
    change: float  # current - baseline
    relative: float | None  # change / baseline; None when the baseline is 0 and current is not
    verdict: Verdict


@dataclass(frozen=True)
class NodeRef:
    kind: NodeKind
    path: tuple[str, ...]


@dataclass(frozen=True)
class NodeDelta:
    kind: NodeKind
    path: tuple[str, ...]
    metrics: tuple[MetricDelta, ...]

    def metric(self, name: str) -> MetricDelta | None:
        return next((m for m in self.metrics if m.metric == name), None)

    def worse(self) -> tuple[MetricDelta, ...]:
        return tuple(m for m in self.metrics if m.verdict == "worse")

    @property
    def verdict(self) -> Verdict:
        """The node's overall verdict: worse if any metric is, else changed, better, same."""
        return max((m.verdict for m in self.metrics), key=VERDICT_ORDER.__getitem__, default="same")


@dataclass(frozen=True)
class Comparison:
    percentiles: tuple[float, ...]  # the ranks both reports have
    deltas: tuple[NodeDelta, ...]  # the run first, then the current report's tree order
    added: tuple[NodeRef, ...]  # in the current run only
    removed: tuple[NodeRef, ...]  # in the baseline only

    def get(self, kind: NodeKind, path: tuple[str, ...]) -> NodeDelta | None:
        return next((d for d in self.deltas if (d.kind, d.path) == (kind, path)), None)


def percentile_name(rank: float) -> str:
    """`p95`, `p99.9`: the thresholds' spelling of a percentile."""
    return f"p{rank:g}"


def metric_values(node: NodeStats, ranks: tuple[float, ...]) -> list[tuple[str, float]]:
    values: list[tuple[str, float]] = [
        ("count", float(node.count)),
        ("ok", float(node.ok)),
        ("ko", float(node.ko)),
        ("ko_percent", node.ko_percent),
        ("mean", node.mean),
        ("min", node.min),
        ("max", node.max),
    ]
    values += [(percentile_name(r), node.percentiles[r]) for r in ranks]
    values.append(("rps", node.rps))
    return values


def delta(metric: str, baseline: float, current: float) -> MetricDelta:
    return MetricDelta(
        metric=metric,
        baseline=baseline,
        current=current,
        change=current - baseline,
        relative=relative_change(baseline, current),
        verdict=verdict(rule_for(metric), baseline, current),
    )


def node_delta(baseline: NodeStats, current: NodeStats, ranks: tuple[float, ...]) -> NodeDelta:
    pairs = zip(metric_values(baseline, ranks), metric_values(current, ranks), strict=True)
    metrics = [delta(name, b, c) for (name, b), (_, c) in pairs]
    if baseline.ranges and current.ranges and baseline.bounds == current.bounds:
        zipped = zip(RANGES, baseline.ranges, current.ranges, strict=True)
        metrics += [delta(name, float(b), float(c)) for name, b, c in zipped]
    return NodeDelta(current.kind, current.path, tuple(metrics))


def compare(baseline: ReportStats, current: ReportStats) -> Comparison:
    """Every matched node's deltas, and the nodes on one side only."""
    ranks = tuple(r for r in current.percentiles if r in set(baseline.percentiles))
    deltas: list[NodeDelta] = []
    added: list[NodeRef] = []
    for node in current.nodes:
        before = baseline.get(node.kind, node.path)
        if before is None:
            added.append(NodeRef(node.kind, node.path))
        else:
            deltas.append(node_delta(before, node, ranks))
    removed = [
        NodeRef(n.kind, n.path) for n in baseline.nodes if current.get(n.kind, n.path) is None
    ]
    return Comparison(ranks, tuple(deltas), tuple(added), tuple(removed))
