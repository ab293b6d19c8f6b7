"""What the waiter says while it waits: one line every few seconds, never one per event."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import datetime

from gatling_waiter.release import Peer, counted
from gatling_waiter.settings import WaiterSettings

log = logging.getLogger("gatling_waiter")

_SHOWN = 10  # names listed per line; 200 missing pods would make an unreadable line
_MAX_NAME = 80


def show(name: str) -> str:
    """A name safe for one log line: escaped control characters, quoted, bounded length."""
    safe = name.encode("unicode_escape").decode("ascii")
    if len(safe) > _MAX_NAME:
        safe = safe[: _MAX_NAME - 3] + "..."
    return f"'{safe}'"


def describe_missing(peers: list[Peer], parallelism: int) -> str:
    """Which pods keep the barrier closed: unregistered ones by name, then absent ones by count."""
    ready = counted(peers)
    waiting = sorted(p.name for p in peers if not p.counts and not p.terminated)
    parts = [f"{show(name)} (not registered)" for name in waiting[:_SHOWN]]
    if len(waiting) > _SHOWN:
        parts.append(f"{len(waiting) - _SHOWN} more not registered")
    absent = parallelism - len(ready) - len(waiting)
    if absent > 0:
        parts.append(f"{absent} pod{'s' if absent > 1 else ''} not created yet")
    return ", ".join(parts) or "none"


class Progress:
    """Logs the state at most every `log_interval` seconds, and when the release instant moves."""

    def __init__(self, settings: WaiterSettings) -> None:
        self._settings = settings
        self._last = -float("inf")
        self._instant: datetime | None = None

    def next_log_in(self) -> float:
        return max(0.0, self._last + self._settings.log_interval - time.monotonic())

    def maybe_log(
        self, peers_of: Callable[[], list[Peer]], instant: datetime | None, now: datetime
    ) -> None:
        """`peers_of` is only called when a line is due: listing 200 peers is not free."""
        s = self._settings
        if instant is not None and instant != self._instant:
            self._instant = instant
            log.info(
                "%d of %d pods registered; release at %s (in %.3fs)",
                len(counted(peers_of())),
                s.parallelism,
                instant.isoformat(),
                (instant - now).total_seconds(),
            )
            self._last = time.monotonic()
        elif time.monotonic() - self._last >= s.log_interval:
            self._last = time.monotonic()
            if instant is None:
                log.info(
                    "waiting for job %s: %d of %d pods registered; missing: %s",
                    show(s.job_name),
                    len(counted(peers := peers_of())),
                    s.parallelism,
                    describe_missing(peers, s.parallelism),
                )
            else:
                log.info(
                    "release at %s (in %.1fs)", instant.isoformat(), (instant - now).total_seconds()
                )
