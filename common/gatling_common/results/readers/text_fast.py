"""The fast path of the text parser: the common record shapes of the 3.0-3.3 and 3.4-3.12 layouts.

Nearly every line Gatling writes ends in a fixed-width tail: 13-digit epoch-ms times, "OK"/"KO",
" " for no message. Such tails are checked and decoded for all lines at once with 8-byte words
(SWAR: digits checked and converted inside uint64s), with no tab search; the string before the
tail is a known slice. Lines of any other shape (KO messages, other widths, a tab inside a name)
go to the general parser. `tab_counts` gives the tabs before each byte, so that a name with a tab
(the general parser's "malformed") is never taken for a clean line.

The 3.0-3.3 layout has the same tails; its REQUEST and GROUP lines carry a user id first and its
USER lines a user id and two times ("USER\t<scenario>\t<id>\tSTART|END\t<start>\t<end>"). The
id field is ignored (as the general parser does): `tab_positions` finds the tab that ends it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from gatling_common.results.readers.columnar import BOOLS, U8, words64
from gatling_common.results.records import I64

U64 = npt.NDArray[np.uint64]
_ONES = 0x0101010101010101


words = words64


def _c(value: int) -> np.uint64:
    return np.uint64(value & 0xFFFFFFFFFFFFFFFF)


def _text(word: bytes) -> tuple[np.uint64, np.uint64]:
    """(mask, value) matching `word` (up to 8 bytes) at the start of a loaded word."""
    return _c((1 << (8 * len(word))) - 1), _c(int.from_bytes(word, "little"))


def _is(w: U64, word: bytes) -> BOOLS:
    mask, value = _text(word)
    return np.asarray((w & mask) == value)


def _digits8(x: U64) -> tuple[I64, BOOLS]:
    """8 ASCII digits (first digit in the lowest byte): their value, and whether all are digits."""
    high = _c(0xF0 * _ONES)
    valid = ((x & high) == _c(0x30 * _ONES)) & (((x + _c(0x06 * _ONES)) & high) == _c(0x30 * _ONES))
    v = ((x & _c(0x0F * _ONES)) * _c(2561)) >> _c(8)
    v = ((v & _c(0x00FF00FF00FF00FF)) * _c(6553601)) >> _c(16)
    v = ((v & _c(0x0000FFFF0000FFFF)) * _c(42949672960001)) >> _c(32)
    return v.astype(np.int64), np.asarray(valid)


def number13(w: U64, p: I64) -> tuple[I64, BOOLS]:
    """The 13-digit numbers starting at positions p (p >= 3)."""
    keep_high = _c(~0xFFFFFF)
    head, ok1 = _digits8((w[p - 3] & keep_high) | _c(0x303030))  # 3 filler zeros + 5 digits
    tail, ok2 = _digits8(w[p + 5])
    return head * 100_000_000 + tail, ok1 & ok2


@dataclass
class FastRequests:
    rows: I64
    key_a: I64
    key_b: I64
    start: I64
    end: I64
    ok: BOOLS


def tab_counts(arr: U8, n: int, pad: int) -> I64:
    """c[i] = the number of tabs in arr[:i], for i up to n + pad (the zero padding: offsets
    the checks compute for rows they then reject may point into it)."""
    out = np.zeros(n + pad + 1, np.int64)
    np.cumsum(arr[: n + pad] == 9, out=out[1:])
    return out


def tab_positions(arr: U8, n: int, pad: int) -> I64:
    """The positions of the tabs of arr[:n + pad], then n + pad: p[c[i]] (c = tab_counts) is
    the first tab at or after i (n + pad if none)."""
    return np.append(np.flatnonzero(arr[: n + pad] == 9), n + pad).astype(np.int64)


def _request_tails(w: U64, arr: U8, s: I64, e: I64) -> tuple[I64, BOOLS, I64, I64, BOOLS]:
    """(f: the tab before the start time, shape matched, start, end, ok) of REQUEST lines
    ending "\t<start>\t<end>\tOK|KO" with "\t " or nothing after."""
    spaced, bare = e - 33, e - 31  # where the tail begins, with and without the " " message
    fits_spaced, fits_bare = spaced >= s + 9, bare >= s + 9  # room for "REQUEST\t" and a tab
    tail = w[np.where(fits_spaced, spaced + 28, 0)]
    is_spaced = fits_spaced & (_is(tail, b"\tOK\t ") | _is(tail, b"\tKO\t "))
    tail = w[np.where(fits_bare, bare + 28, 0)]
    is_bare = ~is_spaced & fits_bare & (_is(tail, b"\tOK") | _is(tail, b"\tKO"))
    f = np.where(is_spaced, spaced, np.where(is_bare, bare, 9))
    ok = _is(w[f + 28], b"\tOK")
    start, v1 = number13(w, f + 1)
    end, v2 = number13(w, f + 15)
    hit = (is_spaced | is_bare) & (arr[f] == 9) & (arr[f + 14] == 9) & v1 & v2
    return f, hit, start, end, ok


def requests(arr: U8, starts: I64, ends: I64, rows: I64, tabs: I64) -> FastRequests:
    """3.4-3.12 REQUEST lines "REQUEST\t<groups>\t<name>\t<start>\t<end>\tOK|KO[\t ]".

    The key slice is "groups\tname" (after "REQUEST\t"), with exactly that one tab.
    """
    s, e = starts[rows], ends[rows]
    f, hit, start, end, ok = _request_tails(words(arr), arr, s, e)
    hit &= tabs[f] - tabs[s + 8] == 1
    return FastRequests(rows[hit], s[hit] + 8, f[hit], start[hit], end[hit], ok[hit])


def requests30(arr: U8, starts: I64, ends: I64, rows: I64, tabs: I64, where: I64) -> FastRequests:
    """3.0-3.3 REQUEST lines "REQUEST\t<user id>\t<groups>\t<name>\t<start>\t<end>\tOK|KO[\t ]".

    The key slice is "groups\tname" (after the user id's tab), with exactly that one tab.
    `where`: tab_positions."""
    s, e = starts[rows], ends[rows]
    f, hit, start, end, ok = _request_tails(words(arr), arr, s, e)
    hit &= tabs[f] - tabs[s + 8] == 2
    key_a = where[tabs[s + 8]] + 1  # after the first tab at or after s + 8: the user id's
    return FastRequests(rows[hit], key_a[hit], f[hit], start[hit], end[hit], ok[hit])


@dataclass
class FastUsers:
    rows: I64
    scen_a: I64
    scen_b: I64
    start: BOOLS
    at: I64


def users(arr: U8, starts: I64, ends: I64, rows: I64, tabs: I64) -> FastUsers:
    """USER lines "USER\\t<scenario>\\tSTART|END\\t<13 digits>"."""
    w = words(arr)
    s, e = starts[rows], ends[rows]
    f_start, f_end = e - 20, e - 18
    is_start = (f_start >= s + 5) & _is(w[np.maximum(f_start, 0)], b"\tSTART\t")
    is_end = ~is_start & (f_end >= s + 5) & _is(w[np.maximum(f_end, 0)], b"\tEND\t")
    at, valid = number13(w, np.maximum(e - 13, 3))
    scen_b = np.where(is_start, f_start, f_end)
    hit = (is_start | is_end) & valid
    hit &= tabs[np.maximum(scen_b, s + 5)] == tabs[s + 5]  # no tab in the scenario
    return FastUsers(rows[hit], s[hit] + 5, scen_b[hit], is_start[hit], at[hit])


def users30(arr: U8, starts: I64, ends: I64, rows: I64, tabs: I64, where: I64) -> FastUsers:
    """3.0-3.3 USER lines "USER\t<scenario>\t<user id>\tSTART|END\t<13 digits>\t<13 digits>":
    the time of a START is the first (the user's start), of an END the second."""
    w = words(arr)
    s, e = starts[rows], ends[rows]
    f_start, f_end = e - 34, e - 32  # the tab before START or END
    is_start = (f_start >= s + 6) & _is(w[np.maximum(f_start, 0)], b"\tSTART\t")
    is_end = ~is_start & (f_end >= s + 6) & _is(w[np.maximum(f_end, 0)], b"\tEND\t")
    began, v1 = number13(w, np.maximum(e - 27, 3))
    ended, v2 = number13(w, np.maximum(e - 13, 3))
    f = np.where(is_start, f_start, f_end)
    hit = (is_start | is_end) & v1 & v2 & (arr[np.maximum(e - 14, 0)] == 9)
    hit &= tabs[np.maximum(f, s + 5)] - tabs[s + 5] == 1  # the one after the scenario
    scen_b = where[tabs[s + 5]]
    at = np.where(is_start, began, ended)
    return FastUsers(rows[hit], s[hit] + 5, scen_b[hit], is_start[hit], at[hit])


@dataclass
class FastErrors:
    rows: I64
    msg_a: I64
    msg_b: I64
    at: I64


def errors(arr: U8, starts: I64, ends: I64, rows: I64) -> FastErrors:
    """ERROR lines "ERROR\\t<message>\\t<13 digits>"."""
    w = words(arr)
    s, e = starts[rows], ends[rows]
    f = e - 14
    at, valid = number13(w, np.maximum(f + 1, 3))
    hit = (f >= s + 6) & (arr[np.maximum(f, 0)] == 9) & valid
    return FastErrors(rows[hit], s[hit] + 6, f[hit], at[hit])


@dataclass
class FastGroups:
    rows: I64
    path_a: I64
    path_b: I64
    start: I64
    end: I64
    cumulated: I64
    ok: BOOLS


def _group_tails(arr: U8, s: I64, e: I64) -> tuple[I64, BOOLS, I64, I64, I64, BOOLS]:
    """(f: the tab before the start time, shape matched, start, end, cumulated, ok) of GROUP
    lines ending "\t<start>\t<end>\t<cumulated, 1-8 digits>\tOK|KO"."""
    w = words(arr)
    tail = w[np.maximum(e - 3, 0)]
    ok = _is(tail, b"\tOK")
    hit = (e - s >= 44) & (ok | _is(tail, b"\tKO"))
    width = np.zeros(len(s), np.int64)  # digits of the cumulated time
    for k in range(8, 0, -1):
        width[hit & (arr[np.maximum(e - 4 - k, 0)] == 9)] = k
    hit &= width > 0
    f = np.where(hit, e - 32 - width, 9)
    hit &= (f >= s + 6) & (arr[f] == 9) & (arr[f + 14] == 9)
    start, v1 = number13(w, f + 1)
    end, v2 = number13(w, f + 15)
    low_bytes = (8 - np.maximum(width, 1)).astype(np.uint64) * np.uint64(8)
    filler = (np.uint64(1) << low_bytes) - np.uint64(1)  # bytes before the cumulated digits
    raw = w[np.maximum(e - 11, 0)]
    cumulated, v3 = _digits8((raw & ~filler) | (_c(0x30 * _ONES) & filler))
    hit &= v1 & v2 & v3
    return f, hit, start, end, cumulated, ok


def groups(arr: U8, starts: I64, ends: I64, rows: I64, tabs: I64) -> FastGroups:
    """GROUP lines "GROUP\t<path>\t<start>\t<end>\t<cumulated, 1-8 digits>\tOK|KO"."""
    s, e = starts[rows], ends[rows]
    f, hit, start, end, cumulated, ok = _group_tails(arr, s, e)
    hit &= tabs[np.maximum(f, s + 6)] == tabs[s + 6]  # no tab in the path
    return FastGroups(rows[hit], s[hit] + 6, f[hit], start[hit], end[hit], cumulated[hit], ok[hit])


def groups30(arr: U8, starts: I64, ends: I64, rows: I64, tabs: I64, where: I64) -> FastGroups:
    """3.0-3.3 GROUP lines "GROUP\t<user id>\t<path>\t<start>\t<end>\t<cumulated>\tOK|KO"."""
    s, e = starts[rows], ends[rows]
    f, hit, start, end, cumulated, ok = _group_tails(arr, s, e)
    hit &= tabs[np.maximum(f, s + 6)] - tabs[s + 6] == 1  # the user id's, none in the path
    path_a = where[tabs[s + 6]] + 1
    return FastGroups(rows[hit], path_a[hit], f[hit], start[hit], end[hit], cumulated[hit], ok[hit])
