"""The users charts: active users (U1, before 3.14), concurrent users and users started per
second (U2, U3, Gatling 3.14)."""

from __future__ import annotations

import numpy as np

from gatling_common.results.records import BOOL, I64
from gatling_common.series.axis import Axis


def active_users(axis: Axis, is_start: BOOL, time: I64) -> list[list[int]]:
    """U1: a user counts in every second it overlaps, its end's second included; each bucket
    shows the mean of its seconds, rounded down; a bucket no second falls in is left out.

    Computed from the seconds where the count changes, never one slot per second: records a
    year apart (runs merged from far apart) must not cost gigabytes."""
    seconds = max(1, -(-(axis.end - axis.start) // 1000))
    # second j is (S + 1000 j, S + 1000 (j + 1)]; an event at exactly S is in second 0
    j = np.clip(-(-(time - axis.start) // 1000) - 1, 0, seconds - 1)
    # active(j) rises at a start's second and falls the second after an end's
    points = np.concatenate((j[is_start], j[~is_start] + 1))
    deltas = np.concatenate((np.ones(int(is_start.sum()), np.int64),
                             -np.ones(int((~is_start).sum()), np.int64)))  # fmt: skip
    width = max(1, (axis.end - axis.start) // axis.length)
    # bucket k holds the seconds j with min(n - 1, floor(j · 1000 / W)) == k
    k = np.arange(axis.length + 1, dtype=np.int64)
    bounds = np.minimum(-(-(k * width) // 1000), seconds)
    bounds[-1] = seconds
    sums = np.diff(step_integral(points, deltas, bounds))
    sizes = np.diff(bounds)
    labels = axis.labels()
    return [[labels[b], int(sums[b] // sizes[b])] for b in range(axis.length) if sizes[b] > 0]


def step_integral(points: I64, deltas: I64, at: I64) -> I64:
    """For each x in `at`: the sum over integer seconds s < x of f(s), where f is 0 before the
    first point and changes by `deltas` at `points`."""
    if len(points) == 0:
        return np.zeros(len(at), np.int64)
    order = np.argsort(points, kind="stable")
    pts, level = points[order], np.cumsum(deltas[order])
    last = np.concatenate((pts[1:] != pts[:-1], [True]))  # one level per distinct point
    pts, level = pts[last], level[last]
    area = np.concatenate(([0], np.cumsum(level[:-1] * np.diff(pts))))
    i = np.searchsorted(pts, at, side="right") - 1
    ii = np.maximum(i, 0)
    return np.where(i >= 0, area[ii] + level[ii] * (at - pts[ii]), 0).astype(np.int64)


def concurrent_users(axis: Axis, is_start: BOOL, time: I64) -> list[list[int]]:
    """U2: per bucket the most users running at any moment in [S + k·step, S + (k+1)·step),
    then the running maximum of that."""
    order = np.lexsort((is_start, time))  # at one instant, ends before starts
    delta = np.where(is_start[order], 1, -1)
    running = np.cumsum(delta)
    bucket = np.clip((time[order] - axis.start) // axis.step, 0, axis.length - 1)
    peak = np.zeros(axis.length, np.int64)
    np.maximum.at(peak, bucket, running)
    # the number running when a bucket begins counts too: the last value before it
    before = np.zeros(axis.length, np.int64)
    last = np.full(axis.length, -1, np.int64)
    np.maximum.at(last, bucket, np.arange(len(bucket)))
    carried = 0
    for k in range(axis.length):
        before[k] = carried
        if last[k] >= 0:
            carried = int(running[last[k]])
    peak = np.maximum(np.maximum(peak, before), 0)
    labels = axis.labels()
    return [[t, int(v)] for t, v in zip(labels, np.maximum.accumulate(peak), strict=True)]


def user_starts(axis: Axis, is_start: BOOL, time: I64) -> list[list[int]]:
    """U3: starts per bucket (a start at ts counts in bucket max(0, ceil((ts - S)/step) - 1)),
    as round(count · 1000 / ((E - S) / n))."""
    ts = time[is_start]
    bucket = np.clip(-(-(ts - axis.start) // axis.step) - 1, 0, axis.length - 1)
    counts = np.bincount(bucket, minlength=axis.length)
    width = (axis.end - axis.start) / axis.length
    labels = axis.labels()
    if width <= 0:
        return [[t, int(c)] for t, c in zip(labels, counts, strict=True)]
    return [
        [t, int(np.floor(int(c) * 1000 / width + 0.5))] for t, c in zip(labels, counts, strict=True)
    ]
