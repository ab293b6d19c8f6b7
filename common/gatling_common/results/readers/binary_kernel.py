"""Compiled helpers of the binary reader (numba): find the records whose strings are all cached.

`clean_records` walks the record stream from a position and lists the offsets of records of the
common fixed shapes (every string a cached reference, at most MAX_FAST_GROUPS groups, status
bytes 0/1), stopping at the first record of any other kind (a new string, an unknown type, a
record cut by the end of the buffer...), which the Python decoder then handles. `int32_at`
gathers big-endian int32 fields at record offsets. Both release the GIL. Like the text kernel,
they run from aot_build's extension if there is one, else numba compiles them at import.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from gatling_common.results.readers import aot_build
from gatling_common.results.readers.columnar import U8
from gatling_common.results.records import I64

# The compiled code: the extension aot_build made from this file's kernels (no numba needed),
# else numba's JIT, else none (the regular expression scan of binary_reader is used instead).
BACKEND, _aot = aot_build.select("binary_kernel", __file__)
AVAILABLE = BACKEND is not None

MAX_FAST_GROUPS = 8
REQUEST, USER, GROUP, ERROR = 1, 2, 3, 4
# What aot_build compiles, each `_name` below: the types the reader calls the JIT kernels with
# (its buffers are contiguous), but any layout of offsets (gathered by a mask, or not).
AOT_EXPORTS = {
    "clean_records": "UniTuple(i8, 2)(u1[::1], i8, i8, i8[::1], i8)",
    "int32_at": "i8[::1](u1[::1], i8[:], i8)",
}

if BACKEND == "jit":
    from numba import njit

    @njit(cache=True, nogil=True)
    def _refs(arr: U8, p: int, k: int) -> bool:
        """k cached string references (negative int32: first byte >= 0x80) start at p."""
        for j in range(k):  # noqa: SIM110  (a plain loop compiles best)
            if arr[p + 4 * j] < 0x80:
                return False
        return True

    @njit(cache=True, nogil=True)
    def _record_length(arr: U8, p: int, end: int) -> int:
        """Length of the clean record at p, 0 if it is not one (or does not fit before end)."""
        room = end - p
        t = arr[p]
        if t == USER:
            if room >= 10 and arr[p + 5] <= 1:
                return 10
            return 0
        if t == ERROR:
            if room >= 9 and arr[p + 1] >= 0x80:
                return 9
            return 0
        if t != REQUEST and t != GROUP:
            return 0
        if room < 5 or arr[p + 1] != 0 or arr[p + 2] != 0 or arr[p + 3] != 0:
            return 0
        g = int(arr[p + 4])
        if t == REQUEST:
            length = 5 + 4 * (g + 1) + 9 + 4
            if g > MAX_FAST_GROUPS or room < length:
                return 0
            if not _refs(arr, p + 5, g + 1) or arr[p + 5 + 4 * (g + 1) + 8] > 1:
                return 0
            if arr[p + length - 4] < 0x80:
                return 0
            return length
        length = 5 + 4 * g + 13
        if g < 1 or g > MAX_FAST_GROUPS or room < length:
            return 0
        if not _refs(arr, p + 5, g) or arr[p + length - 1] > 1:
            return 0
        return length

    @njit(cache=True, nogil=True)
    def _clean_records(arr: U8, pos: int, end: int, out: I64, count: int) -> Any:
        while pos < end and count < len(out):
            length = _record_length(arr, pos, end)
            if length == 0:
                break
            out[count] = pos
            count += 1
            pos += length
        return count, pos

    @njit(cache=True, nogil=True)
    def _int32_at(arr: U8, offsets: I64, column: int) -> I64:
        out = np.empty(len(offsets), np.int64)
        for i in range(len(offsets)):
            p = offsets[i] + column
            v = (int(arr[p]) << 24) | (int(arr[p + 1]) << 16) | (int(arr[p + 2]) << 8)
            v |= int(arr[p + 3])
            out[i] = v - (1 << 32) if v >= 1 << 31 else v
        return out

    _pad = np.zeros(16, np.uint8)  # load the compiled code at import, not mid-read
    _clean_records(_pad, 0, 0, np.empty(1, np.int64), 0)
    _int32_at(_pad, np.zeros(1, np.int64), 0)
elif _aot is not None:
    _clean_records, _int32_at = _aot.clean_records, _aot.int32_at


def clean_records(arr: U8, pos: int, end: int, out: I64, count: int) -> tuple[int, int]:
    """Offsets of the clean records from pos, written to out[count:]; (new count, position)."""
    found, at = _clean_records(arr, pos, end, out, count)
    return int(found), int(at)


def int32_at(arr: U8, offsets: I64, column: int) -> I64:
    """The big-endian int32 at offsets + column of arr, as int64."""
    return np.asarray(_int32_at(arr, offsets, column))
