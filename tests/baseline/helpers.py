"""Small report folders written by hand, and `gatling-reporter build` as the tests call it."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from click.testing import CliRunner


def node_stats(
    name: str,
    count: int = 10,
    ko: int = 0,
    mean: int = 100,
    p: tuple[int, ...] = (90, 110, 150, 180),
    rps: float = 1.0,
) -> dict[str, Any]:
    def split(total: float) -> dict[str, float]:
        return {"total": total, "ok": total, "ko": 0}

    out: dict[str, Any] = {
        "name": name,
        "numberOfRequests": {"total": count, "ok": count - ko, "ko": ko},
        "minResponseTime": split(10),
        "maxResponseTime": split(200),
        "meanResponseTime": split(mean),
        "standardDeviation": split(20),
    }
    for i, value in enumerate(p):
        out[f"percentiles{i + 1}"] = split(value)
    out["meanNumberOfRequestsPerSecond"] = split(rps)
    return out


def request(name: str, groups: tuple[str, ...] = (), **stats: Any) -> dict[str, Any]:
    return {
        "type": "REQUEST",
        "name": name,
        "path": " / ".join((*groups, name)),
        "pathFormatted": "req_x",
        "stats": node_stats(name, **stats),
    }


def group(name: str, *children: dict[str, Any], **stats: Any) -> dict[str, Any]:
    return {
        "type": "GROUP",
        "name": name,
        "path": name,
        "pathFormatted": "group_x",
        "stats": node_stats(name, **stats),
        "contents": {f"k{i}": c for i, c in enumerate(children)},
    }


def tree(*children: dict[str, Any], **stats: Any) -> dict[str, Any]:
    root = group("All Requests", *children, **stats)
    root["path"] = ""
    return root


def write_report(
    folder: Path,
    stats: dict[str, Any],
    *,
    ours: bool = True,
    percentiles: tuple[float, ...] = (50.0, 75.0, 95.0, 99.0),
) -> Path:
    """A minimal report folder: js/stats.json, and (ours) summary.json and js/series.json."""
    (folder / "js").mkdir(parents=True, exist_ok=True)
    (folder / "js" / "stats.json").write_text(json.dumps(stats))
    if ours:
        summary = {
            "format": "gatling-fleet-summary",
            "version": 1,
            "run": {"start": 1, "end": 2001, "duration_s": 2},
            "simulation": {"classes": ["a.Sim"], "gatling_versions": ["3.10.5"]},
            "settings": {"lower_bound": 800, "higher_bound": 1200, "percentiles": percentiles},
        }
        (folder / "summary.json").write_text(json.dumps(summary))
        series = {"schema": "gatling-series/1", "source": {}, "pages": []}
        (folder / "js" / "series.json").write_text(json.dumps(series))
    return folder


def cli(*args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    from gatling_reporter.cli import main

    result = CliRunner().invoke(main, list(args), env=env)
    return result.exit_code, result.stdout, result.stderr


def build_report(log: Path, out: Path, *args: str) -> Path:
    """`gatling-reporter build LOG -o OUT` (exit 0, or 3 when the log's own assertions fail)."""
    code, stdout, stderr = cli("build", str(log), "-o", str(out), *args)
    assert code in (0, 3), (code, stdout, stderr)
    return out


def copy_log(source: Path, tmp: Path) -> Path:
    tmp.mkdir(parents=True, exist_ok=True)
    target = tmp / "simulation.log"
    shutil.copy(source, target)
    return target
