"""Upload a log only once it is closed and whole, and say so when it never becomes so.

The runner writes its marker after Gatling exits, so the log is normally closed by then. But a
marker written early (a wrapper script, a leftover from a restarted container) made us upload
half a log, cut mid-line, as COMPLETED. So a log must stay unchanged for `settle` seconds and, for
a text log, end with a whole line; after `limit` seconds it is uploaded as it is, marked
incomplete. (A binary log carries no record lengths: finding its last whole record means decoding
the whole file, which the reporter does and counts as "truncated record".)
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Completeness:
    complete: bool
    reason: str = ""  # why not, for the log line; "" when complete


def wait_until_complete(
    path: Path,
    *,
    settle: float,
    limit: float,
    poll: float = 0.1,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> Completeness:
    """Return once `path` stayed unchanged `settle` s with a whole last line, or after `limit` s."""
    started = clock()
    seen, stable_since = _state(path), started
    while True:
        now = clock()
        if now - stable_since >= settle and _whole(path):
            return Completeness(True)
        if now - started >= limit:
            return _incomplete(path, stable_since < now - settle, limit)
        sleep(min(poll, settle))
        state = _state(path)
        if state != seen:
            seen, stable_since = state, clock()


def _incomplete(path: Path, stable: bool, limit: float) -> Completeness:
    size = path.stat().st_size
    if not stable:
        return Completeness(False, f"still being written after {limit:g}s ({size} bytes so far)")
    return Completeness(False, f"cut at its end (no line end at byte {size})")


def _state(path: Path) -> tuple[int, int]:
    st = os.stat(path)
    return st.st_size, st.st_mtime_ns


def _whole(path: Path) -> bool:
    """A text log ends with a line end; a binary or empty one is taken as it is."""
    with path.open("rb") as fh:
        head = fh.read(1)
        if not head.isalpha():  # binary (3.13+) or empty: no line structure to check
            return True
        fh.seek(-1, os.SEEK_END)
        return fh.read(1) == b"\n"
