"""The Gatling version that wrote a log: its output conventions differ from version to version."""

from __future__ import annotations

import re

from gatling_common.results.records import LAYOUT_BINARY, LAYOUT_TEXT_30

_VERSION = re.compile(r"(\d+)\.(\d+)")


def gatling_version(version: str, layout: str = "") -> tuple[int, int]:
    """(major, minor) from the RUN record's version; without one, the newest version of the
    layout that wrote the file."""
    found = _VERSION.match(version or "")
    if found:
        return int(found.group(1)), int(found.group(2))
    if layout == LAYOUT_TEXT_30:
        return (3, 3)
    return (3, 14) if layout == LAYOUT_BINARY else (3, 12)
