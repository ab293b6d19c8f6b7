"""Chart data read off Gatling's own pages (3.0 to 3.14) equals what the acceptance extraction
read from them (expected_series.json), page by page; the overlay then draws it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from gatling_common.baseline import load_baseline
from gatling_common.baseline.gatling_pages import page_series, stats_json_files

from tests.baseline.helpers import build_report
from tests.baseline.test_overlay import chart, page_data
from tests.support.shared import gatling_report, gatling_report_names

KEYS = ("percentiles", "duration_percentiles", "requests")


@pytest.mark.shared
@pytest.mark.parametrize("name", gatling_report_names())
def test_every_pages_percentiles_and_requests_equal_the_expected_series(name: str):
    folder = gatling_report(name)
    expected = json.loads((folder / "expected_series.json").read_text("utf-8"))["pages"]
    baseline = load_baseline(str(folder))
    assert baseline.series is not None
    got = {(p["kind"], tuple(p["path"])): p for p in baseline.series["pages"]}
    compared = 0
    for page in expected:
        for key in KEYS:
            if key in page:
                mine = got[(page["kind"], tuple(page["path"]))]
                assert mine[key] == page[key], (page["kind"], page["path"], key)
                compared += 1
    assert compared >= len(expected)  # every page has at least one of them


def test_a_page_whose_data_is_not_gatlings_is_left_out():
    broken = "renderTo: 'requests' var x = unpack([[1, [2, 3"  # cut off
    assert page_series("request", ("A",), broken) is None
    packed = "var requests = unpack([[10,[3,2,1]],[11,[1,1,0]]]);\nrenderTo: 'requests'"
    assert page_series("request", ("A",), packed) == {
        "kind": "request",
        "path": ["A"],
        "requests": [[10, 3, 2, 1], [11, 1, 1, 0]],
    }
    wrong = "var requests = unpack([[10,\"x\"]]);\nrenderTo: 'requests'"
    assert page_series("request", ("A",), wrong) is None


def test_page_names_from_stats_json_are_file_names_only():
    tree = {
        "type": "GROUP",
        "contents": {
            "a": {"type": "REQUEST", "name": "A", "pathFormatted": "req_a-1"},
            "b": {"type": "REQUEST", "name": "B", "pathFormatted": "../../etc/passwd"},
            "g": {
                "type": "GROUP",
                "name": "G",
                "pathFormatted": "group_g-2",
                "contents": {"c": {"type": "REQUEST", "name": "C", "pathFormatted": "req_c-3"}},
            },
        },
    }
    assert stats_json_files(tree) == {
        ("request", ("A",)): "req_a-1.html",
        ("group", ("G",)): "group_g-2.html",
        ("request", ("G", "C")): "req_c-3.html",
    }


@pytest.mark.shared
@pytest.mark.parametrize("name", ["v3.9.5-groups-islombek", "v3.14.3bin-store-daru1914"])
def test_our_report_against_gatlings_draws_gatlings_p95(name: str, tmp_path: Path):
    folder = gatling_report(name)
    expected = json.loads((folder / "expected_series.json").read_text("utf-8"))
    lower, higher = expected["source"]["bounds"]
    out = build_report(
        folder / "simulation.log",
        tmp_path / "ours",
        *("--lower-bound", str(lower), "--higher-bound", str(higher)),
        *("--baseline", str(folder)),
    )
    request = next(p for p in expected["pages"] if p["kind"] == "request")
    page = out / request["file"]  # our pages have Gatling's file names
    lines = {s["name"]: s for s in chart(page_data(page), "percentiles")["series"]}
    want = [None if v is None else v[7] for _, v in request["percentiles"]]
    assert lines["Baseline p95"]["y"] == want
    assert lines["Baseline p95"]["x"][0] == request["percentiles"][0][0] * 1000  # same log
