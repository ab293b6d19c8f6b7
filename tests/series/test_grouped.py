"""Grouped.of sorts (group, value) pairs with one key when they fit: it must give what the plain
two-key lexsort gives, on any input (negatives, huge values, one group, none)."""

from __future__ import annotations

import numpy as np
from gatling_common.series.percentiles import Grouped
from hypothesis import given
from hypothesis import strategies as st

PAIRS = st.lists(
    st.tuples(
        st.one_of(st.integers(0, 50), st.integers(-(2**40), 2**62)),
        st.one_of(st.integers(0, 5000), st.integers(-(2**40), 2**62)),
    ),
    max_size=300,
)


def _by_lexsort(group: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, ...]:
    order = np.lexsort((values, group))
    g, v = group[order], values[order]
    ids, first, size = np.unique(g, return_index=True, return_counts=True)
    return ids, first, size, v


@given(PAIRS)
def test_same_groups_and_order_as_a_two_key_lexsort(pairs: list[tuple[int, int]]) -> None:
    group = np.array([p[0] for p in pairs], np.int64)
    values = np.array([p[1] for p in pairs], np.int64)
    found = Grouped.of(group, values)
    expected = _by_lexsort(group, values)
    for mine, theirs in zip((found.ids, found.first, found.size, found.values), expected):
        assert mine.tolist() == theirs.tolist()
