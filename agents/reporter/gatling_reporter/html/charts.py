"""Chart specifications: what each chart plots, as plain data for static/report.js.

A spec is `{id, title, kind, xType, yTitle, series: [{name, y, x?}]}`; a series without `x` uses
the page's shared `time` axis. report.js maps specs to ECharts options and nothing else, so every
decision about content lives here, in Python, where it is tested.
"""

from __future__ import annotations

from typing import Any

from gatling_reporter.html.model import Distribution, NodeSeries, PodSeries

Chart = dict[str, Any]
# Percentiles over time: light to dark as the percentile rises, so the tail reads as "worse".
PERCENTILE_COLORS = {"p50": "#9cc3e4", "p75": "#5b9bd5", "p95": "#2f5d9e", "p99": "#16325c"}


def node_charts(series: NodeSeries, *, with_users: bool) -> list[Chart]:
    charts: list[Chart] = []
    if with_users and series.users:
        charts.append(
            _time_chart(
                "users",
                "Active users per scenario",
                "users",
                [{"name": name, "y": values} for name, values in series.users.items()],
            )
        )
    for chart_id, title, pair in (
        ("requests", "Requests per second (by start)", series.requests),
        ("responses", "Responses per second (by end)", series.responses),
    ):
        if pair is not None:
            ok, ko = pair
            charts.append(
                _time_chart(
                    chart_id,
                    title,
                    chart_id + "/s",
                    [{"name": "OK", "y": ok}, {"name": "KO", "y": ko}],
                    kind="area",
                )
            )
    is_group = series.duration_distribution is not None
    what = "cumulated response time" if is_group else "response time"
    charts.append(_distribution("distribution", f"Distribution of the {what}", series.distribution))
    if series.duration_distribution is not None:
        charts.append(
            _distribution(
                "duration-distribution",
                "Distribution of the duration",
                series.duration_distribution,
            )
        )
    if series.percentiles:
        charts.append(
            _time_chart(
                "percentiles",
                f"{what.capitalize()} percentiles over time (OK)",
                "ms",
                [
                    {"name": label, "y": values, "color": PERCENTILE_COLORS.get(label)}
                    for label, values in series.percentiles.items()
                ],
            )
        )
    return [c for c in charts if has_data(c)]


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
