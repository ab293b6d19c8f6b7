"""The record columns Gatling's charts are drawn from, gathered from every input.

Kept per record (about 21 bytes a request): the charts need millisecond times and exact
response times per bucket, and the buckets are known only once the last input is read (T1).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from gatling_common.results.records import I64, FileStrings, RecordBatch, StringTable


def _lookup(file_table: StringTable, table: StringTable, ids: np.ndarray) -> I64:
    """File-local ids -> ids of `table` (strings interned there on first sight)."""
    mapping = np.fromiter(
        (table.intern(v) for v in file_table.values), np.int64, count=len(file_table)
    )
    return mapping[ids.astype(np.int64)] if len(ids) else np.empty(0, np.int64)


@dataclass
class Columns:
    """Parallel arrays, appended in chunks and joined once."""

    names: tuple[str, ...]
    chunks: dict[str, list[np.ndarray]] = field(default_factory=dict)

    def add(self, **arrays: np.ndarray) -> None:
        for name in self.names:
            self.chunks.setdefault(name, []).append(arrays[name])

    def get(self, name: str, dtype: type = np.int64) -> np.ndarray:
        parts = self.chunks.get(name, [])
        return np.concatenate(parts).astype(dtype, copy=False) if parts else np.empty(0, dtype)


@dataclass
class SeriesRecords:
    """Requests, groups and users of all inputs, with names interned across inputs."""

    keys: StringTable = field(default_factory=StringTable)  # request keys (records.request_key)
    groups: StringTable = field(default_factory=StringTable)
    scenarios: StringTable = field(default_factory=StringTable)
    requests: Columns = field(default_factory=lambda: Columns(("key", "start", "end", "ok")))
    group_runs: Columns = field(
        default_factory=lambda: Columns(("path", "start", "end", "cumulated", "ok"))
    )
    users: Columns = field(default_factory=lambda: Columns(("scenario", "start", "time")))

    def add(self, batch: RecordBatch, strings: FileStrings) -> None:
        b = batch
        valid = b.req_end >= 0  # as the statistics: Gatling ignores a negative end
        if len(b.req_key):
            self.requests.add(
                key=_lookup(strings.request_keys, self.keys, b.req_key[valid]),
                start=b.req_start[valid],
                end=b.req_end[valid],
                ok=b.req_ok[valid],
            )
        valid = b.grp_end >= 0
        if len(b.grp_path):
            self.group_runs.add(
                path=_lookup(strings.groups, self.groups, b.grp_path[valid]),
                start=b.grp_start[valid],
                end=b.grp_end[valid],
                cumulated=b.grp_cumulated[valid],
                ok=b.grp_ok[valid],
            )
        if len(b.user_scenario):
            self.users.add(
                scenario=_lookup(strings.scenarios, self.scenarios, b.user_scenario),
                start=b.user_start,
                time=b.user_time,
            )

    def bounds(self) -> tuple[int, int] | None:
        """T1: S = earliest request, user or group start; E = latest request end, user event
        or group end (the RUN record's time is not used)."""
        user_time = self.users.get("time")
        user_start = self.users.get("start", np.bool_)
        lows = [self.requests.get("start"), self.group_runs.get("start"), user_time[user_start]]
        highs = [self.requests.get("end"), self.group_runs.get("end"), user_time]
        lo = [int(a.min()) for a in lows if len(a)]
        hi = [int(a.max()) for a in highs if len(a)]
        if not lo or not hi:
            return None
        return min(lo), max(hi)
