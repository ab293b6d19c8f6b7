"""Publish a report folder to storage so that a reader sees one whole report, old or new.

Object stores have no rename, so a report of a hundred objects cannot be swapped in one step.
The layout makes one object the switch instead:

    _builds/<build>/index.html, req_*.html, js/..., style/...   the whole report, never rewritten
    js/stats.json, js/global_stats.json, summary.json, ...       copies of the newest build's data
    index.html                                                  the newest build's entry page

1. the build's files go under `_builds/<build>/` (a fresh prefix: nothing a reader uses changes);
2. the data copies at the location's root (contracts.md: CI scripts read `js/stats.json` there),
   after the current ones were read back, so that a failure puts them back;
3. `index.html` last: the build's global page with `<base href="_builds/<build>/">`, so every link
   and asset of the page it shows resolves inside that one build;
4. after success only: every object of an older report (other builds, pages of the flat layout
   that came before) is deleted. Logs, shards and manifests are never touched.

A failure before step 3 leaves the previous report as it was (the root copies restored).
"""

from __future__ import annotations

import logging
import mimetypes
import re
import secrets
import tempfile
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from gatling_common.errors import PermanentError
from gatling_common.storage import Storage
from gatling_common.storage.manifest import is_manifest

from gatling_reporter.agent import LOG_SUFFIXES, SHARD_SUFFIX

log = logging.getLogger(__name__)

BUILDS = "_builds"
INDEX = "index.html"
# What a reader or a CI script opens at the root without going through the page.
ROOT_DATA = (
    "summary.json",
    "js/stats.json",
    "js/global_stats.json",
    "js/assertions.json",
    "js/assertions.xml",
)
# Names a report of ours writes at its root: what may be deleted as an older report's.
_REPORT_NAME = re.compile(r"^(?:[^/]+\.html|js/[^/]+|style/[^/]+|summary\.json)$")
CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "application/javascript",
    ".json": "application/json",
    ".css": "text/css",
    ".xml": "application/xml",
    ".png": "image/png",
    ".svg": "image/svg+xml",
    ".txt": "text/plain; charset=utf-8",
}


@dataclass(frozen=True)
class Published:
    url: str  # the public URL of the root index.html
    build: str  # the prefix under _builds/ that holds this report
    removed: int  # objects of older reports deleted after the switch


def content_type(path: PurePosixPath | Path) -> str:
    found = CONTENT_TYPES.get(path.suffix.lower())
    if found:
        return found
    guessed, _ = mimetypes.guess_type(path.name)
    return guessed or "application/octet-stream"


def is_input(name: str) -> bool:
    """A pod's log, shard or manifest: the run's data, never a report's object."""
    return name.endswith((*LOG_SUFFIXES, SHARD_SUFFIX)) or is_manifest(name)


def report_files(report_dir: Path) -> list[Path]:
    """Every file of the report folder, raw logs and shards excluded."""
    return [
        p
        for p in sorted(report_dir.rglob("*"))
        if p.is_file() and not is_input(p.relative_to(report_dir).as_posix())
    ]


def new_build_id() -> str:
    """Sortable by time, unique across reporters publishing at the same second."""
    return time.strftime("%Y%m%dT%H%M%SZ", time.gmtime()) + "-" + secrets.token_hex(3)


def entry_page(index_html: str, build: str) -> str:
    """The build's global page, resolving its relative links inside `_builds/<build>/`."""
    head = re.search(r"<head[^>]*>", index_html, flags=re.IGNORECASE)
    if head is None:
        raise PermanentError("the build's index.html has no <head>: cannot point it at its build")
    base = f'\n<base href="{BUILDS}/{build}/">'
    return index_html[: head.end()] + base + index_html[head.end() :]


def publish(
    report_dir: Path,
    storage: Storage,
    *,
    workers: int,
    progress: Callable[[str], None] | None = None,
    build: str | None = None,
) -> Published:
    """Upload the report folder as one build and switch the location's index.html to it."""
    build = build or new_build_id()
    files = report_files(report_dir)
    index = report_dir / INDEX
    if index not in files:
        raise PermanentError(f"{report_dir}: the build wrote no index.html")
    total = sum(p.stat().st_size for p in files)
    prefix = f"{BUILDS}/{build}/"
    log.info("publish: %d files (%d bytes) to %s", len(files), total, storage.describe(prefix))

    def upload(path: Path) -> None:
        name = prefix + path.relative_to(report_dir).as_posix()
        storage.upload_file(path, name, content_type=content_type(path))
        log.debug("uploaded %s", name)
        if progress:
            progress(name)

    with ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="publish") as pool:
        list(pool.map(upload, files))
    with tempfile.TemporaryDirectory(prefix="gatling-publish-") as tmp:
        root = _switch(report_dir, storage, build, Path(tmp))
    removed = remove_older_reports(storage, build, root)
    log.info("publish: done (build %s; %d objects of older reports removed)", build, removed)
    return Published(storage.public_url(INDEX), build, removed)


def _switch(report_dir: Path, storage: Storage, build: str, tmp: Path) -> set[str]:
    """Root data copies, then index.html; on a failure the previous root files come back.
    Returns the root names now written."""
    data = [name for name in ROOT_DATA if (report_dir / name).is_file()]
    saved = _save(storage, data, tmp / "previous")
    entry = tmp / INDEX
    entry.write_text(entry_page((report_dir / INDEX).read_text("utf-8"), build), "utf-8")
    try:
        for name in data:
            storage.upload_file(report_dir / name, name, content_type=content_type(Path(name)))
        storage.upload_file(entry, INDEX, content_type=content_type(entry))
        if not storage.exists(INDEX):
            raise PermanentError(f"{storage.describe(INDEX)}: missing right after upload")
    except Exception:
        _restore(storage, data, saved)
        raise
    return {*data, INDEX}


def _save(storage: Storage, names: Iterable[str], folder: Path) -> dict[str, Path | None]:
    """The current root copies (None: absent), kept to put back if the switch fails."""
    saved: dict[str, Path | None] = {}
    for name in names:
        if storage.exists(name):
            local = folder / name
            local.parent.mkdir(parents=True, exist_ok=True)
            storage.download_file(name, local)
            saved[name] = local
        else:
            saved[name] = None
    return saved


def _restore(storage: Storage, names: list[str], saved: dict[str, Path | None]) -> None:
    for name in names:
        try:
            previous = saved.get(name)
            if previous is None:
                storage.delete(name)
            else:
                storage.upload_file(previous, name, content_type=content_type(Path(name)))
        except Exception as exc:  # the original failure is what the user must see
            log.warning("publish: could not put back %s: %s", storage.describe(name), exc)


def remove_older_reports(storage: Storage, build: str, root: set[str]) -> int:
    """Delete other builds, the flat layout's pages and root copies the new build lacks; a
    failure here is only a warning: the new report is already whole and switched to."""
    keep_prefix = f"{BUILDS}/{build}/"
    try:
        stale = [o.name for o in storage.list() if _is_older_report(o.name, keep_prefix, root)]
    except Exception as exc:
        where = storage.describe()
        log.warning("publish: could not list %s to remove older reports: %s", where, exc)
        return 0
    removed = 0
    for name in stale:
        try:
            storage.delete(name)
            removed += 1
        except Exception as exc:
            log.warning("publish: could not remove %s: %s", storage.describe(name), exc)
    return removed


def _is_older_report(name: str, keep_prefix: str, root: set[str]) -> bool:
    if is_input(name) or name.startswith(keep_prefix) or name in root:
        return False
    return name.startswith(f"{BUILDS}/") or bool(_REPORT_NAME.match(name))
