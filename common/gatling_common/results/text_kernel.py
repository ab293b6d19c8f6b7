"""Compiled fast path of the text parser (numba): well-formed 3.4-3.12 lines, one pass per chunk.

One kernel finds the lines of a chunk, their record type, and decodes every REQUEST, GROUP, USER
and ERROR line of the common, clean shape (right field count, plain digits, OK/KO, START/END)
into columns. String fields are interned per chunk in an open-addressing table keyed by the exact
bytes (hash, then a byte-for-byte comparison: no collision can merge two values), so Python
decodes each distinct value once. Every other line (odd shapes, signs, the unterminated last
line, too many distinct strings) is flagged and left to the general parser, which owns every
leniency rule and skip reason: both paths give the same records for a clean line.

The kernel releases the GIL, so the reader's prefetch thread decodes while the caller folds.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from gatling_common.results.columnar import BOOLS, U8, words64
from gatling_common.results.records import I64

try:
    from numba import njit
except ImportError:  # the numpy fast path (text_fast) is used instead
    AVAILABLE = False
else:
    AVAILABLE = True

I8 = npt.NDArray[np.int8]
# Record types, as text_reader numbers them.
UNKNOWN, EMPTY, RUN, ASSERTION, USER, REQUEST, GROUP, ERROR = 0, 1, 2, 3, 4, 5, 6, 7
# String categories (one resolver each in the text decoder).
KEY, REQ_MESSAGE, PATH, SCENARIO, ERR_MESSAGE = 0, 1, 2, 3, 4
TABLE_BITS = 16
MAX_STRINGS = 1 << (TABLE_BITS - 1)  # distinct strings per chunk; more go to the general path
MAX_DIGITS = 18


@dataclass
class Scan:
    """What the kernel found in one chunk: one entry per line in every column."""

    starts: I64
    ends: I64  # before any '\r'
    kinds: I8
    slow: BOOLS  # left to the general parser (not decoded here)
    sid1: I64  # local string id: request key, group path, scenario, error message
    sid2: I64  # local string id of a KO request's message (-1: an OK request)
    v1: I64  # request/group start, user/error time
    v2: I64  # request/group end
    v3: I64  # group cumulated time
    flag: BOOLS  # request/group OK, user START
    strings: tuple[I64, I64, I64]  # category, offset, length per local id


if AVAILABLE:
    _PRIME = np.uint64(0x9E3779B97F4A7C15)

    @njit(cache=True, nogil=True)
    def _digits(arr: U8, a: int, b: int) -> int:
        """The value of arr[a:b] if it is 1-18 plain digits, else -1."""
        if b <= a or b - a > MAX_DIGITS:
            return -1
        value = 0
        for i in range(a, b):
            d = int(arr[i]) - 48
            if d < 0 or d > 9:
                return -1
            value = value * 10 + d
        return value

    @njit(cache=True, nogil=True)
    def _is2(arr: U8, a: int, b: int, c0: int, c1: int) -> bool:
        return b - a == 2 and arr[a] == c0 and arr[a + 1] == c1

    @njit(cache=True, nogil=True)
    def _tail(length: int) -> np.uint64:
        """Mask of the first `length` (1-7) bytes of a little-endian word."""
        return (np.uint64(1) << np.uint64(8 * length)) - np.uint64(1)

    @njit(cache=True, nogil=True)
    def _hash(w: npt.NDArray[np.uint64], a: int, b: int, cat: int) -> np.uint64:
        h = np.uint64(cat + 1) * _PRIME ^ np.uint64(b - a)
        p = a
        while p + 8 <= b:
            h = (h ^ w[p]) * _PRIME
            h ^= h >> np.uint64(32)
            p += 8
        if p < b:
            h = (h ^ (w[p] & _tail(b - p))) * _PRIME
            h ^= h >> np.uint64(32)
        return h

    @njit(cache=True, nogil=True)
    def _same(w: npt.NDArray[np.uint64], a: int, o: int, length: int) -> bool:
        k = 0
        while k + 8 <= length:
            if w[a + k] != w[o + k]:
                return False
            k += 8
        if k < length:
            mask = _tail(length - k)
            return (w[a + k] & mask) == (w[o + k] & mask)
        return True

    @njit(cache=True, nogil=True)
    def _intern(
        w: npt.NDArray[np.uint64],
        a: int,
        b: int,
        cat: int,
        table: I64,
        hashes: npt.NDArray[np.uint64],
        entries: I64,
        count: I64,
    ) -> int:
        """The local id of the bytes [a, b) in category `cat`, -1 if the table is full.

        entries[id] = (category, offset, length); equal hashes are confirmed byte for byte."""
        h = _hash(w, a, b, cat)
        mask = (1 << TABLE_BITS) - 1
        slot = np.int64(h >> np.uint64(64 - TABLE_BITS))
        length = b - a
        while True:
            e = table[slot]
            if e < 0:
                if count[0] >= MAX_STRINGS:
                    return -1
                e = count[0]
                count[0] = e + 1
                table[slot] = e
                hashes[e] = h
                entries[e, 0], entries[e, 1], entries[e, 2] = cat, a, length
                return e
            if (
                hashes[e] == h
                and entries[e, 0] == cat
                and entries[e, 2] == length
                and _same(w, a, entries[e, 1], length)
            ):
                return e
            slot = (slot + 1) & mask

    @njit(cache=True, nogil=True)
    def _kind(arr: U8, s: int, e: int) -> int:
        if e <= s:
            return EMPTY
        c = arr[s]
        if c == 82 and arr[s + 1] == 69 and arr[s + 2] == 81 and arr[s + 3] == 85:  # REQU
            if arr[s + 4] == 69 and arr[s + 5] == 83 and arr[s + 6] == 84 and arr[s + 7] == 9:
                return REQUEST
        elif c == 85 and arr[s + 1] == 83 and arr[s + 2] == 69 and arr[s + 3] == 82:  # USER
            if arr[s + 4] == 9:
                return USER
        elif c == 71 and arr[s + 1] == 82 and arr[s + 2] == 79 and arr[s + 3] == 85:  # GROU
            if arr[s + 4] == 80 and arr[s + 5] == 9:
                return GROUP
        elif c == 69 and arr[s + 1] == 82 and arr[s + 2] == 82 and arr[s + 3] == 79:  # ERRO
            if arr[s + 4] == 82 and arr[s + 5] == 9:
                return ERROR
        elif c == 82 and arr[s + 1] == 85 and arr[s + 2] == 78 and arr[s + 3] == 9:  # RUN
            return RUN
        elif c == 65:  # ASSERTION\t
            word = (83, 83, 69, 82, 84, 73, 79, 78, 9)
            for i in range(9):
                if arr[s + 1 + i] != word[i]:
                    return UNKNOWN
            return ASSERTION
        return UNKNOWN

    @njit(cache=True, nogil=True)
    def _scan(arr: U8, w: npt.NDArray[np.uint64], n: int, nlines: int, last: int) -> Any:
        starts = np.empty(nlines, np.int64)
        ends = np.empty(nlines, np.int64)
        kinds = np.empty(nlines, np.int8)
        slow = np.ones(nlines, np.bool_)
        sid1 = np.empty(nlines, np.int64)
        sid2 = np.empty(nlines, np.int64)
        v1 = np.empty(nlines, np.int64)
        v2 = np.empty(nlines, np.int64)
        v3 = np.empty(nlines, np.int64)
        flag = np.zeros(nlines, np.bool_)
        table = np.full(1 << TABLE_BITS, -1, np.int64)
        hashes = np.empty(MAX_STRINGS, np.uint64)
        entries = np.empty((MAX_STRINGS, 3), np.int64)
        count = np.zeros(1, np.int64)
        tabs = np.zeros(8, np.int64)
        s = 0
        for li in range(nlines):
            e = s
            nt = 0  # tabs, the first 7 remembered, tabs[7] ends as the last one
            while e < n:
                c = arr[e]
                if c == 10:
                    break
                if c == 9:
                    tabs[min(nt, 7)] = e
                    nt += 1
                e += 1
            line_end = e
            if e > s and arr[e - 1] == 13:
                e -= 1
            starts[li], ends[li] = s, e
            kind = _kind(arr, s, e)
            kinds[li] = kind
            s = line_end + 1
            if kind < USER or li == last:
                continue
            ls = starts[li]
            if kind == REQUEST:
                if nt != 5 and nt != 6:
                    continue
                start = _digits(arr, tabs[2] + 1, tabs[3])
                end = _digits(arr, tabs[3] + 1, tabs[4])
                sb = tabs[5] if nt == 6 else e
                ok = _is2(arr, tabs[4] + 1, sb, 79, 75)
                if start < 0 or end < 0 or not (ok or _is2(arr, tabs[4] + 1, sb, 75, 79)):
                    continue
                key = _intern(w, ls + 8, tabs[2], KEY, table, hashes, entries, count)
                msg = -1
                if not ok:
                    ma = tabs[5] + 1 if nt == 6 else e
                    msg = _intern(w, ma, e, REQ_MESSAGE, table, hashes, entries, count)
                if key < 0 or (not ok and msg < 0):
                    continue
                sid1[li], sid2[li], v1[li], v2[li], flag[li] = key, msg, start, end, ok
            elif kind == GROUP:
                if nt != 5:
                    continue
                start = _digits(arr, tabs[1] + 1, tabs[2])
                end = _digits(arr, tabs[2] + 1, tabs[3])
                cum = _digits(arr, tabs[3] + 1, tabs[4])
                ok = _is2(arr, tabs[4] + 1, e, 79, 75)
                if start < 0 or end < 0 or cum < 0 or not (ok or _is2(arr, tabs[4] + 1, e, 75, 79)):
                    continue
                path = _intern(w, ls + 6, tabs[1], PATH, table, hashes, entries, count)
                if path < 0:
                    continue
                sid1[li], v1[li], v2[li], v3[li], flag[li] = path, start, end, cum, ok
            elif kind == USER:
                if nt != 3:
                    continue
                a, b = tabs[1] + 1, tabs[2]
                is_start = b - a == 5 and arr[a] == 83 and arr[a + 1] == 84 and arr[a + 2] == 65
                is_start = is_start and arr[a + 3] == 82 and arr[a + 4] == 84
                is_end = b - a == 3 and arr[a] == 69 and arr[a + 1] == 78 and arr[a + 2] == 68
                at = _digits(arr, tabs[2] + 1, e)
                if at < 0 or not (is_start or is_end):
                    continue
                scen = _intern(w, ls + 5, tabs[1], SCENARIO, table, hashes, entries, count)
                if scen < 0:
                    continue
                sid1[li], v1[li], flag[li] = scen, at, is_start
            else:  # ERROR: the message runs from the first to the last tab
                if nt < 2:
                    continue
                last_tab = tabs[min(nt - 1, 7)]
                at = _digits(arr, last_tab + 1, e)
                if at < 0:
                    continue
                msg = _intern(w, ls + 6, last_tab, ERR_MESSAGE, table, hashes, entries, count)
                if msg < 0:
                    continue
                sid1[li], v1[li] = msg, at
            slow[li] = False
        c = count[0]
        strings = (entries[:c, 0].copy(), entries[:c, 1].copy(), entries[:c, 2].copy())
        return starts, ends, kinds, slow, sid1, sid2, v1, v2, v3, flag, strings


def scan(arr: U8, n: int, final: bool) -> Scan:
    """Lines and clean records of arr[:n] (arr has at least 16 zero bytes after n)."""
    nlines = int(np.count_nonzero(arr[:n] == 10))
    unterminated = n > 0 and arr[n - 1] != 10
    nlines += unterminated
    last = nlines - 1 if final and unterminated else -1
    return Scan(*_scan(arr, words64(arr), n, nlines, last))
