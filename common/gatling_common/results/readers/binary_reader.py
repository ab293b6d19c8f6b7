"""Decoder of Gatling's binary simulation.log (3.13 and later), fast.

Once its strings are cached, a record has a fixed size per (type, group count). A precompiled
regular expression (C speed) finds the runs of such records and their lengths; numpy then decodes
every field at once from the record offsets. Only records that introduce a new string (a few per
distinct name or message) go through the Python decoder.

A record cut by the end of the file is counted as "truncated record". An unknown type byte cannot
be skipped (records carry no length), so the rest of the file is counted as one
"unknown record type" and reading stops.
"""

from __future__ import annotations

import functools
import re
import struct
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from gatling_common.results.readers import binary_kernel
from gatling_common.results.readers.columnar import BOOLS, U8
from gatling_common.results.records import (
    I64,
    LAYOUT_BINARY,
    NO_MESSAGE,
    FileStrings,
    RecordBatch,
    RunInfo,
    SkipCounter,
    group_path,
    request_key,
)

RUN, REQUEST, USER, GROUP, ERROR = 0, 1, 2, 3, 4
MAX_FAST_GROUPS = 8
_I32 = struct.Struct(">i")
_I64 = struct.Struct(">q")


def _simple_record_pattern() -> bytes:
    """A record whose strings are all cached; alternatives factored by type (faster to try)."""
    ref = rb"[\x80-\xff][\x00-\xff]{3}"  # a cached (negative) string index
    any_ = rb"[\x00-\xff]"

    def counted(g: int, refs: int) -> bytes:
        return re.escape(bytes([g])) + ref * refs

    requests = b"|".join(counted(g, g + 1) for g in range(MAX_FAST_GROUPS + 1))
    groups = b"|".join(counted(g, g) for g in range(1, MAX_FAST_GROUPS + 1))
    return b"|".join(
        [
            rb"\x02" + any_ + rb"{4}[\x00\x01]" + any_ + rb"{4}",
            rb"\x01\x00\x00\x00(?:" + requests + b")" + any_ + rb"{8}[\x00\x01]" + ref,
            rb"\x03\x00\x00\x00(?:" + groups + b")" + any_ + rb"{12}[\x00\x01]",
            rb"\x04" + ref + any_ + rb"{4}",
        ]
    )


@functools.cache
def _scan() -> re.Pattern[bytes]:
    """One record with cached strings, else one byte (where a record that needs Python starts).
    Compiled on first use (several ms): text logs and the compiled decoder never need it."""
    return re.compile(_simple_record_pattern() + rb"|[\x00-\xff]", re.DOTALL)


class Incomplete(Exception):
    """The buffer ends inside this record."""


class Unreadable(Exception):
    """This record cannot be decoded; the reason is the message."""


@dataclass
class _Slow:
    """Records decoded in Python, as (offset, fields...) tuples per type."""

    requests: list[tuple[int, tuple[int, ...], int, int, int, bool, int]] = field(
        default_factory=list
    )
    groups: list[tuple[int, tuple[int, ...], int, int, int, bool]] = field(default_factory=list)
    users: list[tuple[int, int, bool, int]] = field(default_factory=list)
    errors: list[tuple[int, int, int]] = field(default_factory=list)


class _Cursor:
    """Reads primitives from `buf` at `pos`, raising Incomplete past its end."""

    def __init__(self, buf: bytes, pos: int, cache: list[str | None]) -> None:
        self.buf, self.pos, self.cache = buf, pos, cache
        self.new: dict[int, str] = {}
        self.bad = ""  # why the record must be skipped, once fully read

    def take(self, n: int) -> int:
        start = self.pos
        if start + n > len(self.buf):
            raise Incomplete
        self.pos += n
        return start

    def byte(self) -> int:
        return self.buf[self.take(1)]

    def int32(self) -> int:
        return int(_I32.unpack_from(self.buf, self.take(4))[0])

    def int64(self) -> int:
        return int(_I64.unpack_from(self.buf, self.take(8))[0])

    def string(self) -> str:
        n = self.int32()
        if n == 0:
            return ""
        if n < 0:
            raise Unreadable("malformed string")
        start = self.take(n)
        coder = self.byte()
        raw = self.buf[start : start + n]
        return raw.decode("utf-16-le", "replace") if coder else raw.decode("latin-1")

    def cached(self) -> int:
        """A cached string's index (defining it when new)."""
        index = self.int32()
        if index > 0:
            self.new[index] = self.string()
            return index
        known = -index < len(self.cache) and self.cache[-index] is not None
        if index == 0 or not (known or -index in self.new):
            self.bad = "bad string reference"
        return -index

    def commit(self) -> None:
        for index, value in self.new.items():
            if index >= len(self.cache):
                self.cache.extend([None] * (index + 1 - len(self.cache)))
            self.cache[index] = value


def read_header(buf: bytes, info: RunInfo) -> int:
    """Fill `info` from the RUN record at the start of `buf`; the number of bytes it took."""
    cur = _Cursor(buf, 0, [None])
    if cur.byte() != RUN:
        raise Unreadable("no RUN record")
    info.gatling_version = cur.string()
    info.simulation_class = cur.string()
    info.run_start = cur.int64()
    info.description = cur.string()
    info.scenarios = [cur.string() for _ in range(_count(cur))]
    assertions = []
    for _ in range(_count(cur)):
        start = cur.take(_count(cur))
        assertions.append(buf[start : cur.pos])
    info.assertions = assertions
    info.layout = LAYOUT_BINARY
    return cur.pos


def _count(cur: _Cursor) -> int:
    n = cur.int32()
    if n < 0:
        raise Unreadable("malformed RUN")
    return n


def looks_binary(head: bytes) -> bool:
    """A binary log starts with RUN (0) and a short Latin-1 version string like "3.13.4"."""
    if len(head) < 6 or head[0] != RUN:
        return False
    n = int(_I32.unpack_from(head, 1)[0])
    return 0 < n < 64 and head[5:6].isdigit()


class BinaryDecoder:
    """Decodes a binary log's records (after the RUN header), chunk after chunk."""

    def __init__(self, strings: FileStrings, skipped: SkipCounter, info: RunInfo) -> None:
        self.strings, self.skipped, self.info = strings, skipped, info
        self.cache: list[str | None] = [None]
        self.scenario_ids = np.array(
            [strings.scenarios.intern(s) for s in info.scenarios] or [0], np.int64
        )
        self.stopped = False
        self.stop_reason, self.stop_pos = "", 0
        self.compiled = binary_kernel.AVAILABLE  # False: the regular expression scan
        self._window = 1 << 16  # bytes scanned per regex pass; adapts to new-string density
        self._key_ids: dict[tuple[int, ...], int] = {}
        self._path_ids: dict[tuple[int, ...], int] = {}
        self._luts: dict[tuple[int, int], I64] = {}
        self._req_messages = _Lut(lambda i: self._message(i, NO_MESSAGE))
        self._err_messages = _Lut(lambda i: self._message(i, None))

    def decode(self, buf: bytes, pos: int, eof: bool) -> tuple[RecordBatch, int]:
        """Records from buf[pos:]; returns them and where the undecoded rest begins."""
        if self.compiled:
            return self._decode_compiled(buf, pos, eof)
        offsets: list[I64] = []
        slow = _Slow()
        while pos < len(buf) and not self.stopped:
            found = _scan().findall(buf, pos, min(len(buf), pos + self._window))
            lengths = np.fromiter(map(len, found), np.int64, len(found))
            odd = np.flatnonzero(lengths == 1)  # no cached-strings record starts there
            clean = lengths[: odd[0]] if len(odd) else lengths
            if len(clean):
                offsets.append(pos + np.cumsum(clean) - clean)
                pos += int(clean.sum())
            if not len(odd):
                self._window = min(self._window * 2, 1 << 26)
                continue
            self._window = max(1 << 10, 2 * int(clean.sum()))
            pos, done = self._step_slow(buf, pos, slow, eof)
            if done:
                break
        arr = np.frombuffer(buf, np.uint8)
        fast = np.concatenate(offsets) if offsets else np.empty(0, np.int64)
        return self._batch(arr, fast, slow), pos

    def _decode_compiled(self, buf: bytes, pos: int, eof: bool) -> tuple[RecordBatch, int]:
        """Like decode; the compiled kernel finds the clean records instead of the regex."""
        arr = np.frombuffer(buf, np.uint8)
        out = np.empty((len(buf) - pos) // 9 + 1, np.int64)  # records take >= 9 bytes
        found = 0
        slow = _Slow()
        while pos < len(buf) and not self.stopped:
            found, pos = binary_kernel.clean_records(arr, pos, len(buf), out, found)
            if pos >= len(buf):
                break
            pos, done = self._step_slow(buf, pos, slow, eof)
            if done:
                break
        return self._batch(arr, out[:found], slow), pos

    def _step_slow(self, buf: bytes, pos: int, slow: _Slow, eof: bool) -> tuple[int, bool]:
        """One record through `_slow`: (where decoding goes on, whether this buffer is done). A
        record cut by the buffer's end waits for more data (at the end of the file: counted as
        truncated); an unreadable one stops the file, counted under its reason."""
        try:
            return self._slow(buf, pos, slow), False
        except Incomplete:
            if eof:
                self.skipped.add("truncated record")
                return len(buf), True
            return pos, True
        except Unreadable as bad:
            self.skipped.add(str(bad))
            self.stopped = True
            self.stop_reason, self.stop_pos = str(bad), pos  # pos: in this buffer
            return len(buf), True

    def _slow(self, buf: bytes, pos: int, slow: _Slow) -> int:
        """Decode one record in Python; the position after it."""
        cur = _Cursor(buf, pos, self.cache)
        kind = cur.byte()
        if kind == REQUEST:
            groups = tuple(cur.cached() for _ in range(self._groups(cur, "malformed REQUEST")))
            name = cur.cached()
            start, end, ok = cur.int32(), cur.int32(), cur.byte() != 0
            message = cur.cached()
            record: object = (pos, groups, name, start, end, ok, message)
        elif kind == USER:
            record = (pos, cur.int32(), cur.byte() != 0, cur.int32())
        elif kind == GROUP:
            groups = tuple(cur.cached() for _ in range(self._groups(cur, "malformed GROUP")))
            record = (pos, groups, cur.int32(), cur.int32(), cur.int32(), cur.byte() != 0)
        elif kind == ERROR:
            message = cur.cached()
            record = (pos, message, cur.int32())
        else:
            raise Unreadable("unknown record type")
        cur.commit()
        if cur.bad:
            self.skipped.add(cur.bad)
            return cur.pos
        target: dict[int, list[Any]] = {
            REQUEST: slow.requests,
            USER: slow.users,
            GROUP: slow.groups,
            ERROR: slow.errors,
        }
        target[kind].append(record)
        return cur.pos

    @staticmethod
    def _groups(cur: _Cursor, reason: str) -> int:
        n = cur.int32()
        if not 0 <= n <= 1000:
            raise Unreadable(reason)
        return n

    # -- columns -------------------------------------------------------------------------------

    def _batch(self, arr: U8, fast: I64, slow: _Slow) -> RecordBatch:
        types = arr[fast]
        req = self._requests(arr, fast[types == REQUEST], slow.requests)
        grp = self._group_records(arr, fast[types == GROUP], slow.groups)
        usr = self._users(arr, fast[types == USER], slow.users)
        err = self._errors(arr, fast[types == ERROR], slow.errors)
        return RecordBatch(*req, *grp, *usr, *err)

    def _requests(self, arr: U8, off: I64, slow: list[Any]) -> tuple[np.ndarray, ...]:
        n = len(off)
        key, msg = np.empty(n, np.int64), np.empty(n, np.int64)
        start, end, ok = np.empty(n, np.int64), np.empty(n, np.int64), np.empty(n, np.bool_)
        g = arr[off + 4]
        for gv in np.flatnonzero(np.bincount(g, minlength=1)).tolist():
            sel = np.flatnonzero(g == gv)
            at = _At(arr, off[sel])
            refs = [-at.i32(5 + 4 * j) for j in range(gv + 1)]
            key[sel] = self._combos(refs, self._key_ids, self._make_key)
            base = 9 + 4 * gv
            start[sel], end[sel] = at.i32(base), at.i32(base + 4)
            ok[sel], msg[sel] = at.u8(base + 8) != 0, -at.i32(base + 9)
        if slow:
            cols = list(zip(*slow, strict=True))
            keys = [
                self._combo((*groups, name), self._key_ids, self._make_key)
                for groups, name in zip(cols[1], cols[2], strict=True)
            ]
            key, start, end, ok, msg = _merge(
                off,
                cols[0],
                (key, keys),
                (start, cols[3]),
                (end, cols[4]),
                (ok, cols[5]),
                (msg, cols[6]),
            )
        message = self._req_messages.map(msg, len(self.cache))
        keep = self._keep((key >= 0) & (message != BAD), "bad string reference")
        start, end = start + self.info.run_start, end + self.info.run_start
        keep &= self._keep(~keep | (end >= start), "end before start")
        message = np.where(ok, NO_MESSAGE, message)
        return (
            key[keep].astype(np.int32),
            start[keep],
            end[keep],
            ok[keep],
            message[keep].astype(np.int32),
        )

    def _group_records(self, arr: U8, off: I64, slow: list[Any]) -> tuple[np.ndarray, ...]:
        n = len(off)
        path = np.empty(n, np.int64)
        start, end, cum = np.empty(n, np.int64), np.empty(n, np.int64), np.empty(n, np.int64)
        ok = np.empty(n, np.bool_)
        g = arr[off + 4]
        for gv in np.flatnonzero(np.bincount(g, minlength=1)).tolist():
            sel = np.flatnonzero(g == gv)
            at = _At(arr, off[sel])
            refs = [-at.i32(5 + 4 * j) for j in range(gv)]
            path[sel] = self._combos(refs, self._path_ids, self._make_path)
            base = 5 + 4 * gv
            start[sel], end[sel] = at.i32(base), at.i32(base + 4)
            cum[sel], ok[sel] = at.i32(base + 8), at.u8(base + 12) != 0
        if slow:
            cols = list(zip(*slow, strict=True))
            paths = [self._combo(tuple(gr), self._path_ids, self._make_path) for gr in cols[1]]
            path, start, end, cum, ok = _merge(
                off,
                cols[0],
                (path, paths),
                (start, cols[2]),
                (end, cols[3]),
                (cum, cols[4]),
                (ok, cols[5]),
            )
        keep = self._keep(path >= 0, "bad string reference")
        start, end = start + self.info.run_start, end + self.info.run_start
        keep &= self._keep(~keep | (end >= start), "end before start")
        return path[keep].astype(np.int32), start[keep], end[keep], cum[keep], ok[keep]

    def _users(self, arr: U8, off: I64, slow: list[Any]) -> tuple[np.ndarray, ...]:
        fields = _At(arr, off)
        scen, start, at = fields.i32(1), fields.u8(5) != 0, fields.i32(6)
        if slow:
            cols = list(zip(*slow, strict=True))
            scen, start, at = _merge(off, cols[0], (scen, cols[1]), (start, cols[2]), (at, cols[3]))
        keep = self._keep((scen >= 0) & (scen < len(self.info.scenarios)), "bad scenario index")
        ids = self.scenario_ids[np.where(keep, scen, 0)]
        return ids[keep].astype(np.int32), start[keep], at[keep] + self.info.run_start

    def _errors(self, arr: U8, off: I64, slow: list[Any]) -> tuple[np.ndarray, ...]:
        fields = _At(arr, off)
        msg, at = -fields.i32(1), fields.i32(5)
        if slow:
            cols = list(zip(*slow, strict=True))
            msg, at = _merge(off, cols[0], (msg, cols[1]), (at, cols[2]))
        message = self._err_messages.map(msg, len(self.cache))
        keep = self._keep(message != BAD, "bad string reference")
        return message[keep].astype(np.int32), at[keep] + self.info.run_start

    def _keep(self, good: BOOLS, reason: str) -> BOOLS:
        self.skipped.add(reason, int(len(good) - np.count_nonzero(good)))
        return good

    # -- strings -------------------------------------------------------------------------------

    def _combos(self, refs: list[I64], table: dict[tuple[int, ...], int], make: _Make) -> I64:
        """Ids of string combinations (one column of cache indexes per string).

        A dense lookup table indexed by the mixed-radix code of the indexes keeps this O(n);
        Python resolves each distinct combination once per file.
        """
        n = len(refs[0]) if refs else 0
        if not refs or n == 0:
            return np.full(n, self._combo((), table, make), np.int64)
        size, k = len(self.cache), len(refs)
        mat = np.stack(refs, axis=1)
        good: BOOLS = np.asarray(((mat > 0) & (mat < size)).all(axis=1))
        if size**k > 1 << 22:  # too many strings for a dense table: sort instead
            return self._combos_sorted(mat, good, table, make)
        code = np.zeros(n, np.int64)
        for j in range(k):
            code = code * size + np.where(good, mat[:, j], 0)
        lut = self._luts.get((id(table), k))
        if lut is None or len(lut) != size**k:
            lut = self._luts[(id(table), k)] = np.full(size**k, -2, np.int64)
        ids = lut[code]
        unknown = (ids == -2) & good
        if unknown.any():
            codes, first = np.unique(code[unknown], return_index=True)
            rows = mat[unknown][first]
            for c, row in zip(codes.tolist(), rows.tolist(), strict=True):
                lut[c] = self._combo(tuple(row), table, make)
            ids = lut[code]
        ids[~good] = BAD
        return ids

    def _combos_sorted(
        self, mat: np.ndarray, good: BOOLS, table: dict[tuple[int, ...], int], make: _Make
    ) -> I64:
        ids = np.full(len(mat), BAD, np.int64)
        rows = mat[good]
        _, first, inverse = np.unique(rows, axis=0, return_index=True, return_inverse=True)
        values = [self._combo(tuple(rows[i].tolist()), table, make) for i in first.tolist()]
        ids[good] = np.array(values, np.int64)[inverse.reshape(-1)]
        return ids

    def _combo(self, refs: tuple[int, ...], table: dict[tuple[int, ...], int], make: _Make) -> int:
        found = table.get(refs)
        if found is None:
            values = [self.cache[i] if 0 < i < len(self.cache) else None for i in refs]
            if any(v is None for v in values):
                return BAD
            found = table[refs] = make([v for v in values if v is not None])
        return found

    def _make_key(self, values: list[str]) -> int:
        return self.strings.request_keys.intern(request_key(values[:-1], values[-1]))

    def _make_path(self, values: list[str]) -> int:
        return self.strings.groups.intern(group_path(values))

    def _message(self, index: int, empty: int | None) -> int:
        value = self.cache[index] if 0 < index < len(self.cache) else None
        if value is None:
            return BAD
        if value == "" and empty is not None:
            return empty
        return self.strings.messages.intern(value)


_Make = Callable[[list[str]], int]


class _At:
    """Fields at fixed columns of records starting at `offsets` (1-D gathers, no row copies)."""

    def __init__(self, arr: U8, offsets: I64) -> None:
        self.arr, self.offsets = arr, offsets
        # words[p] = the big-endian int32 at arr[p:p+4] (an overlapping view)
        self.words = np.ndarray((max(len(arr) - 3, 0),), ">i4", arr, 0, (1,))

    def i32(self, column: int) -> I64:
        if binary_kernel.AVAILABLE:
            return binary_kernel.int32_at(self.arr, self.offsets, column)
        return self.words[self.offsets + column].astype(np.int64)

    def u8(self, column: int) -> U8:
        return self.arr[self.offsets + column]


BAD = -3  # an id for a record that refers to a string never defined


class _Lut:
    """Cache index -> id, resolved in Python once per distinct index."""

    def __init__(self, resolve: Callable[[int], int]) -> None:
        self.values = np.full(1, -2, np.int64)
        self.resolve = resolve

    def map(self, index: I64, size: int) -> I64:
        if len(self.values) < size:
            grown = np.full(size, -2, np.int64)
            grown[: len(self.values)] = self.values
            self.values = grown
        bad = (index <= 0) | (index >= size)
        safe = np.where(bad, 0, index)
        ids = self.values[safe]
        unknown = (ids == -2) & ~bad
        if unknown.any():
            for u in np.unique(safe[unknown]).tolist():
                self.values[u] = self.resolve(u)
            ids = self.values[safe]
        ids[bad] = BAD
        return ids


def _merge(off: I64, slow_off: tuple[int, ...], *columns: tuple[Any, Any]) -> list[np.ndarray]:
    """Fast and slow records of one type, back in file order."""
    order = np.argsort(np.concatenate([off, np.array(slow_off, np.int64)]), kind="stable")
    merged = []
    for fast, slow in columns:
        merged.append(np.concatenate([fast, np.array(slow, dtype=fast.dtype)])[order])
    return merged
