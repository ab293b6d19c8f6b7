"""The simulation's own assertions: ASSERTION records (boopickle bytes) decoded into plain values.

Gatling pickles `Assertion(path, target, condition)` with boopickle: a case class is a 0 byte
then its fields, a sealed trait member is its 1-based index in the pickler, a double is 8
little-endian bytes. The index order changed twice: Gatling 3.0 let boopickle's macro order the
members alphabetically; 3.1 listed paths, targets and conditions explicitly; 3.4 listed the
metrics and selections too. Printable texts are Gatling's (`AssertionModel.printable`).
"""

from __future__ import annotations

import math
import struct
from dataclasses import dataclass

from gatling_common.errors import InputError

# (name, printable) in each version's pickler order
_PATHS_EXPLICIT = ("global", "forall", "details")
_PATHS_MACRO = ("details", "forall", "global")
_TARGETS_EXPLICIT = ("count", "percent", "time", "rps")
_TARGETS_MACRO = ("count", "rps", "percent", "time")
_CONDITIONS_EXPLICIT = ("lte", "gte", "lt", "gt", "is", "between", "in")
_CONDITIONS_MACRO = ("between", "gt", "gte", "in", "is", "lt", "lte")
_METRICS_EXPLICIT = ("all", "successful", "failed")
_METRICS_MACRO = ("all", "failed", "successful")
_SELECTIONS_EXPLICIT = ("min", "max", "mean", "stddev", "percentile")
_SELECTIONS_MACRO = ("max", "mean", "min", "percentile", "stddev")

CONDITION_TEXT = {
    "lte": "is less than or equal to",
    "gte": "is greater than or equal to",
    "lt": "is less than",
    "gt": "is greater than",
    "is": "is",
    "between": "is between",
    "in": "is in",
}
SELECTION_TEXT = {"min": "min", "max": "max", "mean": "mean", "stddev": "standard deviation"}


@dataclass(frozen=True)
class GatlingAssertion:
    path: str  # "global", "forall" or "details"
    parts: tuple[str, ...]  # details: group names, then the request name (or a group path)
    target: str  # "count", "percent", "time" or "rps"
    metric: str  # count/percent: "all", "failed", "successful"; time: "response time"
    selection: str  # time: "min", "max", "mean", "stddev", "percentile"
    percentile: float | None
    condition: str  # a key of CONDITION_TEXT
    values: tuple[float, ...]
    inclusive: bool = False  # between

    def path_text(self) -> str:
        if self.path == "forall":
            return "For all requests"
        return " / ".join(self.parts) if self.parts else "Global"

    def target_text(self, version: tuple[int, int]) -> str:
        if self.target == "rps":
            return "mean requests per second"
        if self.target == "time":
            what = (
                SELECTION_TEXT.get(self.selection) or f"{_rank(self.percentile or 0.0)} percentile"
            )
            return f"{what} of response time"
        noun = "requests" if version < (3, 1) else "events"  # 3.1 renamed them
        selection = "count" if self.target == "count" else "percentage"
        return f"{selection} of {self.metric} {noun}"

    def condition_text(self) -> str:
        text = CONDITION_TEXT[self.condition]
        return text + " inclusive" if self.condition == "between" and self.inclusive else text

    def expected_text(self) -> str:
        if self.condition == "between":
            return f"{scala_double(self.values[0])} and {scala_double(self.values[1])}"
        if self.condition == "in":
            return "List(" + ", ".join(scala_double(v) for v in self.values) + ")"
        return scala_double(self.values[0])

    def message(self, path_text: str, version: tuple[int, int]) -> str:
        return (
            f"{path_text}: {self.target_text(version)} {self.condition_text()} "
            f"{self.expected_text()}"
        )


def scala_double(value: float) -> str:
    """Double.toString for the values assertions use (500.0, 99.5)."""
    return repr(float(value)) if math.isfinite(value) else str(value)


def _rank(value: float) -> str:
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    n = int(value) if value == math.floor(value) else int(value * 100) % 100
    suffix = "th" if 11 <= n % 100 <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return text + suffix


class _Reader:
    def __init__(self, data: bytes) -> None:
        self.data, self.pos = data, 0

    def byte(self) -> int:
        if self.pos >= len(self.data):
            raise ValueError("cut short")
        self.pos += 1
        return self.data[self.pos - 1]

    def int(self) -> int:
        """boopickle's compact int: one byte below 128, two bytes (0x80 | high) below 4096."""
        first = self.byte()
        if first < 0x80:
            return first
        if first < 0x90:
            return (first & 0x0F) << 8 | self.byte()
        raise ValueError(f"unsupported length byte {first:#x}")

    def double(self) -> float:
        if self.pos + 8 > len(self.data):
            raise ValueError("cut short")
        (value,) = struct.unpack_from("<d", self.data, self.pos)
        self.pos += 8
        return float(value)

    def string(self) -> str:
        length = self.int()
        raw = self.data[self.pos : self.pos + length]
        if len(raw) != length:
            raise ValueError("cut short")
        self.pos += length
        return raw.decode("utf-8")

    def case_class(self) -> None:
        if self.byte() != 0:
            raise ValueError("not a case class")

    def member(self, names: tuple[str, ...]) -> str:
        index = self.int()
        if not 1 <= index <= len(names):
            raise ValueError(f"member index {index} of {len(names)}")
        return names[index - 1]


def decode_assertion(payload: bytes, version: tuple[int, int], where: str) -> GatlingAssertion:
    """One ASSERTION record; InputError naming `where` when it is no assertion of that version."""
    explicit, explicit_parts = version >= (3, 1), version >= (3, 4)
    r = _Reader(payload)
    try:
        r.case_class()
        path = r.member(_PATHS_EXPLICIT if explicit else _PATHS_MACRO)
        parts: tuple[str, ...] = ()
        if path == "details":
            r.case_class()
            parts = tuple(r.string() for _ in range(r.int()))
        target = r.member(_TARGETS_EXPLICIT if explicit else _TARGETS_MACRO)
        metric, selection, percentile = "", "", None
        if target in ("count", "percent"):
            r.case_class()
            metric = r.member(_METRICS_EXPLICIT if explicit_parts else _METRICS_MACRO)
        elif target == "time":
            r.case_class()
            r.member(("response time",))
            metric = "response time"
            selection = r.member(_SELECTIONS_EXPLICIT if explicit_parts else _SELECTIONS_MACRO)
            if selection == "percentile":
                r.case_class()
                percentile = r.double()
        condition = r.member(_CONDITIONS_EXPLICIT if explicit else _CONDITIONS_MACRO)
        r.case_class()
        inclusive = False
        if condition == "between":
            values: tuple[float, ...] = (r.double(), r.double())
            inclusive = r.byte() == 1
        elif condition == "in":
            values = tuple(r.double() for _ in range(r.int()))
        else:
            values = (r.double(),)
        if r.pos != len(payload):
            raise ValueError(f"{len(payload) - r.pos} bytes left over")
    except (ValueError, UnicodeDecodeError) as exc:
        raise InputError(
            f"{where}: ASSERTION record {payload.hex()} is no Gatling {version[0]}.{version[1]} "
            f"assertion ({exc})"
        ) from exc
    return GatlingAssertion(
        path, parts, target, metric, selection, percentile, condition, values, inclusive
    )
