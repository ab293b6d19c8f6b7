"""Writes generated runs in Gatling's 3.13+ binary simulation.log layout (see the spec).

Records whose strings are all cached have a fixed size per (type, group count), so they are packed
with numpy structured arrays; only the first record of each distinct string combination is encoded
in Python (it may introduce new cached strings).
"""

from __future__ import annotations

import struct
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from gatling_common.results.records import (
    NO_MESSAGE,
    RecordBatch,
    split_group_path,
    split_request_key,
)

if TYPE_CHECKING:
    from gatling_common.results.generators.generate import Catalog, RunSpec

RUN, REQUEST, USER, GROUP, ERROR = 0, 1, 2, 3, 4
_I32 = struct.Struct(">i")


def encode_string(value: str) -> bytes:
    if not value:
        return _I32.pack(0)
    try:
        raw, coder = value.encode("latin-1"), 0
    except UnicodeEncodeError:
        raw, coder = value.encode("utf-16-le"), 1
    return _I32.pack(len(raw)) + raw + bytes([coder])


def header(spec: RunSpec, scenarios: list[str]) -> bytes:
    parts = [
        bytes([RUN]),
        encode_string(spec.binary_version),
        encode_string(spec.simulation_class),
        struct.pack(">q", spec.start_ms),
        encode_string(spec.description),
        _I32.pack(len(scenarios)),
        *(encode_string(s) for s in scenarios),
        _I32.pack(0),  # no assertions
    ]
    return b"".join(parts)


class _Encoder:
    """The string cache of one file and the encoding of one chunk after another."""

    def __init__(self, catalog: Catalog, run_start: int) -> None:
        strings = catalog.strings
        self.run_start = run_start
        self.cache: dict[str, int] = {}
        self.keys = [split_request_key(k) for k in strings.request_keys.values]
        self.paths = [split_group_path(p) for p in strings.groups.values]
        self.messages = strings.messages.values

    def cached(self, value: str) -> bytes:
        index = self.cache.get(value)
        if index is not None:
            return _I32.pack(-index)
        index = self.cache[value] = len(self.cache) + 1
        return _I32.pack(index) + encode_string(value)

    def ref(self, value: str) -> int:
        return -self.cache[value]

    def message(self, msg_id: int) -> str:
        return "" if msg_id == NO_MESSAGE else self.messages[msg_id]

    def encode_one(self, kind: int, i: int, b: RecordBatch) -> bytes:
        if kind == REQUEST:
            groups, name = self.keys[int(b.req_key[i])]
            return b"".join(
                [
                    bytes([REQUEST]),
                    _I32.pack(len(groups)),
                    *(self.cached(g) for g in groups),
                    self.cached(name),
                    struct.pack(
                        ">ii?",
                        int(b.req_start[i]) - self.run_start,
                        int(b.req_end[i]) - self.run_start,
                        bool(b.req_ok[i]),
                    ),
                    self.cached(self.message(int(b.req_message[i]))),
                ]
            )
        if kind == GROUP:
            path = self.paths[int(b.grp_path[i])]
            return b"".join(
                [
                    bytes([GROUP]),
                    _I32.pack(len(path)),
                    *(self.cached(g) for g in path),
                    struct.pack(
                        ">iii?",
                        int(b.grp_start[i]) - self.run_start,
                        int(b.grp_end[i]) - self.run_start,
                        int(b.grp_cumulated[i]),
                        bool(b.grp_ok[i]),
                    ),
                ]
            )
        message = self.cached(self.message(int(b.err_message[i])))
        return bytes([ERROR]) + message + _I32.pack(int(b.err_time[i]) - self.run_start)

    def encode_batch(self, b: RecordBatch) -> bytes:
        sizes = (len(b.req_key), len(b.grp_path), len(b.user_time), len(b.err_time))
        kinds = np.repeat(np.array([REQUEST, GROUP, USER, ERROR], np.int64), sizes)
        index = np.concatenate([np.arange(n) for n in sizes])
        times = np.concatenate([b.req_end, b.grp_end, b.user_time, b.err_time])
        order = np.argsort(times, kind="stable")
        kinds, index = kinds[order], index[order]
        entity = self._entities(b, kinds, index)
        lengths = self._fixed_lengths(b, kinds, index)
        _, firsts = np.unique(kinds * (1 << 40) + entity, return_index=True)
        special: dict[int, bytes] = {}
        for pos in np.sort(firsts).tolist():
            kind = int(kinds[pos])
            if kind != USER:
                special[pos] = self.encode_one(kind, int(index[pos]), b)
                lengths[pos] = len(special[pos])
        ends = np.cumsum(lengths)
        offsets = ends - lengths
        out = np.empty(int(ends[-1]) if len(ends) else 0, np.uint8)
        for pos, raw in special.items():
            out[offsets[pos] : offsets[pos] + len(raw)] = np.frombuffer(raw, np.uint8)
        plain = np.ones(len(kinds), bool)
        plain[list(special)] = False
        self._fill_users(out, b, offsets, kinds, index, plain)
        self._fill_requests(out, b, offsets, kinds, index, plain)
        self._fill_groups(out, b, offsets, kinds, index, plain)
        self._fill_errors(out, b, offsets, kinds, index, plain)
        return out.tobytes()

    def _entities(self, b: RecordBatch, kinds: np.ndarray, index: np.ndarray) -> np.ndarray:
        """Which strings a record needs, as one integer (records with equal ones are alike)."""
        entity = np.zeros(len(kinds), np.int64)
        width = len(self.messages) + 1
        for kind, ids in (
            (REQUEST, b.req_key.astype(np.int64) * width + b.req_message + 1),
            (GROUP, b.grp_path.astype(np.int64)),
            (ERROR, b.err_message.astype(np.int64)),
        ):
            mask = kinds == kind
            entity[mask] = ids[index[mask]]
        return entity

    def _fixed_lengths(self, b: RecordBatch, kinds: np.ndarray, index: np.ndarray) -> np.ndarray:
        key_groups = np.array([len(g) for g, _ in self.keys] or [0], np.int64)
        path_groups = np.array([len(p) for p in self.paths] or [0], np.int64)
        lengths = np.where(kinds == USER, 10, 9).astype(np.int64)
        req, grp = kinds == REQUEST, kinds == GROUP
        lengths[req] = 22 + 4 * key_groups[b.req_key[index[req]]]
        lengths[grp] = 18 + 4 * path_groups[b.grp_path[index[grp]]]
        return lengths

    @staticmethod
    def _scatter(out: np.ndarray, offsets: np.ndarray, rows: np.ndarray) -> None:
        raw = rows.view(np.uint8).reshape(len(rows), rows.dtype.itemsize)
        out[offsets[:, None] + np.arange(rows.dtype.itemsize)] = raw

    def _fill_users(
        self,
        out: np.ndarray,
        b: RecordBatch,
        offsets: np.ndarray,
        kinds: np.ndarray,
        index: np.ndarray,
        plain: np.ndarray,
    ) -> None:
        pos = np.flatnonzero(plain & (kinds == USER))
        i = index[pos]
        rows = np.zeros(len(pos), [("t", "u1"), ("s", ">i4"), ("start", "u1"), ("at", ">i4")])
        rows["t"], rows["s"], rows["start"] = USER, b.user_scenario[i], b.user_start[i]
        rows["at"] = b.user_time[i] - self.run_start
        self._scatter(out, offsets[pos], rows)

    def _message_refs(self) -> np.ndarray:
        """Cache refs of every message id (+1: index 0 is NO_MESSAGE), 0 when not cached yet."""
        values = ["", *self.messages]
        return np.array([-self.cache.get(v, 0) for v in values], np.int64)

    def _fill_requests(
        self,
        out: np.ndarray,
        b: RecordBatch,
        offsets: np.ndarray,
        kinds: np.ndarray,
        index: np.ndarray,
        plain: np.ndarray,
    ) -> None:
        pos = np.flatnonzero(plain & (kinds == REQUEST))
        i = index[pos]
        keys = b.req_key[i]
        messages = self._message_refs()
        for k in np.unique(keys).tolist():
            groups, name = self.keys[k]
            g = len(groups)
            sel = keys == k
            ii = i[sel]
            fields = [
                ("t", "u1"),
                ("g", ">i4"),
                ("refs", ">i4", (max(g, 1),)),
                ("name", ">i4"),
                ("s", ">i4"),
                ("e", ">i4"),
                ("ok", "u1"),
                ("msg", ">i4"),
            ]
            if g == 0:
                del fields[2]
            rows = np.zeros(len(ii), fields)
            rows["t"], rows["g"], rows["name"] = REQUEST, g, self.ref(name)
            if g:
                rows["refs"] = [self.ref(x) for x in groups]
            rows["s"] = b.req_start[ii] - self.run_start
            rows["e"] = b.req_end[ii] - self.run_start
            rows["ok"] = b.req_ok[ii]
            rows["msg"] = messages[b.req_message[ii] + 1]
            self._scatter(out, offsets[pos[sel]], rows)

    def _fill_groups(
        self,
        out: np.ndarray,
        b: RecordBatch,
        offsets: np.ndarray,
        kinds: np.ndarray,
        index: np.ndarray,
        plain: np.ndarray,
    ) -> None:
        pos = np.flatnonzero(plain & (kinds == GROUP))
        i = index[pos]
        paths = b.grp_path[i]
        for p in np.unique(paths).tolist():
            names = self.paths[p]
            sel = paths == p
            ii = i[sel]
            rows = np.zeros(
                len(ii),
                [
                    ("t", "u1"),
                    ("g", ">i4"),
                    ("refs", ">i4", (len(names),)),
                    ("s", ">i4"),
                    ("e", ">i4"),
                    ("c", ">i4"),
                    ("ok", "u1"),
                ],
            )
            rows["t"], rows["g"] = GROUP, len(names)
            rows["refs"] = [self.ref(x) for x in names]
            rows["s"] = b.grp_start[ii] - self.run_start
            rows["e"] = b.grp_end[ii] - self.run_start
            rows["c"], rows["ok"] = b.grp_cumulated[ii], b.grp_ok[ii]
            self._scatter(out, offsets[pos[sel]], rows)

    def _fill_errors(
        self,
        out: np.ndarray,
        b: RecordBatch,
        offsets: np.ndarray,
        kinds: np.ndarray,
        index: np.ndarray,
        plain: np.ndarray,
    ) -> None:
        pos = np.flatnonzero(plain & (kinds == ERROR))
        i = index[pos]
        rows = np.zeros(len(pos), [("t", "u1"), ("msg", ">i4"), ("at", ">i4")])
        rows["t"], rows["msg"] = ERROR, self._message_refs()[b.err_message[i] + 1]
        rows["at"] = b.err_time[i] - self.run_start
        self._scatter(out, offsets[pos], rows)


def write_binary(
    path: Path, spec: RunSpec, catalog: Catalog, batches: Iterable[RecordBatch]
) -> Path:
    encoder = _Encoder(catalog, spec.start_ms)
    with path.open("wb") as out:
        out.write(header(spec, catalog.strings.scenarios.values))
        for batch in batches:
            out.write(encoder.encode_batch(batch))
    return path
