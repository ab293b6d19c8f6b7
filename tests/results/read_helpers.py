"""Shared helpers of the reader tests: records of a file as plain, comparable tuples."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from gatling_common.results.readers.reader import open_log
from gatling_common.results.records import NO_MESSAGE, FileStrings, RecordBatch, SkipCounter

Records = dict[str, list[tuple[object, ...]]]


def canonical(batches: Iterable[RecordBatch], strings: FileStrings) -> Records:
    """Every record with its strings resolved, per type, in file order."""
    out: Records = {"REQUEST": [], "GROUP": [], "USER": [], "ERROR": []}
    keys, groups = strings.request_keys.values, strings.groups.values
    scenarios, messages = strings.scenarios.values, strings.messages.values
    for b in batches:
        for k, s, e, ok, m in zip(b.req_key, b.req_start, b.req_end, b.req_ok, b.req_message):
            msg = None if m == NO_MESSAGE else messages[m]
            out["REQUEST"].append((keys[k], int(s), int(e), bool(ok), msg))
        for p, s, e, c, ok in zip(b.grp_path, b.grp_start, b.grp_end, b.grp_cumulated, b.grp_ok):
            out["GROUP"].append((groups[p], int(s), int(e), int(c), bool(ok)))
        for sc, st, t in zip(b.user_scenario, b.user_start, b.user_time):
            out["USER"].append((scenarios[sc], bool(st), int(t)))
        for m, t in zip(b.err_message, b.err_time):
            out["ERROR"].append((messages[m], int(t)))
    return out


def read_records(
    path: Path, batch_records: int = 1 << 19, *, accept_damaged: bool = False
) -> tuple[Records, SkipCounter]:
    with open_log(path, batch_records=batch_records, accept_damaged=accept_damaged) as reader:
        batches = list(reader)
        return canonical(batches, reader.strings), reader.skipped


def counts(records: Records) -> dict[str, int]:
    return {kind: len(rows) for kind, rows in records.items() if rows}
