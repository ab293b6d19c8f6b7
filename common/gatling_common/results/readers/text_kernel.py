"""Compiled fast path of the text parser (numba): well-formed 3.0-3.12 lines, one pass per chunk.

One kernel finds the lines of a chunk, their record type, and decodes every REQUEST, GROUP, USER
and ERROR line of the common, clean shape (right field count, plain digits, OK/KO, START/END)
into columns. String fields are interned per chunk in an open-addressing table keyed by the exact
bytes (hash, then a byte-for-byte comparison: no collision can merge two values), so Python
decodes each distinct value once. Every other line (odd shapes, signs, the unterminated last
line, too many distinct strings) is flagged and left to the general parser, which owns every
leniency rule and skip reason: both paths give the same records for a clean line.

Clean lines are recognized from their end: Gatling writes fixed-width tails (13-digit epoch
milliseconds, OK/KO, START/END), so no tab needs to be searched but the ones inside names, which
are counted (a name with a tab is not clean). Other shapes go through every tab of the line.
The 3.0-3.3 layout (`old`) has the same tails and a user id field before the names, skipped up to
its tab (its value is ignored, as the general parser ignores it).

The kernel releases the GIL: the reader runs it on the next chunks in other threads. It runs
from the extension aot_build compiles from this file if there is one (no numba import, no
compilation), else numba compiles it (or loads it from its cache) at import.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from gatling_common.results.readers import aot_build
from gatling_common.results.readers.columnar import BOOLS, U8, words64
from gatling_common.results.records import I64

# The compiled code: the extension aot_build made from this file's kernels (no numba needed),
# else numba's JIT, else none (the numpy fast path, text_fast, is used instead).
BACKEND, _aot = aot_build.select("text_kernel", __file__)
AVAILABLE = BACKEND is not None

I8 = npt.NDArray[np.int8]
# Record types, as text_reader numbers them.
UNKNOWN, EMPTY, RUN, ASSERTION, USER, REQUEST, GROUP, ERROR = 0, 1, 2, 3, 4, 5, 6, 7
# String categories (one resolver each in the text decoder).
KEY, REQ_MESSAGE, PATH, SCENARIO, ERR_MESSAGE = 0, 1, 2, 3, 4
TABLE_BITS = 16
MAX_STRINGS = 1 << (TABLE_BITS - 1)  # distinct strings per chunk; more go to the general path
MAX_DIGITS = 18

# What aot_build compiles (signatures: the types the reader calls the JIT kernels with; `w` is the
# overlapping uint64 view of words64, not contiguous). Each name is `_name` below.
_COL, _FLAGS = "i8[::1]", "b1[::1]"
_TIMED = f"Tuple(({_COL}, {_COL}, {_COL}, {_COL}, {_COL}, {_FLAGS}))"  # requests, groups
_USERS, _THREE = f"Tuple(({_COL}, {_COL}, {_FLAGS}, {_COL}))", f"UniTuple({_COL}, 3)"
AOT_EXPORTS = {
    "scan": f"Tuple(({_COL}, {_COL}, i1[::1], {_FLAGS}, {_TIMED}, {_TIMED}, {_USERS}, {_THREE}, "
    f"{_THREE}))(u1[::1], u8[:], i8, i8, i8, b1)",
    "count_lines": "i8(u8[:], i8)",
}


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


if BACKEND == "jit":
    from numba import njit

    _PRIME = np.uint64(0x9E3779B97F4A7C15)

    @njit(nogil=True)
    def _d8(x: np.uint64) -> np.int64:
        """8 ASCII digits (the first in the lowest byte) as a number, -1 if any is no digit."""
        high = np.uint64(0xF0F0F0F0F0F0F0F0)
        zeros = np.uint64(0x3030303030303030)
        if (x & high) != zeros or ((x + np.uint64(0x0606060606060606)) & high) != zeros:
            return np.int64(-1)
        v = ((x & np.uint64(0x0F0F0F0F0F0F0F0F)) * np.uint64(2561)) >> np.uint64(8)
        v = ((v & np.uint64(0x00FF00FF00FF00FF)) * np.uint64(6553601)) >> np.uint64(16)
        v = ((v & np.uint64(0x0000FFFF0000FFFF)) * np.uint64(42949672960001)) >> np.uint64(32)
        return np.int64(v)  # not int(): a uint64 there would make the caller float64

    @njit(nogil=True, inline="always")
    def _digits(arr: U8, w: npt.NDArray[np.uint64], a: int, b: int) -> int:
        """The value of arr[a:b] if it is 1-18 plain digits, else -1."""
        if b - a == 13:  # epoch ms: two overlapping 8-digit words
            return int(_d13(w, a))
        if b <= a or b - a > MAX_DIGITS:
            return -1
        value = 0
        for i in range(a, b):
            d = int(arr[i]) - 48
            if d < 0 or d > 9:
                return -1
            value = value * 10 + d
        return value

    @njit(nogil=True)
    def _is2(arr: U8, a: int, b: int, c0: int, c1: int) -> bool:
        return b - a == 2 and arr[a] == c0 and arr[a + 1] == c1

    @njit(nogil=True)
    def _tail(length: int) -> np.uint64:
        """Mask of the first `length` (1-7) bytes of a little-endian word."""
        return (np.uint64(1) << np.uint64(8 * length)) - np.uint64(1)

    @njit(nogil=True)
    def _hash(w: npt.NDArray[np.uint64], a: int, b: int, cat: int) -> np.uint64:
        """64-bit hash of the bytes [a, b) and their category (the first word mixes both in)."""
        length = b - a
        x = w[a]
        if length < 8:
            x &= _tail(length)
        h = (x ^ np.uint64(length * 8 + cat)) * _PRIME
        p = a + 8
        while p < b:
            y = w[p]
            if b - p < 8:
                y &= _tail(b - p)
            h = (h ^ (h >> np.uint64(29)) ^ y) * _PRIME
            p += 8
        return h ^ (h >> np.uint64(32))

    @njit(nogil=True)
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

    @njit(nogil=True, inline="always")
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

        table[slot] = id, hashes[slot] = its hash; entries[:, id] = (category, offset, length).
        Equal hashes are confirmed byte for byte."""
        h = _hash(w, a, b, cat)
        slot = np.int64(h >> np.uint64(64 - TABLE_BITS))
        length = b - a
        while True:
            e = table[slot]
            if e < 0:
                if count[0] >= MAX_STRINGS:
                    return -1
                e = count[0]
                count[0] = e + 1
                table[slot], hashes[slot] = e, h
                entries[0, e], entries[1, e], entries[2, e] = cat, a, length
                return e
            if (
                hashes[slot] == h
                and entries[2, e] == length
                and entries[0, e] == cat
                and _same(w, a, entries[1, e], length)
            ):
                return e
            slot = (slot + 1) & ((1 << TABLE_BITS) - 1)

    _LOW7 = np.uint64(0x7F7F7F7F7F7F7F7F)
    _TABS = np.uint64(0x0909090909090909)
    _NEWLINES = np.uint64(0x0A0A0A0A0A0A0A0A)
    _DEBRUIJN = np.uint64(0x03F79D71B4CA8B09)
    _BIT_INDEX = np.zeros(64, np.int64)
    for _i in range(64):
        _BIT_INDEX[((1 << _i) * 0x03F79D71B4CA8B09 & 0xFFFFFFFFFFFFFFFF) >> 58] = _i

    @njit(nogil=True)
    def _matches(x: np.uint64, pattern: np.uint64) -> np.uint64:
        """0x80 in each byte of x equal to pattern's byte, 0 elsewhere (exact, SWAR)."""
        t = x ^ pattern
        return ~((((t & _LOW7) + _LOW7) | t) | _LOW7)

    @njit(nogil=True)
    def _first_byte(m: np.uint64) -> int:
        """Index of the lowest byte flagged in a non-zero _matches mask."""
        low = m & (~m + np.uint64(1))
        return _BIT_INDEX[(low * _DEBRUIJN) >> np.uint64(58)] >> 3

    @njit(nogil=True)
    def _find_tabs(w: npt.NDArray[np.uint64], s: int, e: int, tabs: I64) -> int:
        """Count the tabs of [s, e); tabs[:7] = the first ones, tabs[7] = the last (if > 7)."""
        nt = 0
        p = s
        while p < e:
            m = _matches(w[p], _TABS)
            if e - p < 8:
                m &= _tail(e - p)
            while m:
                tabs[min(nt, 7)] = p + _first_byte(m)
                nt += 1
                m &= m - np.uint64(1)
            p += 8
        return nt

    def _word(text: bytes) -> np.uint64:
        return np.uint64(int.from_bytes(text, "little"))

    _REQUEST_W, _USER_W, _GROUP_W = _word(b"REQUEST\t"), _word(b"USER\t"), _word(b"GROUP\t")
    _ERROR_W, _RUN_W, _ASSERTIO_W = _word(b"ERROR\t"), _word(b"RUN\t"), _word(b"ASSERTIO")
    _N_TAB = _word(b"N\t")
    _OK_SPACE, _KO_SPACE = _word(b"\tOK\t "), _word(b"\tKO\t ")
    _OK_BARE, _KO_BARE = _word(b"\tOK"), _word(b"\tKO")
    _START, _END = _word(b"\tSTART\t"), _word(b"\tEND\t")

    @njit(nogil=True)
    def _is(x: np.uint64, length: int, value: np.uint64) -> bool:
        """The first `length` bytes of the loaded word x are those of `value`."""
        return (x & _tail(length)) == value

    @njit(nogil=True)
    def _kind(w: npt.NDArray[np.uint64], s: int, e: int) -> int:
        """The record type, from the line's first word (every name ends with a tab, and no
        byte after the line is one, so a match never reads past the line)."""
        if e <= s:
            return EMPTY
        x = w[s]
        if x == _REQUEST_W:
            return REQUEST
        if _is(x, 5, _USER_W):
            return USER
        if _is(x, 6, _GROUP_W):
            return GROUP
        if _is(x, 6, _ERROR_W):
            return ERROR
        if _is(x, 4, _RUN_W):
            return RUN
        if x == _ASSERTIO_W and _is(w[s + 8], 2, _N_TAB):
            return ASSERTION
        return UNKNOWN

    @njit(cache=True, nogil=True)
    def _count_lines(w: npt.NDArray[np.uint64], n: int) -> int:
        """The number of '\n' in the first n bytes (the bytes after n are zero)."""
        count = 0
        for p in range(0, n, 8):
            count += int(_flags(_matches(w[p], _NEWLINES)))
        return count

    @njit(nogil=True)
    def _flags(m: np.uint64) -> np.int64:
        """How many bytes a _matches mask flags (SWAR popcount of the 0x80 bits)."""
        return np.int64(((m >> np.uint64(7)) * np.uint64(0x0101010101010101)) >> np.uint64(56))

    @njit(nogil=True)
    def _newline(w: npt.NDArray[np.uint64], p: int, n: int) -> int:
        """The first '\n' at or after p, n if none (the bytes after n are zero)."""
        while p < n:
            m = _matches(w[p], _NEWLINES)
            if m:
                return p + _first_byte(m)
            p += 8
        return n

    @njit(nogil=True, inline="always")
    def _count_tabs(w: npt.NDArray[np.uint64], a: int, b: int) -> int:
        count = 0
        while a < b:
            m = _matches(w[a], _TABS)
            if b - a < 8:
                m &= _tail(b - a)
            count += int(_flags(m))
            a += 8
        return count

    @njit(nogil=True)
    def _d13(w: npt.NDArray[np.uint64], a: int) -> np.int64:
        """The 13 digits at a (two overlapping 8-digit words), -1 if any is no digit."""
        head, tail = _d8(w[a]), _d8(w[a + 5])
        if head < 0 or tail < 0:
            return np.int64(-1)
        return np.int64(head * 100_000 + tail % 100_000)

    # Each record type: a fast check of Gatling's usual shape, read from the line's end (fixed
    # widths: 13-digit times, OK/KO, START/END), else the general one with every tab found.
    # Both require what the numpy parser requires (the tab count included), so they agree.

    @njit(nogil=True, inline="always")
    def _next_tab(arr: U8, p: int, e: int) -> int:
        """The first tab in [p, e), e if none."""
        while p < e and arr[p] != 9:
            p += 1
        return p

    @njit(nogil=True, inline="always")
    def _request(arr: U8, w: npt.NDArray[np.uint64], s: int, e: int, tabs: I64, o: int) -> Any:
        """(key start, key end, message start, start, end, ok); key end -1: not clean.
        `o`: fields before the key (1 in the 3.0-3.3 layout: the user id, skipped to its tab)."""
        x = w[e - 5]
        if _is(x, 5, _OK_SPACE) or _is(x, 5, _KO_SPACE):
            f, ma = e - 33, e - 1
        elif _is(w[e - 3], 3, _OK_BARE) or _is(w[e - 3], 3, _KO_BARE):
            f, ma = e - 31, e
        else:
            f = ma = -1
        if f >= s + 9 + o and arr[f] == 9 and arr[f + 14] == 9:
            ka = _next_tab(arr, s + 8, f) + 1 if o else s + 8
            if ka <= f and _count_tabs(w, ka, f) == 1:
                return ka, f, ma, _d13(w, f + 1), _d13(w, f + 15), arr[f + 29] == 79
        nt = _find_tabs(w, s, e, tabs)
        if nt != 5 + o and nt != 6 + o:
            return 0, -1, 0, 0, 0, False
        sb = tabs[5 + o] if nt == 6 + o else e
        ok = _is2(arr, tabs[4 + o] + 1, sb, 79, 75)
        if not (ok or _is2(arr, tabs[4 + o] + 1, sb, 75, 79)):
            return 0, -1, 0, 0, 0, False
        start = _digits(arr, w, tabs[2 + o] + 1, tabs[3 + o])
        end = _digits(arr, w, tabs[3 + o] + 1, tabs[4 + o])
        return tabs[o] + 1, tabs[2 + o], sb + 1 if nt == 6 + o else e, start, end, ok

    @njit(nogil=True, inline="always")
    def _user(arr: U8, w: npt.NDArray[np.uint64], s: int, e: int, tabs: I64) -> Any:
        """(end of the scenario, is START, time); scenario end -1: not clean."""
        b = -1
        if e - 20 >= s + 5 and _is(w[e - 20], 7, _START):
            b, is_start = e - 20, True
        elif e - 18 >= s + 5 and _is(w[e - 18], 5, _END):
            b, is_start = e - 18, False
        if b >= 0 and _count_tabs(w, s + 5, b) == 0:
            return b, is_start, _d13(w, e - 13)
        if _find_tabs(w, s, e, tabs) != 3:
            return -1, False, 0
        is_start = _is(w[tabs[1]], 7, _START)  # "\tSTART\t": the field is exactly START
        if not (is_start or _is(w[tabs[1]], 5, _END)):
            return -1, False, 0
        return tabs[1], is_start, _digits(arr, w, tabs[2] + 1, e)

    @njit(nogil=True, inline="always")
    def _user30(arr: U8, w: npt.NDArray[np.uint64], s: int, e: int, tabs: I64) -> Any:
        """3.0-3.3 "USER\t<scenario>\t<user id>\tSTART|END\t<start>\t<end>": like _user (the
        time of a START is its start, of an END its end; both must be numbers)."""
        t = -1  # the tab before START or END
        if e - 34 >= s + 6 and _is(w[e - 34], 7, _START):
            t, is_start = e - 34, True
        elif e - 32 >= s + 6 and _is(w[e - 32], 5, _END):
            t, is_start = e - 32, False
        if t >= 0 and arr[e - 14] == 9:
            b = _next_tab(arr, s + 5, t)  # the end of the scenario
            if b < t and _count_tabs(w, b + 1, t) == 0:
                began, ended = _d13(w, e - 27), _d13(w, e - 13)
                return b, is_start, -1 if began < 0 or ended < 0 else (began if is_start else ended)
        if _find_tabs(w, s, e, tabs) != 5:
            return -1, False, 0
        is_start = _is(w[tabs[2]], 7, _START)
        if not (is_start or _is(w[tabs[2]], 5, _END)):
            return -1, False, 0
        first, second = _digits(arr, w, tabs[3] + 1, tabs[4]), _digits(arr, w, tabs[4] + 1, e)
        return tabs[1], is_start, -1 if first < 0 or second < 0 else (first if is_start else second)

    @njit(nogil=True, inline="always")
    def _group(arr: U8, w: npt.NDArray[np.uint64], s: int, e: int, tabs: I64, o: int) -> Any:
        """(path start, path end, start, end, cumulated, ok); path end -1: not clean.
        `o`: fields before the path (1 in the 3.0-3.3 layout: the user id, skipped to its tab)."""
        ok = _is(w[e - 3], 3, _OK_BARE)
        t = -1  # the tab before the cumulated time (1-8 digits)
        if ok or _is(w[e - 3], 3, _KO_BARE):
            for k in range(e - 5, max(e - 13, s + 5), -1):
                if arr[k] == 9:
                    t = k
                    break
        f = t - 28
        if f >= s + 6 + o and arr[f] == 9 and arr[t - 14] == 9:
            pa = _next_tab(arr, s + 6, f) + 1 if o else s + 6
            if pa <= f and _count_tabs(w, pa, f) == 0:
                cum = _digits(arr, w, t + 1, e - 3)
                return pa, f, _d13(w, f + 1), _d13(w, t - 13), cum, ok
        if _find_tabs(w, s, e, tabs) != 5 + o:
            return 0, -1, 0, 0, 0, False
        ok = _is2(arr, tabs[4 + o] + 1, e, 79, 75)
        if not (ok or _is2(arr, tabs[4 + o] + 1, e, 75, 79)):
            return 0, -1, 0, 0, 0, False
        start = _digits(arr, w, tabs[1 + o] + 1, tabs[2 + o])
        end = _digits(arr, w, tabs[2 + o] + 1, tabs[3 + o])
        cum = _digits(arr, w, tabs[3 + o] + 1, tabs[4 + o])
        return tabs[o] + 1, tabs[1 + o], start, end, cum, ok

    @njit(nogil=True, inline="always")
    def _error(arr: U8, w: npt.NDArray[np.uint64], s: int, e: int, tabs: I64) -> Any:
        """(end of the message: the last tab, time); message end -1: not clean."""
        nt = _find_tabs(w, s, e, tabs)
        if nt < 2:
            return -1, 0
        last_tab = tabs[min(nt - 1, 7)]
        return last_tab, _digits(arr, w, last_tab + 1, e)

    @njit(nogil=True, inline="always")
    def _put5(out: I64, i: int, a: int, b: int, c: int, d: int, e: int) -> None:
        """Column i of a (5, n) output: one record's five values."""
        out[0, i], out[1, i], out[2, i], out[3, i], out[4, i] = a, b, c, d, e

    # Helpers are not cached on their own: cached code is linked as an object, which LLVM cannot
    # inline, and a call per record that passes arrays costs more than the work it does. The
    # largest helpers are inlined by numba itself (inline="always"), the rest by LLVM; _scan is
    # cached with all of them.
    @njit(cache=True, nogil=True)
    def _scan(arr: U8, w: npt.NDArray[np.uint64], n: int, nlines: int, last: int, old: bool) -> Any:
        """One pass: each line is found, typed and (if clean) decoded while it is in cache.
        Columns are sized for every line being of their type and returned as slices.
        `old`: the 3.0-3.3 layout."""
        o = 1 if old else 0  # its extra field (the user id) before names
        starts, ends = np.empty(nlines, np.int64), np.empty(nlines, np.int64)
        kinds, slow = np.empty(nlines, np.int8), np.ones(nlines, np.bool_)
        table = np.full(1 << TABLE_BITS, -1, np.int64)
        hashes = np.empty(1 << TABLE_BITS, np.uint64)
        entries = np.empty((3, MAX_STRINGS), np.int64)
        count = np.zeros(1, np.int64)
        req = np.empty((5, nlines), np.int64)  # row, key, message (-1: none), start, end
        r_ok = np.empty(nlines, np.bool_)
        grp = np.empty((5, nlines), np.int64)  # row, path, start, end, cumulated
        g_ok = np.empty(nlines, np.bool_)
        usr = np.empty((3, nlines), np.int64)  # row, scenario, time
        u_is_start = np.empty(nlines, np.bool_)
        err = np.empty((3, nlines), np.int64)  # row, message, time
        ir = ig = iu = ie = 0
        tabs = np.zeros(8, np.int64)
        s = 0
        for li in range(nlines):
            e = _newline(w, s, n)
            line_start, s = s, e + 1
            if e > line_start and arr[e - 1] == 13:
                e -= 1
            starts[li], ends[li] = line_start, e
            kind = _kind(w, line_start, e)
            kinds[li] = kind
            if kind < USER or li == last:
                continue
            a = line_start
            if kind == REQUEST:
                ka, f, ma, start, end, ok = _request(arr, w, a, e, tabs, o)
                if f < 0 or start < 0 or end < start:
                    continue
                key = _intern(w, ka, f, KEY, table, hashes, entries, count)
                msg = -1 if ok else _intern(w, ma, e, REQ_MESSAGE, table, hashes, entries, count)
                if key < 0 or (not ok and msg < 0):
                    continue
                _put5(req, ir, li, key, msg, start, end)
                r_ok[ir] = ok
                ir += 1
            elif kind == USER:
                if old:
                    b, is_start, at = _user30(arr, w, a, e, tabs)
                else:
                    b, is_start, at = _user(arr, w, a, e, tabs)
                if b < 0 or at < 0:
                    continue
                scen = _intern(w, a + 5, b, SCENARIO, table, hashes, entries, count)
                if scen < 0:
                    continue
                usr[0, iu], usr[1, iu], usr[2, iu], u_is_start[iu] = li, scen, at, is_start
                iu += 1
            elif kind == GROUP:
                pa, b, start, end, cum, ok = _group(arr, w, a, e, tabs, o)
                if b < 0 or start < 0 or end < start or cum < 0:
                    continue
                path = _intern(w, pa, b, PATH, table, hashes, entries, count)
                if path < 0:
                    continue
                _put5(grp, ig, li, path, start, end, cum)
                g_ok[ig] = ok
                ig += 1
            else:  # ERROR: the message runs from the first to the last tab
                b, at = _error(arr, w, a, e, tabs)
                if b < 0 or at < 0:
                    continue
                msg = _intern(w, a + 6, b, ERR_MESSAGE, table, hashes, entries, count)
                if msg < 0:
                    continue
                err[0, ie], err[1, ie], err[2, ie] = li, msg, at
                ie += 1
            slow[li] = False
        c = count[0]
        return (
            starts,
            ends,
            kinds,
            slow,
            (req[0, :ir], req[1, :ir], req[2, :ir], req[3, :ir], req[4, :ir], r_ok[:ir]),
            (grp[0, :ig], grp[1, :ig], grp[2, :ig], grp[3, :ig], grp[4, :ig], g_ok[:ig]),
            (usr[0, :iu], usr[1, :iu], u_is_start[:iu], usr[2, :iu]),
            (err[0, :ie], err[1, :ie], err[2, :ie]),
            (entries[0, :c].copy(), entries[1, :c].copy(), entries[2, :c].copy()),
        )

    # Load the compiled code (from numba's cache) when the reader is imported, not mid-read.
    _pad = np.zeros(64, np.uint8)
    _scan(_pad, words64(_pad), 0, 0, -1, False)
elif _aot is not None:
    _scan, _count_lines = _aot.scan, _aot.count_lines


def scan(arr: U8, n: int, final: bool, old: bool = False) -> Scan:
    """Lines and clean records of arr[:n] (arr has at least 16 zero bytes after n); `old`: the
    3.0-3.3 layout."""
    w = words64(arr)
    nlines = _count_lines(w, n)
    unterminated = n > 0 and arr[n - 1] != 10
    nlines += unterminated
    last = nlines - 1 if final and unterminated else -1
    return Scan(*_scan(arr, w, n, nlines, last, bool(old)))
