"""`build -o DIR` is atomic: the report is built beside DIR and swapped in when complete.

A reader (a browser, a web server, a CI step) sees the old complete report or the new complete
one, never pages of both: a failed build leaves DIR as it was, and a new report leaves none of
an older one's `req_*.html` behind. On Linux the swap is one `renameat2(RENAME_EXCHANGE)`;
elsewhere two renames (DIR is briefly absent, never mixed).

DIR is replaced only when it is empty or an earlier report of ours: a folder holding anything
else (the logs themselves, a home folder) is refused rather than moved away.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from gatling_common.errors import InputError

SUMMARY_FORMAT = "gatling-fleet-summary"
_AT_FDCWD = -100
_RENAME_EXCHANGE = 2


def is_replaceable(folder: Path) -> bool:
    """Empty, or a report this tool wrote (its summary.json says so)."""
    if not folder.is_dir():
        return not folder.exists()
    if not any(folder.iterdir()):
        return True
    try:
        summary = json.loads((folder / "summary.json").read_text("utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(summary, dict) and summary.get("format") == SUMMARY_FORMAT


@contextmanager
def staged(target: Path) -> Iterator[Path]:
    """Yield a fresh folder beside `target`; swap it in if the block succeeds, remove it if not."""
    if not is_replaceable(target):
        raise InputError(
            f"-o {target}: exists and is not a report of ours (no gatling-fleet summary.json); "
            "expected an empty folder, a new path or an earlier report"
        )
    stage = target.with_name(f".{target.name}.building-{os.getpid()}")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.rmtree(stage, ignore_errors=True)
        stage.mkdir()
    except OSError as exc:
        raise InputError(
            f"-o {target}: cannot build beside it in {target.parent} ({exc.strerror}); the "
            "report is built there and swapped in"
        ) from exc
    try:
        yield stage
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        raise
    swap_in(stage, target)


def swap_in(stage: Path, target: Path) -> None:
    if not target.exists():
        os.replace(stage, target)
        return
    if not _exchange(stage, target):
        old = target.with_name(f".{target.name}.old-{os.getpid()}")
        os.replace(target, old)
        try:
            os.replace(stage, target)
        except OSError:
            os.replace(old, target)  # put the earlier report back
            raise
        stage = old
    shutil.rmtree(stage, ignore_errors=True)  # now the earlier report


def _exchange(a: Path, b: Path) -> bool:
    """Atomically swap two paths (Linux renameat2); False where that is not available."""
    import ctypes  # lazy: only a swap needs it

    # The process's own symbols, libc's among them: find_library("c") would run ldconfig.
    libc = ctypes.CDLL(None, use_errno=True)
    renameat2 = getattr(libc, "renameat2", None)
    if renameat2 is None:
        return False
    done = renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE)
    return bool(done == 0)
