"""Dense integer ids for strings, in first-seen order, with array lookups for remapping."""

from __future__ import annotations

import numpy as np

from gatling_common.results.records import I32, I64, StringTable


class Names(StringTable):
    """The run-wide interning of names (a file's `StringTable`s map into it); first-seen ids.

    Listing order is not id order: Gatling lists requests and groups by their earliest start
    (`RunStats.first_start`)."""

    def __init__(self, values: list[str] | None = None) -> None:
        super().__init__()
        for value in values or []:
            self.intern(value)

    def lookup_for(self, values: list[str]) -> I64:
        """An array mapping positions in `values` to ids here (interning the new ones)."""
        return np.fromiter((self.intern(v) for v in values), np.int64, len(values))


class TableMapper:
    """Maps a file's growing `StringTable` ids to `Names` ids, extending the lookup lazily."""

    def __init__(self, table: StringTable, names: Names) -> None:
        self.table = table
        self.names = names
        self.lookup: I64 = np.empty(0, np.int64)

    def map(self, ids: I32 | I64) -> I64:
        self.intern_new()
        return self.lookup[ids]

    def intern_new(self) -> None:
        """Intern the file's strings added since the last call, in their order."""
        if len(self.lookup) < len(self.table):
            extra = self.names.lookup_for(self.table.values[len(self.lookup) :])
            self.lookup = np.concatenate([self.lookup, extra])
