"""The "Against the baseline" cards, from summary.json's `comparison` section.

Global page: every metric that moved (worse first, then by size of the move) with its baseline
and current value, plus the requests and groups on one side only. What stayed the same is
counted, not listed: with 1,000 names, a row per unchanged metric would bury the regressions.
Request and group pages: every metric of that one node, the same ones included, or a line
saying the node is new.
"""

from __future__ import annotations

from typing import Any

from gatling_reporter.thresholds import format_number

_ORDER = {"worse": 0, "changed": 1, "better": 2}


def _label(path: list[str]) -> str:
    return " / ".join(path) if path else "All requests"


def _metric_row(name: str, m: dict[str, Any]) -> dict[str, Any]:
    rel = m.get("relative")
    return {
        "name": name,
        "metric": m["metric"],
        "baseline": format_number(m["baseline"]),
        "current": format_number(m["current"]),
        "change": format_number(m["change"]),
        "relative": "-" if rel is None else f"{100 * rel:+.1f} %",
        "verdict": m["verdict"],
        "order": (_ORDER.get(m["verdict"], 3), -abs(rel or 0.0)),
    }


def node_comparison_view(
    section: dict[str, Any] | None, kind: str, path: tuple[str, ...]
) -> dict[str, Any] | None:
    """The card of one request or group page: all its metrics, in the comparison's order."""
    if not section:
        return None
    ref = section.get("baseline", {}).get("ref", "")
    wanted = {"kind": kind, "path": list(path)}
    for node in section.get("deltas", []):
        if node["kind"] == kind and node["path"] == list(path):
            rows = [_metric_row(_label(node["path"]), m) for m in node.get("metrics", [])]
            worse = sum(1 for r in rows if r["verdict"] == "worse")
            return {"ref": ref, "rows": rows, "worse": worse, "added": False}
    added = wanted in [{"kind": n["kind"], "path": n["path"]} for n in section.get("added", [])]
    return {"ref": ref, "rows": [], "worse": 0, "added": added}


def comparison_view(section: dict[str, Any] | None) -> dict[str, Any] | None:
    if not section:
        return None
    rows = []
    same = 0
    for node in section.get("deltas", []):
        for m in node.get("metrics", []):
            if m["verdict"] == "same":
                same += 1
                continue
            rows.append(_metric_row(_label(node["path"]), m))
    rows.sort(key=lambda r: r["order"])
    return {
        "ref": section.get("baseline", {}).get("ref", ""),
        "rows": rows,
        "same": same,
        "worse": sum(1 for r in rows if r["verdict"] == "worse"),
        "added": [_label(n["path"]) for n in section.get("added", [])],
        "removed": [_label(n["path"]) for n in section.get("removed", [])],
    }
