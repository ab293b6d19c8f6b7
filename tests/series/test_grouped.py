"""Grouped.of sorts (group, value) pairs with one key when they fit, and value_counts counts
instead of sorting when the range is small: each must give what the plain numpy way gives, on any
input (negatives, huge values, values at the packing limits, one group, none)."""

from __future__ import annotations

import numpy as np
from gatling_common.series.distribution import DENSE, value_counts
from gatling_common.series.percentiles import Grouped
from hypothesis import given
from hypothesis import strategies as st

PAIRS = st.lists(
    st.tuples(
        st.one_of(
            st.integers(0, 50), st.integers(2**31 - 2, 2**31 + 1), st.integers(-(2**40), 2**62)
        ),
        st.one_of(
            st.integers(0, 5000), st.integers(2**32 - 2, 2**32 + 1), st.integers(-(2**40), 2**62)
        ),
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


VALUES = st.lists(
    st.one_of(st.integers(0, 3000), st.integers(-5, DENSE + 5), st.integers(-(2**62), 2**62)),
    max_size=300,
)


@given(VALUES)
def test_value_counts_equal_numpy_unique(values: list[int]) -> None:
    array = np.array(values, np.int64)
    distinct, counts = value_counts(array)
    expected = np.unique(array, return_counts=True)
    assert (distinct.tolist(), counts.tolist()) == (expected[0].tolist(), expected[1].tolist())
