"""Logging set-up shared by every CLI: one line per event, UTC timestamps, to stderr."""

from __future__ import annotations

import logging
import sys
import threading
import time
from collections.abc import Callable


def setup_logging(level: str = "INFO") -> None:
    """Configure the root logger once; called by CLIs only, never by library code."""
    handler = logging.StreamHandler(sys.stderr)
    formatter = logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    formatter.converter = time.gmtime
    handler.setFormatter(formatter)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # SDK chatter (botocore, urllib3, azure) would drown our progress lines.
    for noisy in ("botocore", "urllib3", "azure", "google", "kubernetes", "watchdog"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


class LogThrottle:
    """At most one line per key and `interval`; the next one says how many were held back.

    A controller whose API server is down fails every call: without this, each watch and each
    queued resource would print a warning per retry and bury the line that says why.
    """

    def __init__(self, interval: float = 30.0, clock: Callable[[], float] = time.monotonic):
        self.interval, self._clock = interval, clock
        self._last: dict[str, tuple[float, int]] = {}  # key -> (time of last line, held back)
        self._lock = threading.Lock()

    def log(self, logger: logging.Logger, level: int, key: str, msg: str, *args: object) -> bool:
        """Log unless `key` logged less than `interval` ago; True when the line was written."""
        now = self._clock()
        with self._lock:
            last, held = self._last.get(key, (None, 0))
            if last is not None and now - last < self.interval:
                self._last[key] = (last, held + 1)
                return False
            self._last[key] = (now, 0)
        if held:
            msg = f"{msg} ({held} similar line(s) held back)"
        logger.log(level, msg, *args)
        return True

    def forget(self, key: str) -> None:
        """The trouble is over: the next failure of `key` is logged at once."""
        with self._lock:
            self._last.pop(key, None)
