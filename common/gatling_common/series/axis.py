"""Gatling's time buckets (T2-T5), in integer arithmetic so no float rounding can move a record."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gatling_common.results.records import I64

MAX_POINTS = 1000


@dataclass(frozen=True)
class Axis:
    start: int  # S, epoch ms
    end: int  # E, epoch ms
    step: int  # ms per bucket
    length: int  # n

    @staticmethod
    def of_run(start: int, end: int) -> Axis:
        seconds = -(-end // 1000) - start // 1000  # T2: the whole seconds the run touches
        step = 1000 if seconds <= MAX_POINTS else seconds
        length = max(1, -(-(end - start) // step))
        return Axis(start, end, step, length)

    def labels(self) -> list[int]:
        """T3: each bucket is labelled by the second holding its middle."""
        half = -(-self.step // 2)
        return [(self.start + k * self.step + half) // 1000 for k in range(self.length)]

    def nearest(self, ts: I64) -> I64:
        """T4: the bucket whose start is nearest, round((ts - S) / step) half up, kept inside."""
        k = (2 * (ts - self.start) + self.step) // (2 * self.step)
        return np.clip(k, 0, self.length - 1)

    def count(self, ts: I64) -> I64:
        return np.bincount(self.nearest(ts), minlength=self.length).astype(np.int64)

    def rate(self, counts: I64) -> I64:
        """T5: a count per bucket as a per-second rate, round(count · 1000 / step) half up."""
        if self.step == 1000:
            return counts
        return (2000 * counts + self.step) // (2 * self.step)


@dataclass(frozen=True)
class SegmentedAxis:
    """Runs far apart (inputs hours or days apart, merged): each run keeps its own Gatling axis
    (T2 on its own span), and the buckets of one follow the other's. One axis over the whole
    span would put 83 hours into 1000 buckets of 5 minutes and show each run as a spike."""

    parts: tuple[Axis, ...]
    cuts: tuple[int, ...]  # epoch ms: a time before cuts[i] is in parts[i] or earlier

    @property
    def start(self) -> int:
        return self.parts[0].start

    @property
    def end(self) -> int:
        return self.parts[-1].end

    @property
    def length(self) -> int:
        return sum(p.length for p in self.parts)

    def part_of(self, ts: I64) -> I64:
        return np.searchsorted(np.asarray(self.cuts, np.int64), ts, side="right")

    def labels(self) -> list[int]:
        return [t for p in self.parts for t in p.labels()]

    def nearest(self, ts: I64) -> I64:
        part = self.part_of(ts)
        out = np.zeros(len(ts), np.int64)
        offset = 0
        for i, p in enumerate(self.parts):
            mine = part == i
            out[mine] = p.nearest(ts[mine]) + offset
            offset += p.length
        return out

    def count(self, ts: I64) -> I64:
        return np.bincount(self.nearest(ts), minlength=self.length).astype(np.int64)

    def rate(self, counts: I64) -> I64:
        pieces, offset = [], 0
        for p in self.parts:
            pieces.append(p.rate(counts[offset : offset + p.length]))
            offset += p.length
        return np.concatenate(pieces)


def segments(spans: list[tuple[int, int]], times: list[I64], gap_ms: int) -> SegmentedAxis | None:
    """The axis of inputs whose time ranges (`spans`, epoch ms) are more than `gap_ms` apart,
    or None when they overlap or follow closely (one Gatling axis, as Gatling draws it).
    `times`: every record time, for each part's own bounds (T1)."""
    cuts: list[int] = []
    ordered = sorted(spans)
    reach = ordered[0][1] if ordered else 0
    for first, end in ordered[1:]:
        if first - reach > gap_ms:
            cuts.append((reach + first) // 2)
        reach = max(reach, end)
    if not cuts:
        return None
    every = np.concatenate([t for t in times if len(t)])
    part = np.searchsorted(np.asarray(cuts, np.int64), every, side="right")
    parts = []
    for i in range(len(cuts) + 1):
        mine = every[part == i]
        parts.append(Axis.of_run(int(mine.min()), int(mine.max())))
    return SegmentedAxis(tuple(parts), tuple(cuts))
