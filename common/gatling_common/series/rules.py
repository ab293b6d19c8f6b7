"""What changes between the Gatling versions that wrote a log (series-schema "Differences")."""

from __future__ import annotations

from dataclasses import dataclass

from gatling_common.results.versions import gatling_version


@dataclass(frozen=True)
class VersionRules:
    version: tuple[int, int]

    @staticmethod
    def of(version: str, layout: str = "") -> VersionRules:
        return VersionRules(gatling_version(version, layout))

    @property
    def ranked_percentiles(self) -> bool:
        """P2: 3.13+ takes the value at rank floor(q·n); before, linear interpolation."""
        return self.version >= (3, 13)

    @property
    def above_includes_bound(self) -> bool:
        """R1: from 3.10 a response of exactly the higher bound counts as above it."""
        return self.version >= (3, 10)
