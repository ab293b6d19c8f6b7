"""The statistics engine on records built here: exactness against numpy, and merge laws."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass

import numpy as np
import pytest
from gatling_common.results.records import (
    NO_MESSAGE,
    FileStrings,
    RecordBatch,
    group_path,
    request_key,
)
from gatling_common.results.report.gatling_json import (
    StatsSettings,
    global_stats_json,
    stats_tree_json,
)
from gatling_common.results.report.report_data import report_data
from gatling_common.results.statistics.percentiles import Hist, java_round, rounded_percentile
from gatling_common.results.statistics.pod_series import _order_by
from gatling_common.results.statistics.quantize import (
    _BUCKET,
    _bucket_of,
    bucket_of,
    bucket_value,
    quantize,
)
from gatling_common.results.statistics.sparse import SparseCounts, group_count
from gatling_common.results.statistics.stats import RunStats, stats_of_batches
from hypothesis import given, settings
from hypothesis import strategies as st

KEYS = [((), "Home"), (("Shop",), "Cart"), (("Shop", "Pay"), "Authorize"), ((), "Logout")]
GROUPS = [("Shop",), ("Shop", "Pay")]
SCENARIOS = ["Browse", "Buy"]
MESSAGES = ["status 500", "timeout ", "jsonPath failed"]
T0 = 1_700_000_000_000


@dataclass
class Records:
    """Plain records (tuples) so tests can concatenate and recount them independently."""

    requests: list[tuple[int, int, int, bool, int]]  # key, start, end, ok, message
    groups: list[tuple[int, int, int, int, bool]]  # group, start, end, cumulated, ok
    users: list[tuple[int, bool, int]]  # scenario, start, time
    errors: list[tuple[int, int]]  # message, time

    def __add__(self, other: Records) -> Records:
        return Records(
            self.requests + other.requests,
            self.groups + other.groups,
            self.users + other.users,
            self.errors + other.errors,
        )


def strings() -> FileStrings:
    s = FileStrings()
    for groups, name in KEYS:
        s.request_keys.intern(request_key(groups, name))
    for g in GROUPS:
        s.groups.intern(group_path(g))
    for sc in SCENARIOS:
        s.scenarios.intern(sc)
    for m in MESSAGES:
        s.messages.intern(m)
    return s


def to_batch(r: Records) -> RecordBatch:
    def col(rows: list[tuple[object, ...]], i: int, dtype: type) -> np.ndarray:
        return np.array([row[i] for row in rows], dtype=dtype)

    q, g, u, e = r.requests, r.groups, r.users, r.errors
    return RecordBatch(
        col(q, 0, np.int32),
        col(q, 1, np.int64),
        col(q, 2, np.int64),
        col(q, 3, np.bool_),
        col(q, 4, np.int32),
        col(g, 0, np.int32),
        col(g, 1, np.int64),
        col(g, 2, np.int64),
        col(g, 3, np.int64),
        col(g, 4, np.bool_),
        col(u, 0, np.int32),
        col(u, 1, np.bool_),
        col(u, 2, np.int64),
        col(e, 0, np.int32),
        col(e, 1, np.int64),
    )


def stats_of(r: Records, chunk: int = 0) -> RunStats:
    batches = [to_batch(r)]
    if chunk:  # fold the same records in several batches: must not matter
        n = len(r.requests)
        batches = [
            to_batch(Records(r.requests[i : i + chunk], [], [], []))
            for i in range(0, max(n, 1), chunk)
        ] + [to_batch(Records([], r.groups, r.users, r.errors))]
    return stats_of_batches(batches, strings())


_time = st.integers(T0, T0 + 3_000_000)
_rt = st.one_of(st.integers(0, 60), st.integers(0, 5000), st.integers(0, 70_000))


@st.composite
def records(draw: st.DrawFn, max_size: int = 60) -> Records:
    reqs = []
    for _ in range(draw(st.integers(0, max_size))):
        start, rt, ok = draw(_time), draw(_rt), draw(st.booleans())
        msg = NO_MESSAGE if ok else draw(st.sampled_from([NO_MESSAGE, 0, 1, 2]))
        end = draw(st.sampled_from([start + rt, start + rt, -1]))  # some ignored (end < 0)
        reqs.append((draw(st.integers(0, len(KEYS) - 1)), start, end, ok, msg))
    groups = [
        (draw(st.integers(0, 1)), s, s + d, draw(st.integers(0, d)), draw(st.booleans()))
        for s, d in draw(st.lists(st.tuples(_time, st.integers(0, 9000)), max_size=10))
    ]
    users = draw(st.lists(st.tuples(st.integers(0, 1), st.booleans(), _time), max_size=10))
    errors = draw(st.lists(st.tuples(st.integers(0, 2), _time), max_size=5))
    return Records(reqs, groups, users, errors)


SETTINGS = StatsSettings()


def outputs(stats: RunStats) -> dict[str, object]:
    data = report_data(stats, SETTINGS)
    del data["inputs"], data["series"]["inputs"]
    return data


@settings(max_examples=60, deadline=None)
@given(records(), records())
def test_stats_of_concatenation_equal_merge(a: Records, b: Records) -> None:
    merged = stats_of(a).merged(stats_of(b))
    whole = stats_of(a + b)
    assert merged.canonical(with_inputs=False) == whole.canonical(with_inputs=False)
    assert outputs(merged) == outputs(whole)
    json.dumps(report_data(merged, SETTINGS), allow_nan=False)  # plain JSON types only


@settings(max_examples=40, deadline=None)
@given(records(), st.integers(1, 7))
def test_batching_does_not_matter(a: Records, chunk: int) -> None:
    assert stats_of(a, chunk).canonical() == stats_of(a).canonical()


@settings(max_examples=30, deadline=None)
@given(records(20), records(20), records(20))
def test_merge_associative_and_commutative_on_outputs(a: Records, b: Records, c: Records) -> None:
    sa, sb, sc = stats_of(a), stats_of(b), stats_of(c)
    left = sa.merged(sb).merged(sc)
    right = sa.merged(sb.merged(sc))
    assert left == right
    swapped = outputs(sb.merged(sa))
    straight = outputs(sa.merged(sb))
    assert swapped["stats"]["stats"] == straight["stats"]["stats"]  # type: ignore[index]
    assert swapped["errors"] == straight["errors"] or sorted(
        map(str, swapped["errors"])  # type: ignore[call-overload]
    ) == sorted(map(str, straight["errors"]))  # type: ignore[call-overload]


def _expected_node(rts: list[int], oks: list[bool], duration: int) -> dict[str, object]:
    """Gatling's numbers recomputed the plain way from raw values."""
    out: dict[str, object] = {}

    def split(values: list[int]) -> tuple[int, ...]:
        if not values:
            return (0,) * 9
        arr = np.array(values, dtype=np.float64)
        mean = sum(values) / len(values)
        std = math.sqrt(max(sum(v * v for v in values) / len(values) - mean * mean, 0))
        pcts = [java_round(float(np.percentile(arr, p))) for p in (50, 75, 95, 99)]
        return (len(values), min(values), max(values), java_round(mean), java_round(std), *pcts)

    ok = [t for t, o in zip(rts, oks, strict=True) if o]
    ko = [t for t, o in zip(rts, oks, strict=True) if not o]
    for i, name in enumerate(
        [
            "numberOfRequests",
            "minResponseTime",
            "maxResponseTime",
            "meanResponseTime",
            "standardDeviation",
            "percentiles1",
            "percentiles2",
            "percentiles3",
            "percentiles4",
        ]
    ):
        out[name] = {"total": split(rts)[i], "ok": split(ok)[i], "ko": split(ko)[i]}
    low = sum(1 for t in ok if t < 800)
    high = sum(1 for t in ok if t >= 1200)
    counts = [low, len(ok) - low - high, high, len(ko)]
    for i, c in enumerate(counts):
        pct = math.floor(c / len(rts) * 100 + 0.5) if rts else 0
        out[f"group{i + 1}"] = {"count": c, "percentage": pct}
    out["meanNumberOfRequestsPerSecond"] = {
        k: (len(v) / max(duration, 1) if v else 0)
        for k, v in (("total", rts), ("ok", ok), ("ko", ko))
    }
    return out


@settings(max_examples=60, deadline=None)
@given(records())
def test_global_numbers_equal_plain_recomputation(a: Records) -> None:
    stats = stats_of(a)
    got = global_stats_json(stats, SETTINGS)
    valid = [r for r in a.requests if r[2] >= 0]
    starts = [r[1] for r in valid] + [g[1] for g in a.groups] + [u[2] for u in a.users if u[1]]
    ends = [r[2] for r in valid] + [g[2] for g in a.groups] + [u[2] for u in a.users]
    duration = math.ceil((max(ends) - min(starts)) / 1000) if starts and ends else 0
    expected = _expected_node([r[2] - r[1] for r in valid], [r[3] for r in valid], duration)
    for key, value in expected.items():
        if key.startswith("group"):
            assert {k: got[key][k] for k in ("count", "percentage")} == value, key
        else:
            assert got[key] == value, key


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.integers(0, 100_000), min_size=1, max_size=300),
    st.floats(0, 100, allow_nan=False),
)
def test_percentile_equals_numpy_linear_then_half_up(values: list[int], p: float) -> None:
    keys, counts = group_count([np.array(values, np.int64)])
    hist = Hist(keys[0], counts)
    assert rounded_percentile(hist, p) == math.floor(np.percentile(values, p) + 0.5)


def test_java_round_is_half_up() -> None:
    assert [java_round(x) for x in (0.5, 1.5, 2.5, -0.5, -1.5, 2.4999)] == [1, 2, 3, 0, -1, 2]


def test_sparse_counts_sum_weights_exactly_beyond_float_precision() -> None:
    table = SparseCounts(2)
    big = np.array([2**60, 2**60 + 1], np.int64)
    table.add([np.array([1, 1]), np.array([5, 5])], big)
    assert table.columns[0].tolist() == [1] and int(table.counts[0]) == 2**61 + 1


@pytest.mark.parametrize("span_bits", [(4, 12), (10, 21), (15, 16), (16, 16), (30, 31), (31, 33)])
@pytest.mark.parametrize("weighted", [False, True])
def test_group_count_equals_a_plain_count_at_every_code_width(
    span_bits: tuple[int, int], weighted: bool
) -> None:
    """Codes of up to 31 bits are sorted as int32, wider ones as int64, wider than 62 bits by
    columns; dense ranges are counted: every way gives the plain count, rows in order."""
    rng = np.random.default_rng(sum(span_bits))
    cols = [rng.integers(-5, 1 << bits, 3000) for bits in span_bits]
    cols[0][:1500] = cols[0][1500:]  # repeated rows
    cols[1][:1500] = cols[1][1500:]
    weights = rng.integers(1, 1000, 3000) if weighted else None
    rows, counts = group_count(cols, weights)
    expected: dict[tuple[int, int], int] = {}
    for i, row in enumerate(zip(*(c.tolist() for c in cols), strict=True)):
        expected[row] = expected.get(row, 0) + (1 if weights is None else int(weights[i]))
    got = list(zip(*(r.tolist() for r in rows), strict=True))
    assert got == sorted(expected) and counts.tolist() == [expected[r] for r in got]


@pytest.mark.parametrize("value_span", [1, 1000, 1 << 40, 1 << 60])
def test_rows_ordered_by_group_then_value_as_lexsort_would(value_span: int) -> None:
    rng = np.random.default_rng(value_span % 97)
    group = rng.integers(0, 5000, 20_000)
    values = rng.integers(-value_span, value_span, 20_000)
    assert np.array_equal(_order_by(group, values), np.lexsort((values, group)))


def test_quantize_keeps_small_values_and_bounds_error() -> None:
    values = np.arange(0, 200_000, 7, dtype=np.int64)
    q = quantize(values)
    assert np.array_equal(q[values < 64], values[values < 64])
    assert np.all(np.abs(q - values) <= values / 64 + 1)


def test_quantization_buckets_are_ordered_small_and_give_the_quantized_time() -> None:
    """The fold counts OK times by bucket number: the order of times, 9 bits up to 2**17 ms,
    and back to exactly the quantized time, past the lookup tables too."""
    values = np.concatenate(
        [np.arange(0, 1 << 18, dtype=np.int64), np.array([(1 << 40) + 12345, (1 << 40) - 1])]
    )
    buckets = bucket_of(values)
    assert np.all(np.diff(buckets[:-1]) >= 0) and int(buckets[(1 << 17) - 1]) < 512
    assert np.array_equal(bucket_value(buckets), quantize(values))
    same = buckets[1:] == buckets[:-1]  # neighbours share a bucket only if they share its time
    assert np.array_equal(same[:-1], (quantize(values[1:]) == quantize(values[:-1]))[:-1])


def test_the_bucket_table_is_bucket_of() -> None:
    """The lookup table, counted out at import, is the arithmetic's result for every time."""
    assert np.array_equal(_BUCKET, _bucket_of(np.arange(len(_BUCKET), dtype=np.int64)))


def test_groups_listed_only_with_requests_and_nested() -> None:
    r = Records(
        [(2, T0, T0 + 900, True, NO_MESSAGE), (0, T0, T0 + 10, False, 1)],
        [(1, T0, T0 + 1000, 950, True), (0, T0, T0 + 2000, 1900, True)],
        [(0, True, T0), (0, False, T0 + 3000)],
        [(0, T0 + 5)],
    )
    tree = stats_tree_json(stats_of(r), SETTINGS)
    shop = tree["contents"]["group_shop-2576150"]
    assert shop["path"] == "Shop" and shop["type"] == "GROUP"
    pay = shop["contents"]["group_pay-80008"]
    assert pay["path"] == "Shop / Pay" and pay["pathFormatted"] == "group_shop---pay--667267187"
    assert pay["stats"]["meanResponseTime"] == {"total": 950, "ok": 950, "ko": 0}
    req = pay["contents"]["req_authorize--815388727"]
    assert req["path"] == "Shop / Pay / Authorize"
    assert req["pathFormatted"] == "req_shop---pay---au--1020515067"
    assert req["stats"]["group2"]["count"] == 1
    assert list(tree["contents"]) == ["group_shop-2576150", "req_home-2255103"]


def _random_records(seed: int, n: int, span_ms: int, max_rt: int = 3000) -> Records:
    rng = np.random.default_rng(seed)
    starts = T0 + rng.integers(0, span_ms, n)
    rts = rng.integers(0, max_rt, n)
    oks = rng.random(n) > 0.2
    keys = rng.integers(0, len(KEYS), n)
    reqs = [
        (int(k), int(s), int(s + r), bool(o), NO_MESSAGE if o else 0)
        for k, s, r, o in zip(keys, starts, rts, oks, strict=True)
    ]
    users = [(0, True, T0), (1, True, T0 + 1500), (0, False, T0 + span_ms)]
    return Records(reqs, [], users, [])


def test_busy_per_second_tables_coarsen_to_blocks_and_stay_mergeable() -> None:
    r = _random_records(5, 4000, 300_000, max_rt=20)
    exact = stats_of(r)
    small = stats_of_batches([to_batch(r)], strings(), row_budget=2000)
    res = small.resolution["inp_ok_rt"]
    assert 1 < res < 300 and len(small.tables["inp_ok_rt"]) <= 2000
    assert exact.resolution["inp_ok_rt"] == 1
    # Every other table, hence every stats.json number, is untouched.
    for name in ("req_rt", "grp_cum", "grp_dur", "inp_resp", "errors"):
        assert small.canonical()["tables"][name] == exact.canonical()["tables"][name]
    assert stats_tree_json(small, SETTINGS) == stats_tree_json(exact, SETTINGS)
    # Merging with an uncoarsened value takes the coarser resolution.
    merged = small.merged(exact)
    assert merged.resolution["inp_ok_rt"] >= res
    assert merged.tables["inp_ok_rt"].counts.sum() == 2 * exact.tables["inp_ok_rt"].counts.sum()
