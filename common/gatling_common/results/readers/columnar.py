"""Vectorized helpers of the text reader: integers from byte slices, interned string slices.

A chunk of a file is a numpy uint8 array; fields are given as arrays of [start, end) positions.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import numpy.typing as npt

from gatling_common.results.records import I64

U8 = npt.NDArray[np.uint8]
BOOLS = npt.NDArray[np.bool_]
MAX_DIGITS = 18
_POW10 = 10 ** np.arange(MAX_DIGITS - 1, -1, -1, dtype=np.int64)


def parse_ints(arr: U8, a: I64, b: I64) -> tuple[I64, BOOLS]:
    """Decimal integers (optional leading '-') in arr[a:b]; the mask says which were valid.

    The last W bytes before each field's end are gathered as one (n, W) block (W = the widest
    field) and turned into numbers with one matrix product; shorter fields are masked.
    """
    n = len(a)
    if n == 0:
        return np.empty(0, np.int64), np.empty(0, np.bool_)
    neg = arr[np.minimum(a, len(arr) - 1)] == ord("-")
    has_neg = bool(neg.any())
    if has_neg:
        a = a + neg
    width = b - a
    valid = (width >= 1) & (width <= MAX_DIGITS)
    w = int(min(max(int(width.max()), 1), MAX_DIGITS))
    first = b - w
    inside_arr = first >= 0
    valid &= inside_arr
    digits = window(arr, w)[np.where(inside_arr, first, 0)] - np.uint8(ord("0"))
    if int(width.min()) < w:  # mixed widths: zero the bytes before each field
        digits[np.arange(w) < (w - width)[:, None]] = 0
    valid &= (digits <= 9).all(axis=1)
    if w <= 15:  # exact in float64, and BLAS-fast
        values = (digits.astype(np.float64) @ _POW10[-w:].astype(np.float64)).astype(np.int64)
    else:
        values = digits.astype(np.int64) @ _POW10[-w:]
    return (np.where(neg, -values, values) if has_neg else values), valid


def window(arr: U8, length: int) -> U8:
    """A (len - length + 1, length) view: row p is arr[p : p + length] (gather rows cheaply)."""
    if len(arr) < length:
        return np.zeros((1, length), np.uint8)
    return np.lib.stride_tricks.sliding_window_view(arr, length)


def intern_slices(arr: U8, a: I64, b: I64, resolve: Callable[[bytes], int]) -> I64:
    """Id of each byte slice arr[a:b], as `resolve(slice bytes)` says (-1 for a bad value).

    Distinct slices are found per length class with a 64-bit fingerprint checked byte for byte,
    so `resolve` (Python) runs once per distinct value in the chunk (a handful), not per record.
    """
    ids = np.full(len(a), -2, np.int64)
    lengths = b - a
    if len(a) == 0:
        return ids
    small = lengths.max() < 1 << 16  # 16-bit keys: numpy's stable sort is a radix sort
    order = np.argsort(lengths.astype(np.uint16) if small else lengths, kind="stable")
    sorted_len = lengths[order]
    bounds = np.flatnonzero(np.diff(sorted_len)) + 1
    for rows in np.split(order, bounds):
        _intern_class(arr, a[rows], int(lengths[rows[0]]), rows, ids, resolve)
    return ids


_MIX = np.array(
    [0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9, 0xD6E8FEB86659FD93],
    dtype=np.uint64,
)


def words64(arr: U8) -> npt.NDArray[np.uint64]:
    """w[p] = the 8 bytes arr[p:p+8] as a little-endian uint64 (an overlapping view, no copy)."""
    return np.ndarray((max(len(arr) - 7, 0),), np.uint64, arr, 0, (1,))


def _as_words(arr: U8, starts: I64, length: int) -> list[npt.NDArray[np.uint64]]:
    """Each slice as columns of uint64 words, the last one masked to the slice's end."""
    w = words64(arr)
    columns = [w[starts + 8 * j] for j in range((length + 7) // 8)]
    if length % 8:
        columns[-1] = columns[-1] & np.uint64((1 << (8 * (length % 8))) - 1)
    return columns


def _fingerprints(columns: list[npt.NDArray[np.uint64]]) -> npt.NDArray[np.uint64]:
    h = np.full(len(columns[0]), len(columns), np.uint64)
    with np.errstate(over="ignore"):
        for j, column in enumerate(columns):
            h = (h ^ column) * _MIX[j % 4]
            h ^= h >> np.uint64(29)
    return h


def _row_bytes(columns: list[npt.NDArray[np.uint64]], i: int, length: int) -> bytes:
    return b"".join(int(c[i]).to_bytes(8, "little") for c in columns)[:length]


MAX_SCANS = 12  # distinct values per length class found by direct comparison


def _intern_class(
    arr: U8, starts: I64, length: int, rows: I64, ids: I64, resolve: Callable[[bytes], int]
) -> None:
    """Ids of equal-length slices. The few distinct values are usually found by comparing the
    rows' uint64 words with one row's; many distinct values fall back to fingerprints, checked
    word for word."""
    if length == 0:
        ids[rows] = resolve(b"")
        return
    columns = _as_words(arr, starts, length)
    for _ in range(MAX_SCANS):
        same = columns[0] == columns[0][0]
        for column in columns[1:]:
            same &= column == column[0]
        ids[rows[same]] = resolve(_row_bytes(columns, 0, length))
        if same.all():
            return
        rest = ~same
        columns, rows = [c[rest] for c in columns], rows[rest]
    h = _fingerprints(columns)
    uniq, first = _distinct(h)
    inverse = np.searchsorted(uniq, h)
    rep = first[inverse]
    if all(np.array_equal(c, c[rep]) for c in columns):
        values = [resolve(_row_bytes(columns, i, length)) for i in first.tolist()]
        ids[rows] = np.array(values, np.int64)[inverse]
        return
    # a fingerprint collision (never seen): resolve row by row, exactly
    for i, row in enumerate(rows.tolist()):
        ids[row] = resolve(_row_bytes(columns, i, length))


def _distinct(h: npt.NDArray[np.uint64]) -> tuple[npt.NDArray[np.uint64], I64]:
    """Sorted distinct values of h and the index of one occurrence of each.

    Values are few (names repeat): a sample finds most of them, a binary search checks all
    rows, and only the rows the sample missed are sorted.
    """
    step = max(1, len(h) // 4096)
    uniq, first = np.unique(h[::step], return_index=True)
    first = first * step
    found = uniq[np.minimum(np.searchsorted(uniq, h), len(uniq) - 1)] == h
    if not found.all():
        missed = np.flatnonzero(~found)
        more, more_first = np.unique(h[missed], return_index=True)
        uniq = np.concatenate([uniq, more])
        first = np.concatenate([first, missed[more_first]])
        order = np.argsort(uniq)
        uniq, first = uniq[order], first[order]
    return uniq, first
