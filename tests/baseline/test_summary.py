"""summary.json's baseline section: its exact shape."""

from __future__ import annotations

import json
from pathlib import Path

from gatling_common.baseline import baseline_summary, load_baseline, report_stats

from tests.baseline.helpers import request, tree, write_report


def test_section_records_the_baseline_every_delta_and_the_one_side_nodes(tmp_path: Path):
    folder = write_report(tmp_path / "base", tree(request("Pay", mean=100), request("Old")))
    baseline = load_baseline(str(folder))
    current = report_stats(tree(request("Pay", mean=150), request("New")), (50, 75, 95, 99))
    section = baseline_summary(baseline, current)
    json.dumps(section, allow_nan=False)  # plain JSON
    assert section["baseline"] == {"ref": str(folder), "kind": "ours", "run": baseline.run}
    assert section["percentiles"] == [50.0, 75.0, 95.0, 99.0]
    assert section["added"] == [{"kind": "request", "path": ["New"]}]
    assert section["removed"] == [{"kind": "request", "path": ["Old"]}]
    assert [(d["kind"], d["path"], d["verdict"]) for d in section["deltas"]] == [
        ("global", [], "same"),
        ("request", ["Pay"], "worse"),
    ]
    mean = next(m for m in section["deltas"][1]["metrics"] if m["metric"] == "mean")
    assert mean == {
        "metric": "mean",
        "baseline": 100,
        "current": 150,
        "change": 50,
        "relative": 0.5,
        "verdict": "worse",
    }
    assert isinstance(mean["baseline"], int)  # whole numbers stay integers
