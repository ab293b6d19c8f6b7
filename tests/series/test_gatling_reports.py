"""`js/series.json` of `gatling-reporter build` against the chart data of Gatling's own report
pages for the same log (../shared/fixtures/gatling-reports, compared as series-schema.md says)."""

from __future__ import annotations

import copy
import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from gatling_common.results.readers.reader import open_log
from gatling_common.results.records import split_request_key
from gatling_reporter.cli import main

from tests.series.compare import compare
from tests.support.shared import gatling_report, gatling_report_names

MUTATION_FIXTURE = "v3.6.1-groups-ohrusha-1795s"  # long run, groups: every kind of series


def build_series(folder: Path, out: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    expected = json.loads((folder / "expected_series.json").read_text("utf-8"))
    lower, higher = expected["source"]["bounds"]
    args = ["build", str(folder / "simulation.log"), "-o", str(out)]
    args += ["--lower-bound", str(lower), "--higher-bound", str(higher)]
    result = CliRunner().invoke(main, args)
    # 3: the simulation's own assertions failed (test_simulation_assertions pins which)
    assert result.exit_code in (0, 3), result.output
    return json.loads((out / "js" / "series.json").read_text("utf-8")), expected


def pages(doc: dict[str, Any]) -> set[tuple[str, tuple[str, ...]]]:
    return {(p["kind"], tuple(p["path"])) for p in doc["pages"]}


@pytest.mark.shared
@pytest.mark.parametrize("name", gatling_report_names())
def test_series_equal_gatlings_pages(name: str, tmp_path: Path) -> None:
    ours, expected = build_series(gatling_report(name), tmp_path / "report")
    assert ours["schema"] == "gatling-series/1"
    assert ours["source"]["version"] == expected["source"]["version"]
    assert pages(ours) == pages(expected)  # G1: the same pages, none missing, none extra
    assert compare(ours, expected) == []


def _mutate(page: dict[str, Any], series: str) -> None:
    value = page[series]
    if series in ("requests", "responses"):
        value[len(value) // 2][2] += 1
    elif series.endswith("percentiles"):
        next(p for p in value if p[1] is not None)[1][0] += 1  # min: always exact
    elif series.endswith("distribution"):
        value["ok"][0][1] += 0.02
    elif series == "ranges":
        value["counts"][0] += 1
    elif series == "users_all":
        value[3][1] += 1
    elif series == "outcome":
        value[1] += 1
    elif series == "request_counts":
        value[0][1] += 1
    elif series == "rps_scatter":
        value["ok"][0][0] += 1


@pytest.mark.shared
@pytest.mark.parametrize(
    "series",
    ["requests", "responses", "percentiles", "distribution", "ranges", "users_all", "outcome",
     "request_counts", "rps_scatter", "duration_percentiles", "cumulated_distribution"],
)  # fmt: skip
def test_the_check_finds_one_wrong_value(series: str, tmp_path: Path) -> None:
    """The comparison above can fail: one value changed in one page is reported."""
    ours, expected = build_series(gatling_report(MUTATION_FIXTURE), tmp_path / "report")
    changed = copy.deepcopy(ours)
    page = [p for p in changed["pages"] if series in p][-1]
    _mutate(page, series)
    diffs = compare(changed, expected)
    assert len(diffs) == 1
    assert str(tuple(page["path"])) in diffs[0] and series in diffs[0]


def _without_percentiles(tree: Any) -> Any:
    """Gatling's stats.json percentiles are estimates in places (tests/results checks ours are
    exact); every other value, name and label must be Gatling's."""
    return json.loads(re.sub(r'"percentiles\d": ?\{[^}]*\}', '"p": 0', json.dumps(tree)))


@pytest.mark.shared
@pytest.mark.parametrize("name", gatling_report_names())
def test_stats_json_in_the_logs_version_conventions(name: str, tmp_path: Path) -> None:
    """Range rule and labels, root name, pathFormatted (file names), percentages: as the
    version that wrote the log wrote them, found by the build itself."""
    folder = gatling_report(name)
    if not (folder / "js" / "stats.json").is_file():
        pytest.skip(f"{name}: Gatling wrote no js/stats.json (3.14)")
    build_series(folder, tmp_path / "report")
    for file in ("stats.json", "global_stats.json"):
        ours = json.loads((tmp_path / "report" / "js" / file).read_text("utf-8"))
        theirs = json.loads((folder / "js" / file).read_text("utf-8"))
        assert _without_percentiles(ours) == _without_percentiles(theirs), file


@pytest.mark.shared
def test_errors_per_request_and_group_equal_a_recount(tmp_path: Path) -> None:
    """Each request page lists its own KO messages; a group page those of the requests in it."""
    folder = gatling_report("v3.1.1-groups-jacksolirius")
    ours, _ = build_series(folder, tmp_path / "report")
    per_key: dict[tuple[str, ...], Counter[str]] = {}
    with open_log(folder / "simulation.log") as reader:
        for b in reader:
            for k, ok, m in zip(b.req_key, b.req_ok, b.req_message, strict=True):
                groups, name = split_request_key(reader.strings.request_keys.values[k])
                if not ok and m >= 0:
                    per_key.setdefault((*groups, name), Counter())[
                        reader.strings.messages.values[m]
                    ] += 1
    assert per_key  # the fixture has KO requests with messages
    for page in ours["pages"]:
        path = tuple(page["path"])
        if page["kind"] == "request":
            want = per_key.get(path, Counter())
        elif page["kind"] == "group":
            want = sum((c for p, c in per_key.items() if p[: len(path)] == path), Counter())
        else:
            continue
        assert {m: c for m, c, _ in page["errors"]} == dict(want), path
        assert sum(pct for *_, pct in page["errors"]) == pytest.approx(100 if want else 0)
