"""A report's statistics as `js/stats.json` gives them (ours and Gatling's have one shape).

Every node of the `contents` tree becomes a `NodeStats`, identified by its kind and its path of
names (enclosing groups, outermost first, then its own name; `()` for the run). Values are the
`total` split (all requests, OK and KO), as the report's table and the thresholds use them.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

NodeKind = Literal["global", "request", "group"]
NodeKey = tuple[NodeKind, tuple[str, ...]]
DEFAULT_PERCENTILES = (50.0, 75.0, 95.0, 99.0)  # gatling.conf charting.indicators


class StatsFormatError(ValueError):
    """`js/stats.json` does not have Gatling's shape; the message says where and what."""


@dataclass(frozen=True)
class NodeStats:
    kind: NodeKind
    path: tuple[str, ...]
    count: int
    ok: int
    ko: int
    min: float
    max: float
    mean: float
    stddev: float
    rps: float
    percentiles: Mapping[float, float]  # rank (0-100) -> value, as the report shows it
    # stats.json's group1..group4: counts below, between and above the bounds, and failed;
    # `bounds` are the ms the range names give ((800, 1200)); empty when the report has none.
    ranges: tuple[int, ...] = ()
    bounds: tuple[int, ...] = ()

    @property
    def key(self) -> NodeKey:
        return (self.kind, self.path)

    @property
    def ko_percent(self) -> float:
        return self.ko * 100 / self.count if self.count else 0.0

    def describe(self) -> str:
        if self.kind == "global":
            return "global"
        return f"{self.kind} {' / '.join(self.path)}"


@dataclass(frozen=True)
class ReportStats:
    """Every node of one report, the run first, then in the tree's order."""

    nodes: tuple[NodeStats, ...]
    percentiles: tuple[float, ...]  # the ranks of stats.json's percentiles1..N

    index: dict[NodeKey, NodeStats] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "index", {n.key: n for n in self.nodes})

    @property
    def run(self) -> NodeStats:
        return self.nodes[0]

    def get(self, kind: NodeKind, path: tuple[str, ...]) -> NodeStats | None:
        return self.index.get((kind, path))

    def keys(self) -> list[NodeKey]:
        return [n.key for n in self.nodes]


def _number(stats: Mapping[str, Any], key: str, where: str) -> float:
    block = stats.get(key)
    value = block.get("total") if isinstance(block, Mapping) else None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise StatsFormatError(f"{where}: expected {key}.total to be a number")
    return float(value)


def _percentile_keys(stats: Mapping[str, Any]) -> list[str]:
    keys: list[str] = []
    while f"percentiles{len(keys) + 1}" in stats:
        keys.append(f"percentiles{len(keys) + 1}")
    return keys


def _node(
    raw: Any, kind: NodeKind, path: tuple[str, ...], ranks: Sequence[float], where: str
) -> NodeStats:
    stats = raw.get("stats") if isinstance(raw, Mapping) else None
    if not isinstance(stats, Mapping):
        raise StatsFormatError(f"{where}: expected an object with 'stats'")
    count = _number(stats, "numberOfRequests", where)
    ok_block = stats["numberOfRequests"]
    ok, ko = ok_block.get("ok"), ok_block.get("ko")
    if not all(isinstance(v, int) and not isinstance(v, bool) for v in (ok, ko)):
        raise StatsFormatError(f"{where}: expected numberOfRequests.ok and .ko to be integers")
    keys = _percentile_keys(stats)
    if len(keys) != len(ranks):
        raise StatsFormatError(
            f"{where}: expected {len(ranks)} percentiles (percentiles1..{len(ranks)}), "
            f"found {len(keys)}"
        )
    return NodeStats(
        kind=kind,
        path=path,
        count=int(count),
        ok=int(ok),
        ko=int(ko),
        min=_number(stats, "minResponseTime", where),
        max=_number(stats, "maxResponseTime", where),
        mean=_number(stats, "meanResponseTime", where),
        stddev=_number(stats, "standardDeviation", where),
        rps=_number(stats, "meanNumberOfRequestsPerSecond", where),
        percentiles={r: _number(stats, k, where) for r, k in zip(ranks, keys, strict=True)},
        **_ranges(stats),
    )


RANGE_KEYS = ("group1", "group2", "group3", "group4")


def _ranges(stats: Mapping[str, Any]) -> dict[str, tuple[int, ...]]:
    """The range counts and the bounds their names give; nothing when any is not Gatling's."""
    blocks = [stats.get(k) for k in RANGE_KEYS]
    if not all(isinstance(b, Mapping) for b in blocks):
        return {}
    counts = [b.get("count") for b in blocks if isinstance(b, Mapping)]
    names = [b.get("name") for b in blocks if isinstance(b, Mapping)]
    if not all(isinstance(c, int) and not isinstance(c, bool) for c in counts) or not all(
        isinstance(n, str) for n in names
    ):
        return {}
    bounds = tuple(sorted({int(x) for n in names[:3] for x in re.findall(r"\d+", str(n))}))
    return {"ranges": tuple(int(str(c)) for c in counts), "bounds": bounds}


def percentile_count(tree: Mapping[str, Any]) -> int:
    """How many percentiles (percentiles1..N) the run's node has."""
    stats = tree.get("stats")
    return len(_percentile_keys(stats)) if isinstance(stats, Mapping) else 0


def report_stats(tree: Any, percentiles: Sequence[float]) -> ReportStats:
    """The nodes of a `js/stats.json` document whose percentiles1..N are the ranks `percentiles`.

    Raises StatsFormatError when it lacks Gatling's keys or numbers."""
    if not isinstance(tree, Mapping) or tree.get("type") != "GROUP":
        raise StatsFormatError('the run: expected an object with "type": "GROUP" at the top')
    ranks = tuple(float(p) for p in percentiles)
    nodes: list[NodeStats] = []

    def visit(raw: Mapping[str, Any], path: tuple[str, ...]) -> None:
        contents = raw.get("contents", {})
        if not isinstance(contents, Mapping):
            raise StatsFormatError(f"{_where(path)}: expected 'contents' to be an object")
        for child in contents.values():
            name = child.get("name") if isinstance(child, Mapping) else None
            kind = child.get("type") if isinstance(child, Mapping) else None
            if not isinstance(name, str) or kind not in ("GROUP", "REQUEST"):
                raise StatsFormatError(
                    f"{_where(path)}: expected each of 'contents' to have a name and a "
                    'type "GROUP" or "REQUEST"'
                )
            child_path = (*path, name)
            node_kind: NodeKind = "group" if kind == "GROUP" else "request"
            nodes.append(_node(child, node_kind, child_path, ranks, _where(child_path)))
            if kind == "GROUP":
                visit(child, child_path)

    nodes.append(_node(tree, "global", (), ranks, "the run"))
    visit(tree, ())
    return ReportStats(tuple(nodes), ranks)


def _where(path: tuple[str, ...]) -> str:
    return " / ".join(path) if path else "the run"
