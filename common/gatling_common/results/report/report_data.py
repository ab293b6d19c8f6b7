"""Everything the HTML report needs, as ONE JSON-able dict: `report_data(stats, settings)`.

Schema (version 1; times are epoch milliseconds, durations in ms unless named `_s`):

    {
      "format": "gatling-fleet-report-data", "version": 1,
      "simulation": {"classes": [str], "ids": [str], "descriptions": [str],
                     "gatling_versions": [str], "scenarios": [str]},
      "run": {"start": int|null, "end": int|null, "duration_s": int},
      "settings": {"lower_bound": int, "higher_bound": int, "percentiles": [float],
                   "range_labels": [[text, html] x 4]},
      "inputs": [InputInfo: {"path", "simulation_class", "simulation_id", "run_start",
                 "description", "gatling_version", "layout", "scenarios", "assertions" (hex),
                 "status" ("COMPLETED"|"FAILED"|"UNKNOWN"), "skipped" {reason: n}, "requests"}],
      "skipped": {reason: n},            # all inputs together
      "stats": <exactly js/stats.json>,  # the tree: type/name/path/pathFormatted/stats/contents
      "errors": [{"message": str, "count": int, "percentage": float}],  # % of all errors,
                                          # by count descending
      "series": {
        "times": [int],                  # start of each bucket (epoch ms); same axis everywhere
        "step_s": float,                 # 1.0 unless the run spans >= 1000 s (then span/1000)
        "inputs": [{"path": str, "responses": [int], "ko_percent": [float|null],
                    "p95": [int|null]}]   # per input (pod), same order as "inputs"
      }
    }

The pages' charts are not here: they draw from js/series.json (gatling_common.series, Gatling's
own chart rules). The per-pod series use per-second quantized times (exact below 64 ms, < 1.6 %
above); every other number is exact.
"""

from __future__ import annotations

from typing import Any

from gatling_common.results.report.gatling_json import (
    StatsSettings,
    build_tree,
    duration_seconds,
    range_labels,
    stats_tree_json,
)
from gatling_common.results.statistics.percentiles import java_round
from gatling_common.results.statistics.pod_series import (
    TimeAxis,
    percentiles_per_entity,
)
from gatling_common.results.statistics.stats import RunStats

FORMAT = "gatling-fleet-report-data"
VERSION = 1


def _unique(values: list[str]) -> list[str]:
    return list(dict.fromkeys(v for v in values if v))


def simulation_json(stats: RunStats) -> dict[str, Any]:
    runs = [i.run for i in stats.inputs]
    return {
        "classes": _unique([r.simulation_class for r in runs]),
        "ids": _unique([r.simulation_id for r in runs]),
        "descriptions": _unique([r.description.strip() for r in runs]),
        "gatling_versions": _unique([r.gatling_version for r in runs]),
        "scenarios": list(stats.names["scenarios"].values),
    }


def errors_table(stats: RunStats) -> list[dict[str, Any]]:
    errors = stats.errors()
    total = sum(c for _, c in errors)
    return [{"message": m, "count": c, "percentage": c * 100 / total} for m, c in errors]


def _inputs(stats: RunStats, axis: TimeAxis) -> list[dict[str, Any]]:
    out = []
    inp, status, sec = stats.tables["inp_resp"].columns
    counts = stats.tables["inp_resp"].counts
    p_inp, p_sec, p_val = stats.tables["inp_ok_rt"].columns
    p_counts = stats.tables["inp_ok_rt"].counts
    p95s = percentiles_per_entity(
        axis,
        p_inp,
        len(stats.inputs),
        p_sec,
        p_val,
        p_counts,
        (95.0,),
        stats.resolution["inp_ok_rt"],
    )
    for i, info in enumerate(stats.inputs):
        m = inp == i
        ok = axis.sum_per_bucket(sec[m & (status == 0)], counts[m & (status == 0)])
        ko = axis.sum_per_bucket(sec[m & (status == 1)], counts[m & (status == 1)])
        both = ok + ko
        (p95,) = p95s[i]
        out.append(
            {
                "path": info.path,
                "responses": axis.rate(both),
                "ko_percent": [
                    None if n == 0 else int(k) * 100 / int(n) for k, n in zip(ko, both, strict=True)
                ],
                "p95": p95,
            }
        )
    return out


def report_data(
    stats: RunStats, settings: StatsSettings, stats_tree: dict[str, Any] | None = None
) -> dict[str, Any]:
    """`stats_tree`: js/stats.json's content when the caller already has it (same settings)."""
    stats.compact()
    root = build_tree(stats, settings)
    start = stats.start if stats.start is not None else 0
    end = stats.end if stats.end is not None else start
    axis = TimeAxis.for_run(start, end)
    return {
        "format": FORMAT,
        "version": VERSION,
        "simulation": simulation_json(stats),
        "run": {"start": stats.start, "end": stats.end, "duration_s": duration_seconds(stats)},
        "settings": {
            "lower_bound": settings.lower_bound,
            "higher_bound": settings.higher_bound,
            "percentiles": list(settings.percentiles),
            "range_labels": [list(p) for p in range_labels(settings)],
        },
        "inputs": [i.to_json() for i in stats.inputs],
        "skipped": dict(sorted(stats.skipped.items())),
        "stats": stats_tree if stats_tree is not None else stats_tree_json(stats, settings, root),
        "errors": errors_table(stats),
        "series": {
            "times": axis.times_ms(),
            "step_s": axis.step,
            "inputs": _inputs(stats, axis),
        },
    }


__all__ = ["FORMAT", "VERSION", "errors_table", "java_round", "report_data", "simulation_json"]
