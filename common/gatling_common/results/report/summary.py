"""`summary.json`: our own machine-readable summary of a merged run (for CI scripts and people).

{"format": "gatling-fleet-summary", "version": 1,
 "run": {"start": ms, "end": ms, "duration_s": int},
 "simulation": {"classes", "ids", "descriptions", "gatling_versions", "scenarios"},
 "inputs": [{path, simulation_class, ..., gatling_version, layout, status, skipped, requests}],
 "skipped": {reason: n}, "skipped_total": n,
 "settings": {"lower_bound", "higher_bound", "percentiles"},
 "global": <js/global_stats.json>, "errors": [{"message", "count", "percentage"}],
 "warnings": [str]}  # e.g. inputs far apart in time
"""

from __future__ import annotations

from typing import Any

from gatling_common.results.report.gatling_json import (
    StatsSettings,
    duration_seconds,
    global_stats_json,
)
from gatling_common.results.report.report_data import errors_table, simulation_json
from gatling_common.results.statistics.gaps import far_apart
from gatling_common.results.statistics.stats import RunStats

FORMAT = "gatling-fleet-summary"
VERSION = 1


def summary_json(stats: RunStats, settings: StatsSettings) -> dict[str, Any]:
    skipped = stats.skipped
    return {
        "format": FORMAT,
        "version": VERSION,
        "run": {"start": stats.start, "end": stats.end, "duration_s": duration_seconds(stats)},
        "simulation": simulation_json(stats),
        "inputs": [i.to_json() for i in stats.inputs],
        "skipped": dict(sorted(skipped.items())),
        "skipped_total": sum(skipped.values()),
        "settings": {
            "lower_bound": settings.lower_bound,
            "higher_bound": settings.higher_bound,
            "percentiles": list(settings.percentiles),
        },
        "global": global_stats_json(stats, settings),
        "errors": errors_table(stats),
        "warnings": far_apart(stats),
    }
