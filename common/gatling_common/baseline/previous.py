"""`--baseline previous`: the newest complete report of the same Gatling name.

The controller writes every run of a Gatling resource to `<bucket>/<name>/<run id>/` (the report
at its root: contracts.md). The runs beside the current one are its earlier runs; the newest by
the start of its run (summary.json `run.start`, not the run id, which is a hash) whose report is
complete (its index.html and summary.json are there: publish writes index.html last) is the one
to compare with.
"""

from __future__ import annotations

import json
import logging
import tempfile
from pathlib import Path

from gatling_common.storage import Storage, StorageSettings, open_storage

log = logging.getLogger(__name__)

PREVIOUS = "previous"


def parent_url(location: str) -> tuple[str, str]:
    """(`<bucket>/<name>`, `<run id>`) of a run location `<bucket>/<name>/<run id>`."""
    trimmed = location.rstrip("/")
    parent, _, run = trimmed.rpartition("/")
    if not parent or parent.endswith((":/", "://")) or not run:
        raise ValueError(f"{location}: not a run location <storage>/<name>/<run id>")
    return parent, run


def previous_report(location: str, settings: StorageSettings | None = None) -> str | None:
    """The URL of the newest complete earlier report beside `location`, or None."""
    parent, current = parent_url(location)
    store = open_storage(parent, settings)
    runs = sorted(
        {o.name.split("/")[0] for o in store.list() if o.name.endswith("/summary.json")} - {current}
    )
    best: tuple[int, str] | None = None
    with tempfile.TemporaryDirectory(prefix="gatling-previous-") as tmp:
        for run in runs:
            if run.count("/") or not store.exists(f"{run}/index.html"):
                continue  # a publish that never reached its switch is no report
            start = _run_start(store, f"{run}/summary.json", Path(tmp, run))
            if start is not None and (best is None or start > best[0]):
                best = (start, run)
    return f"{parent}/{best[1]}" if best else None


def _run_start(store: Storage, name: str, local: Path) -> int | None:
    try:
        store.download_file(name, local)
        start = json.loads(local.read_text("utf-8"))["run"]["start"]
    except Exception as exc:  # one unreadable earlier report must not hide the others
        log.warning("baseline previous: %s skipped: %s", store.describe(name), exc)
        return None
    return int(start) if isinstance(start, int | float) else None
