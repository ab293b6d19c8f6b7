"""Upload a log only once it is closed and whole, and say so when it never becomes so.

The runner writes its marker after Gatling exits, so the log is normally closed by then. But a
marker written early (a wrapper script, a leftover from a restarted container) made us upload
half a log, cut mid-line, as COMPLETED. So a log must stay unchanged for `settle` seconds and end
with a whole record (text: a line end; binary: its last record decodes whole, which takes one
decoding pass, done once per state of the file); after `limit` seconds it is uploaded as it is,
marked incomplete.
"""

from __future__ import annotations

import functools
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
    with path.open("rb") as fh:
        text = fh.read(1).isalpha()
    what = "no line end" if text else "no whole last record"
    return Completeness(False, f"cut at its end ({what} at byte {size})")


def _state(path: Path) -> tuple[int, int]:
    st = os.stat(path)
    return st.st_size, st.st_mtime_ns


def _whole(path: Path) -> bool:
    """A text log ends with a line end; a binary one's last record decodes whole."""
    with path.open("rb") as fh:
        head = fh.read(1)
        if not head:
            return True  # empty: nothing to cut
        if not head.isalpha():
            return _binary_whole(path, _state(path))
        fh.seek(-1, os.SEEK_END)
        return fh.read(1) == b"\n"


@functools.lru_cache(maxsize=8)
def _binary_whole(path: Path, state: tuple[int, int]) -> bool:
    """Decode the file once per (size, mtime): no record cut by its end. A file the reader
    refuses outright is taken as it is; the reporter names what is wrong with it."""
    # Imported here: numpy and the readers load only for binary logs.
    from gatling_common.errors import InputError
    from gatling_common.results.readers.reader import open_log

    try:
        with open_log(path, prefetch=False, accept_damaged=True) as reader:
            for _ in reader:
                pass
            return "truncated record" not in reader.skipped.counts
    except InputError:
        return True
