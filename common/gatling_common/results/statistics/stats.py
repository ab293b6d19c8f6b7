"""The statistics of one or more Gatling logs as ONE mergeable, exact value (`RunStats`).

Like locust's stats, everything is a sum: every number Gatling reports (counts, min, max, mean,
std dev, percentiles, ranges for any bounds, errors, time series) is derived at output time from
sparse exact counts (`SparseCounts`), so `merge(stats(a), stats(b))` equals `stats(a + b)`.

Tables (columns -> count of records; strings are ids into the `Names` below):
- req_rt      (key, ko, response time ms)       every REQUEST with end >= 0
- grp_cum     (group, ko, cumulated ms)          every GROUP (stats use cumulated time)
- grp_dur     (group, ko, duration ms)           every GROUP (ranges use end - start)
- inp_resp    (input, ko, end second)            per input (pod): throughput and KO%
- inp_ok_rt   (input, start second, ~rt)         per input: OK response-time percentiles
- errors      (message,)                         KO request messages + ERROR records

The report's charts are not drawn from these: gatling_common.series keeps every record's times
for Gatling's own chart rules. (The per-second request, group and user tables that once fed the
charts are gone: they were half the work of a fold and most of a shard's bytes.)

`~` marks quantized times (`quantize`): exact below 64 ms, then 6 significant bits (< 1.6 %
error). Overall statistics and the distribution use the exact `req_rt` / `grp_*` tables.

Memory stays flat: the per-second response-time table (`TIMED`) would otherwise grow with the
number of requests, so when it exceeds `ROW_BUDGET` rows, its seconds are coarsened to blocks of
2, 4, 8... seconds (`resolution`, stored in shards; a merge uses the coarser of the two). Below
the budget nothing is coarsened and merge(stats(a), stats(b)) == stats(a + b) holds exactly;
above it, every number but the pods page's p95 over time is still exact.
"""

from __future__ import annotations

from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from gatling_common.results.records import (
    I64,
    NO_MESSAGE,
    FileStrings,
    RecordBatch,
    RunInfo,
    split_request_key,
)
from gatling_common.results.statistics.names import Names, TableMapper
from gatling_common.results.statistics.percentiles import Hist, hist_of
from gatling_common.results.statistics.quantize import bucket_of, bucket_value
from gatling_common.results.statistics.sparse import SparseCounts, group_count

# Which `Names` each column's ids refer to ("input": index into RunStats.inputs; None: a number).
TABLES: dict[str, tuple[str | None, ...]] = {
    "req_rt": ("keys", None, None),
    "grp_cum": ("groups", None, None),
    "grp_dur": ("groups", None, None),
    "inp_resp": ("input", None, None),
    "inp_ok_rt": ("input", None, None),
    "errors": ("messages",),
}
NAME_SPACES = ("keys", "groups", "scenarios", "messages")
ORDERED = ("keys", "groups")  # listed by the earliest start seen for each, as Gatling does
NEVER = np.iinfo(np.int64).max
TIMED = ("inp_ok_rt",)  # column 1: seconds, in blocks of `resolution`
ROW_BUDGET = 600_000
MAX_RESOLUTION = 1 << 17  # seconds (~36 h)


@dataclass
class InputInfo:
    """One merged input (a pod's log or shard) as summaries show it."""

    path: str
    run: RunInfo = field(default_factory=RunInfo)
    status: str = "UNKNOWN"  # COMPLETED / FAILED when the caller knows (the pod's state)
    skipped: Counter[str] = field(default_factory=Counter)
    requests: int = 0

    def to_json(self) -> dict[str, Any]:
        run = self.run
        return {
            "path": self.path,
            "simulation_class": run.simulation_class,
            "simulation_id": run.simulation_id,
            "run_start": run.run_start,
            "description": run.description,
            "gatling_version": run.gatling_version,
            "layout": run.layout,
            "scenarios": list(run.scenarios),
            "assertions": [a.hex() for a in run.assertions],
            "status": self.status,
            "skipped": dict(sorted(self.skipped.items())),
            "requests": self.requests,
        }

    @staticmethod
    def from_json(data: dict[str, Any]) -> InputInfo:
        run = RunInfo(
            simulation_class=data["simulation_class"],
            simulation_id=data["simulation_id"],
            run_start=data["run_start"],
            description=data["description"],
            gatling_version=data["gatling_version"],
            layout=data["layout"],
            scenarios=list(data["scenarios"]),
            assertions=[bytes.fromhex(a) for a in data["assertions"]],
        )
        return InputInfo(
            data["path"], run, data["status"], Counter(data["skipped"]), data["requests"]
        )


class RunStats:
    """Exact, mergeable statistics of any number of inputs."""

    def __init__(self, row_budget: int = ROW_BUDGET) -> None:
        self.row_budget = row_budget
        self.inputs: list[InputInfo] = []
        self.names: dict[str, Names] = {ns: Names() for ns in NAME_SPACES}
        self.tables: dict[str, SparseCounts] = {
            name: SparseCounts(len(cols)) for name, cols in TABLES.items()
        }
        self.start: int | None = None  # run bounds (epoch ms), see the spec
        self.end: int | None = None
        self.resolution: dict[str, int] = {name: 1 for name in TIMED}
        # Earliest start (epoch ms) of each request key / group path, indexed like `names`:
        # Gatling lists requests and groups in that order; a minimum merges exactly.
        self.first_start: dict[str, I64] = {ns: np.empty(0, np.int64) for ns in ORDERED}

    def first_starts(self, ns: str) -> I64:
        """`first_start[ns]` padded to every name (NEVER for names without a record)."""
        have, n = self.first_start[ns], len(self.names[ns])
        if len(have) < n:
            have = np.concatenate([have, np.full(n - len(have), NEVER, np.int64)])
        return have

    def lower_first_start(self, ns: str, ids: I64, starts: I64) -> None:
        firsts = self.first_starts(ns)
        np.minimum.at(firsts, ids, starts)
        self.first_start[ns] = firsts

    def add_timed(self, name: str, cols: list[I64], counts: I64 | None = None) -> None:
        """Add to a per-second table (rows counted `counts` times if given), coarsening its
        seconds when it outgrows ROW_BUDGET."""
        res = self.resolution[name]
        if res > 1:
            cols[1] = cols[1] // res * res
        table = self.tables[name]
        if counts is None:
            table.add(cols)
        else:
            table.add_counted(cols, counts)
        if table.rows_bound > self.row_budget and len(table) > self.row_budget:
            # Hysteresis (down to half the budget) so a busy run does not coarsen every batch.
            while len(self.tables[name]) > self.row_budget // 2 and self._can_coarsen(name):
                self.coarsen(name, self.resolution[name] * 2)

    def _can_coarsen(self, name: str) -> bool:
        # Past a whole day per block, rows are distinct (key, value) pairs: time is not the cause.
        return self.resolution[name] < MAX_RESOLUTION

    def coarsen(self, name: str, resolution: int) -> None:
        if resolution <= self.resolution[name]:
            return
        self.tables[name] = _coarsened(self.tables[name], resolution)
        self.resolution[name] = resolution

    # ---- folding -------------------------------------------------------------------------
    def add_input(self, info: InputInfo) -> int:
        self.inputs.append(info)
        return len(self.inputs) - 1

    def folder(self, strings: FileStrings, input_index: int) -> BatchFolder:
        return BatchFolder(self, strings, input_index)

    def _bound(self, lo: int | None, hi: int | None) -> None:
        if lo is not None:
            self.start = lo if self.start is None else min(self.start, lo)
        if hi is not None:
            self.end = hi if self.end is None else max(self.end, hi)

    def compact(self) -> None:
        """Merge every table's pending parts now, two tables at a time: numpy's sorts release
        the GIL, so the last (largest) compactions use both cores instead of one."""
        tables = sorted(self.tables.values(), key=lambda t: -t.rows_bound)
        with ThreadPoolExecutor(2) as pool:
            for _ in pool.map(lambda t: t.counts, tables):
                pass

    # ---- merging -------------------------------------------------------------------------
    def merged(self, other: RunStats) -> RunStats:
        out = RunStats(min(self.row_budget, other.row_budget))
        out.inputs = [*self.inputs, *other.inputs]
        lookups: dict[str, I64 | None] = {}
        for ns in NAME_SPACES:
            out.names[ns] = Names(self.names[ns].values)
            lookups[ns] = out.names[ns].lookup_for(other.names[ns].values)
        lookups["input"] = np.arange(len(other.inputs), dtype=np.int64) + len(self.inputs)
        for ns in ORDERED:
            out.first_start[ns] = self.first_starts(ns)
            other_starts = other.first_starts(ns)
            ids = lookups[ns]
            assert ids is not None
            out.lower_first_start(ns, ids[: len(other_starts)], other_starts)
        for name, kinds in TABLES.items():
            remap = [None if k is None else lookups[k] for k in kinds]
            mine, theirs = self.tables[name], other.tables[name]
            if name in TIMED:
                res = out.resolution[name] = max(self.resolution[name], other.resolution[name])
                mine, theirs = _coarsened(mine, res), _coarsened(theirs, res)
            out.tables[name] = mine.merged(theirs, remap)
        for name in TIMED:
            while len(out.tables[name]) > out.row_budget and out._can_coarsen(name):
                out.coarsen(name, out.resolution[name] * 2)
        out._bound(self.start, self.end)
        out._bound(other.start, other.end)
        return out

    # ---- reading back --------------------------------------------------------------------
    def hist(self, table: str, entity: int | None, ko: bool | None) -> Hist:
        """Histogram of column 2 for one entity (None: all) and status (None: both)."""
        ent, status, value = self.tables[table].columns
        counts = self.tables[table].counts
        if entity is None:  # the run as a whole: once per report
            mask = np.ones(len(counts), np.bool_) if ko is None else status == int(ko)
            return hist_of(value[mask], counts[mask])
        # rows are sorted (SparseCounts): an entity's rows, and a status within them, are a
        # slice; a mask per entity made 1,000 request names cost 0.5 s
        lo, hi = np.searchsorted(ent, [entity, entity + 1]).tolist()
        if ko is not None:
            a, b = np.searchsorted(status[lo:hi], [int(ko), int(ko) + 1]).tolist()
            lo, hi = lo + a, lo + b
        return hist_of(value[lo:hi], counts[lo:hi])

    def request_keys(self) -> list[tuple[tuple[str, ...], str]]:
        return [split_request_key(k) for k in self.names["keys"].values]

    def errors(self) -> list[tuple[str, int]]:
        """(message, count), by count descending then first seen (Gatling's order)."""
        (ids,), counts = self.tables["errors"].columns, self.tables["errors"].counts
        msgs = self.names["messages"].values
        pairs = [(msgs[int(i)], int(c)) for i, c in zip(ids, counts, strict=True)]
        return sorted(pairs, key=lambda p: -p[1])

    @property
    def skipped(self) -> Counter[str]:
        total: Counter[str] = Counter()
        for info in self.inputs:
            total.update(info.skipped)
        return total

    def canonical(self, with_inputs: bool = True) -> dict[str, Any]:
        """A plain, id-free form: equal for equal statistics (used by tests and `==`)."""
        tables: dict[str, list[tuple[Any, ...]]] = {}
        for name, kinds in TABLES.items():
            if not with_inputs and "input" in kinds:
                continue
            table = self.tables[name]
            rows = []
            for row in zip(*table.columns, table.counts, strict=True):
                rows.append(
                    tuple(
                        self.names[k].values[int(v)] if k in self.names else int(v)
                        for k, v in zip((*kinds, None), row, strict=True)
                    )
                )
            tables[name] = sorted(rows)
        out: dict[str, Any] = {
            "start": self.start,
            "end": self.end,
            "tables": tables,
            "resolution": dict(self.resolution),
            "first_start": {
                ns: sorted(
                    (self.names[ns].values[i], int(t))
                    for i, t in enumerate(self.first_starts(ns))
                    if t != NEVER
                )
                for ns in ORDERED
            },
        }
        if with_inputs:
            out["inputs"] = [i.to_json() for i in self.inputs]
        return out

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, RunStats):
            return NotImplemented
        return self.canonical() == other.canonical()

    __hash__ = None  # type: ignore[assignment]


def _coarsened(table: SparseCounts, resolution: int) -> SparseCounts:
    if resolution <= 1 or len(table) == 0:
        return table
    cols = list(table.columns)
    cols[1] = cols[1] // resolution * resolution
    return SparseCounts.from_arrays(cols, table.counts)


def merge_all(parts: list[RunStats]) -> RunStats:
    """Merge in order (pairwise, balanced: cheap for hundreds of shards)."""
    if not parts:
        return RunStats()
    while len(parts) > 1:
        parts = [
            parts[i].merged(parts[i + 1]) if i + 1 < len(parts) else parts[i]
            for i in range(0, len(parts), 2)
        ]
    return parts[0]


class BatchFolder:
    """Folds one file's `RecordBatch`es into a `RunStats` (vectorized, no per-record Python)."""

    def __init__(self, stats: RunStats, strings: FileStrings, input_index: int) -> None:
        self.stats = stats
        self.input_index = input_index
        names = stats.names
        self.keys = TableMapper(strings.request_keys, names["keys"])
        self.groups = TableMapper(strings.groups, names["groups"])
        self.scenarios = TableMapper(strings.scenarios, names["scenarios"])
        self.messages = TableMapper(strings.messages, names["messages"])

    def fold(self, b: RecordBatch) -> None:
        self._requests(b)
        self._groups(b)
        self._users(b)
        if len(b.err_message):
            self.stats.tables["errors"].add([self.messages.map(b.err_message)])

    def _requests(self, b: RecordBatch) -> None:
        valid = b.req_end >= 0  # Gatling ignores requests whose end is negative
        if not valid.all():
            b = _select_requests(b, valid)
        if len(b.req_key) == 0:
            return
        t = self.stats.tables
        key = self.keys.map(b.req_key)
        start, end = b.req_start.astype(np.int64), b.req_end.astype(np.int64)
        ko = (~b.req_ok).astype(np.int64)
        rt = end - start
        t["req_rt"].add([key, ko, rt])
        self.stats.lower_first_start("keys", key, start)
        (i_ko, i_sec), i_counts = group_count([ko, end // 1000])
        t["inp_resp"].add_counted([self._input(i_counts), i_ko, i_sec], i_counts)
        ok = ko == 0
        self._ok_times(start[ok] // 1000, rt[ok])
        with_msg = ~ok & (b.req_message != NO_MESSAGE)
        if with_msg.any():
            t["errors"].add([self.messages.map(b.req_message[with_msg])])
        self.stats._bound(int(start.min()), int(end.max()))
        self.stats.inputs[self.input_index].requests += len(key)

    def _input(self, like: I64) -> I64:
        return np.full(len(like), self.input_index, np.int64)

    def _ok_times(self, second: I64, rt: I64) -> None:
        """OK response times per second of this input, counted by quantization bucket (9 bits
        instead of 17: a dense count)."""
        (second, bucket), counts = group_count([second, bucket_of(rt)])
        inputs = self._input(counts)
        self.stats.add_timed("inp_ok_rt", [inputs, second, bucket_value(bucket)], counts)

    def _groups(self, b: RecordBatch) -> None:
        valid = b.grp_end >= 0
        if len(b.grp_path) == 0 or not valid.any():
            return
        t = self.stats.tables
        grp = self.groups.map(b.grp_path[valid])
        start, end = b.grp_start[valid].astype(np.int64), b.grp_end[valid].astype(np.int64)
        cum = b.grp_cumulated[valid].astype(np.int64)
        ko = (~b.grp_ok[valid]).astype(np.int64)
        t["grp_cum"].add([grp, ko, cum])
        self.stats.lower_first_start("groups", grp, start)
        t["grp_dur"].add([grp, ko, end - start])
        self.stats._bound(int(start.min()), int(end.max()))

    def _users(self, b: RecordBatch) -> None:
        if len(b.user_scenario) == 0:
            return
        self.scenarios.intern_new()  # the run's scenarios, in order (summaries list them)
        time = b.user_time.astype(np.int64)
        starts = time[b.user_start]
        self.stats._bound(int(starts.min()) if len(starts) else None, int(time.max()))


def _select_requests(b: RecordBatch, mask: np.ndarray[Any, np.dtype[np.bool_]]) -> RecordBatch:
    return RecordBatch(
        b.req_key[mask],
        b.req_start[mask],
        b.req_end[mask],
        b.req_ok[mask],
        b.req_message[mask],
        *(
            b.grp_path,
            b.grp_start,
            b.grp_end,
            b.grp_cumulated,
            b.grp_ok,
            b.user_scenario,
            b.user_start,
            b.user_time,
            b.err_message,
            b.err_time,
        ),
    )


def stats_of_batches(
    batches: list[RecordBatch],
    strings: FileStrings,
    info: InputInfo | None = None,
    row_budget: int = ROW_BUDGET,
) -> RunStats:
    """Statistics of records already in memory (tests, generators)."""
    stats = RunStats(row_budget)
    folder = stats.folder(strings, stats.add_input(info or InputInfo("<memory>")))
    for batch in batches:
        folder.fold(batch)
    return stats
