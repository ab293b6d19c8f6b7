"""The baseline drawn over this run's charts, aligned on elapsed time.

Two runs start at different instants: the baseline's buckets are moved so that its first bucket
falls on this run's first one, and keep their own spacing (a longer or shorter baseline shows as
such). Its p50 and p95 go over the percentile bands, its requests/s over the requests chart.
Pages are matched by kind and path (a request in another group is another page).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

P50, P95 = 2, 7  # in series.json's ten: min, p25, p50, p75, p80, p85, p90, p95, p99, max


@dataclass(frozen=True)
class Overlay:
    time: list[int]  # epoch ms, on this run's clock
    p50: list[int | None]
    p95: list[int | None]
    requests: list[int] | None  # all requests per bucket (none on group pages)


def baseline_pages(series: Mapping[str, Any] | None) -> dict[tuple[str, tuple[str, ...]], Any]:
    return {(p["kind"], tuple(p["path"])): p for p in (series or {}).get("pages", [])}


def _pick(points: list[list[Any]], index: int) -> list[int | None]:
    return [None if v is None else int(v[index]) for _, v in points]


def overlay(page: Mapping[str, Any], base: Mapping[str, Any] | None) -> Overlay | None:
    """`base` (the baseline's page of the same kind and path) on `page`'s clock."""
    key = "duration_percentiles" if page["kind"] == "group" else "percentiles"
    mine, theirs = page.get(key) or [], (base or {}).get(key) or []
    if not mine or not theirs:
        return None
    shift = int(mine[0][0]) - int(theirs[0][0])
    requests = (base or {}).get("requests")
    totals = [p[1] for p in requests] if requests and page["kind"] != "group" else None
    return Overlay(
        time=[(int(t) + shift) * 1000 for t, _ in theirs],
        p50=_pick(theirs, P50),
        p95=_pick(theirs, P95),
        requests=None if totals is None or None in totals else [int(n) for n in totals],
    )


__all__ = ["Overlay", "baseline_pages", "overlay"]
