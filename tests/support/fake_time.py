"""A fake clock for tests of timing logic: no sleeps, no flakiness."""

from __future__ import annotations


class FakeTime:
    """Seconds that only `sleep` (or the test) advances; callable as the clock itself."""

    def __init__(self, now: float = 0.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds
