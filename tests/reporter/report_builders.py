"""Real runs for the report tests: generated multi-pod runs and a run with hostile names.

Statistics come from the real engine (`gatling_common.results`), never from hand-made numbers.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from gatling_common.results.generators.generate import RunSpec, catalog_strings, generate
from gatling_common.results.records import FileStrings, RecordBatch, RunInfo, request_key
from gatling_common.results.report.gatling_json import StatsSettings
from gatling_common.results.report.report_data import report_data
from gatling_common.results.statistics.stats import InputInfo, RunStats, merge_all, stats_of_batches
from gatling_common.series.collect import SeriesRecords
from gatling_common.series.document import series_document
from gatling_reporter.build import series_settings
from gatling_reporter.html.adapter import model_from_report_data
from gatling_reporter.html.render import render_report
from gatling_reporter.thresholds import AssertionResult

HOSTILE_REQUEST = "<script>alert(1)</script>"
HOSTILE_GROUP = "</script><img src=x onerror=alert(2)>"
HOSTILE_MESSAGE = "status 500 </script><script>alert(3)</script> & <b>bold</b>"
HOSTILE_SCENARIO = '<svg onload=alert(4)> <b>bold</b> <a href="javascript:alert(7)">x</a>'


@dataclass
class BuiltRun:
    """A run's statistics and its chart records, both from the same batches."""

    stats: RunStats
    records: SeriesRecords


def _of_batches(
    batches: list[RecordBatch], strings: FileStrings, info: InputInfo, records: SeriesRecords
) -> RunStats:
    for batch in batches:
        records.add(batch, strings)
    return stats_of_batches(batches, strings, info)


def generated_run(pods: int = 3, requests: int = 6000) -> BuiltRun:
    parts, records = [], SeriesRecords()
    for i in range(pods):
        spec = RunSpec(requests=requests, seed=i + 1, duration_s=120, ko_rate=0.02 * (i + 1))
        run = RunInfo(
            simulation_class=spec.simulation_class,
            simulation_id=spec.simulation_id,
            run_start=spec.start_ms,
            description="three generated pods",
            gatling_version=spec.version,
        )
        info = InputInfo(f"/run/pod-{i}.log", run, "FAILED" if i == 2 else "COMPLETED")
        parts.append(_of_batches(list(generate(spec)), catalog_strings(), info, records))
    return BuiltRun(merge_all(parts), records)


def hostile_run() -> BuiltRun:
    """A small run whose names and messages try to break out of HTML, JSON and chart tooltips."""
    strings = FileStrings()
    plain = strings.request_keys.intern(request_key((), "Plain"))
    hostile = strings.request_keys.intern(request_key((HOSTILE_GROUP,), HOSTILE_REQUEST))
    group = strings.groups.intern(HOSTILE_GROUP)
    scenario = strings.scenarios.intern(HOSTILE_SCENARIO)
    message = strings.messages.intern(HOSTILE_MESSAGE)
    start = 1_700_000_000_000 + np.arange(40, dtype=np.int64) * 250
    keys = np.where(np.arange(40) % 2 == 0, plain, hostile).astype(np.int32)
    ok = np.arange(40) % 5 != 0
    batch = RecordBatch.empty()
    batch.req_key, batch.req_start, batch.req_end = keys, start, start + 20 + np.arange(40) * 7
    batch.req_ok = ok
    batch.req_message = np.where(ok, -1, message).astype(np.int32)
    batch.grp_path = np.array([group], np.int32)
    batch.grp_start = start[:1]
    batch.grp_end = start[:1] + 500
    batch.grp_cumulated = np.array([300], np.int64)
    batch.grp_ok = np.array([True])
    batch.user_scenario = np.array([scenario, scenario], np.int32)
    batch.user_start = np.array([True, False])
    batch.user_time = np.array([start[0], start[-1] + 400], np.int64)
    batch.err_message = np.array([message], np.int32)
    batch.err_time = start[:1]
    run = RunInfo(
        simulation_class="<script>alert(5)</script>.Sim",
        description="</script><script>alert(6)</script>",
        gatling_version="3.10.5",
    )
    records = SeriesRecords()
    info = InputInfo("/run/<pod>.log", run, "COMPLETED")
    return BuiltRun(_of_batches([batch], strings, info, records), records)


def render(
    run: BuiltRun, out: Path, thresholds: list[AssertionResult] | None = None
) -> dict[str, object]:
    """Write the report as `build` does (stats JSON, chart data, pages); return the report data."""
    data = report_data(run.stats, StatsSettings())
    series = series_document(run.records, series_settings(run.stats, StatsSettings()))
    (out / "js").mkdir(parents=True, exist_ok=True)
    (out / "js" / "stats.json").write_text(json.dumps(data["stats"]))
    (out / "js" / "series.json").write_text(json.dumps(series))
    render_report(out, model_from_report_data(data, thresholds or [], run.stats, series))
    return data
