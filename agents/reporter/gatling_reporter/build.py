"""`gatling-reporter build`: inputs -> merged statistics -> js/stats.json, js/global_stats.json,
summary.json (the HTML pages are added on top of `BuildResult`).

Inputs are log files (`.log`, `.log.gz`, `.log.zst`, any other name is read as a log), shards
(`.stats`) and folders searched recursively for `*.log`, `*.log.gz`, `*.log.zst` and `*.stats`.
A pod is a file name without those suffixes in its folder (`pod-1.log.gz` and `pod-1.stats` are
the same pod). Rule: when EVERY pod has a shard, the shards are merged and the logs are not read;
otherwise every pod's raw log is read (its shard ignored), and a pod that has only a shard
contributes that shard.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from gatling_common.errors import InputError
from gatling_common.paths import unwritable
from gatling_common.results.readers.reader import EmptyLogError
from gatling_common.results.report.gatling_json import (
    StatsSettings,
    for_version,
    global_stats_json,
    stats_tree_json,
)
from gatling_common.results.report.summary import summary_json
from gatling_common.results.statistics.collect import stats_of_log
from gatling_common.results.statistics.shard import SHARD_SUFFIX, Shard, read_shard
from gatling_common.results.statistics.stats import InputInfo, RunStats, merge_all
from gatling_common.results.versions import gatling_version
from gatling_common.series.collect import SeriesRecords
from gatling_common.series.document import SeriesSettings, series_document

log = logging.getLogger(__name__)

LOG_SUFFIXES = (".log.zst", ".log.gz", ".log")


@dataclass(frozen=True)
class BuildSettings:
    inputs: tuple[Path, ...]
    output: Path
    stats: StatsSettings = field(default_factory=StatsSettings)
    allow_mixed: bool = False
    accept_damaged: bool = False  # keep what precedes a corrupt/cut stream, counted as skipped


@dataclass
class BuildResult:
    stats: RunStats
    stats_json: dict[str, Any]
    global_json: dict[str, Any]
    summary: dict[str, Any]
    series: dict[str, Any]
    used: list[Path]
    indicators: StatsSettings  # the build's, with the conventions of the logs' Gatling version


def pod_of(path: Path) -> tuple[Path, str]:
    name = path.name
    for suffix in (*LOG_SUFFIXES, SHARD_SUFFIX):
        if name.endswith(suffix) and len(name) > len(suffix):
            return path.parent, name[: -len(suffix)]
    return path.parent, name


def discover(inputs: tuple[Path, ...]) -> list[Path]:
    """Files named on the command line, and log/shard files below named folders (sorted)."""
    found: list[Path] = []
    for item in inputs:
        if item.is_dir():
            below = [
                p
                for p in sorted(item.rglob("*"))
                if p.is_file() and p.name.endswith((*LOG_SUFFIXES, SHARD_SUFFIX))
            ]
            if not below:
                raise InputError(
                    f"{item}: no *.log, *.log.gz, *.log.zst or *.stats file below this folder"
                )
            found.extend(below)
        elif item.is_file():
            found.append(item)
        else:
            raise InputError(f"{item}: no such file or folder")
    return list(dict.fromkeys(found))


def choose(files: list[Path]) -> list[Path]:
    """Apply the shard rule (module docstring): the files to read, in input order."""
    shards = {pod_of(p): p for p in files if p.name.endswith(SHARD_SUFFIX)}
    logs = {pod_of(p): p for p in files if not p.name.endswith(SHARD_SUFFIX)}
    pods = list(dict.fromkeys(pod_of(p) for p in files))
    if all(pod in shards for pod in pods):
        return [shards[pod] for pod in pods]
    return [logs.get(pod) or shards[pod] for pod in pods]


def _check_classes(stats: RunStats, allow_mixed: bool) -> None:
    classes: dict[str, list[str]] = {}
    for info in stats.inputs:
        if info.run.simulation_class:
            classes.setdefault(info.run.simulation_class, []).append(info.path)
    if len(classes) > 1 and not allow_mixed:
        listed = "; ".join(f"{c} ({', '.join(paths)})" for c, paths in classes.items())
        raise InputError(
            f"inputs come from {len(classes)} different simulation classes: {listed}; "
            "pass --allow-mixed to merge them anyway"
        )


def _label_shard_inputs(part: RunStats, path: Path, status: str | None) -> None:
    """A shard records its pod-local log path, the same in every pod: name inputs by the shard."""
    for n, info in enumerate(part.inputs, start=1):
        info.path = str(path) if len(part.inputs) == 1 else f"{path}#{n}"
        if status and info.status == "UNKNOWN":
            info.status = status


def _add_shard_series(records: SeriesRecords, shard: Shard, path: Path, input_offset: int) -> None:
    if shard.records is None:
        log.warning(
            "%s: this shard has no chart data (written by an older transferer); "
            "the charts leave its requests out, the statistics include them",
            path,
        )
        records.partial = True
        return
    records.extend(shard.records, input_offset)


def collect(
    files: list[Path],
    statuses: Mapping[str, str] | None = None,
    *,
    accept_damaged: bool = False,
    records: SeriesRecords | None = None,
) -> RunStats:
    parts: list[RunStats] = []
    for path in files:
        inputs_before = sum(len(p.inputs) for p in parts)  # merge_all keeps the inputs' order
        if path.name.endswith(SHARD_SUFFIX):
            shard = read_shard(path)
            _label_shard_inputs(shard.stats, path, (statuses or {}).get(pod_of(path)[1]))
            parts.append(shard.stats)
            if records is not None:
                _add_shard_series(records, shard, path, inputs_before)
        else:
            status = (statuses or {}).get(pod_of(path)[1], "UNKNOWN")
            sink = partial(records.add, input_index=inputs_before) if records is not None else None
            try:
                part = stats_of_log(path, status=status, accept_damaged=accept_damaged, sink=sink)
            except EmptyLogError:
                part = RunStats()  # listed as a pod without data; the others make the report
                part.add_input(InputInfo(str(path), status=status))
            parts.append(part)
    return merge_all(parts)


def log_version(stats: RunStats) -> tuple[str, str]:
    """(version, layout) of the first input that says: its Gatling's rules are the report's."""
    runs = [i.run for i in stats.inputs if i.run.gatling_version or i.run.layout]
    return (runs[0].gatling_version, runs[0].layout) if runs else ("", "")


def series_settings(stats: RunStats, indicators: StatsSettings) -> SeriesSettings:
    version, layout = log_version(stats)
    return SeriesSettings(
        indicators.lower_bound,
        indicators.higher_bound,
        version,
        layout,
        len(stats.inputs),
        tuple(indicators.percentiles),
    )


NO_DATA = "no data"


def no_data_warnings(stats: RunStats, summary: dict[str, Any]) -> list[str]:
    """Pods whose input holds no request, user or group record: listed, not fatal (the report is
    built from the others; exit code as without them). Call after inputs are named by source."""
    empty = [i for i in stats.inputs if i.requests == 0]
    if not empty or len(empty) == len(stats.inputs):
        return []
    names = {id(i): i.path for i in empty}
    for item, info in zip(summary.get("inputs", []), stats.inputs, strict=False):
        if id(info) in names:
            item["data"] = NO_DATA
    lines = [
        f"{path}: no data (no request record); the report is built from the other "
        f"{len(stats.inputs) - len(empty)} input(s)"
        for path in names.values()
    ]
    summary.setdefault("warnings", []).extend(lines)
    for line in lines:
        log.warning("%s", line)
    return lines


def check_output_folder(output: Path) -> None:
    """The report folder, or the nearest existing folder it would be made in, must be a
    writable folder (a path below a regular file, or a read-only one, gave a traceback)."""
    fault = unwritable(output)
    if fault is not None:
        raise InputError(f"-o {output}: {fault[0]} is {fault[1]}; expected a report folder")


def write_json(path: Path, data: Any, *, compact: bool = False) -> None:
    """Compact for the chart data: with 1,000 request names, indentation doubles its size."""
    layout: dict[str, Any] = {"separators": (",", ":")} if compact else {"indent": 2}
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        text = json.dumps(data, ensure_ascii=False, allow_nan=False, **layout)
        path.write_text(text + "\n", encoding="utf-8")
    except OSError as exc:
        raise InputError(f"cannot write {path}: {exc.strerror}") from exc


def build(settings: BuildSettings, statuses: Mapping[str, str] | None = None) -> BuildResult:
    """Read, merge and write the JSON outputs; `statuses` maps a pod name to COMPLETED/FAILED."""
    check_output_folder(settings.output)  # before the long part
    files = choose(discover(settings.inputs))
    log.info("merging %d input(s)", len(files))
    records = SeriesRecords()
    stats = collect(files, statuses, accept_damaged=settings.accept_damaged, records=records)
    _check_classes(stats, settings.allow_mixed)
    if stats.start is None:
        raise InputError(
            f"{', '.join(map(str, files))}: no request, user or group record to report on"
        )
    indicators = for_version(settings.stats, gatling_version(*log_version(stats)))
    result = BuildResult(
        stats=stats,
        stats_json=stats_tree_json(stats, indicators),
        global_json=global_stats_json(stats, indicators),
        summary=summary_json(stats, indicators),
        series=series_document(records, series_settings(stats, indicators)),
        used=files,
        indicators=indicators,
    )
    for warning in result.summary["warnings"]:
        log.warning("%s", warning)
    out = settings.output
    write_json(out / "js" / "stats.json", result.stats_json)
    write_json(out / "js" / "global_stats.json", result.global_json)
    write_json(out / "js" / "series.json", result.series, compact=True)
    write_json(out / "summary.json", result.summary)
    return result
