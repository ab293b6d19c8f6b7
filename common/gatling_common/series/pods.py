"""Each input's (pod's) own totals, exact: the pods page compares injectors by these."""

from __future__ import annotations

from typing import Any

import numpy as np

from gatling_common.results.statistics.percentiles import hist_of, java_round, rounded_percentile
from gatling_common.series.collect import SeriesRecords, group_rows


def pod_numbers(records: SeriesRecords, inputs: int) -> list[dict[str, Any]]:
    """Per input: requests, KO, and the mean, p95 and max of its OK response times (as the
    statistics table computes them; None without OK response)."""
    req = records.requests
    inp, ok = req.get("input"), req.get("ok", np.bool_)
    rt = req.get("end") - req.get("start")
    order, bounds = group_rows(inp, inputs)
    found = []
    for i in range(inputs):
        rows = order[bounds[i] : bounds[i + 1]]
        good = rt[rows][ok[rows]]
        entry: dict[str, Any] = {"requests": len(rows), "ko": int((~ok[rows]).sum())}
        if len(good):
            values, counts = np.unique(good, return_counts=True)
            hist = hist_of(values.astype(np.int64), counts.astype(np.int64))
            entry.update(
                mean=java_round(float(good.mean())),
                p95=rounded_percentile(hist, 95.0),
                max=int(good.max()),
            )
        else:
            entry.update(mean=None, p95=None, max=None)
        found.append(entry)
    return found
