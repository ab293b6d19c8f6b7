"""The record columns Gatling's charts are drawn from, gathered from every input.

Kept per record (about 21 bytes a request): the charts need millisecond times and exact
response times per bucket, and the buckets are known only once the last input is read (T1).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from gatling_common.results.records import (
    I64,
    NO_MESSAGE,
    FileStrings,
    RecordBatch,
    StringTable,
)


def _lookup(file_table: StringTable, table: StringTable, ids: np.ndarray) -> I64:
    """File-local ids -> ids of `table` (strings interned there on first sight)."""
    mapping = np.fromiter(
        (table.intern(v) for v in file_table.values), np.int64, count=len(file_table)
    )
    return mapping[ids.astype(np.int64)] if len(ids) else np.empty(0, np.int64)


BOOL_COLUMNS = ("ok", "is_start")  # `is_start`: a user's START (True) or END record
TABLES = ("requests", "group_runs", "users")
NAME_TABLES = {"requests": "keys", "group_runs": "groups", "users": "scenarios"}
MESSAGE_TABLE = "messages"  # requests' `message` column: ids into it, NO_MESSAGE for none
ID_COLUMNS = {"requests": "key", "group_runs": "path", "users": "scenario"}


def _messages(file_table: StringTable, table: StringTable, ids: np.ndarray) -> I64:
    """As `_lookup`, keeping NO_MESSAGE (an OK request, or a KO one without message)."""
    ids = ids.astype(np.int64)
    mapped = _lookup(file_table, table, np.maximum(ids, 0)) if len(file_table) else ids
    return np.where(ids == NO_MESSAGE, NO_MESSAGE, mapped)


def group_rows(ids: I64, count: int) -> tuple[I64, I64]:
    """Rows grouped by id, for ids in [0, count): (order, bounds), id i's rows being
    order[bounds[i]:bounds[i + 1]] in their first order. A stable argsort; as int16 numpy sorts
    by radix, several times faster than the general stable sort of int64 (2M requests: 0.1 s)."""
    small = count <= np.iinfo(np.int16).max
    order = np.argsort(ids.astype(np.int16) if small else ids, kind="stable")
    return order, np.searchsorted(ids[order], np.arange(count + 1))


@dataclass
class Columns:
    """Parallel arrays, appended in chunks and joined once."""

    names: tuple[str, ...]
    chunks: dict[str, list[np.ndarray]] = field(default_factory=dict)

    def add(self, **arrays: np.ndarray) -> None:
        for name in self.names:
            self.chunks.setdefault(name, []).append(arrays[name])

    def joined(self) -> dict[str, np.ndarray]:
        return {name: self.get(name, np.bool_ if name in BOOL_COLUMNS else np.int64)
                for name in self.names}  # fmt: skip

    def get(self, name: str, dtype: type = np.int64) -> np.ndarray:
        """The whole column, read-only. Joined once and kept as one chunk: the charts read each
        column several times (2M requests: 16 MB copied per read)."""
        parts = self.chunks.get(name, [])
        if not parts:
            return np.empty(0, dtype)
        if len(parts) > 1 or parts[0].dtype != dtype:
            parts[:] = [np.concatenate(parts).astype(dtype, copy=False)]
        parts[0].flags.writeable = False  # shared by every reader of the column
        return parts[0]


def _check(table: str, columns: dict[str, np.ndarray], names: int) -> None:
    """A damaged archive must not become numbers: equal lengths, ids naming a known string."""
    lengths = {len(c) for c in columns.values()}
    ids = columns[ID_COLUMNS[table]]
    if len(lengths) > 1 or (len(ids) and (ids.min() < 0 or ids.max() >= names)):
        raise ValueError(f"series table {table} is inconsistent")


@dataclass
class SeriesRecords:
    """Requests, groups and users of all inputs, with names interned across inputs."""

    keys: StringTable = field(default_factory=StringTable)  # request keys (records.request_key)
    groups: StringTable = field(default_factory=StringTable)
    scenarios: StringTable = field(default_factory=StringTable)
    messages: StringTable = field(default_factory=StringTable)  # KO requests' messages
    requests: Columns = field(
        default_factory=lambda: Columns(("key", "start", "end", "ok", "message", "input"))
    )
    group_runs: Columns = field(
        default_factory=lambda: Columns(("path", "start", "end", "cumulated", "ok"))
    )
    users: Columns = field(default_factory=lambda: Columns(("scenario", "is_start", "time")))
    partial: bool = False  # some input's records are missing (a shard without chart data)

    def add(self, batch: RecordBatch, strings: FileStrings, input_index: int = 0) -> None:
        """`input_index`: the input (pod) the batch is from, as in RunStats.inputs."""
        b = batch
        valid = b.req_end >= 0  # as the statistics: Gatling ignores a negative end
        if len(b.req_key):
            self.requests.add(
                key=_lookup(strings.request_keys, self.keys, b.req_key[valid]),
                start=b.req_start[valid],
                end=b.req_end[valid],
                ok=b.req_ok[valid],
                message=_messages(strings.messages, self.messages, b.req_message[valid]),
                input=np.full(int(valid.sum()), input_index, np.int64),
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
                is_start=b.user_start,
                time=b.user_time,
            )

    def extend(self, other: SeriesRecords, input_offset: int = 0) -> None:
        """Add another part's records (a shard's), its names interned here, its inputs
        numbered from `input_offset`."""
        for table in TABLES:
            columns = getattr(other, table).joined()
            id_column = ID_COLUMNS[table]
            mine, theirs = getattr(self, NAME_TABLES[table]), getattr(other, NAME_TABLES[table])
            columns[id_column] = _lookup(theirs, mine, columns[id_column])
            if table == "requests":
                columns["message"] = _messages(other.messages, self.messages, columns["message"])
                columns["input"] = columns["input"] + input_offset
            getattr(self, table).add(**columns)

    def to_arrays(self) -> tuple[dict[str, list[str]], dict[str, np.ndarray]]:
        """(names, arrays): what a shard stores (`series.<table>.<column>` arrays)."""
        names = {t: getattr(self, t).values for t in (*NAME_TABLES.values(), MESSAGE_TABLE)}
        arrays = {
            f"series.{table}.{name}": values
            for table in TABLES
            for name, values in getattr(self, table).joined().items()
        }
        return names, arrays

    @staticmethod
    def from_arrays(names: dict[str, list[str]], arrays: Any) -> SeriesRecords:
        """The inverse of `to_arrays`; `arrays` is a mapping (an open npz archive)."""
        found = SeriesRecords()
        for table_name, values in names.items():
            table = getattr(found, table_name)
            for value in values:
                table.intern(value)
        for table in TABLES:
            columns = getattr(found, table)
            loaded = {n: np.asarray(arrays[f"series.{table}.{n}"]) for n in columns.names}
            _check(table, loaded, len(getattr(found, NAME_TABLES[table])))
            if table == "requests":
                ids = loaded["message"]
                if len(ids) and (ids.min() < NO_MESSAGE or ids.max() >= len(found.messages)):
                    raise ValueError("series table requests: message ids out of range")
            columns.add(**loaded)
        return found

    def input_spans(self) -> list[tuple[int, int]]:
        """(first request start, last request end) of each input that has requests."""
        inp, start, end = (self.requests.get(c) for c in ("input", "start", "end"))
        if len(inp) == 0:
            return []
        order, bounds = group_rows(inp, int(inp.max()) + 1)  # not np.unique's full sort
        rows = [order[a:b] for a, b in itertools.pairwise(bounds.tolist()) if b > a]
        return [(int(start[r].min()), int(end[r].max())) for r in rows]

    def times(self) -> list[I64]:
        """Every record time (request, group and user), for the bounds of a far-apart part."""
        return [
            self.requests.get("start"),
            self.requests.get("end"),
            self.group_runs.get("start"),
            self.group_runs.get("end"),
            self.users.get("time"),
        ]

    def bounds(self) -> tuple[int, int] | None:
        """T1: S = earliest request, user or group start; E = latest request end, user event
        or group end (the RUN record's time is not used)."""
        user_time = self.users.get("time")
        user_start = self.users.get("is_start", np.bool_)
        lows = [self.requests.get("start"), self.group_runs.get("start"), user_time[user_start]]
        highs = [self.requests.get("end"), self.group_runs.get("end"), user_time]
        lo = [int(a.min()) for a in lows if len(a)]
        hi = [int(a.max()) for a in highs if len(a)]
        if not lo or not hi:
            return None
        return min(lo), max(hi)
