"""Exact numbers from a sparse histogram (sorted distinct values, count of each).

Percentiles reproduce numpy's default 'linear' method on the expanded values, float for float,
then round half up like Java's `Math.round`; sums use Python integers, so nothing overflows.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from gatling_common.results.records import I64


def java_round(x: float) -> int:
    """Java's Math.round for doubles: half up (floor(x + 0.5)); NaN -> 0."""
    if math.isnan(x):
        return 0
    return math.floor(x + 0.5)


@dataclass(frozen=True)
class Hist:
    """Sorted distinct `values` and their `counts` (both int64)."""

    values: I64
    counts: I64

    @staticmethod
    def empty() -> Hist:
        return Hist(np.empty(0, np.int64), np.empty(0, np.int64))

    @property
    def count(self) -> int:
        return int(self.counts.sum())

    def _fits(self, power: int) -> bool:
        # int64 arithmetic is exact while max|v|**power * count stays below 2**62.
        if not len(self.values):
            return True
        biggest = max(abs(int(self.values[0])), abs(int(self.values[-1])))
        return biggest**power * self.count < 1 << 62

    def total(self) -> int:
        if self._fits(1):
            return int(np.dot(self.values, self.counts))
        return sum(int(v) * int(c) for v, c in zip(self.values, self.counts, strict=True))

    def total_of_squares(self) -> int:
        if self._fits(2):
            return int(np.dot(self.values * self.values, self.counts))
        return sum(int(v) * int(v) * int(c) for v, c in zip(self.values, self.counts, strict=True))

    def merged(self, other: Hist) -> Hist:
        return combine([self, other])


def hist_of(values: I64, counts: I64) -> Hist:
    """The histogram of rows (value, count), in any order, values possibly repeated."""
    if len(values) == 0:
        return Hist.empty()
    if not np.all(values[1:] >= values[:-1]):  # rows of one sparse table often come in order
        order = np.argsort(values, kind="stable")
        values, counts = values[order], counts[order]
    starts = np.flatnonzero(np.concatenate(([True], values[1:] != values[:-1])))
    return Hist(values[starts], np.add.reduceat(counts, starts))


def combine(hists: list[Hist]) -> Hist:
    parts = [h for h in hists if len(h.values)]
    if len(parts) == 1:
        return parts[0]
    return hist_of(
        np.concatenate([h.values for h in parts] or [np.empty(0, np.int64)]),
        np.concatenate([h.counts for h in parts] or [np.empty(0, np.int64)]),
    )


def _nth(hist: Hist, cum: I64, k: int) -> int:
    """The k-th (0-based) value of the expanded, sorted data."""
    return int(hist.values[int(np.searchsorted(cum, k, side="right"))])


def _lerp(a: float, b: float, t: float) -> float:
    # numpy's _lerp: computed from the nearer end for accuracy.
    diff = b - a
    return b - diff * (1 - t) if t >= 0.5 else a + diff * t


def percentile(hist: Hist, p: float) -> float:
    """numpy.percentile(values, p) (method 'linear') on the expanded histogram."""
    n = hist.count
    if n == 0:
        return 0.0
    q = p / 100
    virtual = (n - 1) * q  # numpy's virtual index for 'linear'
    below = math.floor(virtual)
    gamma = virtual - below
    lo = min(max(below, 0), n - 1)
    hi = min(max(below + 1, 0), n - 1)
    cum = np.cumsum(hist.counts)
    a, b = _nth(hist, cum, lo), _nth(hist, cum, hi)
    if virtual >= n - 1:
        return float(_nth(hist, cum, n - 1))
    if virtual < 0:
        return float(a)
    return _lerp(float(a), float(b), gamma)


def rounded_percentile(hist: Hist, p: float) -> int:
    return java_round(percentile(hist, p))


def count_below(hist: Hist, bound: int) -> int:
    """How many values are < bound."""
    idx = int(np.searchsorted(hist.values, bound, side="left"))
    return int(hist.counts[:idx].sum())


@dataclass(frozen=True)
class Summary:
    """Gatling's general statistics of one split; all zero when empty (Gatling prints 0 / '-')."""

    count: int
    min: int
    max: int
    mean: int
    std_dev: int
    percentiles: tuple[int, ...]


def summarize(hist: Hist, percentiles: tuple[float, ...]) -> Summary:
    n = hist.count
    if n == 0:
        return Summary(0, 0, 0, 0, 0, tuple(0 for _ in percentiles))
    mean = hist.total() / n
    variance = float(hist.total_of_squares()) / n - mean * mean
    return Summary(
        count=n,
        min=int(hist.values[0]),
        max=int(hist.values[-1]),
        mean=java_round(mean),
        std_dev=java_round(math.sqrt(max(variance, 0.0))),
        percentiles=tuple(rounded_percentile(hist, p) for p in percentiles),
    )
