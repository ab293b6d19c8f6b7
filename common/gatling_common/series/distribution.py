"""The response time distribution chart (D1-D4), in Gatling's double arithmetic and order."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from gatling_common.results.records import BOOL, I64

BARS = 100


def distribution(values: I64, ok: BOOL) -> dict[str, list[list[Any]]]:
    """{"ok": [[ms, pct], ...], "ko": [...]}; pct is of all values, OK and KO (D1)."""
    total = len(values)
    if total == 0:
        return {"ok": [], "ko": []}
    lo, hi = int(values.min()), int(values.max())
    if hi - lo <= BARS:
        return {side: _per_value(values[mask], total) for side, mask in (("ok", ok), ("ko", ~ok))}
    step = (hi - lo) / BARS
    middles = lo + np.arange(math.ceil((hi - lo) / step), dtype=np.float64) * step + step / 2
    labels = np.floor(middles + 0.5).astype(np.int64).tolist()  # round half up
    return {side: _bars(values[mask], total, lo, hi, step, labels) for side, mask in
            (("ok", ok), ("ko", ~ok))}  # fmt: skip


def _per_value(values: I64, total: int) -> list[list[Any]]:
    """D2: a bar per distinct value."""
    distinct, counts = value_counts(values)
    return _pairs(distinct.tolist(), _cuts(counts * 100 / total))


def _bars(
    values: I64, total: int, lo: int, hi: int, step: float, labels: list[int]
) -> list[list[Any]]:
    """D3, D4: every bar; a value goes to the bar labelled with its key, percentages of its
    distinct values summed in ascending order, then cut to two decimals."""
    distinct, counts = value_counts(values)
    v = distinct.astype(np.float64)
    top = hi - step / 2
    # the same double operations, in the same order, as one value at a time
    keys = np.where(
        v >= top, math.floor(top + 0.5), np.floor(v - np.fmod(v - lo, step) + step / 2 + 0.5)
    ).astype(np.int64)
    bars = np.asarray(labels, np.int64)  # ascending
    slot = np.minimum(np.searchsorted(bars, keys), len(bars) - 1)
    drawn = bars[slot] == keys  # a key that is no bar's label is not drawn, as in Gatling
    sums = np.zeros(len(labels), np.float64)
    # np.add.at adds in index order: each bar sums its values ascending, as Gatling does
    np.add.at(sums, slot[drawn], counts[drawn] * 100.0 / total)
    return _pairs(labels, _cuts(sums))


def _cuts(x: np.ndarray) -> list[float]:
    """Each cut to two decimals, floor(x · 100) / 100, as Gatling's doubles do."""
    return (np.floor(x * 100) / 100).tolist()


def _pairs(xs: list[Any], ys: list[Any]) -> list[list[Any]]:
    return [[x, y] for x, y in zip(xs, ys, strict=True)]


DENSE = 1 << 22  # a value range up to this is counted in one array (32 MB), not sorted


def value_counts(values: I64) -> tuple[I64, I64]:
    """np.unique(values, return_counts=True), by counting when the range is small (response
    times in ms: 2M values counted in a few ms, where sorting them takes 0.1 s)."""
    if len(values) == 0:
        return np.unique(values, return_counts=True)
    lo = int(values.min())
    if int(values.max()) - lo >= DENSE:
        return np.unique(values, return_counts=True)
    counts = np.bincount(values - lo)
    distinct = np.flatnonzero(counts)
    return distinct + lo, counts[distinct]
