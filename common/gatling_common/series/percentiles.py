"""Percentiles of many small groups at once (P1, P2): one sort, then index arithmetic."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gatling_common.results.records import I64

OVER_TIME = (0.0, 0.25, 0.5, 0.75, 0.8, 0.85, 0.9, 0.95, 0.99, 1.0)
LABELS = ("min", "p25", "p50", "p75", "p80", "p85", "p90", "p95", "p99", "max")


@dataclass(frozen=True)
class Grouped:
    """The values of each group, sorted: group `ids[i]` holds values[first[i]:first[i]+size[i]]."""

    ids: I64
    first: I64
    size: I64
    values: I64

    @staticmethod
    def of(group: I64, values: I64) -> Grouped:
        g, v = _sorted_pairs(np.asarray(group, np.int64), np.asarray(values, np.int64))
        if len(g) == 0:
            empty = np.empty(0, np.int64)
            return Grouped(empty, empty, empty, v)
        first = np.concatenate(([0], np.flatnonzero(g[1:] != g[:-1]) + 1))
        size = np.diff(np.append(first, len(g)))
        return Grouped(g[first], first, size, v)

    def percentile(self, q: float, ranked: bool) -> I64:
        """One value per group. Ranked (3.13+): v[min(n - 1, floor(q·n))]. Otherwise (3.0-3.12):
        linear between the neighbours of q·(n - 1), cut to a whole ms."""
        return self.percentiles((q,), ranked)[:, 0]

    def table(self, ranked: bool) -> I64:
        """(groups, 10): min, p25, ..., p99, max of each group."""
        return self.percentiles(OVER_TIME, ranked)

    def percentiles(self, qs: tuple[float, ...], ranked: bool) -> I64:
        """(groups, len(qs)): `percentile` of each q, all at once (the same double operations
        element by element; one call, not one per q and page)."""
        n = self.size[:, None]
        if len(n) == 0:
            return np.empty((0, len(qs)), np.int64)
        q = np.asarray(qs, np.float64)[None, :]
        first = self.first[:, None]
        if ranked:
            rank = np.minimum(n - 1, np.floor(q * n).astype(np.int64))
            return self.values[first + rank]
        pos = q * (n - 1).astype(np.float64)
        low = np.floor(pos).astype(np.int64)
        high = np.minimum(low + 1, n - 1)
        v_low = self.values[first + low].astype(np.float64)
        v_high = self.values[first + high].astype(np.float64)
        return np.trunc(v_low + (v_high - v_low) * (pos - low)).astype(np.int64)


def _sorted_pairs(group: I64, values: I64) -> tuple[I64, I64]:
    """(group, values) sorted by group, then value. Non-negative pairs that fit one int64 as
    group·2^32 + value are sorted as that one key (a plain sort, about 3x faster than lexsort
    on two keys; shifts, not division, take it apart); others with lexsort."""
    fits = len(group) and group.min() >= 0 and values.min() >= 0
    if fits and int(values.max()) < 2**32 and int(group.max()) < 2**31:
        key = np.sort((group << 32) | values)
        return key >> 32, key & 0xFFFFFFFF
    order = np.lexsort((values, group))
    return group[order], values[order]
