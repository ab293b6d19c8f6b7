"""Progress lines for long uploads: bytes done, share, rate; at most one line per interval."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

_MB = 1_000_000


class ProgressLog:
    """A storage `Progress` callback; safe to call from the SDK's transfer threads.

    Counts bytes sent, so a retried upload can show more than 100%: that is what went out.
    """

    def __init__(
        self,
        what: str,
        total: int,
        *,
        log: logging.Logger,
        interval: float = 5.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.what = what
        self.total = total
        self.log = log
        self.interval = interval
        self.clock = clock
        self.done = 0
        self.started = clock()
        self._last_line = self.started
        self._lock = threading.Lock()

    def __call__(self, nbytes: int) -> None:
        with self._lock:
            self.done += nbytes
            now = self.clock()
            if now - self._last_line < self.interval:
                return
            self._last_line = now
            done = self.done
        share = 100.0 * done / self.total if self.total else 100.0
        self.log.info(
            "%s: %.1f/%.1f MB (%.0f%%), %.1f MB/s",
            self.what,
            done / _MB,
            self.total / _MB,
            share,
            self.rate(),
        )

    def elapsed(self) -> float:
        return max(self.clock() - self.started, 1e-9)

    def rate(self) -> float:
        """MB/s since the (re)start."""
        return self.done / _MB / self.elapsed()
