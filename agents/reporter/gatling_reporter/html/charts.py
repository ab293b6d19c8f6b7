"""Chart specifications: what each chart plots, as plain data for static/report.js.

A spec is `{id, title, kind, xType, yTitle, series: [{name, y, x?, line?, baseline?}]}`; a series
without `x` uses the page's shared `time` axis; `baseline` marks the --baseline's lines (dotted).
report.js maps specs to ECharts options and nothing else, so every
decision about content lives here, in Python, where it is tested.
"""

from __future__ import annotations

from typing import Any

from gatling_reporter.html.model import Distribution, NodeSeries, PodSeries
from gatling_reporter.html.overlay import Overlay

Chart = dict[str, Any]
# Percentile bands, light to dark as the percentile rises, so the tail reads as "worse".
BAND_COLORS = {"min": "#dbe8f5", "p25": "#bcd5ee", "p50": "#9cc3e4", "p75": "#7aaedb",
               "p80": "#5b9bd5", "p85": "#4a86c4", "p90": "#3b71b1", "p95": "#2f5d9e",
               "p99": "#204680", "max": "#16325c"}  # fmt: skip


def node_charts(series: NodeSeries, *, with_users: bool) -> list[Chart]:
    """The charts of one page, in Gatling's order."""
    charts: list[Chart] = []
    if with_users:
        charts += _users(series)
    is_group = series.cumulated_percentiles is not None
    what = "duration" if is_group else "response time"
    charts.append(_distribution("distribution", f"Distribution of the {what}", series.distribution))
    charts.append(
        _bands(
            "percentiles",
            f"{what.capitalize()} percentiles over time (OK)",
            series.percentiles,
            series.extra_percentiles,
            series.baseline,
        )
    )
    if series.cumulated_distribution is not None and series.cumulated_percentiles is not None:
        charts.append(
            _distribution(
                "cumulated-distribution",
                "Distribution of the cumulated response time",
                series.cumulated_distribution,
            )
        )
        charts.append(
            _bands(
                "cumulated-percentiles",
                "Cumulated response time percentiles over time (OK)",
                series.cumulated_percentiles,
            )
        )
    for chart_id, title, pair in (
        ("requests", "Requests per second (by start)", series.requests),
        ("responses", "Responses per second (by end)", series.responses),
    ):
        if pair is not None:
            chart = _throughput(chart_id, title, *pair)
            if chart_id == "requests" and series.baseline and series.baseline.requests:
                ov = series.baseline
                chart["series"].append(
                    {"name": "Baseline all", "x": ov.time, "y": ov.requests, "baseline": True}
                )
            charts.append(chart)
    if series.scatter is not None and not with_users:
        charts.append(_scatter(*series.scatter))
    return [c for c in charts if has_data(c)]  # fmt: skip


def _users(series: NodeSeries) -> list[Chart]:
    lines = [{"name": name, "x": p.x, "y": p.y} for name, p in series.users.items()]
    if series.users_all is not None and len(series.users) > 1:
        lines.append({"name": "All users", "x": series.users_all.x, "y": series.users_all.y})
    return [_time_chart("users", "Active users along the run", "users", lines)] if lines else []


def _throughput(chart_id: str, title: str, ok: list[int], ko: list[int]) -> Chart:
    """All, OK and KO as three lines, not stacked: a run without KO draws no red at all."""
    lines: list[dict[str, Any]] = [
        {"name": "All", "y": [a + b for a, b in zip(ok, ko, strict=True)], "color": "#2f5d9e"},
        {"name": "OK", "y": ok},
    ]
    if any(ko):
        lines.append({"name": "KO", "y": ko})
    return _time_chart(chart_id, title, chart_id + "/s", lines)


def _bands(
    chart_id: str,
    title: str,
    values: dict[str, list[int | None]],
    extra: dict[str, list[int | None]] | None = None,
    baseline: Overlay | None = None,
) -> Chart:
    """Gatling's bands: each percentile filled down to the one below it; the report's own
    --percentiles that are not among them as dashed lines over the bands; the baseline's p50
    and p95 as dotted lines."""
    lines: list[dict[str, Any]] = [
        {"name": label, "y": y, "color": BAND_COLORS.get(label)} for label, y in values.items()
    ]
    lines += [{"name": label, "y": y, "line": True} for label, y in (extra or {}).items()]
    if baseline is not None:
        lines += [
            {"name": f"Baseline {name}", "x": baseline.time, "y": y, "line": True, "baseline": True}
            for name, y in (("p50", baseline.p50), ("p95", baseline.p95))
        ]
    return _time_chart(chart_id, title, "ms", lines, kind="bands")


def _scatter(ok: list[list[int]], ko: list[list[int]]) -> Chart:
    series = [{"name": "OK", "x": [p[0] for p in ok], "y": [p[1] for p in ok]}]
    if ko:
        series.append({"name": "KO", "x": [p[0] for p in ko], "y": [p[1] for p in ko]})
    return {
        "id": "rps-scatter",
        "title": "Response time (p95) against global requests per second",
        "kind": "scatter",
        "xType": "linear",
        "xTitle": "requests/s (all requests)",
        "yTitle": "ms",
        "series": series,
    }


def has_data(chart: Chart) -> bool:
    """A chart worth drawing: some series has a value (an empty split draws nothing)."""
    return any(v is not None for s in chart["series"] for v in s["y"])


def pod_charts(pods: list[PodSeries]) -> list[Chart]:
    def per_pod(chart_id: str, title: str, y_title: str, attr: str) -> Chart:
        return {
            "id": chart_id,
            "title": title,
            "kind": "line",
            "xType": "date",
            "yTitle": y_title,
            "series": [{"name": p.name, "x": p.time, "y": getattr(p, attr)} for p in pods],
        }

    return [
        per_pod("pod-rps", "Throughput per pod", "requests/s", "rps"),
        per_pod("pod-p95", "p95 response time per pod (OK requests)", "ms", "p95"),
        per_pod("pod-ko", "KO % per pod", "% KO", "ko_percent"),
    ]


def _distribution(chart_id: str, title: str, dist: Distribution) -> Chart:
    return {
        "id": chart_id,
        "title": title,
        "kind": "bar",
        "barmode": "stack",
        "xType": "linear",
        "xTitle": "ms",
        "yTitle": "% of requests",
        "series": [
            {"name": "OK", "x": dist.x, "y": dist.ok},
            {"name": "KO", "x": dist.x, "y": dist.ko},
        ],
    }


def _time_chart(
    chart_id: str, title: str, y_title: str, series: list[dict[str, Any]], kind: str = "line"
) -> Chart:
    return {
        "id": chart_id,
        "title": title,
        "kind": kind,
        "xType": "date",
        "yTitle": y_title,
        "series": series,
    }
