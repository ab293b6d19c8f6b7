"""What changes between the Gatling versions that wrote a log (series-schema "Differences")."""

from __future__ import annotations

import re
from dataclasses import dataclass

from gatling_common.results.records import LAYOUT_BINARY, LAYOUT_TEXT_30

_VERSION = re.compile(r"(\d+)\.(\d+)")


@dataclass(frozen=True)
class VersionRules:
    version: tuple[int, int]

    @staticmethod
    def of(version: str, layout: str = "") -> VersionRules:
        found = _VERSION.match(version or "")
        if found:
            return VersionRules((int(found.group(1)), int(found.group(2))))
        # No version in the file: the newest rules of the layout that wrote it.
        if layout == LAYOUT_TEXT_30:
            return VersionRules((3, 3))
        return VersionRules((3, 14) if layout == LAYOUT_BINARY else (3, 12))

    @property
    def ranked_percentiles(self) -> bool:
        """P2: 3.13+ takes the value at rank floor(q·n); before, linear interpolation."""
        return self.version >= (3, 13)

    @property
    def above_includes_bound(self) -> bool:
        """R1: from 3.10 a response of exactly the higher bound counts as above it."""
        return self.version >= (3, 10)
