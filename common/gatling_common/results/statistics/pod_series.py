"""Per-second series of each input (pod) for the pods page, from the engine's tables.

The report's charts are not drawn from here: gatling_common.series applies Gatling's rules to
millisecond records. This axis is the older per-second approximation of them:

Time axis: 1 s buckets unless the run spans 1000 s or more, then `span / 1000` s (at most 1000
points), bucket of second s = min(round((s - first second) / step), n - 1) as Gatling's
`StatsHelper.timeToBucketNumber`. Our state counts by absolute epoch second, so a bucket starts on
a whole second (Gatling aligns buckets on the first record's millisecond).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from gatling_common.results.records import I64

MAX_PLOTS = 1000


@dataclass(frozen=True)
class TimeAxis:
    first_second: int
    step: float  # seconds per bucket
    length: int
    seconds: int  # whole seconds spanned by the run (first_second included)

    @staticmethod
    def for_run(start_ms: int, end_ms: int) -> TimeAxis:
        first = start_ms // 1000
        last = -(-end_ms // 1000)
        span = max(last - first, 1)
        step = 1.0 if span < MAX_PLOTS else span / MAX_PLOTS
        return TimeAxis(first, step, max(math.ceil(span / step), 1), span)

    def bucket_of(self, seconds: I64) -> I64:
        if self.step == 1.0:  # the same rule without floats (most runs: under 1000 s)
            return np.clip(seconds - self.first_second, 0, self.length - 1)
        idx = np.floor((seconds - self.first_second) / self.step + 0.5).astype(np.int64)
        return np.clip(idx, 0, self.length - 1)

    def times_ms(self) -> list[int]:
        return [int((self.first_second + i * self.step) * 1000) for i in range(self.length)]

    def sum_per_bucket(self, seconds: I64, counts: I64) -> I64:
        if len(seconds) == 0:
            return np.zeros(self.length, np.int64)
        return np.bincount(self.bucket_of(seconds), weights=counts, minlength=self.length).astype(
            np.int64
        )

    def rate(self, per_bucket: I64) -> list[int]:
        """Counts per bucket as per-second rates, rounded as Gatling's `toNumberPerSec`."""
        rates: list[int] = np.floor(per_bucket / self.step + 0.5).astype(np.int64).tolist()
        return rates


def percentiles_per_entity(
    axis: TimeAxis,
    entity: I64,
    entities: int,
    seconds: I64,
    values: I64,
    counts: I64,
    ranks: tuple[float, ...],
    resolution: int = 1,
) -> list[list[list[int | None]]]:
    """For each entity 0..entities-1 and rank, one value per bucket ([entity][rank][bucket];
    None where empty): exact on the given (possibly quantized) values, numpy 'linear'
    interpolation, rounded half up, in one vectorized pass (the groups are (entity, bucket), so
    a table sorted by (entity, second, value) needs no sort at all).

    `resolution` > 1: the seconds are blocks of that many seconds (a long, busy run's coarsened
    table, see stats.py); a bucket then shows the block its start falls in."""
    if resolution <= axis.step:
        ordered = axis.step == 1.0 and resolution == 1
        length = axis.length
        group = entity * length + axis.bucket_of(seconds)
        rows = _by_group(group, entities * length, values, counts, ranks, ordered)
        return [[row[e * length : (e + 1) * length] for row in rows] for e in range(entities)]
    first_block = axis.first_second // resolution
    blocks = -(-(axis.first_second + int(axis.length * axis.step)) // resolution) - first_block
    blocks = max(blocks, 1)
    group = entity * blocks + np.clip(seconds // resolution - first_block, 0, blocks - 1)
    per_block = _by_group(group, entities * blocks, values, counts, ranks, True)
    starts = np.floor(axis.first_second + np.arange(axis.length) * axis.step).astype(np.int64)
    index = np.clip(starts // resolution - first_block, 0, blocks - 1).tolist()
    return [[[row[e * blocks + i] for i in index] for row in per_block] for e in range(entities)]


def _by_group(
    group: I64, length: int, values: I64, counts: I64, ranks: tuple[float, ...], ordered: bool
) -> list[list[int | None]]:
    out: list[list[int | None]] = [[None] * length for _ in ranks]
    if len(values) == 0:
        return out
    dg, dv = np.diff(group), np.diff(values)
    if not (ordered and np.all((dg > 0) | ((dg == 0) & (dv >= 0)))):
        # One entity's rows come sorted by (second, value): sort only when they are not.
        order = _order_by(group, values)
        group, values, counts = group[order], values[order], counts[order]
    cum = np.cumsum(counts)
    sizes = np.bincount(group, weights=counts, minlength=length).astype(np.int64)
    offsets = np.concatenate(([0], np.cumsum(sizes)[:-1]))
    present = np.flatnonzero(sizes)
    n = sizes[present]
    off = offsets[present]
    for r, p in enumerate(ranks):
        q = p / 100
        virtual = (n - 1) * q
        below = np.floor(virtual).astype(np.int64)
        gamma = virtual - below
        lo = np.clip(below, 0, n - 1)
        hi = np.clip(below + 1, 0, n - 1)
        a = values[np.searchsorted(cum, off + lo, side="right")].astype(np.float64)
        b = values[np.searchsorted(cum, off + hi, side="right")].astype(np.float64)
        diff = b - a
        res = np.where(gamma >= 0.5, b - diff * (1 - gamma), a + diff * gamma)
        res = np.where(virtual >= n - 1, b, res)
        full = np.full(length, -1, np.int64)
        full[present] = np.floor(res + 0.5).astype(np.int64)
        out[r] = [None if v < 0 else v for v in full.tolist()]
    return out


def _order_by(group: I64, values: I64) -> I64:
    """Row order by (group >= 0, value): one stable argsort of both packed into an int64
    (np.lexsort takes about ten times longer), unless they need more than 62 bits together."""
    low = int(values.min())
    value_bits = (int(values.max()) - low).bit_length()
    if int(group.max()).bit_length() + value_bits <= 62:
        return np.argsort((group << value_bits) | (values - low), kind="stable")
    return np.lexsort((values, group))
