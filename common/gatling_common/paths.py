"""Local folders the agents write into, checked before the long part of a command."""

from __future__ import annotations

import os
from pathlib import Path


def unwritable(folder: Path) -> tuple[Path, str] | None:
    """(the path at fault, "not a folder" or "not writable") when `folder` cannot be made or
    written: checked on the nearest existing folder it would be made in. None when it can."""
    existing = folder
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        return existing, "not a folder"
    if not os.access(existing, os.W_OK | os.X_OK):
        return existing, "not writable"
    return None
