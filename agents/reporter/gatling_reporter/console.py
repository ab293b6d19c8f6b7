"""The console summary: Gatling 3.10's end-of-run table, plus our inputs and skipped records."""

from __future__ import annotations

import math
from collections import Counter
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

OUTPUT_LENGTH = 80
NEW_BLOCK = "=" * OUTPUT_LENGTH
ERROR_TEXT_LEN = OUTPUT_LENGTH - 14 - 4

_ROWS = (
    ("numberOfRequests", "request count"),
    ("minResponseTime", "min response time"),
    ("maxResponseTime", "max response time"),
    ("meanResponseTime", "mean response time"),
    ("standardDeviation", "std deviation"),
)


def rank(p: float) -> str:
    """Gatling's `toRank`: 50 -> 50th, 1 -> 1st, 99.9 -> 99.9th."""
    if p != int(p):
        return f"{p:g}th"
    n = int(p)
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def sub_title(title: str) -> str:
    return f"---- {title} ".ljust(OUTPUT_LENGTH, "-")


def printable_double(d: float) -> str:
    """Gatling's `toPrintableString`: >= 1000 rounded, >= 100 one decimal, else two (half up)."""
    if d >= 1000.0:
        return str(math.floor(d + 0.5))
    places = Decimal("0.1") if d >= 100.0 else Decimal("0.01")
    return str(Decimal(repr(d)).quantize(places, rounding=ROUND_HALF_UP))


def _printable(value: Any, empty: bool) -> str:
    if empty:
        return "-"
    if isinstance(value, float):
        return printable_double(value)
    return str(value)


def _counters(label: str, triple: dict[str, Any], counts: dict[str, int]) -> str:
    total, ok, ko = (_printable(triple[k], counts[k] == 0) for k in ("total", "ok", "ko"))
    return (
        f"> {label.ljust(OUTPUT_LENGTH - 32)} {total.rjust(7)} (OK={ok.ljust(6)} KO={ko.ljust(6)})"
    )


def _error_line(message: str, count: int, percentage: float, total: int) -> list[str]:
    pct = "100.0" if count == total else f"{percentage:3.2f}"
    first = message[:ERROR_TEXT_LEN].ljust(ERROR_TEXT_LEN)
    lines = [f"> {first} {str(count).rjust(6)} ({pct.rjust(5)}%)"]
    if len(message) > ERROR_TEXT_LEN:
        rest = message[ERROR_TEXT_LEN:]
        lines.append(rest if len(rest) <= ERROR_TEXT_LEN else rest[:ERROR_TEXT_LEN] + "...")
    return lines


def render(summary: dict[str, Any]) -> str:
    """The table for a `summary.json` dict."""
    g = summary["global"]
    counts = g["numberOfRequests"]
    lines = ["", NEW_BLOCK, sub_title("Global Information")]
    for key, label in _ROWS:
        lines.append(_counters(label, g[key], counts))
    for i, p in enumerate(summary["settings"]["percentiles"]):
        label = f"response time {rank(p)} percentile"
        lines.append(_counters(label, g[f"percentiles{i + 1}"], counts))
    lines.append(_counters("mean requests/sec", g["meanNumberOfRequestsPerSecond"], counts))
    lines.append(sub_title("Response Time Distribution"))
    for i in range(1, 5):
        grp = g[f"group{i}"]
        pct = str(round(grp["percentage"]))
        lines.append(
            f"> {grp['name'].ljust(OUTPUT_LENGTH - 32)} {str(grp['count']).rjust(7)} "
            f"({pct.rjust(3)}%)"
        )
    errors = summary["errors"]
    if errors:
        lines.append(sub_title("Errors"))
        total = sum(e["count"] for e in errors)
        for e in errors:
            lines.extend(_error_line(e["message"], e["count"], e["percentage"], total))
    lines.append(sub_title("Inputs"))
    for info in summary["inputs"]:
        version = info["gatling_version"] or "?"
        lines.append(
            f"> {info['path']} (Gatling {version}, {info['layout'] or '?'}, {info['status']})"
        )
    skipped: Counter[str] = Counter(summary["skipped"])
    lines.append(sub_title(f"Skipped records: {summary['skipped_total']}"))
    for reason, n in sorted(skipped.items()):
        lines.append(f"> {reason.ljust(OUTPUT_LENGTH - 32)} {str(n).rjust(7)}")
    lines.append(NEW_BLOCK)
    return "\n".join(lines) + "\n"
