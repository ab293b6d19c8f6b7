"""Find the pod's simulation.log files and give each a distinct, deterministic object name."""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path

from gatling_common.errors import InputError

from gatling_transferer.errors import NoLogError, UnreadableLogError

LOG_NAME = "simulation.log"

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class FoundLog:
    path: Path
    relative: str  # path below the results dir, posix form (kept in the object's metadata)
    object_name: str  # <name>.log, <name>-2.log, ... (before any compression suffix)


def check_name(name: str) -> str:
    """The pod name becomes an object name: one path segment, no separators."""
    if not name or name in (".", "..") or "/" in name or "\\" in name:
        raise InputError(f"--name {name!r}: expected one path segment (the pod's name)")
    return name


def find_logs(results_dir: Path, name: str) -> list[FoundLog]:
    """Every simulation.log below `results_dir`, ordered by path, named `<name>[-i].log`.

    Gatling writes `<results>/<simulation>-<timestamp>/simulation.log`; a pod normally has one.
    A second one (a restarted runner, several simulations) gets `<name>-2.log` and so on, in path
    order, so a retry of the same pod gives the same names.
    """
    paths = sorted(_walk(results_dir), key=lambda p: p.relative_to(results_dir).as_posix())
    if not paths:
        raise NoLogError(f"no {LOG_NAME} below {results_dir}")
    found = []
    for index, path in enumerate(paths, start=1):
        object_name = f"{name}.log" if index == 1 else f"{name}-{index}.log"
        relative = path.relative_to(results_dir).as_posix()
        found.append(FoundLog(path, relative, object_name))
    if len(found) > 1:
        log.warning(
            "%d %s files below %s; uploading them as %s",
            len(found),
            LOG_NAME,
            results_dir,
            ", ".join(f"{f.relative} -> {f.object_name}" for f in found),
        )
    return found


def check_readable(found: FoundLog) -> None:
    """Fail with one line when the log cannot be read as a regular file."""
    path = found.path
    if path.is_symlink() and not path.exists():
        raise UnreadableLogError(f"cannot read {path}: broken symbolic link")
    if path.is_dir():
        raise UnreadableLogError(f"cannot read {path}: is a directory, expected a file")
    try:
        with path.open("rb") as fh:
            fh.read(1)
    except OSError as exc:
        raise UnreadableLogError(f"cannot read {path}: {exc.strerror or exc}") from exc


def _walk(results_dir: Path) -> list[Path]:
    """Paths named simulation.log of any kind (a directory or broken link is reported later)."""
    hits: list[Path] = []
    for dirpath, dirnames, filenames in os.walk(results_dir):
        dirnames.sort()
        hits.extend(Path(dirpath, n) for n in (*dirnames, *filenames) if n == LOG_NAME)
        # Never descend into a directory that is itself named simulation.log.
        dirnames[:] = [d for d in dirnames if d != LOG_NAME]
    return hits
