"""Gatling 3.10.5's `js/stats.json` and `js/global_stats.json`, computed from a `RunStats`.

Names follow Gatling's charts module: a node's `path` is its groups and name joined by " / ";
`pathFormatted` is `req_` / `group_` + the first 15 characters of the cleaned path + "-" + Java's
`String.hashCode` of the trimmed path (3.10+; an empty path is "missing_name"); a `contents` key is
the same function of the node's own name. Groups come before requests in `contents`, and a group
is listed only if it contains a request. Empty splits are 0, as Gatling writes them.
"""

from __future__ import annotations

import hashlib
import math
import re
import unicodedata
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from gatling_common.results.records import I64
from gatling_common.results.statistics.percentiles import (
    Hist,
    Summary,
    combine,
    count_below,
    summarize,
)
from gatling_common.results.statistics.stats import NEVER, RunStats

ALL_REQUESTS = "All Requests"
GLOBAL_INFORMATION = "Global Information"  # the root's name before Gatling 3.8
LATEST = (3, 14)
STAT_KEYS = (
    ("numberOfRequests", "count"),
    ("minResponseTime", "min"),
    ("maxResponseTime", "max"),
    ("meanResponseTime", "mean"),
    ("standardDeviation", "std_dev"),
)


@dataclass(frozen=True)
class StatsSettings:
    """Indicators as in gatling.conf `charting.indicators` (Gatling's defaults)."""

    lower_bound: int = 800
    higher_bound: int = 1200
    percentiles: tuple[float, ...] = (50.0, 75.0, 95.0, 99.0)
    float_percentages: bool = False  # Gatling 3.11+ writes range percentages as doubles
    high_includes_bound: bool = True  # 3.10+: t >= higher is "high"; before 3.10: t > higher
    conventions: tuple[int, int] = LATEST  # Gatling version whose names and labels are written


def root_name(settings: StatsSettings) -> str:
    return GLOBAL_INFORMATION if settings.conventions < (3, 8) else ALL_REQUESTS


def for_version(settings: StatsSettings, version: tuple[int, int]) -> StatsSettings:
    """`settings` with the conventions of the Gatling version that wrote the logs, so that our
    stats.json reads as that version's would (range rule, percentages, labels, names)."""
    return replace(
        settings,
        float_percentages=version >= (3, 11),
        high_includes_bound=version >= (3, 10),
        conventions=version,
    )


def java_trim(s: str) -> str:
    return s.strip("".join(chr(c) for c in range(0x21)))


def java_hash(s: str) -> int:
    h = 0
    data = s.encode("utf-16-be")
    for i in range(0, len(data), 2):
        h = (31 * h + (data[i] << 8 | data[i + 1])) & 0xFFFFFFFF
    return h - (1 << 32) if h >= 1 << 31 else h


_DIACRITICS = re.compile("[\u0300-\u036f]+")
_NOT_FILE_CHAR = re.compile(r"[^a-zA-Z0-9\-]")


def clean(s: str) -> str:
    normalized = unicodedata.normalize("NFD", s).lower()
    return _NOT_FILE_CHAR.sub("-", _DIACRITICS.sub("-", normalized))


def _file_name(s: str, legacy: bool) -> str:
    trimmed = java_trim(s) or "missing_name"
    # Before 3.10 the suffix was the first 5 hex digits of the name's MD5, then its Java hash.
    digest = hashlib.md5(trimmed.encode(), usedforsecurity=False).hexdigest()
    suffix = digest[:5] if legacy else str(java_hash(trimmed))
    # Java's take(15) counts UTF-16 units; after `clean` only ASCII and '-' remain per code point.
    return clean(trimmed)[:15] + "-" + suffix


def request_file_name(s: str, legacy: bool = False) -> str:
    return "req_" + _file_name(s, legacy)


def group_file_name(s: str, legacy: bool = False) -> str:
    return "group_" + _file_name(s, legacy)


@dataclass
class Node:
    """One row of Gatling's statistics table: the root, a group or a request."""

    kind: str  # "GROUP" or "REQUEST"
    name: str
    groups: tuple[str, ...]  # the group path of a request; the full path of a group
    entity: int | None  # id in RunStats names (keys for requests, groups for groups); None: root
    children: list[Node] = field(default_factory=list)
    legacy_names: bool = False  # file names of Gatling before 3.10

    @property
    def path(self) -> str:
        parts = self.groups if self.kind == "GROUP" else (*self.groups, self.name)
        return " / ".join(parts)

    @property
    def path_formatted(self) -> str:
        fn = group_file_name if self.kind == "GROUP" else request_file_name
        return fn(self.path, self.legacy_names)

    @property
    def content_key(self) -> str:
        fn = group_file_name if self.kind == "GROUP" else request_file_name
        return fn(self.name, self.legacy_names)

    def walk(self) -> list[Node]:
        out = [self]
        for child in self.children:
            out.extend(child.walk())
        return out


def build_tree(stats: RunStats, settings: StatsSettings | None = None) -> Node:
    settings = settings or StatsSettings()
    legacy = settings.conventions < (3, 10)
    root = Node("GROUP", root_name(settings), (), None, legacy_names=legacy)
    groups: dict[tuple[str, ...], Node] = {(): root}
    group_ids = stats.names["groups"].ids
    requests: list[tuple[Node, Node]] = []

    def group_node(path: tuple[str, ...]) -> Node:
        found = groups.get(path)
        if found is None:
            parent = group_node(path[:-1])
            found = Node("GROUP", path[-1], path, group_ids.get("\x1e".join(path)), [], legacy)
            groups[path] = found
            parent.children.append(found)
        return found

    seen = set(np.unique(stats.tables["req_rt"].columns[0]).tolist())
    for key_id, (path, name) in enumerate(stats.request_keys()):
        if key_id not in seen:  # interned by a file but never counted (e.g. end < 0)
            continue
        parent = group_node(path)
        requests.append((parent, Node("REQUEST", name, path, key_id, [], legacy)))
    # Gatling renders sub-groups before requests in each group's contents.
    for parent, node in requests:
        parent.children.append(node)
    _order(root, stats.first_starts("keys"), stats.first_starts("groups"))
    return root


def _order(node: Node, key_starts: I64, group_starts: I64) -> int:
    """Sort each level as Gatling lists it: by the earliest start of each path (ties: first
    seen); sub-groups before requests. Returns the node's own earliest start."""
    firsts: dict[int, int] = {}
    for i, child in enumerate(node.children):
        if child.kind == "REQUEST":
            firsts[i] = int(key_starts[child.entity]) if child.entity is not None else NEVER
        else:
            below = _order(child, key_starts, group_starts)
            own = group_starts[child.entity] if child.entity is not None else NEVER
            firsts[i] = min(int(own), below)  # a group without GROUP records: its requests'
    order = sorted(range(len(node.children)), key=lambda i: (firsts[i], i))
    ranked = [node.children[i] for i in order]
    node.children = [c for c in ranked if c.kind == "GROUP"] + [
        c for c in ranked if c.kind == "REQUEST"
    ]
    return min(firsts.values(), default=NEVER)


@dataclass(frozen=True)
class NodeNumbers:
    """All / OK / KO summaries and range counts of one node."""

    total: Summary
    ok: Summary
    ko: Summary
    ranges: tuple[int, int, int, int]  # low, middle, high, failed


def _ranges(ok_hist: Hist, ko_count: int, settings: StatsSettings) -> tuple[int, int, int, int]:
    low = count_below(ok_hist, settings.lower_bound)
    not_high = count_below(ok_hist, settings.higher_bound + (not settings.high_includes_bound))
    return low, not_high - low, ok_hist.count - not_high, ko_count


def node_hists(stats: RunStats, node: Node) -> tuple[Hist, Hist, Hist, Hist]:
    """(all, ok, ko) of the statistic's values, and the OK histogram used for ranges."""
    is_root = node.kind == "GROUP" and not node.groups
    if node.kind == "REQUEST" or is_root:
        table, entity = "req_rt", node.entity
        ok, ko = stats.hist(table, entity, False), stats.hist(table, entity, True)
        return combine([ok, ko]), ok, ko, ok
    if node.entity is None:
        empty = Hist.empty()
        return empty, empty, empty, empty
    ok = stats.hist("grp_cum", node.entity, False)
    ko = stats.hist("grp_cum", node.entity, True)
    return combine([ok, ko]), ok, ko, stats.hist("grp_dur", node.entity, False)


def node_numbers(stats: RunStats, node: Node, settings: StatsSettings) -> NodeNumbers:
    all_h, ok, ko, range_ok = node_hists(stats, node)
    p = settings.percentiles
    return NodeNumbers(
        summarize(all_h, p),
        summarize(ok, p),
        summarize(ko, p),
        _ranges(range_ok, ko.count, settings),
    )


def duration_seconds(stats: RunStats) -> int:
    if stats.start is None or stats.end is None:
        return 0
    return math.ceil((stats.end - stats.start) / 1000)


def range_labels(settings: StatsSettings) -> list[tuple[str, str | None]]:
    """(name, htmlName) of the four ranges, as the log's Gatling version wrote them (no
    htmlName before 3.8; 3.8 wrote a real ≥ sign)."""
    lo, hi = settings.lower_bound, settings.higher_bound
    if settings.conventions < (3, 8):
        return [(f"t < {lo} ms", None), (f"{lo} ms < t < {hi} ms", None),
                (f"t > {hi} ms", None), ("failed", None)]  # fmt: skip
    if settings.conventions < (3, 9):
        return [(f"t < {lo} ms", f"t < {lo} ms"),
                (f"{lo} ms <= t < {hi} ms", f"t \u2265 {lo} ms <br> t < {hi} ms"),
                (f"t \u2265 {hi} ms", f"t \u2265 {hi} ms"), ("failed", "failed")]  # fmt: skip
    return [
        (f"t < {lo} ms", f"t < {lo} ms"),
        (f"{lo} ms <= t < {hi} ms", f"t >= {lo} ms <br> t < {hi} ms"),
        (f"t >= {hi} ms", f"t >= {hi} ms"),
        ("failed", "failed"),
    ]


def _percentage(count: int, total: int, settings: StatsSettings) -> float | int:
    if settings.float_percentages:
        return 0.0 if total == 0 else count / total * 100
    return 0 if total == 0 else math.floor(count / total * 100 + 0.5)


def _rps(count: int, duration: int) -> float | int:
    return 0 if count == 0 else count / max(duration, 1)


def stats_json(
    name: str, numbers: NodeNumbers, duration: int, settings: StatsSettings
) -> dict[str, Any]:
    out: dict[str, Any] = {"name": name}
    splits = (numbers.total, numbers.ok, numbers.ko)
    for key, attr in STAT_KEYS:
        out[key] = dict(zip(("total", "ok", "ko"), (getattr(s, attr) for s in splits), strict=True))
    for i in range(len(settings.percentiles)):
        out[f"percentiles{i + 1}"] = dict(
            zip(("total", "ok", "ko"), (s.percentiles[i] for s in splits), strict=True)
        )
    total = sum(numbers.ranges)
    for i, ((label, html), count) in enumerate(
        zip(range_labels(settings), numbers.ranges, strict=True)
    ):
        group: dict[str, Any] = {"name": label}
        if html is not None:
            group["htmlName"] = html
        group.update(count=count, percentage=_percentage(count, total, settings))
        out[f"group{i + 1}"] = group
    out["meanNumberOfRequestsPerSecond"] = {
        k: _rps(s.count, duration) for k, s in zip(("total", "ok", "ko"), splits, strict=True)
    }
    return out


def stats_tree_json(
    stats: RunStats, settings: StatsSettings, root: Node | None = None
) -> dict[str, Any]:
    """The content of `js/stats.json`."""
    root = root or build_tree(stats, settings)
    duration = duration_seconds(stats)

    def render(node: Node) -> dict[str, Any]:
        out: dict[str, Any] = {
            "type": node.kind,
            "name": node.name,
            "path": node.path,
            "pathFormatted": node.path_formatted,
            "stats": stats_json(node.name, node_numbers(stats, node, settings), duration, settings),
        }
        if node.kind == "GROUP":
            out["contents"] = {child.content_key: render(child) for child in node.children}
        return out

    return render(root)


def global_stats_json(stats: RunStats, settings: StatsSettings) -> dict[str, Any]:
    """The content of `js/global_stats.json`."""
    name = root_name(settings)
    root = Node("GROUP", name, (), None)
    return stats_json(name, node_numbers(stats, root, settings), duration_seconds(stats), settings)
