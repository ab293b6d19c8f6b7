"""Build the pages' `ReportModel` from the engine's `report_data` dict (schema version 1).

`report_data`'s schema is documented in gatling_common/results/report_data.py. Per-pod totals
(requests, KO, response times) come from the `RunStats` themselves when given: report_data only
has per-pod rates, rounded per bucket.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import PurePath
from typing import Any

import numpy as np
from gatling_common.errors import FleetError
from gatling_common.results.percentiles import hist_of, java_round, rounded_percentile
from gatling_common.results.stats import RunStats
from gatling_reporter.html.model import (
    Distribution,
    ErrorRow,
    NodeSeries,
    PodSeries,
    PodSummary,
    PodView,
    ReportModel,
    RunView,
)
from gatling_reporter.thresholds import AssertionResult

SUPPORTED_VERSION = 1
# Of the engine's ten percentiles over time, these read well on one chart.
SHOWN_PERCENTILES = ("p50", "p75", "p95", "p99")
POD_SUFFIXES = (".log.gz", ".log", ".stats")


def pod_name(path: str) -> str:
    """`/tmp/x/pod-1.log.gz` -> `pod-1` (the transferer names objects after the pod)."""
    name = PurePath(path).name
    if name in ("simulation.log", "simulation.log.gz"):  # a results folder, named by its folder
        return PurePath(path).parent.name or name
    for suffix in POD_SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)]
    return name


def percentile_label(p: float) -> str:
    return f"p{int(p)}" if p == int(p) else f"p{p:g}"


def model_from_report_data(
    data: Mapping[str, Any],
    thresholds: Sequence[AssertionResult] = (),
    stats: RunStats | None = None,
) -> ReportModel:
    if data.get("version") != SUPPORTED_VERSION:
        raise FleetError(
            f"report data version {data.get('version')!r}: this HTML renderer reads version "
            f"{SUPPORTED_VERSION}"
        )
    series = data["series"]
    times = list(series["times"])
    root_key = str(data["stats"].get("pathFormatted", ""))
    nodes: dict[str, NodeSeries] = {
        key: _node_series(times, raw) for key, raw in series["nodes"].items() if key != root_key
    }
    global_series = None
    if root_key in series["nodes"]:
        global_series = _node_series(times, series["nodes"][root_key], series["users"])
    return ReportModel(
        run=_run(data),
        stats_tree=data["stats"],
        percentile_labels=[percentile_label(p) for p in data["settings"]["percentiles"]],
        errors=[ErrorRow(e["message"], e["count"], e["percentage"]) for e in data["errors"]],
        thresholds=list(thresholds),
        global_series=global_series,
        node_series=nodes,
        node_errors={},
        pods=_pods(data, times, stats),
    )


def _run(data: Mapping[str, Any]) -> RunView:
    sim = data["simulation"]
    pods = [
        PodView(
            pod_name(i["path"]),
            "" if i["status"] == "UNKNOWN" else i["status"],
            i["gatling_version"],
            i["requests"],
        )
        for i in data["inputs"]
    ]
    return RunView(
        simulation=", ".join(sim["classes"]),
        description=" / ".join(sim["descriptions"]),
        start_ms=data["run"]["start"],
        end_ms=data["run"]["end"],
        versions=list(sim["gatling_versions"]),
        pods=pods,
        skipped=dict(data["skipped"]),
    )


def _distribution(raw: Mapping[str, Any]) -> Distribution:
    return Distribution(list(raw["times"]), list(raw["ok"]), list(raw["ko"]))


def _node_series(
    times: list[int], raw: Mapping[str, Any], users: Mapping[str, Any] | None = None
) -> NodeSeries:
    pct = raw["percentiles"]
    by_label = dict(zip(pct["labels"], pct["values"], strict=True))
    percentiles = {label: by_label[label] for label in SHOWN_PERCENTILES if label in by_label}
    if all(v is None for values in percentiles.values() for v in values):
        percentiles = {}  # a group without GROUP records of its own: nothing to chart
    pair = {
        name: (list(raw[name]["ok"]), list(raw[name]["ko"]))
        for name in ("requests", "responses")
        if name in raw
    }
    duration = raw.get("duration_distribution")
    return NodeSeries(
        time=times,
        percentiles=percentiles,
        distribution=_distribution(raw["distribution"]),
        requests=pair.get("requests"),
        responses=pair.get("responses"),
        duration_distribution=_distribution(duration) if duration else None,
        users=dict(users["scenarios"]) if users else {},
    )


def _pods(data: Mapping[str, Any], times: list[int], stats: RunStats | None) -> list[PodSeries]:
    inputs = data["inputs"]
    duration = max(int(data["run"]["duration_s"]), 1)
    pods = []
    for index, raw in enumerate(data["series"]["inputs"]):
        summary = (
            pod_summary(stats, index, duration)
            if stats is not None
            else PodSummary(inputs[index]["requests"], 0, 0.0, None, None, None)
        )
        pods.append(
            PodSeries(
                pod_name(raw["path"]),
                times,
                list(raw["responses"]),
                list(raw["p95"]),
                [None if v is None else round(v, 3) for v in raw["ko_percent"]],
                summary,
            )
        )
    return pods


def pod_summary(stats: RunStats, index: int, duration_s: int) -> PodSummary:
    """One input's totals from the engine's per-input tables."""
    inp, status, _ = stats.tables["inp_resp"].columns
    counts = stats.tables["inp_resp"].counts
    mine = inp == index
    count = int(counts[mine].sum())
    ko = int(counts[mine & (status == 1)].sum())
    p_inp, _, p_val = stats.tables["inp_ok_rt"].columns
    p_mine = p_inp == index
    hist = hist_of(p_val[p_mine], stats.tables["inp_ok_rt"].counts[p_mine])
    if hist.count == 0:
        return PodSummary(count, ko, count / duration_s, None, None, None)
    weights = hist.counts.astype(np.float64)
    mean = float(np.dot(hist.values.astype(np.float64), weights) / weights.sum())
    return PodSummary(
        count=count,
        ko=ko,
        rps=count / duration_s,
        mean=java_round(mean) if math.isfinite(mean) else None,
        p95=rounded_percentile(hist, 95.0),
        max=int(hist.values[-1]),
    )
