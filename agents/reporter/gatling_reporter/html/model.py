"""What the HTML pages show, independent of how the statistics engine stores it.

`render.py` turns a `ReportModel` into pages; `adapter.py` builds one from the engine's report data.
Times are epoch milliseconds; every list in a series has one value per point of `time`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from gatling_reporter.html.overlay import Overlay
from gatling_reporter.thresholds import AssertionResult


@dataclass(frozen=True)
class PodView:
    name: str
    status: str  # COMPLETED, FAILED, or "" when unknown (a local file)
    version: str
    requests: int


@dataclass(frozen=True)
class RunView:
    simulation: str
    description: str
    start_ms: int | None
    end_ms: int | None
    versions: list[str]
    pods: list[PodView]
    skipped: dict[str, int] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    comparison: dict[str, Any] | None = None  # summary.json's, when built with --baseline


@dataclass(frozen=True)
class Distribution:
    x: list[int]  # response-time bucket (ms)
    ok: list[float]  # % of requests in that bucket
    ko: list[float]


@dataclass(frozen=True)
class Points:
    """A series with its own x values (users: a bucket without a second is left out)."""

    x: list[int]
    y: list[int]


@dataclass(frozen=True)
class NodeSeries:
    """The charts of one page (global, a group or a request), from js/series.json.

    `time` is each bucket's label in epoch ms; every list of a time series has one value per
    bucket. Percentiles are the ten of Gatling's chart (min, p25, ..., p99, max) of OK ones.
    Group pages have no throughput: their `percentiles` and `distribution` are of the duration,
    `cumulated_*` of the cumulated response time."""

    time: list[int]
    percentiles: dict[str, list[int | None]]
    distribution: Distribution
    requests: tuple[list[int], list[int]] | None = None  # (OK, KO) per second, by start
    responses: tuple[list[int], list[int]] | None = None  # (OK, KO) per second, by end
    cumulated_percentiles: dict[str, list[int | None]] | None = None
    cumulated_distribution: Distribution | None = None
    scatter: tuple[list[list[int]], list[list[int]]] | None = None  # (OK, KO) [rps, p95 ms]
    users: dict[str, Points] = field(default_factory=dict)  # scenario -> active users
    users_all: Points | None = None
    extra_percentiles: dict[str, list[int | None]] = field(default_factory=dict)  # --percentiles
    baseline: Overlay | None = None  # the --baseline's page, on this run's clock


@dataclass(frozen=True)
class PodSummary:
    """One pod's totals; response times are of OK requests, per-second quantized (< 1.6 %)."""

    count: int
    ko: int
    rps: float
    mean: int | None
    p95: int | None
    max: int | None


@dataclass(frozen=True)
class PodSeries:
    name: str
    time: list[int]
    rps: list[int]
    p95: list[int | None]
    ko_percent: list[float | None]
    summary: PodSummary


@dataclass(frozen=True)
class ErrorRow:
    message: str
    count: int
    percentage: float


@dataclass(frozen=True)
class ReportModel:
    run: RunView
    stats_tree: Mapping[str, Any]  # js/stats.json
    percentile_labels: list[str]  # e.g. ["p50", "p75", "p95", "p99"] for percentiles1..4
    errors: list[ErrorRow]
    thresholds: list[AssertionResult]
    global_series: NodeSeries | None
    node_series: dict[str, NodeSeries]  # by the node's pathFormatted
    node_errors: dict[str, list[ErrorRow]]  # by pathFormatted, when the engine has them
    pods: list[PodSeries]
