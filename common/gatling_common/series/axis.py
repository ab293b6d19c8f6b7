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
