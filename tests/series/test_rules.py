"""Gatling's chart rules on hand-made records: each case pins one rule of series-schema.md."""

from __future__ import annotations

import itertools
import tracemalloc
from typing import Any

import numpy as np
from gatling_common.results.records import FileStrings, RecordBatch, request_key
from gatling_common.series.axis import Axis
from gatling_common.series.collect import SeriesRecords
from gatling_common.series.distribution import distribution
from gatling_common.series.document import SeriesSettings, series_document
from gatling_common.series.percentiles import Grouped

T0 = 1_700_000_000_300  # a run starting 300 ms into a second


def records(
    requests: list[tuple[str, int, int, bool]],
    users: list[tuple[str, bool, int]] = (),  # type: ignore[assignment]
    groups: list[tuple[str, int, int, int, bool]] = (),  # type: ignore[assignment]
) -> SeriesRecords:
    strings = FileStrings()
    i32, i64 = np.int32, np.int64
    batch = RecordBatch(
        np.array([strings.request_keys.intern(k) for k, *_ in requests], i32),
        np.array([s for _, s, _, _ in requests], i64),
        np.array([e for _, _, e, _ in requests], i64),
        np.array([ok for *_, ok in requests], np.bool_),
        np.full(len(requests), -1, i32),
        np.array([strings.groups.intern(g) for g, *_ in groups], i32),
        np.array([g[1] for g in groups], i64),
        np.array([g[2] for g in groups], i64),
        np.array([g[3] for g in groups], i64),
        np.array([g[4] for g in groups], np.bool_),
        np.array([strings.scenarios.intern(s) for s, *_ in users], i32),
        np.array([u[1] for u in users], np.bool_),
        np.array([u[2] for u in users], i64),
        np.empty(0, i32),
        np.empty(0, i64),
    )
    found = SeriesRecords()
    found.add(batch, strings)
    return found


def doc(recs: SeriesRecords, version: str = "3.10.3") -> dict[str, Any]:
    return series_document(recs, SeriesSettings(800, 1200, version, ""))


def page(document: dict[str, Any], kind: str, *path: str) -> dict[str, Any]:
    return next(p for p in document["pages"] if p["kind"] == kind and tuple(p["path"]) == path)


A = request_key((), "a")


def test_short_run_buckets_are_centred_on_their_start() -> None:
    """T2-T4: 1 s buckets from S; a request 499 ms after a bucket's start stays in it, one at
    500 ms goes to the next; labels are the second holding each bucket's middle."""
    recs = records([(A, T0, T0 + 10, True), (A, T0 + 499, T0 + 510, True),
                    (A, T0 + 500, T0 + 2400, True)])  # fmt: skip
    g = page(doc(recs), "global")
    second = T0 // 1000
    assert g["requests"] == [[second, 2, 2, 0], [second + 1, 1, 1, 0], [second + 2, 0, 0, 0]]
    assert [p[0] for p in g["responses"]] == [second, second + 1, second + 2]
    assert g["responses"][2][1] == 1  # ended at S + 2400: nearest start is S + 2000


def test_long_run_counts_are_rates_of_each_side() -> None:
    """T2, T5: a 2,057 s run has 2.057 s buckets; OK and KO are each made a rate."""
    end = T0 + 2_056_500
    recs = records([(A, T0, T0 + 5, True), (A, T0 + 1, T0 + 6, False), (A, T0 + 9000, end, True)])
    axis = Axis.of_run(T0, end)
    assert (axis.step, axis.length) == (2057, 1000)
    g = page(doc(recs), "global")
    assert g["requests"][0][1:] == [0, 0, 0]  # one request in 2.057 s is 0.49/s: shows 0
    assert g["outcome"] == [0, 0]  # T7: the sum of the shown rates, not the count
    labels = [p[0] for p in g["requests"]]
    assert {b - a for a, b in itertools.pairwise(labels)} == {2, 3}


def test_percentiles_by_version() -> None:
    """P2: 3.0-3.12 interpolate and truncate; 3.13+ take the value at rank floor(q·n)."""
    grouped = Grouped.of(np.zeros(4, np.int64), np.array([10, 20, 30, 41], np.int64))
    assert grouped.percentile(0.5, ranked=False).tolist() == [25]  # 20 + 10 · 0.5
    assert grouped.percentile(0.99, ranked=False).tolist() == [40]  # 30 + 11 · 0.97 = 40.67
    assert grouped.percentile(0.5, ranked=True).tolist() == [30]
    assert grouped.table(ranked=True).tolist() == [[10, 20, 30, 41, 41, 41, 41, 41, 41, 41]]


def test_distribution_per_value_and_in_bars() -> None:
    """D2: spans of 100 ms or less, a bar per value per side; D3: 100 (or 101) bars."""
    small = distribution(np.array([5, 5, 7, 105], np.int64), np.array([1, 1, 0, 1], np.bool_))
    assert small == {"ok": [[5, 50.0], [105, 25.0]], "ko": [[7, 25.0]]}
    wide = distribution(np.array([0, 1000, 1000], np.int64), np.ones(3, np.bool_))
    assert len(wide["ok"]) == 100 and wide["ok"][0] == [5, 33.33]
    assert wide["ok"][-1] == [995, 66.66]
    assert all(pct == 0 for _, pct in wide["ko"]) and len(wide["ko"]) == 100


def test_ranges_follow_the_logs_version() -> None:
    """R1: exactly the higher bound is 'above' from 3.10, 'between' before."""
    recs = records([(A, T0, T0 + 1200, True), (A, T0, T0 + 10, False)])
    assert page(doc(recs, "3.10.3"), "request", "a")["ranges"]["counts"] == [0, 0, 1, 1]
    assert page(doc(recs, "3.9.5"), "request", "a")["ranges"]["counts"] == [0, 1, 0, 1]
    assert page(doc(recs, "3.9.5"), "request", "a")["ranges"]["percentages"] == [0, 50, 0, 50]


def test_group_pages_exist_for_every_group_holding_a_request() -> None:
    """G1: nested groups make a page per level; a group without GROUP records still has one,
    all null; a group holding no request has none."""
    nested = request_key(("outer", "inner"), "b")
    recs = records(
        [(A, T0, T0 + 5, True), (nested, T0 + 1, T0 + 9, True)],
        groups=[("outer\x1einner", T0 + 1, T0 + 9, 8, True), ("empty", T0, T0 + 3, 0, True)],
    )
    d = doc(recs)
    kinds = {(p["kind"], tuple(p["path"])) for p in d["pages"]}
    assert kinds == {("global", ()), ("request", ("a",)), ("request", ("outer", "inner", "b")),
                     ("group", ("outer",)), ("group", ("outer", "inner"))}  # fmt: skip
    outer = page(d, "group", "outer")
    assert all(v is None for _, v in outer["duration_percentiles"])
    assert outer["duration_distribution"] == {"ok": [], "ko": []}
    assert outer["ranges"]["counts"] == [0, 0, 0, 0]
    assert page(d, "group", "outer", "inner")["cumulated_percentiles"][0][1] == [8] * 10


def test_active_users_skip_buckets_no_second_falls_in() -> None:
    """U1: a user counts in every second it overlaps, its end's second included."""
    recs = records(
        [(A, T0, T0 + 2500, True)],
        users=[("s", True, T0), ("s", False, T0 + 1500), ("s", True, T0 + 1600)],
    )
    g = page(doc(recs), "global")
    second = T0 // 1000
    assert g["users"] == {"s": [[second, 1], [second + 1, 2], [second + 2, 1]]}
    assert g["users_all"] == g["users"]["s"]
    assert g["user_starts_all"][0][1] == 1


def test_hostile_names_are_kept_exactly() -> None:
    """Names are data: markup, quotes and separators of other formats pass through unchanged."""
    name = '</script><img src=x onerror=alert(1)> "a,b"\t\\'
    recs = records([(request_key(("g<1>",), name), T0, T0 + 5, True)])
    d = doc(recs)
    assert page(d, "request", "g<1>", name)["outcome"] == [1, 0]
    assert page(d, "global")["request_counts"] == [[name, 1, 0]]


def test_runs_far_apart_cost_no_slot_per_second() -> None:
    """Users 300 days apart: the users chart is computed from the changes, not per second
    (26 million seconds would cost over a gigabyte)."""
    later = T0 + 300 * 86_400_000
    recs = records(
        [(A, T0, T0 + 5, True), (A, later, later + 5, True)],
        users=[("s", True, T0), ("s", False, T0 + 6), ("s", True, later), ("s", False, later + 6)],
    )
    tracemalloc.start()
    try:
        g = page(doc(recs), "global")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 50_000_000
    assert len(g["users_all"]) <= 1000 and g["users_all"][0][1] == 0  # 1 user in 8.6 h: mean 0
    assert g["requests"][0][1:] == [0, 0, 0] and len(g["requests"]) == 1000
