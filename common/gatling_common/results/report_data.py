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
        "users": {"all": [int], "scenarios": {name: [int]}},    # active users per bucket
        "nodes": {pathFormatted: NodeSeries},  # "group_missing-name--1146707516" is global;
                                                # every group and request of "stats"
        "inputs": [{"path": str, "responses": [int], "ko_percent": [float|null],
                    "p95": [int|null]}]   # per input (pod), same order as "inputs"
      }
    }

    NodeSeries (requests and the global node) = {
      "kind": "REQUEST"|"GROUP",
      "requests":  {"ok": [int], "ko": [int]},   # per second, by start time (Gatling rounds
      "responses": {"ok": [int], "ko": [int]},   #   count / step half up); by end time
      "percentiles": {"labels": ["min","p25","p50","p75","p80","p85","p90","p95","p99","max"],
                      "values": [[int|null] per label]},  # OK response times, by start second
      "distribution": {"times": [int ms], "ok": [float %], "ko": [float %]}
    }
    Group NodeSeries: no "requests"/"responses"; "percentiles" are of the cumulated response time
    (OK groups, by start second); "distribution" is of the cumulated time and
    "duration_distribution" of the duration (end - start), both like Gatling's group page.

Percentiles over time use per-second quantized times (exact below 64 ms, < 1.6 % above), and
blocks of 2^k seconds in very long, busy runs (see stats.py); every other number is exact.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from gatling_common.results.gaps import far_apart
from gatling_common.results.gatling_json import (
    Node,
    StatsSettings,
    build_tree,
    duration_seconds,
    node_hists,
    range_labels,
    stats_tree_json,
)
from gatling_common.results.percentiles import combine, java_round
from gatling_common.results.records import I64
from gatling_common.results.series import (
    PERCENTILE_LABELS,
    PERCENTILES_OVER_TIME,
    TimeAxis,
    distribution,
    percentiles_per_bucket,
    percentiles_per_entity,
)
from gatling_common.results.sparse import group_count
from gatling_common.results.stats import RunStats

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


def _split(stats: RunStats, table: str, entity: int | None, ko: int, axis: TimeAxis) -> list[int]:
    ent, status, sec = stats.tables[table].columns
    mask = status == ko
    if entity is not None:
        mask &= ent == entity
    return axis.rate(axis.sum_per_bucket(sec[mask], stats.tables[table].counts[mask]))


ENTITY_NAMES = {"req_ok_pct": "keys", "grp_ok_pct": "groups"}


class _PctOverTime:
    """Percentiles over time of every entity of a table, computed on first use in ONE pass per
    table (per-node passes cost a mask and a search over the whole table each)."""

    def __init__(self, stats: RunStats, axis: TimeAxis) -> None:
        self.stats, self.axis = stats, axis
        self._per_entity: dict[str, list[list[list[int | None]]]] = {}

    def __call__(self, table: str, entity: int | None) -> dict[str, Any]:
        if entity is None:
            values = self._all(table)
        else:
            if table not in self._per_entity:
                self._per_entity[table] = self._compute(table)
            values = self._per_entity[table][entity]
        return {"labels": list(PERCENTILE_LABELS), "values": values}

    def _compute(self, table: str) -> list[list[list[int | None]]]:
        ent, sec, value = self.stats.tables[table].columns
        counts = self.stats.tables[table].counts
        entities = len(self.stats.names[ENTITY_NAMES[table]])
        return percentiles_per_entity(
            self.axis,
            ent,
            entities,
            sec,
            value,
            counts,
            PERCENTILES_OVER_TIME,
            self.stats.resolution[table],
        )

    def _all(self, table: str) -> list[list[int | None]]:
        stats = self.stats
        if table == "req_ok_pct" and stats.resolution["inp_ok_rt"] == stats.resolution[table]:
            # The same OK requests per input instead of per request: far fewer rows to sum.
            table = "inp_ok_rt"
        _, sec, value = stats.tables[table].columns
        counts = stats.tables[table].counts
        # Summed over entities first: rows come back sorted by (second, value), no lexsort.
        (sec, value), counts = group_count([sec, value], counts)
        return percentiles_per_bucket(
            self.axis, sec, value, counts, PERCENTILES_OVER_TIME, self.stats.resolution[table]
        )


def _node_series(stats: RunStats, node: Node, axis: TimeAxis, pct: _PctOverTime) -> dict[str, Any]:
    all_h, ok, ko, range_ok = node_hists(stats, node)
    is_root = node.kind == "GROUP" and not node.groups
    if node.kind == "REQUEST" or is_root:
        ent = node.entity
        return {
            "kind": node.kind,
            "requests": {
                s: _split(stats, "req_start", ent, i, axis) for i, s in enumerate(("ok", "ko"))
            },
            "responses": {
                s: _split(stats, "req_end", ent, i, axis) for i, s in enumerate(("ok", "ko"))
            },
            "percentiles": pct("req_ok_pct", ent),
            "distribution": distribution(all_h, ok, ko),
        }
    out: dict[str, Any] = {"kind": "GROUP"}
    if node.entity is not None:
        out["percentiles"] = pct("grp_ok_pct", node.entity)
    else:  # a group known only from its requests' paths (no GROUP record of its own)
        empty: list[int | None] = [None] * axis.length
        out["percentiles"] = {
            "labels": list(PERCENTILE_LABELS),
            "values": [list(empty) for _ in PERCENTILE_LABELS],
        }
    out["distribution"] = distribution(all_h, ok, ko)
    dur_ko = stats.hist("grp_dur", node.entity, True) if node.entity is not None else ko
    out["duration_distribution"] = distribution(combine([range_ok, dur_ko]), range_ok, dur_ko)
    return out


def _users(stats: RunStats, axis: TimeAxis) -> dict[str, Any]:
    """Active users as Gatling counts them: per second, previous - ends of the previous second +
    starts (a user is active in the second it ends), then the floor of the mean per bucket.

    Computed from the seconds where the count changes, never one slot per second of the run: a
    single record with a bogus time (1970 in a 2024 log) must not cost gigabytes."""
    scen, is_end, sec = stats.tables["users"].columns
    counts = stats.tables["users"].counts
    bounds = _bucket_bounds(axis)
    per_bucket = np.diff(bounds)
    out: dict[str, list[int]] = {}
    total = np.zeros(axis.length, np.int64)
    for i, name in enumerate(stats.names["scenarios"].values):
        mask = scen == i
        at = np.clip(sec[mask], axis.first_second, axis.first_second + axis.seconds - 1)
        ends = is_end[mask] == 1
        # +starts from their second on; -ends from the second after theirs.
        points = np.concatenate((at[~ends], at[ends] + 1))
        deltas = np.concatenate((counts[mask][~ends], -counts[mask][ends]))
        area = _step_integral(points, deltas, bounds)
        sums = np.diff(area)
        mean = np.where(per_bucket > 0, sums // np.maximum(per_bucket, 1), 0)
        total += mean
        out[name] = mean.tolist()
    return {"all": total.tolist(), "scenarios": out}


def _bucket_bounds(axis: TimeAxis) -> I64:
    """First second of every bucket, then the run's end: bucket b is [bounds[b], bounds[b+1])."""
    b = np.arange(1, axis.length, dtype=np.int64)
    guess = axis.first_second + np.ceil((b - 0.5) * axis.step).astype(np.int64)
    # `bucket_of` is the rule; float rounding may put the guess one second off either way.
    guess = np.where(axis.bucket_of(guess - 1) >= b, guess - 1, guess)
    guess = np.where(axis.bucket_of(guess) < b, guess + 1, guess)
    end = axis.first_second + axis.seconds
    bounds = np.concatenate(([axis.first_second], np.clip(guess, axis.first_second, end), [end]))
    return np.maximum.accumulate(bounds.astype(np.int64))


def _step_integral(points: I64, deltas: I64, at: I64) -> I64:
    """Sum over integer seconds s < x of f(s), for each x in `at`, where f is 0 before the first
    point and changes by `deltas` at `points`."""
    if len(points) == 0:
        return np.zeros(len(at), np.int64)
    order = np.argsort(points, kind="stable")
    pts, level = points[order], np.cumsum(deltas[order])
    last = np.concatenate((pts[1:] != pts[:-1], [True]))  # one level per distinct point
    pts, level = pts[last], level[last]
    area = np.concatenate(([0], np.cumsum(level[:-1] * np.diff(pts))))
    j = np.searchsorted(pts, at, side="right") - 1
    inside = j >= 0
    jj = np.maximum(j, 0)
    return np.where(inside, area[jj] + level[jj] * (at - pts[jj]), 0).astype(np.int64)


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


def report_data(stats: RunStats, settings: StatsSettings) -> dict[str, Any]:
    stats.compact()
    root = build_tree(stats, settings)
    start = stats.start if stats.start is not None else 0
    end = stats.end if stats.end is not None else start
    axis = TimeAxis.for_run(start, end)
    pct = _PctOverTime(stats, axis)
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
        "stats": stats_tree_json(stats, settings, root),
        "errors": errors_table(stats),
        "warnings": far_apart(stats),
        "series": {
            "times": axis.times_ms(),
            "step_s": axis.step,
            "users": _users(stats, axis),
            "nodes": {n.path_formatted: _node_series(stats, n, axis, pct) for n in root.walk()},
            "inputs": _inputs(stats, axis),
        },
    }


__all__ = ["FORMAT", "VERSION", "errors_table", "java_round", "report_data", "simulation_json"]
