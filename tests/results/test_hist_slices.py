"""RunStats.hist slices an entity's rows out of the sorted sparse table instead of masking the
whole table: it must give what a mask over the raw records gives, for every entity and status,
after several batches (each compaction keeps the rows sorted)."""

from __future__ import annotations

import numpy as np
from gatling_common.results.statistics.percentiles import hist_of
from gatling_common.results.statistics.stats import RunStats
from hypothesis import given
from hypothesis import strategies as st

ROWS = st.lists(
    st.tuples(st.integers(0, 6), st.integers(0, 1), st.integers(0, 70_000)), max_size=200
)


def _table(stats: RunStats, rows: list[tuple[int, int, int]]) -> None:
    if rows:
        stats.tables["req_rt"].add([np.array(c, np.int64) for c in zip(*rows, strict=True)])


@given(st.lists(ROWS, min_size=1, max_size=4))
def test_hist_of_an_entity_equals_a_mask_over_the_records(batches: list[list[tuple]]) -> None:
    stats = RunStats()
    for rows in batches:
        _table(stats, rows)
    every = [r for rows in batches for r in rows]
    for entity in range(-1, 8):
        for ko in (None, False, True):
            found = stats.hist("req_rt", entity, ko)
            kept = [v for e, k, v in every if e == entity and (ko is None or k == int(ko))]
            values = np.array(kept, np.int64)
            expected = hist_of(values, np.ones(len(values), np.int64))
            assert found.values.tolist() == expected.values.tolist()
            assert found.counts.tolist() == expected.counts.tolist()
