"""The acceptance check of ../shared/docs/series-schema.md ("How a file is compared"): every page
and series of Gatling's file must be in ours and equal as that section defines. Returns the
differences as readable lines (empty: equal)."""

from __future__ import annotations

import math
from typing import Any

TIME_SERIES = ("requests", "responses")
PERCENTILE_SERIES = ("percentiles", "duration_percentiles", "cumulated_percentiles")
DISTRIBUTIONS = ("distribution", "duration_distribution", "cumulated_distribution")
USER_SERIES = ("users_all", "concurrent_users_all", "user_starts_all")
USER_MAPS = ("users", "concurrent_users", "user_starts")


def _close(ours: float, theirs: float) -> bool:
    return abs(ours - theirs) <= 1 or abs(ours - theirs) <= 0.005 * abs(theirs)


def _version(doc: dict[str, Any]) -> tuple[int, int]:
    parts = (doc["source"].get("version") or "3.14").split(".")
    return int(parts[0]), int(parts[1])


class Comparison:
    def __init__(self, ours: dict[str, Any], theirs: dict[str, Any]) -> None:
        self.ours, self.theirs = ours, theirs
        self.reach = 2 if _version(theirs) >= (3, 13) else 1
        self.diffs: list[str] = []

    def run(self) -> list[str]:
        pages = {(p["kind"], tuple(p["path"])): p for p in self.ours["pages"]}
        for page in self.theirs["pages"]:
            key = (page["kind"], tuple(page["path"]))
            mine = pages.get(key)
            if mine is None:
                self.diffs.append(f"{key}: page missing")
                continue
            for name, value in page.items():
                if name in ("kind", "path", "file"):
                    continue
                if name not in mine:
                    self.diffs.append(f"{key} {name}: missing")
                    continue
                self.series(f"{key} {name}", name, mine[name], value, mine, page)
        return self.diffs

    def fail(self, where: str, what: str) -> None:
        self.diffs.append(f"{where}: {what}")

    def series(self, where: str, name: str, ours: Any, theirs: Any, mine: Any, page: Any) -> None:
        if name in TIME_SERIES or name in USER_SERIES:
            self.points(where, ours, theirs)
        elif name in USER_MAPS:
            for scenario, points in theirs.items():
                self.points(f"{where}[{scenario}]", ours.get(scenario, []), points)
        elif name in PERCENTILE_SERIES:
            self.percentiles(where, ours, theirs)
        elif name in DISTRIBUTIONS:
            self.distribution(where, ours, theirs)
        elif name == "ranges":
            self.ranges(where, ours, theirs)
        elif name == "outcome":
            if ours != theirs:
                self.fail(where, f"{ours} != {theirs}")
        elif name == "request_counts":
            if sorted(map(tuple, ours)) != sorted(map(tuple, theirs)):
                self.fail(where, f"{sorted(map(tuple, ours))} != {sorted(map(tuple, theirs))}")
        elif name == "rps_scatter":
            self.scatter(where, ours, theirs, mine, page)

    def points(self, where: str, ours: list[Any], theirs: list[Any]) -> None:
        if [p[0] for p in ours] != [p[0] for p in theirs]:
            self.fail(where, f"buckets differ: {len(ours)} vs {len(theirs)} points, first "
                      f"{_first_diff([p[0] for p in ours], [p[0] for p in theirs])}")  # fmt: skip
            return
        for a, b in zip(ours, theirs, strict=True):
            for x, y in zip(a[1:], b[1:], strict=True):
                if y is not None and x != y:
                    self.fail(where, f"at {b[0]}: {a[1:]} != {b[1:]}")
                    break

    def percentiles(self, where: str, ours: list[Any], theirs: list[Any]) -> None:
        if [p[0] for p in ours] != [p[0] for p in theirs]:
            self.fail(where, f"buckets differ: {len(ours)} vs {len(theirs)}")
            return
        for (t, a), (_, b) in zip(ours, theirs, strict=True):
            if b is None or a is None:
                if a != b:
                    self.fail(where, f"at {t}: {a} != {b}")
                continue
            if a[0] != b[0] or a[-1] != b[-1]:
                self.fail(where, f"at {t}: min/max {a} != {b}")
                continue
            for i in range(1, len(b) - 1):
                lo, hi = a[max(0, i - self.reach)], a[min(len(a) - 1, i + self.reach)]
                if not (a[i] == b[i] or _close(a[i], b[i]) or lo <= b[i] <= hi):
                    self.fail(where, f"at {t} #{i}: {a} != {b}")
                    break

    def distribution(self, where: str, ours: Any, theirs: Any) -> None:
        for side in ("ok", "ko"):
            a, b = ours[side], theirs[side]
            if len(a) != len(b):
                self.fail(f"{where}.{side}", f"{len(a)} bars != {len(b)}: {a[:5]} vs {b[:5]}")
                continue
            for x, y in zip(a, b, strict=True):
                if (y[0] is not None and x[0] != y[0]) or abs(x[1] - y[1]) > 0.01 + 1e-9:
                    self.fail(f"{where}.{side}", f"bar {x} != {y}")
                    break

    def ranges(self, where: str, ours: Any, theirs: Any) -> None:
        if ours["counts"] != theirs["counts"]:
            self.fail(where, f"counts {ours['counts']} != {theirs['counts']}")
        for x, y in zip(ours["percentages"], theirs["percentages"], strict=True):
            whole = float(y).is_integer() and math.floor(x + 0.5) == y
            if not (whole or abs(x - y) <= 0.005):
                self.fail(where, f"percentages {ours['percentages']} != {theirs['percentages']}")
                break

    def scatter(self, where: str, ours: Any, theirs: Any, mine: Any, page: Any) -> None:
        p95 = set()
        for (_, a), (_, b) in zip(mine["percentiles"], page["percentiles"], strict=False):
            if a is not None and b is not None:
                p95.add((a[7], b[7]))
        for side in ("ok", "ko"):
            a, b = sorted(map(tuple, ours[side])), sorted(map(tuple, theirs[side]))
            if [p[0] for p in a] != [p[0] for p in b]:
                self.fail(f"{where}.{side}", f"x differ: {a[:6]} vs {b[:6]}")
                continue
            for x, y in zip(a, b, strict=True):
                ok = x[1] == y[1] or _close(x[1], y[1])
                ok = ok or (side == "ok" and (x[1], y[1]) in p95)
                ok = ok or (side == "ko" and self.reach == 2 and abs(x[1] - y[1]) <= 0.1 * y[1])
                if not ok:
                    self.fail(f"{where}.{side}", f"{x} != {y}")
                    break


def _first_diff(a: list[Any], b: list[Any]) -> str:
    for i, (x, y) in enumerate(zip(a, b, strict=False)):
        if x != y:
            return f"#{i}: {x} vs {y}"
    return f"lengths {len(a)} vs {len(b)}"


def compare(ours: dict[str, Any], theirs: dict[str, Any]) -> list[str]:
    return Comparison(ours, theirs).run()
