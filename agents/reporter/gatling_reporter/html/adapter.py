"""Build the pages' `ReportModel`: the run and pods from the engine's `report_data` dict (schema
version 1, documented in gatling_common/results/report/report_data.py), every page's charts from the
js/series.json document (Gatling's chart rules, gatling_common.series). Per-pod totals
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
from gatling_common.results.statistics.percentiles import hist_of, java_round, rounded_percentile
from gatling_common.results.statistics.stats import RunStats
from gatling_common.series.percentiles import LABELS
from gatling_reporter.html.model import (
    Distribution,
    ErrorRow,
    NodeSeries,
    PodSeries,
    PodSummary,
    PodView,
    Points,
    ReportModel,
    RunView,
)
from gatling_reporter.html.overlay import baseline_pages, overlay
from gatling_reporter.thresholds import AssertionResult

SUPPORTED_VERSION = 1
POD_SUFFIXES = (".log.zst", ".log.gz", ".log", ".stats")


def pod_name(path: str) -> str:
    """`/tmp/x/pod-1.log.gz` -> `pod-1` (the transferer names objects after the pod)."""
    name = PurePath(path).name
    if name in ("simulation.log", "simulation.log.gz", "simulation.log.zst"):
        # a results folder, named by its folder
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
    series: Mapping[str, Any] | None = None,
    baseline_series: Mapping[str, Any] | None = None,
) -> ReportModel:
    """`series`: the js/series.json document the charts draw (none: pages without charts);
    `baseline_series`: the --baseline's, drawn over them where it has the same page."""
    if data.get("version") != SUPPORTED_VERSION:
        raise FleetError(
            f"report data version {data.get('version')!r}: this HTML renderer reads version "
            f"{SUPPORTED_VERSION}"
        )
    times = list(data["series"]["times"])
    pages = {(p["kind"], tuple(p["path"])): p for p in (series or {}).get("pages", [])}
    theirs = baseline_pages(baseline_series)
    nodes = {
        key: node_series(pages[page], theirs.get(page))
        for key, page in page_keys(data["stats"])
        if page in pages
    }
    root = pages.get(("global", ()))
    return ReportModel(
        run=_run(data),
        stats_tree=data["stats"],
        percentile_labels=[percentile_label(p) for p in data["settings"]["percentiles"]],
        errors=[ErrorRow(e["message"], e["count"], e["percentage"]) for e in data["errors"]],
        thresholds=list(thresholds),
        global_series=node_series(root, theirs.get(("global", ()))) if root else None,
        node_series=nodes,
        node_errors={
            key: [ErrorRow(m, c, pct) for m, c, pct in pages[page]["errors"]]
            for key, page in page_keys(data["stats"])
            if page in pages and "errors" in pages[page]
        },
        pods=_pods(data, times, stats, (root or {}).get("pods")),
    )


PageKey = tuple[str, tuple[str, ...]]


def page_keys(tree: Mapping[str, Any]) -> list[tuple[str, PageKey]]:
    """(pathFormatted, series page key) of every node of the stats.json tree."""
    found: list[tuple[str, PageKey]] = []

    def walk(node: Mapping[str, Any], groups: tuple[str, ...]) -> None:
        for child in (node.get("contents") or {}).values():
            path = (*groups, str(child.get("name", "")))
            kind = "group" if child.get("type") == "GROUP" else "request"
            found.append((str(child.get("pathFormatted") or ""), (kind, path)))
            if kind == "group":
                walk(child, path)

    walk(tree, ())
    return found


def _distribution(raw: Mapping[str, Any]) -> Distribution:
    """Both sides over one axis: the union of their bars (per-value charts differ by side)."""
    ok = {int(ms): pct for ms, pct in raw["ok"] if ms is not None}
    ko = {int(ms): pct for ms, pct in raw["ko"] if ms is not None}
    x = sorted(ok.keys() | ko.keys())
    return Distribution(x, [ok.get(v, 0.0) for v in x], [ko.get(v, 0.0) for v in x])


def _bands(points: list[list[Any]]) -> dict[str, list[int | None]]:
    values = [p[1] for p in points]
    return {
        label: [None if v is None else int(v[i]) for v in values] for i, label in enumerate(LABELS)
    }


def _split(points: list[list[Any]]) -> tuple[list[int], list[int]]:
    return [int(p[2]) for p in points], [int(p[3]) for p in points]


def _points(points: list[list[int]]) -> Points:
    return Points([int(t) * 1000 for t, _ in points], [int(n) for _, n in points])


def node_series(page: Mapping[str, Any], base: Mapping[str, Any] | None = None) -> NodeSeries:
    if page["kind"] == "group":
        return NodeSeries(
            time=[int(t) * 1000 for t, _ in page["duration_percentiles"]],
            percentiles=_bands(page["duration_percentiles"]),
            distribution=_distribution(page["duration_distribution"]),
            cumulated_percentiles=_bands(page["cumulated_percentiles"]),
            cumulated_distribution=_distribution(page["cumulated_distribution"]),
            baseline=overlay(page, base),
        )
    scatter = page.get("rps_scatter")
    users = page.get("users") or {}
    return NodeSeries(
        time=[int(p[0]) * 1000 for p in page["requests"]],
        percentiles=_bands(page["percentiles"]),
        distribution=_distribution(page["distribution"]),
        requests=_split(page["requests"]),
        responses=_split(page["responses"]),
        scatter=(scatter["ok"], scatter["ko"]) if scatter else None,
        users={name: _points(points) for name, points in users.items()},
        users_all=_points(page["users_all"]) if "users_all" in page else None,
        extra_percentiles={
            label: [None if v is None else int(v) for _, v in points]
            for label, points in (page.get("extra_percentiles") or {}).items()
        },
        baseline=overlay(page, base),
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
        warnings=list(data.get("warnings", [])),
        comparison=data.get("comparison"),
    )


def _pods(
    data: Mapping[str, Any],
    times: list[int],
    stats: RunStats | None,
    exact: list[Mapping[str, Any]] | None,
) -> list[PodSeries]:
    """Totals are exact from the chart data's `pods` when present (records read), otherwise
    from the engine's per-input tables (per-second quantized response times)."""
    inputs = data["inputs"]
    duration = max(int(data["run"]["duration_s"]), 1)
    pods = []
    for index, raw in enumerate(data["series"]["inputs"]):
        if exact is not None and len(exact) == len(inputs):
            e = exact[index]
            summary = PodSummary(
                e["requests"], e["ko"], e["requests"] / duration, e["mean"], e["p95"], e["max"]
            )
        elif stats is not None:
            summary = pod_summary(stats, index, duration)
        else:
            summary = PodSummary(inputs[index]["requests"], 0, 0.0, None, None, None)
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
