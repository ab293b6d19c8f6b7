"""Records far from the rest of the run are skipped and counted by type (issue 13, case 8)."""

from __future__ import annotations

import numpy as np
from gatling_common.results.readers.window import SPAN_MS, RunWindow
from gatling_common.results.records import RecordBatch, SkipCounter

T = 1_700_000_000_000


def _batch(req: list[tuple[int, int]], users: list[int]) -> RecordBatch:
    b = RecordBatch.empty()
    n = len(req)
    return RecordBatch(
        np.zeros(n, np.int32), np.array([s for s, _ in req], np.int64),
        np.array([e for _, e in req], np.int64), np.ones(n, np.bool_), np.full(n, -1, np.int32),
        b.grp_path, b.grp_start, b.grp_end, b.grp_cumulated, b.grp_ok,
        np.zeros(len(users), np.int32), np.ones(len(users), np.bool_),
        np.array(users, np.int64), b.err_message, b.err_time,
    )  # fmt: skip


def test_records_far_from_the_run_are_dropped_and_counted() -> None:
    skipped = SkipCounter()
    window = RunWindow(skipped)
    first = _batch([(T + i, T + i + 5) for i in range(5)], [T, 0])  # one user in 1970
    kept = window.apply(first)
    assert kept.req_start.tolist() == [T + i for i in range(5)]
    assert kept.user_time.tolist() == [T]
    # The first batch's median (T + 1) places the window; later batches keep it.
    edge = T + 1 - SPAN_MS
    later = _batch(
        [(edge, T + 4), (edge - 1, T), (1_700_000, 1_700_100), (T, 7_258_118_400_000)], []
    )
    kept = window.apply(later)
    assert kept.req_start.tolist() == [edge]
    assert len(kept.req_key) == len(kept.req_end) == len(kept.req_ok) == 1
    assert dict(skipped.counts) == {
        "USER time far outside the run": 1,
        "REQUEST time far outside the run": 3,
    }


def test_records_near_the_run_stay_whatever_the_run_record_says() -> None:
    # Gatling's own known-stats log: records from 1000 ms, a RUN record of 2014.
    batch = _batch([(1000, 3000), (1000, 10000), (2000, 6000)], [1000])
    skipped = SkipCounter()
    assert RunWindow(skipped).apply(batch) is batch
    assert not skipped.counts


def test_an_empty_first_batch_waits_for_records() -> None:
    window = RunWindow(SkipCounter())
    assert len(window.apply(RecordBatch.empty()).req_start) == 0
    batch = _batch([(T, T + 1)], [T])
    assert window.apply(batch) is batch
