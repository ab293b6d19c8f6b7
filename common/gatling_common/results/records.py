"""The columnar form every reader produces and the statistics engine consumes.

A reader yields `RecordBatch`es of at most a few hundred thousand records each, so memory stays flat
whatever the file size. Strings (request names, group paths, scenarios, messages) are interned per
file in a `StringTable`; batches carry integer ids into it, and the statistics engine maps ids to
strings only when it folds a batch into its (string-keyed, mergeable) state.

Times are epoch milliseconds (int64) in every layout; binary readers add the RUN start to offsets.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

I32 = npt.NDArray[np.int32]
I64 = npt.NDArray[np.int64]
BOOL = npt.NDArray[np.bool_]

NO_MESSAGE = -1
"""`message` id of a request without message (OK requests, or KO with an empty message)."""

# Layout names, as shown in summaries.
LAYOUT_TEXT_30 = "text-3.0"  # Gatling 3.0-3.3 text layout (user ids in USER/REQUEST/GROUP)
LAYOUT_TEXT_34 = "text-3.4"  # Gatling 3.4-3.12 text layout
LAYOUT_BINARY = "binary-3.13"  # Gatling 3.13+ binary layout


class StringTable:
    """Interns strings to dense ids (0, 1, 2, ...) for one file."""

    def __init__(self) -> None:
        self.ids: dict[str, int] = {}
        self.values: list[str] = []

    def intern(self, value: str) -> int:
        found = self.ids.get(value)
        if found is None:
            found = self.ids[value] = len(self.values)
            self.values.append(value)
        return found

    def __len__(self) -> int:
        return len(self.values)


@dataclass
class RunInfo:
    """What the RUN record (and the file) says about the run."""

    simulation_class: str = ""
    simulation_id: str = ""
    run_start: int = 0  # epoch ms from the RUN record (not used for statistics, see the spec)
    description: str = ""
    gatling_version: str = ""
    layout: str = ""
    scenarios: list[str] = field(default_factory=list)
    assertions: list[bytes] = field(default_factory=list)


@dataclass
class RecordBatch:
    """Records of one file, one array per column; arrays of one record type have equal length.

    Request key ids and group path ids index `strings.request_keys` / `strings.groups`; a request
    key is the tuple (group path, request name) encoded as `group_path + "\\x1f" + name`, where a
    group path is the group names joined with "\\x1e" (empty when outside any group).
    """

    # REQUEST
    req_key: I32
    req_start: I64
    req_end: I64
    req_ok: BOOL
    req_message: I32  # id into strings.messages, NO_MESSAGE when none
    # GROUP
    grp_path: I32  # id into strings.groups
    grp_start: I64
    grp_end: I64
    grp_cumulated: I64
    grp_ok: BOOL
    # USER
    user_scenario: I32  # id into strings.scenarios
    user_start: BOOL  # True: START, False: END
    user_time: I64
    # ERROR
    err_message: I32  # id into strings.messages
    err_time: I64

    @staticmethod
    def empty() -> RecordBatch:
        i32, i64, b = np.empty(0, np.int32), np.empty(0, np.int64), np.empty(0, np.bool_)
        return RecordBatch(i32, i64, i64, b, i32, i32, i64, i64, i64, b, i32, b, i64, i32, i64)


@dataclass
class FileStrings:
    """The interned strings of one file; ids in batches index these tables."""

    request_keys: StringTable = field(default_factory=StringTable)
    groups: StringTable = field(default_factory=StringTable)
    scenarios: StringTable = field(default_factory=StringTable)
    messages: StringTable = field(default_factory=StringTable)


GROUP_SEP = "\x1e"
KEY_SEP = "\x1f"


def request_key(groups: tuple[str, ...] | list[str], name: str) -> str:
    return GROUP_SEP.join(groups) + KEY_SEP + name


def split_request_key(key: str) -> tuple[tuple[str, ...], str]:
    path, _, name = key.partition(KEY_SEP)
    return (tuple(path.split(GROUP_SEP)) if path else ()), name


def group_path(groups: tuple[str, ...] | list[str]) -> str:
    return GROUP_SEP.join(groups)


def split_group_path(path: str) -> tuple[str, ...]:
    return tuple(path.split(GROUP_SEP)) if path else ()


@dataclass
class SkipCounter:
    """Records skipped while reading, by reason ("malformed REQUEST", "truncated record", ...)."""

    counts: Counter[str] = field(default_factory=Counter)

    def add(self, reason: str, n: int = 1) -> None:
        if n:
            self.counts[reason] += n

    @property
    def total(self) -> int:
        return sum(self.counts.values())
