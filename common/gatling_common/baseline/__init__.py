"""Compare a run with a baseline report (issue #15): load it, compute deltas, summarize them.

- `load.load_baseline(ref)`: a report folder of ours or Gatling's, or a storage location;
- `stats.report_stats(tree, percentiles)`: a js/stats.json document as nodes;
- `deltas.compare(baseline, current)`: per node and metric, the change and a verdict
  (verdict.py documents directions and tolerances);
- `summary.baseline_summary(baseline, current)`: summary.json's `baseline` section.
"""

from gatling_common.baseline.deltas import Comparison, MetricDelta, NodeDelta, NodeRef, compare
from gatling_common.baseline.load import Baseline, BaselineError, load_baseline
from gatling_common.baseline.stats import NodeStats, ReportStats, report_stats
from gatling_common.baseline.summary import baseline_summary

__all__ = [
    "Baseline",
    "BaselineError",
    "Comparison",
    "MetricDelta",
    "NodeDelta",
    "NodeRef",
    "NodeStats",
    "ReportStats",
    "baseline_summary",
    "compare",
    "load_baseline",
    "report_stats",
]
