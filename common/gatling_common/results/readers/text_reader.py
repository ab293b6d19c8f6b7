"""Columnar parser of Gatling's text simulation.log (layouts 3.0-3.3 and 3.4-3.12).

A chunk of whole lines is parsed with numpy: positions of '\\n' and '\\t', record type from each
line's first field, integers parsed digit-wise for all lines at once, and strings interned per
distinct byte slice (a handful per chunk), never per line.

Skipped, counted by reason: a line of an unknown type, a malformed record (wrong field count,
non-numeric time, bad status), a REQUEST or GROUP ending before it starts, a string field that is
not valid UTF-8 ("invalid UTF-8": the record is skipped rather than guessed), and an unterminated
last line that does not form a whole record ("truncated record"). An unterminated last line whose
last field is a time must have at least 13 digits (epoch ms) to count as whole. REQUEST lines
without the trailing message field are valid (Java's split drops trailing empty fields).
"""

from __future__ import annotations

import base64
import binascii
import contextlib
from collections.abc import Callable

import numpy as np

from gatling_common.errors import InputError
from gatling_common.results.readers import text_fast, text_kernel
from gatling_common.results.readers.columnar import (
    BOOLS,
    U8,
    intern_slices,
    parse_ints,
    window,
    words64,
)
from gatling_common.results.records import (
    I32,
    I64,
    LAYOUT_TEXT_30,
    LAYOUT_TEXT_34,
    NO_MESSAGE,
    FileStrings,
    RecordBatch,
    RunInfo,
    SkipCounter,
    group_path,
    request_key,
)

RECORD_NAMES = ("RUN", "ASSERTION", "USER", "REQUEST", "GROUP", "ERROR")
MIN_TIME_DIGITS = 13
_SAMPLE_LINES = 5000


def read_preamble(head: bytes, info: RunInfo, name: str) -> None:
    """Fill `info` from the first lines (ASSERTION, RUN) and detect the layout.

    Raises InputError for Gatling 2.x layouts and for files that are no Gatling text log.
    """
    lines = head.split(b"\n")[:_SAMPLE_LINES]
    first = lines[0].rstrip(b"\r").decode("utf-8", "replace").split("\t")
    if first[0] not in RECORD_NAMES:
        if len(first) > 2 and first[2] == "RUN":
            raise _too_old(name, first[-1], "RUN in the third column")
        raise InputError(
            f"{name}: not a Gatling simulation.log (starts with {first[0][:24]!r}); "
            "expected a Gatling 3.x text log or a 3.13+ binary log"
        )
    for raw in lines:
        fields = raw.rstrip(b"\r").decode("utf-8", "replace").split("\t")
        if fields[0] == "ASSERTION" and len(fields) == 2:
            # assertions are informational: a bad one changes no statistic
            with contextlib.suppress(binascii.Error, ValueError):
                info.assertions.append(base64.b64decode(fields[1], validate=True))
        elif fields[0] == "RUN":
            _run_line(fields, info, name)
            break
    info.layout = detect_layout(lines)


def _too_old(name: str, version: str, why: str) -> InputError:
    return InputError(
        f"{name}: Gatling {version.strip() or '2.x'} log layout ({why}); "
        "only Gatling 3.0 and later are supported"
    )


def _run_line(fields: list[str], info: RunInfo, name: str) -> None:
    if len(fields) == 7:
        raise _too_old(name, fields[6], "RUN record with 7 fields")
    if len(fields) != 6:
        return  # an odd RUN line: the records still carry everything the statistics need
    info.simulation_class, info.simulation_id = fields[1], fields[2]
    info.run_start = int(fields[3]) if fields[3].isdigit() else 0
    info.description = fields[4].strip()
    info.gatling_version = fields[5]


def detect_layout(lines: list[bytes]) -> str:
    """3.0-3.3 or 3.4-3.12, from the shape of USER lines (else REQUEST lines)."""
    for raw in lines:
        fields = raw.rstrip(b"\r").split(b"\t")
        if fields[0] == b"USER":
            if len(fields) == 4 and fields[2] in (b"START", b"END"):
                return LAYOUT_TEXT_34
            if len(fields) == 6 and fields[3] in (b"START", b"END"):
                return LAYOUT_TEXT_30
    for raw in lines:
        fields = raw.rstrip(b"\r").split(b"\t")
        if fields[0] == b"REQUEST" and len(fields) >= 6:
            if len(fields) >= 7 and fields[1].isdigit() and fields[4].isdigit():
                return LAYOUT_TEXT_30
            return LAYOUT_TEXT_34
    return LAYOUT_TEXT_34


PAD = bytes(64)  # zero bytes after a chunk, so fixed-width gathers never run off its end


class _Lines:
    """Line positions of one chunk; tab positions only for the lines that need them."""

    def __init__(self, arr: U8, n: int, final: bool, found: tuple[I64, I64] | None = None) -> None:
        """`found`: the lines' starts and ends (before any '\r'), if already known."""
        self.arr = arr  # n bytes of lines, then len(PAD) zero bytes
        if found is not None:
            starts, ends = found
            self.unterminated = final and len(starts) > 0 and arr[n - 1] != 10
        else:
            nl = np.flatnonzero(arr[:n] == 10)
            starts = np.concatenate([[0], nl + 1]).astype(np.int64)
            ends = np.concatenate([nl, [n]]).astype(np.int64)
            if starts[-1] == n:  # the chunk ends with '\n'
                starts, ends = starts[:-1], ends[:-1]
            self.unterminated = final and len(starts) > 0 and ends[-1] == n
            ends = ends - ((arr[np.maximum(ends - 1, 0)] == 13) & (ends > starts))
        self.starts, self.ends, self.size = starts, ends, n
        self.last = len(starts) - 1 if self.unterminated else -1
        self.tabs = np.empty(0, np.int64)
        self.ti = self.ntab = np.zeros(len(starts), np.int64)

    def index_tabs(self, rows: I64) -> None:
        """Find the tabs of these lines (all of the chunk's when they are most of it)."""
        s, e = self.starts[rows], self.ends[rows]
        lengths = e - s
        total = int(lengths.sum())
        if total * 4 > self.size:
            self.tabs = np.flatnonzero(self.arr[: self.size] == 9).astype(np.int64)
        else:
            base = np.repeat(s - (np.cumsum(lengths) - lengths), lengths)
            positions = base + np.arange(total)
            self.tabs = positions[self.arr[positions] == 9]
        self.ti = np.zeros(len(self.starts), np.int64)  # only these rows' are used
        self.ti[rows] = np.searchsorted(self.tabs, s)
        self.ntab = np.zeros(len(self.starts), np.int64)
        self.ntab[rows] = np.searchsorted(self.tabs, e) - self.ti[rows]

    def field(self, rows: I64, j: int) -> tuple[I64, I64]:
        """[a, b) of field j (1 = the first after the record name) of rows having > j-1 tabs."""
        ti = self.ti[rows]
        a = self.tabs[ti + j - 1] + 1
        nt = self.ntab[rows]
        b = np.where(j < nt, self.tabs[np.minimum(ti + j, len(self.tabs) - 1)], self.ends[rows])
        return a, b

    def equals(self, a: I64, b: I64, word: bytes) -> BOOLS:
        ok = (b - a) == len(word)
        rows = window(self.arr, len(word))[a]
        return ok & (rows == np.frombuffer(word, np.uint8)).all(axis=1)


UNKNOWN, EMPTY, RUN, ASSERTION, USER, REQUEST, GROUP, ERROR = 0, 1, 2, 3, 4, 5, 6, 7
_KINDS = (
    (RUN, b"RUN"),
    (ASSERTION, b"ASSERTION"),
    (USER, b"USER"),
    (REQUEST, b"REQUEST"),
    (GROUP, b"GROUP"),
    (ERROR, b"ERROR"),
)
BAD_UTF8 = -2
MALFORMED = -3  # a REQUEST key slice without the tab between group path and name
Columns = tuple[np.ndarray, ...]


def _without(rows: I64, done: I64) -> I64:
    """`rows` minus `done` (both sorted)."""
    if len(done) == 0:
        return rows
    return rows[~np.isin(rows, done, assume_unique=True)]


def _join(fast: Columns | None, slow: Columns) -> Columns:
    """Fast and general-path records of one type, in line order, without the row column."""
    if fast is None or len(fast[0]) == 0:
        return slow[1:]
    if len(slow[0]) == 0:
        return fast[1:]
    order = np.argsort(np.concatenate([fast[0], slow[0]]), kind="stable")
    return tuple(np.concatenate([f, s])[order] for f, s in zip(fast[1:], slow[1:], strict=True))


class TextDecoder:
    """Turns chunks of whole lines of one file into RecordBatches."""

    def __init__(self, strings: FileStrings, skipped: SkipCounter, info: RunInfo) -> None:
        self.strings, self.skipped = strings, skipped
        self.shift = 1 if info.layout == LAYOUT_TEXT_30 else 0  # 3.0-3.3: a user id comes first
        self._key = _resolver(self._make_key)
        self._path = _resolver(lambda t: strings.groups.intern(group_path(t.split(","))))
        self._scenario = _resolver(strings.scenarios.intern)
        self._req_message = _resolver(
            lambda t: NO_MESSAGE if not t.strip() else strings.messages.intern(t)
        )
        self._err_message = _resolver(strings.messages.intern)
        self._lines: _Lines
        self._last_bad = False
        self.compiled = text_kernel.AVAILABLE  # False: the numpy fast path (text_fast)
        self.fast = True  # False: every line through the general parser (the reference)
        self.fast_records = 0  # records the fast paths gave (kernel or text_fast), for tests
        self._local = (self._key, self._req_message, self._path, self._scenario, self._err_message)

    def _make_key(self, text: str) -> int:
        groups, tab, name = text.partition("\t")
        if not tab:
            return MALFORMED
        return self.strings.request_keys.intern(
            request_key(groups.split(",") if groups else [], name)
        )

    def decode(self, buf: bytes, *, final: bool) -> RecordBatch:
        """Records of whole lines (the last may lack its '\\n' when `final`)."""
        return self.decode_array(np.frombuffer(buf + PAD, np.uint8), len(buf), final=final)

    @property
    def scans_ahead(self) -> bool:
        """Whether `scan` does the heavy part of a chunk (GIL-free): callers may run it for the
        next chunks in other threads while `decode_array` finishes this one."""
        return self.compiled and self.fast

    def scan(self, arr: U8, n: int, *, final: bool) -> text_kernel.Scan:
        """The compiled kernel's pass over a chunk (thread-safe: it touches no decoder state)."""
        return text_kernel.scan(arr, n, final, bool(self.shift))

    def decode_array(
        self, arr: U8, n: int, *, final: bool, found: text_kernel.Scan | None = None
    ) -> RecordBatch:
        """Like decode, on arr[:n] followed by at least len(PAD) zero bytes (no copy).

        `found`: this chunk's `scan`, if already done (only when `scans_ahead`)."""
        if self.scans_ahead:
            return self._decode_compiled(
                arr, n, final, found if found is not None else self.scan(arr, n, final=final)
            )
        lines = self._lines = _Lines(arr, n, final)
        self._last_bad = False
        kinds = self._kinds()
        rows = {kind: np.flatnonzero(kinds == kind) for kind in (REQUEST, GROUP, USER, ERROR)}
        fast_req = fast_usr = fast_err = fast_grp = None
        if self.fast:  # the common shapes of both layouts
            a, starts, ends = lines.arr, lines.starts, lines.ends
            tabs = text_fast.tab_counts(a, n, len(PAD))
            if self.shift:
                where = text_fast.tab_positions(a, n, len(PAD))
                fast_req = text_fast.requests30(a, starts, ends, rows[REQUEST], tabs, where)
                fast_grp = text_fast.groups30(a, starts, ends, rows[GROUP], tabs, where)
                fast_usr = text_fast.users30(a, starts, ends, rows[USER], tabs, where)
            else:
                fast_req = text_fast.requests(a, starts, ends, rows[REQUEST], tabs)
                fast_grp = text_fast.groups(a, starts, ends, rows[GROUP], tabs)
                fast_usr = text_fast.users(a, starts, ends, rows[USER], tabs)
            fast_err = text_fast.errors(a, starts, ends, rows[ERROR])
            rows[REQUEST] = _without(rows[REQUEST], fast_req.rows)
            rows[GROUP] = _without(rows[GROUP], fast_grp.rows)
            rows[USER] = _without(rows[USER], fast_usr.rows)
            rows[ERROR] = _without(rows[ERROR], fast_err.rows)
        slow = np.concatenate(list(rows.values()))
        if len(slow):
            lines.index_tabs(np.sort(slow))
        req = _join(self._count(self._fast_requests(fast_req)), self._requests(rows[REQUEST]))
        usr = _join(self._count(self._fast_users(fast_usr)), self._users(rows[USER]))
        err = _join(self._count(self._fast_errors(fast_err)), self._errors(rows[ERROR]))
        grp = _join(self._count(self._fast_groups(fast_grp)), self._groups(rows[GROUP]))
        if lines.last >= 0 and (self._last_bad or kinds[lines.last] in (UNKNOWN, EMPTY)):
            self.skipped.add("truncated record")
        return RecordBatch(*req, *grp, *usr, *err)

    def _count(self, fast: Columns | None) -> Columns | None:
        """The fast path's records (counted in `fast_records`)."""
        if fast is not None:
            self.fast_records += len(fast[0])
        return fast

    def _fast_requests(self, fast: text_fast.FastRequests | None) -> Columns | None:
        if fast is None:
            return None
        ln = self._lines
        key = intern_slices(ln.arr, fast.key_a, fast.key_b, self._key)
        shaped = self._keep(fast.rows, key != MALFORMED, "malformed REQUEST")
        good = shaped & self._keep(fast.rows, ~shaped | (key != BAD_UTF8), "invalid UTF-8")
        keep = good & self._keep(fast.rows, ~good | (fast.end >= fast.start), "end before start")
        message = np.full(int(np.count_nonzero(keep)), NO_MESSAGE, np.int32)  # " " or none
        return (
            fast.rows[keep],
            key[keep].astype(np.int32),
            fast.start[keep],
            fast.end[keep],
            fast.ok[keep],
            message,
        )

    def _fast_groups(self, fast: text_fast.FastGroups | None) -> Columns | None:
        if fast is None:
            return None
        path = intern_slices(self._lines.arr, fast.path_a, fast.path_b, self._path)
        good = self._keep(fast.rows, path >= 0, "invalid UTF-8")
        keep = good & self._keep(fast.rows, ~good | (fast.end >= fast.start), "end before start")
        return (
            fast.rows[keep],
            path[keep].astype(np.int32),
            fast.start[keep],
            fast.end[keep],
            fast.cumulated[keep],
            fast.ok[keep],
        )

    def _fast_users(self, fast: text_fast.FastUsers | None) -> Columns | None:
        if fast is None:
            return None
        scen = intern_slices(self._lines.arr, fast.scen_a, fast.scen_b, self._scenario)
        keep = self._keep(fast.rows, scen >= 0, "invalid UTF-8")
        return fast.rows[keep], scen[keep].astype(np.int32), fast.start[keep], fast.at[keep]

    def _fast_errors(self, fast: text_fast.FastErrors | None) -> Columns | None:
        if fast is None:
            return None
        msg = intern_slices(self._lines.arr, fast.msg_a, fast.msg_b, self._err_message)
        keep = self._keep(fast.rows, msg >= 0, "invalid UTF-8")
        return fast.rows[keep], msg[keep].astype(np.int32), fast.at[keep]

    def _kinds(self) -> np.ndarray:
        """Record type of each line, from its first 8 bytes (plus 2 for ASSERTION)."""
        ln = self._lines
        arr, starts = ln.arr, ln.starts
        heads = words64(arr)[starts]
        kinds = np.where(ln.ends > starts, UNKNOWN, EMPTY).astype(np.int8)
        for kind, word in _KINDS:
            head = (word + b"\t")[:8]
            mask = (1 << (8 * len(head))) - 1
            hit = (heads & np.uint64(mask)) == np.uint64(int.from_bytes(head, "little"))
            if kind == ASSERTION:
                hit &= (arr[starts + 8] == ord("N")) & (arr[starts + 9] == 9)
            kinds[hit & (kinds == UNKNOWN)] = kind
        self._count_odd(kinds)
        return kinds

    def _count_odd(self, kinds: np.ndarray) -> None:
        not_last = np.arange(len(kinds)) != self._lines.last
        for kind, reason in ((EMPTY, "empty line"), (UNKNOWN, "unknown record type")):
            self.skipped.add(reason, int(np.count_nonzero((kinds == kind) & not_last)))

    # -- the compiled fast path ----------------------------------------------------------------

    def _decode_compiled(
        self, arr: U8, n: int, final: bool, found: text_kernel.Scan
    ) -> RecordBatch:
        """Clean lines from the compiled kernel, the others through the general parser."""
        lines = self._lines = _Lines(arr, n, final, (found.starts, found.ends))
        self._last_bad = False
        kinds = found.kinds
        self._count_odd(kinds)
        slow_kinds = np.where(found.slow, kinds, UNKNOWN)
        rows = {k: np.flatnonzero(slow_kinds == k) for k in (REQUEST, GROUP, USER, ERROR)}
        slow = np.concatenate(list(rows.values()))
        if len(slow):
            lines.index_tabs(np.sort(slow))
        ids = self._resolve_local(arr, found.strings)
        req = _join(
            self._count(self._kernel_requests(found.req, ids)), self._requests(rows[REQUEST])
        )
        usr = _join(self._count(self._kernel_strings(found.usr, ids)), self._users(rows[USER]))
        err = _join(self._count(self._kernel_strings(found.err, ids)), self._errors(rows[ERROR]))
        grp = _join(self._count(self._kernel_strings(found.grp, ids)), self._groups(rows[GROUP]))
        if lines.last >= 0 and (self._last_bad or kinds[lines.last] in (UNKNOWN, EMPTY)):
            self.skipped.add("truncated record")
        return RecordBatch(*req, *grp, *usr, *err)

    def _resolve_local(self, arr: U8, strings: tuple[I64, I64, I64]) -> I32:
        """Id (or BAD_UTF8) of each distinct string of the chunk, by its category's resolver."""
        cats, offs, lens = (column.tolist() for column in strings)
        values = [
            self._local[c](arr[o : o + n].tobytes())
            for c, o, n in zip(cats, offs, lens, strict=True)
        ]
        return np.array(values or [BAD_UTF8], np.int32)

    def _kernel_requests(self, cols: Columns, ids: I32) -> Columns:
        """The kernel's requests, ids resolved; those with a string not UTF-8 are skipped."""
        rows, key_local, msg_local, start, end, ok = cols
        key = ids[key_local]
        message = ids[np.maximum(msg_local, 0)]
        message[msg_local < 0] = NO_MESSAGE
        if not (ids == BAD_UTF8).any():
            return rows, key, start, end, ok, message
        keep = self._keep(rows, (key != BAD_UTF8) & (message != BAD_UTF8), "invalid UTF-8")
        return rows[keep], key[keep], start[keep], end[keep], ok[keep], message[keep]

    def _kernel_strings(self, cols: Columns, ids: I32) -> Columns:
        """Groups, users or errors of the kernel (one string each, the first column)."""
        rows, local, *rest = cols
        value = ids[local]
        if not (ids == BAD_UTF8).any():
            return (rows, value, *rest)
        keep = self._keep(rows, value != BAD_UTF8, "invalid UTF-8")
        return (rows[keep], value[keep], *(column[keep] for column in rest))

    def _keep(self, rows: I64, good: BOOLS, reason: str) -> BOOLS:
        """Count the bad rows under `reason` (the unterminated last line: as truncated)."""
        bad_last = (rows == self._lines.last) & ~good
        if bad_last.any():
            self._last_bad = True
        self.skipped.add(reason, int(np.count_nonzero(~good)) - int(np.count_nonzero(bad_last)))
        return good

    def _whole(self, rows: I64, a: I64, b: I64) -> BOOLS:
        """False for an unterminated last line whose final time field looks cut."""
        return ~((rows == self._lines.last) & ((b - a) < MIN_TIME_DIGITS))

    def _shape(self, rows: I64, tabs: tuple[int, ...], reason: str) -> I64:
        ok = np.isin(self._lines.ntab[rows], tabs)
        return rows[self._keep(rows, ok, reason)]

    def _requests(self, rows: I64) -> Columns:
        ln, s = self._lines, self.shift
        r = self._shape(rows, (5 + s, 6 + s), "malformed REQUEST")
        ka, _ = ln.field(r, 1 + s)
        _, kb = ln.field(r, 2 + s)
        start, v1 = parse_ints(ln.arr, *ln.field(r, 3 + s))
        end, v2 = parse_ints(ln.arr, *ln.field(r, 4 + s))
        ta, tb = ln.field(r, 5 + s)
        ok, ko = ln.equals(ta, tb, b"OK"), ln.equals(ta, tb, b"KO")
        keep = self._keep(r, v1 & v2 & (ok | ko), "malformed REQUEST")
        key = intern_slices(ln.arr, ka[keep], kb[keep], self._key)  # holds a tab: never MALFORMED
        r, start, end, ok, ko, tb = r[keep], start[keep], end[keep], ok[keep], ko[keep], tb[keep]
        has_msg = ln.ntab[r] == 6 + s
        ma = np.where(has_msg, tb + 1, ln.ends[r])
        message = np.full(len(r), NO_MESSAGE, np.int64)
        message[ko] = intern_slices(ln.arr, ma[ko], ln.ends[r][ko], self._req_message)
        keep = self._keep(r, (key != BAD_UTF8) & (message != BAD_UTF8), "invalid UTF-8")
        keep &= self._keep(r, ~keep | (end >= start), "end before start")
        return (
            r[keep],
            key[keep].astype(np.int32),
            start[keep],
            end[keep],
            ok[keep],
            message[keep].astype(np.int32),
        )

    def _groups(self, rows: I64) -> Columns:
        ln, s = self._lines, self.shift
        r = self._shape(rows, (5 + s,), "malformed GROUP")
        pa, pb = ln.field(r, 1 + s)
        start, v1 = parse_ints(ln.arr, *ln.field(r, 2 + s))
        end, v2 = parse_ints(ln.arr, *ln.field(r, 3 + s))
        cum, v3 = parse_ints(ln.arr, *ln.field(r, 4 + s))
        ta, tb = ln.field(r, 5 + s)
        ok, ko = ln.equals(ta, tb, b"OK"), ln.equals(ta, tb, b"KO")
        keep = self._keep(r, v1 & v2 & v3 & (ok | ko), "malformed GROUP")
        path = intern_slices(ln.arr, pa[keep], pb[keep], self._path)
        r, start, end, cum, ok = r[keep], start[keep], end[keep], cum[keep], ok[keep]
        keep = self._keep(r, path != BAD_UTF8, "invalid UTF-8")
        keep &= self._keep(r, ~keep | (end >= start), "end before start")
        return r[keep], path[keep].astype(np.int32), start[keep], end[keep], cum[keep], ok[keep]

    def _users(self, rows: I64) -> Columns:
        ln, s = self._lines, self.shift
        r = self._shape(rows, (3 + 2 * s,), "malformed USER")
        sa, sb = ln.field(r, 1)
        aa, ab = ln.field(r, 2 + s)
        is_start, is_end = ln.equals(aa, ab, b"START"), ln.equals(aa, ab, b"END")
        ta, tb = ln.field(r, 3 + s)
        at, valid = parse_ints(ln.arr, ta, tb)
        if s:  # 3.0-3.3: START carries its time first, END its time last
            fa, fb = ln.field(r, 5)
            at_end, valid_end = parse_ints(ln.arr, fa, fb)
            at, valid = np.where(is_start, at, at_end), valid & valid_end
            ta, tb = fa, fb
        good = valid & (is_start | is_end) & self._whole(r, ta, tb)
        keep = self._keep(r, good, "malformed USER")
        scen = intern_slices(ln.arr, sa[keep], sb[keep], self._scenario)
        r, is_start, at = r[keep], is_start[keep], at[keep]
        keep = self._keep(r, scen != BAD_UTF8, "invalid UTF-8")
        return r[keep], scen[keep].astype(np.int32), is_start[keep], at[keep]

    def _errors(self, rows: I64) -> Columns:
        ln = self._lines
        r = rows[self._keep(rows, ln.ntab[rows] >= 2, "malformed ERROR")]
        ti, nt = ln.ti[r], ln.ntab[r]
        last_tab = ln.tabs[ti + nt - 1]
        at, valid = parse_ints(ln.arr, last_tab + 1, ln.ends[r])
        keep = self._keep(r, valid & self._whole(r, last_tab + 1, ln.ends[r]), "malformed ERROR")
        r, at, last_tab = r[keep], at[keep], last_tab[keep]
        message = intern_slices(ln.arr, ln.tabs[ln.ti[r]] + 1, last_tab, self._err_message)
        keep = self._keep(r, message != BAD_UTF8, "invalid UTF-8")
        return r[keep], message[keep].astype(np.int32), at[keep]


def _resolver(convert: Callable[[str], int]) -> Callable[[bytes], int]:
    """Bytes -> id through `convert`, memoized; BAD_UTF8 for bytes that are not UTF-8."""
    known: dict[bytes, int] = {}

    def resolve(raw: bytes) -> int:
        found = known.get(raw)
        if found is None:
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError:
                found = BAD_UTF8
            else:
                found = convert(text)
            known[raw] = found
        return found

    return resolve
