"""`js/series.json`: every chart of every page, by Gatling's rules (see the package docstring)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from gatling_common.results.records import (
    BOOL,
    GROUP_SEP,
    I64,
    split_request_key,
)
from gatling_common.series.axis import Axis, SegmentedAxis, segments
from gatling_common.series.collect import SeriesRecords, group_rows
from gatling_common.series.distribution import distribution
from gatling_common.series.percentiles import OVER_TIME, Grouped
from gatling_common.series.pods import pod_numbers
from gatling_common.series.rules import VersionRules
from gatling_common.series.users import active_users, concurrent_users, user_starts

SCHEMA = "gatling-series/1"
GENERATOR = "gatling-reporter"

PageFile = Callable[[str, tuple[str, ...]], str | None]
"""(kind, path) -> the HTML file that draws the page (None when there is none)."""


@dataclass(frozen=True)
class SeriesSettings:
    lower_bound: int = 800
    higher_bound: int = 1200
    version: str = ""  # the Gatling version that wrote the log(s)
    layout: str = ""
    inputs: int = 1  # how many inputs (pods) the records come from
    percentiles: tuple[float, ...] = ()  # the report's own (--percentiles), charted too


def series_document(
    records: SeriesRecords, settings: SeriesSettings, page_file: PageFile | None = None
) -> dict[str, Any]:
    rules = VersionRules.of(settings.version, settings.layout)
    bounds = records.bounds()
    pages: list[dict[str, Any]] = []
    if bounds is not None:
        pages = _Pages(records, run_axis(records, bounds), rules, settings).all()
        if not records.partial:  # an extra key of ours; pods without records would show 0
            pages[0]["pods"] = pod_numbers(records, settings.inputs)
    for page in pages:
        page["file"] = page_file(page["kind"], tuple(page["path"])) if page_file else None
    return {
        "schema": SCHEMA,
        "source": {
            "generator": GENERATOR,
            "version": settings.version or None,
            "bounds": [settings.lower_bound, settings.higher_bound],
        },
        "pages": pages,
    }


# As gatling_common.results.statistics.gaps: inputs further apart are warned of.
FAR_APART_MS = 3_600_000


def run_axis(records: SeriesRecords, bounds: tuple[int, int]) -> Axis | SegmentedAxis:
    """Gatling's one axis; for inputs more than an hour apart, one part per group of inputs
    (our own case: Gatling merges no logs)."""
    spans = records.input_spans()
    split = segments(spans, records.times(), FAR_APART_MS) if len(spans) > 1 else None
    return split or Axis.of_run(*bounds)


class _Pages:
    def __init__(
        self,
        records: SeriesRecords,
        axis: Axis | SegmentedAxis,
        rules: VersionRules,
        settings: SeriesSettings,
    ) -> None:
        self.records, self.axis, self.rules, self.settings = records, axis, rules, settings
        self.labels = axis.labels()
        self.label_array = np.asarray(self.labels, np.int64)
        req = records.requests
        self.key, self.ok = req.get("key"), req.get("ok", np.bool_)
        self.start, end = req.get("start"), req.get("end")
        self.rt = end - self.start
        self.start_bucket = axis.nearest(self.start)
        self.end_bucket = axis.nearest(end)
        self.paths = [split_request_key(k) for k in records.keys.values]  # (groups, name)
        keys = len(records.keys)
        self.order, self.key_first = group_rows(self.key, keys)
        self.sent = self._per_key_bucket(self.start_bucket, keys)
        self.received = self._per_key_bucket(self.end_bucket, keys)
        self.all_sent = axis.rate(np.bincount(self.start_bucket, minlength=axis.length))
        self.errors_by_key = self._errors_by_key(req.get("message"))
        runs = records.group_runs
        # sorted by group once: each group page takes its slice, not a mask over every run
        group_id = runs.get("path")
        by_group, self.group_first = group_rows(group_id, len(records.groups))
        self.group_cols = {c: runs.get(c)[by_group] for c in ("start", "end", "cumulated")}
        self.group_ok = runs.get("ok", np.bool_)[by_group]

    def _errors_by_key(self, message: I64) -> dict[int, dict[int, int]]:
        """key -> {message id: count} of its KO responses that have a message."""
        ko = ~self.ok & (message >= 0)
        pairs, counts = np.unique(np.stack([self.key[ko], message[ko]]), axis=1, return_counts=True)
        found: dict[int, dict[int, int]] = {}
        for (k, m), c in zip(pairs.T.tolist(), counts.tolist(), strict=True):
            found.setdefault(k, {})[m] = c
        return found

    def _errors(self, keys: list[int]) -> list[list[Any]]:
        """[message, count, % of this page's errors], most frequent first (Gatling's table)."""
        counts: dict[int, int] = {}
        for k in keys:
            for m, c in self.errors_by_key.get(k, {}).items():
                counts[m] = counts.get(m, 0) + c
        total = sum(counts.values())
        names = self.records.messages.values
        rows = sorted(((names[m], c) for m, c in counts.items()), key=lambda r: (-r[1], r[0]))
        return [[name, c, c * 100 / total] for name, c in rows]

    def _per_key_bucket(self, bucket: I64, keys: int) -> I64:
        """(keys, buckets, [ok, ko]) counts."""
        n = self.axis.length
        flat = (self.key * n + bucket) * 2 + (~self.ok)
        return np.bincount(flat, minlength=keys * n * 2).reshape(keys, n, 2)

    def all(self) -> list[dict[str, Any]]:
        pages = [self.global_page()]
        pages += [self.request_page(k) for k in range(len(self.records.keys))]
        pages += [self.group_page(path) for path in self.group_paths()]
        return pages

    # -- the pieces every request-like page has

    def _throughput(self, counts: I64) -> list[list[int]]:
        """T5: OK and KO each made a rate, then added."""
        ok, ko = self.axis.rate(counts[:, 0]), self.axis.rate(counts[:, 1])
        return np.stack([self.label_array, ok + ko, ok, ko], axis=1).tolist()

    def _over_time(self, bucket: I64, values: I64) -> list[list[Any]]:
        return self._over_time_of(Grouped.of(bucket, values))

    def _over_time_of(self, table: Grouped) -> list[list[Any]]:
        rows = table.table(self.rules.ranked_percentiles).tolist()
        found = dict(zip(table.ids.tolist(), rows, strict=True))
        return [[t, found.get(k)] for k, t in enumerate(self.labels)]

    def _ranges(self, values: I64, ok: BOOL) -> dict[str, list[Any]]:
        """R1: KO -> failed; OK below the lower bound, above the higher one, or between."""
        lower, higher = self.settings.lower_bound, self.settings.higher_bound
        above = values >= higher if self.rules.above_includes_bound else values > higher
        below = ok & (values < lower)
        over = ok & above
        counts = [
            int(below.sum()),
            int((ok & ~below & ~over).sum()),
            int(over.sum()),
            int((~ok).sum()),
        ]
        total = sum(counts)
        pct = [c / total * 100 if total else 0.0 for c in counts]
        return {"counts": counts, "percentages": pct}

    def _request_like(
        self, rows: I64 | slice, sent: I64, received: I64
    ) -> tuple[dict[str, Any], Grouped]:
        """The page's series, and its OK response times grouped by start bucket (the scatter
        chart's OK side is drawn from the same table: one sort, not two)."""
        ok, rt = self.ok[rows], self.rt[rows]
        responses = self._throughput(received)
        ok_table = Grouped.of(self.start_bucket[rows][ok], rt[ok])
        return {
            "requests": self._throughput(sent),
            "responses": responses,
            "outcome": [sum(r[2] for r in responses), sum(r[3] for r in responses)],
            "percentiles": self._over_time_of(ok_table),
            "extra_percentiles": self._extra(ok_table),
            "distribution": distribution(rt, ok),
            "ranges": self._ranges(rt, ok),
        }, ok_table

    def _extra(self, table: Grouped) -> dict[str, list[list[Any]]]:
        """The report's --percentiles that Gatling's ten do not show (99.9, 90 ...), by the
        same rule (P2): {"p99.9": [[t, value or None], ...]}."""
        wanted = [p for p in self.settings.percentiles if p / 100 not in OVER_TIME]
        if not wanted:
            return {}
        found: dict[str, list[list[Any]]] = {}
        ids = table.ids.tolist()
        columns = table.percentiles(tuple(p / 100 for p in wanted), self.rules.ranked_percentiles)
        for p, values in zip(wanted, columns.T.tolist(), strict=True):
            by_bucket = dict(zip(ids, values, strict=True))
            label = f"p{p:g}"
            found[label] = [[t, by_bucket.get(k)] for k, t in enumerate(self.labels)]
        return found

    # -- pages

    def global_page(self) -> dict[str, Any]:
        page: dict[str, Any] = {"kind": "global", "path": []}
        page.update(self._request_like(slice(None), self.sent.sum(0), self.received.sum(0))[0])
        counts = self.sent.sum(1)
        page["request_counts"] = [
            [name, int(counts[k, 0]), int(counts[k, 1])] for k, (_, name) in enumerate(self.paths)
        ]
        page.update(self._users())
        return page

    def request_page(self, k: int) -> dict[str, Any]:
        groups, name = self.paths[k]
        rows = self.order[self.key_first[k] : self.key_first[k + 1]]
        page: dict[str, Any] = {"kind": "request", "path": [*groups, name]}
        series, ok_table = self._request_like(rows, self.sent[k], self.received[k])
        page.update(series)
        page["errors"] = self._errors([k])
        ko = rows[~self.ok[rows]]
        page["rps_scatter"] = {
            "ok": self._scatter(ok_table),
            "ko": self._scatter(Grouped.of(self.start_bucket[ko], self.rt[ko])),
        }
        return page

    def _scatter(self, table: Grouped) -> list[list[int]]:
        """R2: per bucket with responses, (all requests started in it as a rate, p95 here)."""
        p95 = table.percentile(0.95, self.rules.ranked_percentiles)
        return np.stack([self.all_sent[table.ids], p95], axis=1).tolist()

    def group_paths(self) -> list[tuple[str, ...]]:
        """G1: every group holding a request, enclosing groups included (a group holding no
        request has no page, even with GROUP records)."""
        paths: dict[tuple[str, ...], None] = {}
        named = [groups for groups, _ in self.paths]
        for groups in named:
            for depth in range(1, len(groups) + 1):
                paths.setdefault(groups[:depth])
        return list(paths)

    def group_page(self, path: tuple[str, ...]) -> dict[str, Any]:
        gid = self.records.groups.ids.get(GROUP_SEP.join(path), -1)
        # an empty slice for a group without GROUP records (G1)
        mask = slice(self.group_first[gid], self.group_first[gid + 1]) if gid >= 0 else slice(0, 0)
        start, end, cumulated = (self.group_cols[c][mask] for c in ("start", "end", "cumulated"))
        ok = self.group_ok[mask]
        duration, bucket = end - start, self.axis.nearest(start)
        return {
            "kind": "group",
            "path": list(path),
            "duration_percentiles": self._over_time(bucket[ok], duration[ok]),
            "cumulated_percentiles": self._over_time(bucket[ok], cumulated[ok]),
            "duration_distribution": distribution(duration, ok),
            "cumulated_distribution": distribution(cumulated, ok),
            "ranges": self._ranges(duration, ok),
            "errors": self._errors(
                [k for k, (groups, _) in enumerate(self.paths) if groups[: len(path)] == path]
            ),
        }  # fmt: skip

    def _users(self) -> dict[str, Any]:
        users = self.records.users
        scenario, is_start = users.get("scenario"), users.get("is_start", np.bool_)
        time = users.get("time")
        mine = [scenario == s for s in range(len(self.records.scenarios.values))]
        per_scenario = [(is_start[m], time[m]) for m in mine]  # once, for the three measures
        out: dict[str, Any] = {}
        for key, measure in (
            ("users", active_users),
            ("concurrent_users", concurrent_users),
            ("user_starts", user_starts),
        ):
            out[key] = {
                name: _measured(measure, self.axis, *per_scenario[s])
                for s, name in enumerate(self.records.scenarios.values)
            }
            out[key + "_all"] = _measured(measure, self.axis, is_start, time)
        return out


def _measured(
    measure: Callable[[Axis, BOOL, I64], list[list[int]]],
    axis: Axis | SegmentedAxis,
    is_start: BOOL,
    time: I64,
) -> list[list[int]]:
    """A users measure, part by part on a far-apart axis (each part's users on its own)."""
    if isinstance(axis, Axis):
        return measure(axis, is_start, time)
    part = axis.part_of(time)
    return [
        point
        for i, p in enumerate(axis.parts)
        for point in measure(p, is_start[part == i], time[part == i])
    ]
