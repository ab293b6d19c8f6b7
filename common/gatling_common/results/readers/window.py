"""Records far from the rest of the run are skipped and counted, not turned into a decades-long run.

A flipped byte or a cut-and-joined line still forms a well-formed record; one such record in 1970
or 2200 stretched a run to 1.7e9 s (mean 0.00 req/s). The RUN record's time cannot be the yardstick
(Gatling's own test logs start their records at 1000 ms against a 2014 RUN time), so the run is
located by its records: the median time of the first batch that has any, which one bogus record
cannot move. Records more than a year from that median are skipped: binary logs store int32
milliseconds (no run spans more than 24.8 days), but a text log has no such limit, and merged or
concatenated logs of one test campaign can span months.
"""

from __future__ import annotations

import numpy as np

from gatling_common.results.records import RecordBatch, SkipCounter

SPAN_MS = 366 * 86_400_000
REASON = "time far outside the run"


class RunWindow:
    """Applied to every batch of one file, in order."""

    def __init__(self, skipped: SkipCounter) -> None:
        self._skipped = skipped
        self._center: int | None = None

    def apply(self, batch: RecordBatch) -> RecordBatch:
        """`batch` without the records more than SPAN_MS from the run, counted by type."""
        if self._center is None:
            times = np.concatenate([batch.req_start, batch.user_time, batch.grp_start])
            if len(times) == 0:
                return batch
            self._center = int(np.median(times))
        lo, hi = self._center - SPAN_MS, self._center + SPAN_MS
        b = batch
        columns = (b.req_start, b.req_end, b.grp_start, b.grp_end, b.user_time, b.err_time)
        if all(len(t) == 0 or (t.min() >= lo and t.max() <= hi) for t in columns):
            return batch  # the usual case: two reductions per column, no mask, nothing copied
        req = _inside(lo, hi, b.req_start, b.req_end)
        grp = _inside(lo, hi, b.grp_start, b.grp_end)
        usr = _inside(lo, hi, b.user_time)
        err = _inside(lo, hi, b.err_time)
        for kind, keep in (("REQUEST", req), ("GROUP", grp), ("USER", usr), ("ERROR", err)):
            if not keep.all():
                self._skipped.add(f"{kind} {REASON}", int(len(keep) - keep.sum()))
        return RecordBatch(
            b.req_key[req], b.req_start[req], b.req_end[req], b.req_ok[req], b.req_message[req],
            b.grp_path[grp], b.grp_start[grp], b.grp_end[grp], b.grp_cumulated[grp], b.grp_ok[grp],
            b.user_scenario[usr], b.user_start[usr], b.user_time[usr],
            b.err_message[err], b.err_time[err],
        )  # fmt: skip


def _inside(lo: int, hi: int, *times: np.ndarray) -> np.ndarray:
    keep = np.ones(len(times[0]), np.bool_)
    for t in times:
        keep &= (t >= lo) & (t <= hi)
    return keep
