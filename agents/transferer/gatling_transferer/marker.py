"""Wait for the runner's marker file, `COMPLETED` or `FAILED`, in the results dir.

Watching uses inotify through watchdog, so the agent wakes the moment the runner writes the
marker. Where inotify is unavailable (no kernel support, watch limits reached, the directory does
not exist yet) it falls back to checking every `poll_interval` seconds.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Literal

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer
from watchdog.observers.api import BaseObserver

from gatling_transferer.errors import MarkerTimeoutError

Status = Literal["COMPLETED", "FAILED"]
MARKERS: tuple[Status, ...] = ("COMPLETED", "FAILED")

log = logging.getLogger(__name__)


def present_marker(results_dir: Path) -> Status | None:
    """The marker already in `results_dir`; if both are there, the one written first."""
    found: list[tuple[int, bool, Status]] = []
    for status in MARKERS:
        try:
            found.append((os.stat(results_dir / status).st_mtime_ns, status != "FAILED", status))
        except OSError:
            continue
    # On a tie FAILED wins: a run that may have failed must not be reported as COMPLETED.
    return min(found)[2] if found else None


def wait_for_marker(
    results_dir: Path,
    *,
    timeout: float | None,
    watch: Literal["auto", "polling"] = "auto",
    poll_interval: float = 1.0,
    on_waiting: Callable[[str], None] | None = None,
) -> Status:
    """Return the first marker seen; raise `MarkerTimeoutError` when none comes in time.

    `on_waiting` is called with the watch method once the watch is armed, i.e. from that moment
    on no marker can be missed.
    """
    deadline = None if timeout is None else time.monotonic() + timeout
    woken = threading.Event()
    observer = _start_observer(results_dir, woken) if watch == "auto" else None
    method = "inotify" if observer is not None else f"polling every {poll_interval:g}s"
    try:
        if on_waiting is not None:
            on_waiting(method)
        # Checked after arming the watch: a marker written in between is seen either way.
        while (status := present_marker(results_dir)) is None:
            remaining = None if deadline is None else deadline - time.monotonic()
            if remaining is not None and remaining <= 0:
                raise MarkerTimeoutError(_timeout_message(results_dir, timeout))
            if observer is not None:
                woken.wait(remaining)
                woken.clear()
            else:
                time.sleep(poll_interval if remaining is None else min(poll_interval, remaining))
        return status
    finally:
        if observer is not None:
            observer.stop()
            observer.join()


def _timeout_message(results_dir: Path, timeout: float | None) -> str:
    return f"no COMPLETED or FAILED marker in {results_dir} after {timeout:g}s"


class _MarkerHandler(FileSystemEventHandler):
    def __init__(self, woken: threading.Event) -> None:
        self.woken = woken

    def on_any_event(self, event: FileSystemEvent) -> None:
        # Created, or renamed into place (an atomic write): the waiter re-checks the directory.
        paths = (event.src_path, getattr(event, "dest_path", "") or "")
        if any(os.path.basename(os.fsdecode(p)) in MARKERS for p in paths):
            self.woken.set()


def _start_observer(results_dir: Path, woken: threading.Event) -> BaseObserver | None:
    observer = Observer()
    try:
        observer.schedule(_MarkerHandler(woken), os.fspath(results_dir), recursive=False)
        observer.start()
    except OSError as exc:
        # ENOENT (no such dir yet), ENOSPC/EMFILE (inotify limits), ENOSYS (no inotify).
        reason = exc.strerror or str(exc)
        log.warning("cannot watch %s with inotify (%s); polling instead", results_dir, reason)
        if observer.is_alive():
            observer.stop()
        return None
    return observer
