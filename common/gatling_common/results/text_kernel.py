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
    """What the kernel found in one chunk: lines, and the clean records per type (line order)."""

    starts: I64
    ends: I64  # before any '\r'
    kinds: I8
    slow: BOOLS  # per line: left to the general parser (not decoded here)
    req: tuple[np.ndarray, ...]  # rows, key, message (-1: none, an OK request), start, end, ok
    grp: tuple[np.ndarray, ...]  # rows, path, start, end, cumulated, ok
    usr: tuple[np.ndarray, ...]  # rows, scenario, is_start, at
    err: tuple[np.ndarray, ...]  # rows, message, at
    strings: tuple[I64, I64, I64]  # category, offset, length per local string id


if AVAILABLE:
    _PRIME = np.uint64(0x9E3779B97F4A7C15)

    @njit(cache=True, nogil=True)
    def _d8(x: np.uint64) -> int:
        """8 ASCII digits (the first in the lowest byte) as a number, -1 if any is no digit."""
        high = np.uint64(0xF0F0F0F0F0F0F0F0)
        zeros = np.uint64(0x3030303030303030)
        if (x & high) != zeros or ((x + np.uint64(0x0606060606060606)) & high) != zeros:
            return -1
        v = ((x & np.uint64(0x0F0F0F0F0F0F0F0F)) * np.uint64(2561)) >> np.uint64(8)
        v = ((v & np.uint64(0x00FF00FF00FF00FF)) * np.uint64(6553601)) >> np.uint64(16)
        v = ((v & np.uint64(0x0000FFFF0000FFFF)) * np.uint64(42949672960001)) >> np.uint64(32)
        return int(v)

    @njit(cache=True, nogil=True)
    def _digits(arr: U8, w: npt.NDArray[np.uint64], a: int, b: int) -> int:
        """The value of arr[a:b] if it is 1-18 plain digits, else -1."""
        if b - a == 13:  # epoch ms: two overlapping 8-digit words
            head, tail = _d8(w[a]), _d8(w[a + 5])
            if head < 0 or tail < 0:
                return -1
            return head * 100_000 + tail % 100_000
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

    _LOW7 = np.uint64(0x7F7F7F7F7F7F7F7F)
    _TABS = np.uint64(0x0909090909090909)
    _NEWLINES = np.uint64(0x0A0A0A0A0A0A0A0A)
    _DEBRUIJN = np.uint64(0x03F79D71B4CA8B09)
    _BIT_INDEX = np.zeros(64, np.int64)
    for _i in range(64):
        _BIT_INDEX[((1 << _i) * 0x03F79D71B4CA8B09 & 0xFFFFFFFFFFFFFFFF) >> 58] = _i

    @njit(cache=True, nogil=True)
    def _matches(x: np.uint64, pattern: np.uint64) -> np.uint64:
        """0x80 in each byte of x equal to pattern's byte, 0 elsewhere (exact, SWAR)."""
        t = x ^ pattern
        return ~((((t & _LOW7) + _LOW7) | t) | _LOW7)

    @njit(cache=True, nogil=True)
    def _first_byte(m: np.uint64) -> int:
        """Index of the lowest byte flagged in a non-zero _matches mask."""
        low = m & (~m + np.uint64(1))
        return _BIT_INDEX[(low * _DEBRUIJN) >> np.uint64(58)] >> 3

    @njit(cache=True, nogil=True)
    def _newline(w: npt.NDArray[np.uint64], p: int, n: int) -> int:
        """Position of the first '\n' at or after p, n if none before n."""
        while p < n:
            m = _matches(w[p], _NEWLINES)
            if m:
                return min(p + _first_byte(m), n)
            p += 8
        return n

    @njit(cache=True, nogil=True)
    def _find_tabs(w: npt.NDArray[np.uint64], s: int, e: int, tabs: I64) -> int:
        """Count the tabs of [s, e); tabs[:7] = the first ones, tabs[7] = the last (if > 7)."""
        nt = 0
        p = s
        while p < e:
            m = _matches(w[p], _TABS)
            if e - p < 8:
                m &= (np.uint64(1) << np.uint64(8 * (e - p))) - np.uint64(1)
            while m:
                tabs[min(nt, 7)] = p + _first_byte(m)
                nt += 1
                m &= m - np.uint64(1)
            p += 8
        return nt

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
    def _lines(arr: U8, w: npt.NDArray[np.uint64], n: int, nlines: int) -> Any:
        """Starts, ends (before '\r'), record types, and the count of each type."""
        starts = np.empty(nlines, np.int64)
        ends = np.empty(nlines, np.int64)
        kinds = np.empty(nlines, np.int8)
        counts = np.zeros(8, np.int64)
        s = 0
        for li in range(nlines):
            e = _newline(w, s, n)
            line_end = e
            if e > s and arr[e - 1] == 13:
                e -= 1
            starts[li], ends[li] = s, e
            kind = _kind(arr, s, e)
            kinds[li] = kind
            counts[kind] += 1
            s = line_end + 1
        return starts, ends, kinds, counts

    @njit(cache=True, nogil=True)
    def _scan(arr: U8, w: npt.NDArray[np.uint64], n: int, nlines: int, last: int) -> Any:
        starts, ends, kinds, counts = _lines(arr, w, n, nlines)
        slow = np.ones(nlines, np.bool_)
        table = np.full(1 << TABLE_BITS, -1, np.int64)
        hashes = np.empty(MAX_STRINGS, np.uint64)
        entries = np.empty((MAX_STRINGS, 3), np.int64)
        count = np.zeros(1, np.int64)
        nr, ng, nu, ne = counts[REQUEST], counts[GROUP], counts[USER], counts[ERROR]
        r_row, r_key, r_msg = np.empty(nr, np.int64), np.empty(nr, np.int64), np.empty(nr, np.int64)
        r_start, r_end, r_ok = (
            np.empty(nr, np.int64),
            np.empty(nr, np.int64),
            np.empty(nr, np.bool_),
        )
        g_row, g_path, g_cum = (
            np.empty(ng, np.int64),
            np.empty(ng, np.int64),
            np.empty(ng, np.int64),
        )
        g_start, g_end, g_ok = (
            np.empty(ng, np.int64),
            np.empty(ng, np.int64),
            np.empty(ng, np.bool_),
        )
        u_row, u_scen = np.empty(nu, np.int64), np.empty(nu, np.int64)
        u_is_start, u_at = np.empty(nu, np.bool_), np.empty(nu, np.int64)
        x_row, x_msg, x_at = np.empty(ne, np.int64), np.empty(ne, np.int64), np.empty(ne, np.int64)
        ir = ig = iu = ie = 0
        tabs = np.zeros(8, np.int64)
        for li in range(nlines):
            kind = kinds[li]
            if kind < USER or li == last:
                continue
            s, e = starts[li], ends[li]
            nt = _find_tabs(w, s, e, tabs)
            if kind == REQUEST:
                if nt != 5 and nt != 6:
                    continue
                start = _digits(arr, w, tabs[2] + 1, tabs[3])
                end = _digits(arr, w, tabs[3] + 1, tabs[4])
                sb = tabs[5] if nt == 6 else e
                ok = _is2(arr, tabs[4] + 1, sb, 79, 75)
                if start < 0 or end < start or not (ok or _is2(arr, tabs[4] + 1, sb, 75, 79)):
                    continue
                key = _intern(w, s + 8, tabs[2], KEY, table, hashes, entries, count)
                msg = -1
                if not ok:
                    ma = tabs[5] + 1 if nt == 6 else e
                    msg = _intern(w, ma, e, REQ_MESSAGE, table, hashes, entries, count)
                if key < 0 or (not ok and msg < 0):
                    continue
                r_row[ir], r_key[ir], r_msg[ir] = li, key, msg
                r_start[ir], r_end[ir], r_ok[ir] = start, end, ok
                ir += 1
            elif kind == GROUP:
                if nt != 5:
                    continue
                start = _digits(arr, w, tabs[1] + 1, tabs[2])
                end = _digits(arr, w, tabs[2] + 1, tabs[3])
                cum = _digits(arr, w, tabs[3] + 1, tabs[4])
                ok = _is2(arr, tabs[4] + 1, e, 79, 75)
                if start < 0 or end < start or cum < 0:
                    continue
                if not (ok or _is2(arr, tabs[4] + 1, e, 75, 79)):
                    continue
                path = _intern(w, s + 6, tabs[1], PATH, table, hashes, entries, count)
                if path < 0:
                    continue
                g_row[ig], g_path[ig], g_cum[ig] = li, path, cum
                g_start[ig], g_end[ig], g_ok[ig] = start, end, ok
                ig += 1
            elif kind == USER:
                if nt != 3:
                    continue
                a, b = tabs[1] + 1, tabs[2]
                is_start = b - a == 5 and arr[a] == 83 and arr[a + 1] == 84 and arr[a + 2] == 65
                is_start = is_start and arr[a + 3] == 82 and arr[a + 4] == 84
                is_end = b - a == 3 and arr[a] == 69 and arr[a + 1] == 78 and arr[a + 2] == 68
                at = _digits(arr, w, tabs[2] + 1, e)
                if at < 0 or not (is_start or is_end):
                    continue
                scen = _intern(w, s + 5, tabs[1], SCENARIO, table, hashes, entries, count)
                if scen < 0:
                    continue
                u_row[iu], u_scen[iu], u_is_start[iu], u_at[iu] = li, scen, is_start, at
                iu += 1
            else:  # ERROR: the message runs from the first to the last tab
                if nt < 2:
                    continue
                last_tab = tabs[min(nt - 1, 7)]
                at = _digits(arr, w, last_tab + 1, e)
                if at < 0:
                    continue
                msg = _intern(w, s + 6, last_tab, ERR_MESSAGE, table, hashes, entries, count)
                if msg < 0:
                    continue
                x_row[ie], x_msg[ie], x_at[ie] = li, msg, at
                ie += 1
            slow[li] = False
        c = count[0]
        return (
            starts,
            ends,
            kinds,
            slow,
            (r_row[:ir], r_key[:ir], r_msg[:ir], r_start[:ir], r_end[:ir], r_ok[:ir]),
            (g_row[:ig], g_path[:ig], g_start[:ig], g_end[:ig], g_cum[:ig], g_ok[:ig]),
            (u_row[:iu], u_scen[:iu], u_is_start[:iu], u_at[:iu]),
            (x_row[:ie], x_msg[:ie], x_at[:ie]),
            (entries[:c, 0].copy(), entries[:c, 1].copy(), entries[:c, 2].copy()),
        )

    # Load the compiled code (from numba's cache) when the reader is imported, not mid-read.
    _pad = np.zeros(64, np.uint8)
    _scan(_pad, words64(_pad), 0, 0, -1)


def scan(arr: U8, n: int, final: bool) -> Scan:
    """Lines and clean records of arr[:n] (arr has at least 16 zero bytes after n)."""
    nlines = int(np.count_nonzero(arr[:n] == 10))
    unterminated = n > 0 and arr[n - 1] != 10
    nlines += unterminated
    last = nlines - 1 if final and unterminated else -1
    return Scan(*_scan(arr, words64(arr), n, nlines, last))
