"""Exact sparse counts over integer tuples, folded with numpy (never a Python loop per record).

A `SparseCounts` is a multiset of integer tuples (request id, status, response time, ...) kept as
columns of unique keys plus a count per key. Adding a batch packs the key columns into one int64
code (bit fields), counts codes with `bincount` (dense ranges) or a sort, and appends the compact
result; pending parts are merged when they outgrow the compacted state, so total work stays
O(n log n) and memory is bounded by the number of DISTINCT tuples, not by the number of records.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from gatling_common.results.records import I64

_DENSE_LIMIT = 1 << 16  # bincount when the packed range is at most this (or the rows)
_CODE_BITS = 62


def _pack(cols: Sequence[I64]) -> tuple[I64, list[tuple[int, int]]] | None:
    """One int64 code per row and (min, bits) per column, or None when it would overflow.

    Bit fields rather than mixed radix: unpacking is a shift and a mask instead of an integer
    division per column (several times faster), and the order stays lexicographic."""
    total = 0
    layout: list[tuple[int, int]] = []
    for col in cols:
        lo, hi = int(col.min()), int(col.max())
        bits = (hi - lo).bit_length()
        layout.append((lo, bits))
        total += bits
        if total > _CODE_BITS:
            return None
    code = np.subtract(cols[0], layout[0][0], dtype=np.int64)
    tmp = np.empty_like(code)
    for col, (lo, bits) in zip(cols[1:], layout[1:], strict=True):
        code <<= bits
        np.subtract(col, lo, out=tmp)
        code |= tmp
    return code, layout


def _unpack(code: I64, layout: list[tuple[int, int]]) -> list[I64]:
    cols: list[I64] = []
    shift = 0
    for lo, bits in reversed(layout):
        col = code >> shift if shift else code.copy()
        col &= (1 << bits) - 1
        col += lo
        cols.append(col)
        shift += bits
    cols.reverse()
    return cols


def _run_starts(keys: I64) -> I64:
    """Where each run of equal values starts in sorted, non-empty `keys`."""
    change = np.empty(len(keys), np.bool_)
    change[0] = True
    np.not_equal(keys[1:], keys[:-1], out=change[1:])
    return np.flatnonzero(change)


def _reduce_sorted(keys: I64, weights: I64) -> tuple[I64, I64]:
    """Sum `weights` over runs of equal values in sorted `keys`."""
    if len(keys) == 0:
        return keys, weights
    starts = _run_starts(keys)
    return keys[starts], np.add.reduceat(weights, starts)


def group_count(cols: Sequence[I64], weights: I64 | None = None) -> tuple[list[I64], I64]:
    """Distinct rows of `cols` (sorted) and the count (or summed weight) of each."""
    n = len(cols[0])
    if n == 0:
        return [np.empty(0, np.int64) for _ in cols], np.empty(0, np.int64)
    packed = _pack(cols)
    if packed is None:
        return _group_count_lexsort(cols, weights)
    code, layout = packed
    size = 1 << sum(bits for _, bits in layout)
    if size <= max(_DENSE_LIMIT, n):
        if weights is None:
            dense = np.bincount(code, minlength=0)
        else:
            # bincount's weights are float64: exact only below 2**53, so sort instead when big.
            if int(np.abs(weights).max()) * n >= 1 << 53:
                return _group_count_sorted(code, layout, weights)
            dense = np.bincount(code, weights=weights).astype(np.int64)
        nz = np.flatnonzero(dense)
        return _unpack(nz.astype(np.int64), layout), dense[nz].astype(np.int64)
    return _group_count_sorted(code, layout, weights)


def _group_count_sorted(
    code: I64, layout: list[tuple[int, int]], weights: I64 | None
) -> tuple[list[I64], I64]:
    if sum(bits for _, bits in layout) <= 31:  # most tables: half the bytes, twice the speed
        code = code.astype(np.int32)
    if weights is None:
        # sort + run starts: np.unique(return_counts=True) does the same with extra passes.
        ordered = np.sort(code)
        starts = _run_starts(ordered)
        counts = np.diff(starts, append=len(ordered))
        return _unpack(ordered[starts].astype(np.int64), layout), counts
    order = np.argsort(code, kind="stable")
    keys, sums = _reduce_sorted(code[order], weights[order])
    return _unpack(keys.astype(np.int64), layout), sums


def _group_count_lexsort(cols: Sequence[I64], weights: I64 | None) -> tuple[list[I64], I64]:
    order = np.lexsort(tuple(reversed(cols)))
    sorted_cols = [c[order] for c in cols]
    w = np.ones(len(order), np.int64) if weights is None else weights[order]
    change = np.zeros(len(order), np.bool_)
    change[0] = True
    for c in sorted_cols:
        change[1:] |= c[1:] != c[:-1]
    starts = np.flatnonzero(change)
    return [c[starts] for c in sorted_cols], np.add.reduceat(w, starts)


class SparseCounts:
    """A mergeable multiset of integer tuples with `ncols` columns. `columns` are distinct rows
    in lexicographic order (every path goes through `group_count`): readers slice by prefix."""

    def __init__(self, ncols: int) -> None:
        self.ncols = ncols
        self._cols: list[I64] = [np.empty(0, np.int64) for _ in range(ncols)]
        self._counts: I64 = np.empty(0, np.int64)
        self._pending: list[tuple[list[I64], I64]] = []
        self._pending_rows = 0

    def add(self, cols: Sequence[I64], weights: I64 | None = None) -> None:
        """Count each row of `cols` once (or `weights` times)."""
        if len(cols[0]) == 0:
            return
        self.add_counted(*group_count([np.asarray(c, np.int64) for c in cols], weights))

    def add_counted(self, cols: Sequence[I64], counts: I64) -> None:
        """Add rows already counted: each row `counts` times (rows may repeat)."""
        if len(counts) == 0:
            return
        self._pending.append(([np.asarray(c, np.int64) for c in cols], counts))
        self._pending_rows += len(counts)
        if self._pending_rows > max(len(self._counts), 1 << 16):
            self._compact()

    def _compact(self) -> None:
        if not self._pending:
            return
        parts = [(self._cols, self._counts), *self._pending]
        cols = [np.concatenate([p[0][i] for p in parts]) for i in range(self.ncols)]
        weights = np.concatenate([p[1] for p in parts])
        self._pending, self._pending_rows = [], 0
        self._cols, self._counts = group_count(cols, weights)

    @property
    def columns(self) -> list[I64]:
        self._compact()
        return self._cols

    @property
    def counts(self) -> I64:
        self._compact()
        return self._counts

    def __len__(self) -> int:
        return len(self.counts)

    @property
    def rows_bound(self) -> int:
        """An upper bound of len(self) that does not compact."""
        return len(self._counts) + self._pending_rows

    def merged(self, other: SparseCounts, remap: Sequence[I64 | None]) -> SparseCounts:
        """self + other, with other's column i translated through `remap[i]` (an id lookup)."""
        out = SparseCounts(self.ncols)
        other_cols = [c if m is None else m[c] for c, m in zip(other.columns, remap, strict=True)]
        out._cols, out._counts = self.columns, self.counts
        if len(other.counts):
            out._pending = [(other_cols, other.counts)]
            out._compact()
        return out

    @staticmethod
    def from_arrays(cols: Sequence[I64], counts: I64) -> SparseCounts:
        out = SparseCounts(len(cols))
        if len(counts):
            out._cols, out._counts = group_count([np.asarray(c, np.int64) for c in cols], counts)
        return out

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, SparseCounts) or other.ncols != self.ncols:
            return NotImplemented
        return all(
            np.array_equal(a, b) for a, b in zip(self.columns, other.columns, strict=True)
        ) and (np.array_equal(self.counts, other.counts))

    __hash__ = None  # type: ignore[assignment]
