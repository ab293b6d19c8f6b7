"""Write the report's pages: index.html (the run), pods.html, one page per request and group.

Everything from the run (names, messages) goes through jinja2's autoescape into HTML, or through
`tojson` (which escapes <, >, & and ') into the page's single data object; nothing is marked safe.
Charts are drawn in the browser by Apache ECharts: echarts.min.js ships inside this package
(html/vendor/, put there from npm by `make setup-node` or the image's build) and is copied into
js/, so the folder opens offline from a file path or a bucket.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import re
import shutil
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gatling_common import __version__
from gatling_common.errors import PermanentError
from gatling_reporter.html.charts import node_charts, pod_charts
from gatling_reporter.html.comparison import comparison_view, node_comparison_view
from gatling_reporter.html.environment import environment
from gatling_reporter.html.model import ErrorRow, ReportModel
from gatling_reporter.thresholds import format_number

STATIC = ("report.js", "js"), ("report.css", "style")
HERE = Path(__file__).resolve().parent
VENDOR = HERE / "vendor"
LICENSE = "echarts.LICENSE.txt"
PCT_KEYS = ("percentiles1", "percentiles2", "percentiles3", "percentiles4")


@dataclass(frozen=True)
class Node:
    """One group or request of the stats tree, flattened in display order."""

    id: str  # the page's file name without .html; also the table row's id
    key: str  # pathFormatted in stats.json (keys the engine's series)
    kind: str  # "group" or "request"
    name: str
    path: tuple[str, ...]  # names from the top, the node's own name last
    ancestors: tuple[str, ...]  # ids of enclosing groups
    stats: Mapping[str, Any]
    href: str
    has_children: bool


def render_report(out_dir: Path, model: ReportModel) -> list[Path]:
    """Write every page and asset under `out_dir`; return the files written."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = copy_assets(out_dir)
    env = environment()
    nodes = list(flatten(model.stats_tree))
    common = _common_context(model, nodes)
    pages = [("index.html", "global.html", _global_context(model, nodes))]
    pages.append(("pods.html", "pods.html", _pods_context(model)))
    pages.extend((node.href, "node.html", _node_context(model, nodes, node)) for node in nodes)
    written.append(write_nav(out_dir, common.pop("nav")))
    for filename, template, context in pages:
        current = {**common, **context, "page": filename}
        current["nav"] = [{**item, "current": item["href"] == filename} for item in FIXED_NAV]
        html = env.get_template(template).render(current)
        path = out_dir / filename
        path.write_text(html, encoding="utf-8")
        written.append(path)
    return written


FIXED_NAV = (
    {"href": "index.html", "label": "Overview", "depth": 0, "kind": "page"},
    {"href": "pods.html", "label": "Injectors (pods)", "depth": 0, "kind": "page"},
)


def write_nav(out_dir: Path, nav: list[dict[str, Any]]) -> Path:
    """The menu of every request and group, ONCE for all pages (js/nav.js, drawn by report.js):
    copied into each page, 1,000 names made 1,000 pages of 1,000 links each."""
    items = [[item["href"], item["label"], item["depth"], item["kind"]] for item in nav]
    # Script text: `<` escaped so that no name can close the script or open a comment.
    text = json.dumps(items, ensure_ascii=False).replace("<", "\\u003c")
    path = out_dir / "js" / "nav.js"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"window.REPORT_NAV = {text};\n", encoding="utf-8")
    return path


def copy_assets(out_dir: Path) -> list[Path]:
    written = []
    static = HERE / "static"
    for name, folder in STATIC:
        target = out_dir / folder / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(static.joinpath(name).read_bytes())
        written.append(target)
    bundle = chart_library()
    for source in (bundle, bundle.with_name(LICENSE)):
        if source.is_file():  # the license travels with the library when it is there
            target = out_dir / "js" / source.name
            shutil.copyfile(source, target)
            written.append(target)
    return written


def chart_library(vendor: Path = VENDOR) -> Path:
    """echarts.min.js from the package's vendor folder (gitignored; installed by the build)."""
    bundle = vendor / "echarts.min.js"
    if not bundle.is_file():
        raise PermanentError(
            f"{bundle}: the report's chart library (echarts.min.js) is missing; "
            "`make setup-node` installs it (the reporter image carries it)"
        )
    return bundle


# -- the tree --------------------------------------------------------------------------------


def flatten(tree: Mapping[str, Any]) -> Iterator[Node]:
    used: set[str] = {"index.html", "pods.html"}

    def walk(
        node: Mapping[str, Any], path: tuple[str, ...], ancestors: tuple[str, ...]
    ) -> Iterator[Node]:
        for child in (node.get("contents") or {}).values():
            kind = "group" if child.get("type") == "GROUP" else "request"
            name = str(child.get("name", ""))
            key = str(child.get("pathFormatted") or "")
            href = _unique(_safe_file(key or name), used)
            node_id = href.removesuffix(".html")
            children = bool(child.get("contents"))
            yield Node(
                node_id, key, kind, name, (*path, name), ancestors, child["stats"], href, children
            )
            if children:
                yield from walk(child, (*path, name), (*ancestors, node_id))

    yield from walk(tree, (), ())


def _safe_file(stem: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]", "-", stem)[:120] or "node"


def _unique(stem: str, used: set[str]) -> str:
    candidate, n = f"{stem}.html", 1
    while candidate in used:
        n += 1
        candidate = f"{stem}-{n}.html"
    used.add(candidate)
    return candidate


# -- formatting ------------------------------------------------------------------------------


def columns(labels: list[str]) -> list[dict[str, str]]:
    cols = [
        {"label": "Total", "field": "numberOfRequests.total", "css": ""},
        {"label": "OK", "field": "numberOfRequests.ok", "css": "ok"},
        {"label": "KO", "field": "numberOfRequests.ko", "css": "ko"},
        {"label": "% KO", "field": "koPercent", "css": ""},
        {"label": "Req/s", "field": "meanNumberOfRequestsPerSecond.total", "css": ""},
        {"label": "Min", "field": "minResponseTime.total", "css": ""},
    ]
    for key, label in zip(PCT_KEYS, labels, strict=False):
        cols.append({"label": label, "field": f"{key}.total", "css": ""})
    cols += [
        {"label": "Max", "field": "maxResponseTime.total", "css": ""},
        {"label": "Mean", "field": "meanResponseTime.total", "css": ""},
        {"label": "Std dev", "field": "standardDeviation.total", "css": ""},
    ]
    return cols


def cells(stats: Mapping[str, Any]) -> dict[str, str]:
    """Display strings for one stats node; response times are '-' when there is no request."""
    total = int(stats["numberOfRequests"]["total"])
    ko = int(stats["numberOfRequests"]["ko"])
    out = {
        "numberOfRequests.total": str(total),
        "numberOfRequests.ok": str(stats["numberOfRequests"]["ok"]),
        "numberOfRequests.ko": str(ko),
        "koPercent": percent(ko * 100 / total) if total else "-",
        "meanNumberOfRequestsPerSecond.total": rate(
            stats["meanNumberOfRequestsPerSecond"]["total"]
        ),
    }
    for key in ("minResponseTime", "maxResponseTime", "meanResponseTime", "standardDeviation"):
        out[f"{key}.total"] = str(stats[key]["total"]) if total else "-"
    for key in PCT_KEYS:
        if key in stats:
            out[f"{key}.total"] = str(stats[key]["total"]) if total else "-"
    return out


SPLIT_ROWS = (
    ("Requests", "numberOfRequests"),
    ("Min", "minResponseTime"),
    ("Max", "maxResponseTime"),
    ("Mean", "meanResponseTime"),
    ("Std dev", "standardDeviation"),
)


def split_rows(stats: Mapping[str, Any], labels: list[str]) -> list[dict[str, Any]]:
    """Gatling's Total / OK / KO table of one node: each metric for all, OK and KO requests."""

    def row(label: str, key: str, show: Any = str) -> dict[str, Any]:
        counts = stats["numberOfRequests"]
        values = {s: show(stats[key][s]) if counts[s] else "-" for s in ("total", "ok", "ko")}
        if key == "numberOfRequests":
            values = {s: str(counts[s]) for s in ("total", "ok", "ko")}
        return {"label": label, **values}

    rows = [row(label, key) for label, key in SPLIT_ROWS[:2]]
    rows += [row(label, k) for k, label in zip(PCT_KEYS, labels, strict=False) if k in stats]
    rows += [row(label, key) for label, key in SPLIT_ROWS[2:]]
    rows.append(row("Req/s", "meanNumberOfRequestsPerSecond", rate))
    return rows


def rate(value: float) -> str:
    return f"{float(value):.2f}"


def percent(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".") if value else "0"


def when(ms: int | None) -> str:
    if ms is None:
        return ""
    moment = dt.datetime.fromtimestamp(ms / 1000, dt.UTC)
    return moment.strftime("%Y-%m-%d %H:%M:%S UTC")


def duration(start: int | None, end: int | None) -> str:
    if start is None or end is None:
        return "-"
    seconds = max(0, -(-(end - start) // 1000))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}h {minutes:02d}m {secs:02d}s" if hours else f"{minutes}m {secs:02d}s"


def ranges(stats: Mapping[str, Any]) -> list[dict[str, Any]]:
    items = []
    for key in ("group1", "group2", "group3", "group4"):
        if key in stats:
            group = stats[key]
            items.append(
                {
                    "label": group["name"],
                    "count": group["count"],
                    "percentage": percent(float(group["percentage"])),
                    "width": max(0.0, min(100.0, float(group["percentage"]))),
                    "ko": key == "group4",
                }
            )
    return items


def error_rows(errors: list[ErrorRow]) -> list[dict[str, Any]]:
    return [
        {"message": e.message, "count": e.count, "percentage": percent(e.percentage)}
        for e in errors
    ]


def tiles(stats: Mapping[str, Any], labels: list[str]) -> list[dict[str, Any]]:
    c = cells(stats)
    # The p95 tile, or the percentile in its place (percentiles3) when --percentiles has none.
    p95 = next((k for k, label in zip(PCT_KEYS, labels, strict=False) if label == "p95"), None)
    p95 = p95 or (PCT_KEYS[min(2, len(labels) - 1)] if labels else None)
    items = [
        {"label": "Requests", "value": f"{int(stats['numberOfRequests']['total']):,}", "ko": False},
        {"label": "KO", "value": f"{c['koPercent']} %", "ko": c["numberOfRequests.ko"] != "0"},
        {"label": "Mean req/s", "value": c["meanNumberOfRequestsPerSecond.total"], "ko": False},
        {"label": "Mean", "value": f"{c['meanResponseTime.total']} ms", "ko": False},
    ]
    if p95:
        label = labels[PCT_KEYS.index(p95)]
        items.append({"label": label, "value": f"{c[p95 + '.total']} ms", "ko": False})
    items.append({"label": "Max", "value": f"{c['maxResponseTime.total']} ms", "ko": False})
    return items


# -- pages -----------------------------------------------------------------------------------


def _verdict(model: ReportModel) -> dict[str, str]:
    if not model.thresholds:
        return {"css": "none", "text": "no thresholds"}
    failed = sum(1 for r in model.thresholds if not r.passed)
    if failed:
        return {"css": "fail", "text": f"{failed} of {len(model.thresholds)} thresholds failed"}
    return {"css": "pass", "text": f"all {len(model.thresholds)} thresholds passed"}


def _common_context(model: ReportModel, nodes: list[Node]) -> dict[str, Any]:
    run = model.run
    pods = [
        {
            "name": p.name,
            "status": p.status or "-",
            "css": {"COMPLETED": "ok", "FAILED": "ko"}.get(p.status, ""),
            "version": p.version or "-",
            "requests": p.requests,
        }
        for p in run.pods
    ]
    nav = [
        {"href": n.href, "label": n.name, "depth": min(len(n.ancestors), 3), "kind": n.kind}
        for n in nodes
    ]
    return {
        "run": {
            "simulation": run.simulation or "(unnamed simulation)",
            "description": run.description.strip(),
            "start": when(run.start_ms),
            "duration": duration(run.start_ms, run.end_ms),
            "versions": run.versions,
            "pods": pods,
            "skipped": sorted(run.skipped.items()),
            "warnings": run.warnings,
        },
        "verdict": _verdict(model),
        "nav": nav,
        "generator_version": __version__,
        "generated_at": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
    }


def _row(node: Node, depth: int, ancestors: tuple[str, ...]) -> dict[str, Any]:
    return {
        "id": node.id,
        "kind": node.kind,
        "name": node.name,
        "href": node.href,
        "depth": min(depth, 4),
        "ancestors": " ".join(ancestors),
        "has_children": node.has_children,
        "cells": cells(node.stats),
    }


def _global_context(model: ReportModel, nodes: list[Node]) -> dict[str, Any]:
    root_stats = model.stats_tree["stats"]
    total = {
        "id": "all",
        "kind": "total",
        "name": "All requests",
        "href": "",
        "depth": 0,
        "ancestors": "",
        "has_children": False,
        "cells": cells(root_stats),
    }
    rows = [total] + [_row(n, len(n.ancestors), n.ancestors) for n in nodes]
    charts = node_charts(model.global_series, with_users=True) if model.global_series else []
    return {
        "title": "Overview",
        "thresholds": [
            {"expression": r.expression, "actual": format_number(r.actual), "passed": r.passed}
            for r in model.thresholds
        ],
        "tile_items": tiles(root_stats, model.percentile_labels),
        "comparison": comparison_view(model.run.comparison),
        "columns": columns(model.percentile_labels),
        "rows": rows,
        "ranges": ranges(root_stats),
        "split": split_rows(root_stats, model.percentile_labels),
        "errors": error_rows(model.errors),
        "charts": [{"id": c["id"], "title": c["title"]} for c in charts],
        "data": _page_data("global", charts, model.global_series),
    }


def _node_context(model: ReportModel, nodes: list[Node], node: Node) -> dict[str, Any]:
    inside = [n for n in nodes if node.id in n.ancestors]
    rows = [_row(node, 0, ())]
    rows += [_row(n, n.ancestors.index(node.id) + 1, n.ancestors) for n in inside]
    series = model.node_series.get(node.key)
    charts = node_charts(series, with_users=False) if series else []
    errors = model.node_errors.get(node.key)
    return {
        "title": node.name,
        "kind_label": "Group" if node.kind == "group" else "Request",
        "breadcrumb": " / ".join(node.path[:-1]),
        "tile_items": tiles(node.stats, model.percentile_labels),
        "columns": columns(model.percentile_labels),
        "rows": rows,
        "ranges": ranges(node.stats),
        "ranges_title": "Duration ranges" if node.kind == "group" else "Response-time ranges",
        "comparison": node_comparison_view(model.run.comparison, node.kind, node.path),
        "split": split_rows(node.stats, model.percentile_labels),
        "errors": error_rows(errors) if errors is not None else None,
        "charts": [{"id": c["id"], "title": c["title"]} for c in charts],
        "data": _page_data(node.kind, charts, series),
    }


def _pods_context(model: ReportModel) -> dict[str, Any]:
    status = {p.name: p.status for p in model.run.pods}
    rows = []
    for pod in model.pods:
        s = pod.summary
        rows.append(
            {
                "name": pod.name,
                "status": status.get(pod.name) or "-",
                "css": {"COMPLETED": "ok", "FAILED": "ko"}.get(status.get(pod.name, ""), ""),
                "count": s.count,
                "ko": s.ko,
                "ko_percent": percent(s.ko * 100 / s.count) if s.count else "-",
                "rps": rate(s.rps),
                "mean": _dash(s.mean),
                "p95": _dash(s.p95),
                "max": _dash(s.max),
            }
        )
    charts = pod_charts(model.pods) if model.pods else []
    return {
        "title": "Injectors",
        "pod_rows": rows,
        "charts": [{"id": c["id"], "title": c["title"]} for c in charts],
        "data": _page_data("pods", charts, None),
    }


def _dash(value: int | None) -> str:
    return "-" if value is None else str(value)


def _page_data(kind: str, charts: list[dict[str, Any]], series: Any) -> dict[str, Any]:
    time = series.time if series else []
    return {"kind": kind, "time": time, "breaks": axis_breaks(time), "charts": charts}


FAR_APART_MS = 3_600_000  # as the series: inputs further apart get an axis of their own each


def axis_breaks(time: list[int]) -> list[list[int]]:
    """[start, end] (epoch ms) of each empty span of more than an hour between two buckets: the
    charts cut it out of the time axis, so runs days apart don't stretch it."""
    return [[a + 1000, b - 1000] for a, b in itertools.pairwise(time) if b - a > FAR_APART_MS]
