"""Inputs far apart in time: merged, they make one time axis of mostly nothing.

Pods of one run overlap; logs of runs hours apart (a re-run, logs from two days) merged into one
report spread its charts over the whole span (83 h at 0.33 req/s, lone spikes). The merge is
kept (it may be meant) but said: on the console, in summary.json and on the page.
"""

from __future__ import annotations

import datetime as dt

from gatling_common.results.statistics.stats import RunStats

FAR_APART_S = 3600


def input_spans(stats: RunStats) -> list[tuple[int, int, str]]:
    """(first second, last second, path) of each input's responses."""
    inp, _, sec = stats.tables["inp_resp"].columns
    spans = []
    for i, info in enumerate(stats.inputs):
        mine = sec[inp == i]
        if len(mine):
            spans.append((int(mine.min()), int(mine.max()), info.path))
    return spans


def far_apart(stats: RunStats, limit_s: int = FAR_APART_S) -> list[str]:
    """One sentence per gap of more than `limit_s` between the inputs' time ranges."""
    spans = sorted(input_spans(stats))
    warnings = []
    reach, last = (spans[0][1], spans[0][2]) if spans else (0, "")
    for first, end, path in spans[1:]:
        if first - reach > limit_s:
            warnings.append(
                f"inputs {_hours(first - reach)} apart: {last} ends {_when(reach)}, "
                f"{path} starts {_when(first)}; they are merged into one time axis"
            )
        if end > reach:
            reach, last = end, path
    return warnings


def _when(second: int) -> str:
    return dt.datetime.fromtimestamp(second, dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def _hours(seconds: int) -> str:
    return f"{seconds / 3600:.1f} h" if seconds < 86400 * 2 else f"{seconds / 86400:.1f} days"


__all__ = ["FAR_APART_S", "far_apart", "input_spans"]
