"""Whole reports compared: a report with itself, with Gatling's own report of the same log, and
with a run made slower (generated), through `gatling-reporter build --baseline`."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from gatling_common.baseline import compare, load_baseline
from gatling_common.results.generators.generate import RunSpec, write_text_log

from tests.baseline.helpers import build_report, cli, copy_log
from tests.support.shared import gatling_fixture, gatling_report, gatling_report_names

RANGES = ("range_below", "range_between", "range_above", "range_failed")
NON_PERCENTILE = ("count", "ok", "ko", "ko_percent", "mean", "min", "max", "rps", *RANGES)


def comparison_of(out: Path) -> dict:
    return json.loads((out / "summary.json").read_text("utf-8"))["comparison"]


@pytest.mark.shared
def test_a_report_compared_with_itself_shows_zero_change_everywhere(tmp_path: Path):
    log = copy_log(gatling_fixture("v3.9.5-cats-kztka", "simulation.log"), tmp_path / "in")
    first = build_report(log, tmp_path / "first")
    second = build_report(log, tmp_path / "second", "--baseline", str(first))
    section = comparison_of(second)
    assert section["baseline"]["ref"] == str(first)
    assert section["baseline"]["kind"] == "ours"
    assert (section["added"], section["removed"]) == ([], [])
    stats = json.loads((first / "js" / "stats.json").read_text())
    nodes = re.findall(r'"type": "(?:GROUP|REQUEST)"', json.dumps(stats))
    assert len(section["deltas"]) == len(nodes) > 2
    for node in section["deltas"]:
        assert node["verdict"] == "same", node
        for m in node["metrics"]:
            assert (m["change"], m["relative"], m["verdict"]) == (0, 0.0, "same"), (node, m)
    # the loaded baseline compared with its own folder: the same, from the files
    same = load_baseline(str(first))
    assert all(m.change == 0 for d in compare(same.stats, same.stats).deltas for m in d.metrics)


@pytest.mark.shared
@pytest.mark.parametrize("name", gatling_report_names())
def test_against_gatlings_own_report_only_percentiles_move(name: str, tmp_path: Path):
    """Counts, KO %, mean, min, max and rps equal Gatling's exactly, every node is matched;
    percentiles differ only by Gatling's approximation (3.13+ estimates: rule P3)."""
    folder = gatling_report(name)
    from_table = not (folder / "js" / "stats.json").is_file()  # 3.14: its index.html's table
    lower, higher = json.loads((folder / "expected_series.json").read_text())["source"]["bounds"]
    out = build_report(
        folder / "simulation.log",
        tmp_path / "ours",
        *("--lower-bound", str(lower), "--higher-bound", str(higher)),
        *("--baseline", str(folder)),
    )
    section = comparison_of(out)
    assert section["baseline"]["kind"] == "gatling"
    assert (section["added"], section["removed"]) == ([], [])
    assert len(section["deltas"]) == len(load_baseline(str(folder)).stats.nodes)
    estimates = name.startswith(("v3.13", "v3.14"))
    for node in section["deltas"]:
        names = {m["metric"] for m in node["metrics"]}
        assert set(RANGES) <= names or from_table, (node["path"], names)  # 3.14: no ranges
        for m in node["metrics"]:
            if m["metric"] == "rps" and from_table:
                assert abs(m["change"]) <= 0.005, (node["path"], m)  # the table's 2 decimals
            elif m["metric"] in NON_PERCENTILE:
                assert m["change"] == 0, (node["path"], m)
            elif estimates:
                assert abs(m["relative"]) <= 0.5, (node["path"], m)  # Gatling's estimates
            else:
                assert abs(m["change"]) <= 2 or abs(m["relative"]) <= 0.03, (node["path"], m)


def slower(log: Path, target: Path, name: str, factor: int) -> Path:
    """The same log with `name`'s response times multiplied by `factor` (its end moved)."""
    lines = []
    for line in log.read_text().splitlines(keepends=True):
        fields = line.split("\t")
        if fields[0] == "REQUEST" and fields[2] == name:
            start, end = int(fields[3]), int(fields[4])
            fields[4] = str(start + (end - start) * factor)
        lines.append("\t".join(fields))
    target.write_text("".join(lines))
    return target


def test_a_slower_run_flags_exactly_the_request_made_slower(tmp_path: Path):
    base_log = write_text_log(tmp_path / "base.log", RunSpec(requests=3000, duration_s=60))
    slow_log = slower(base_log, tmp_path / "slow.log", "Search", 2)
    base = build_report(base_log, tmp_path / "base")
    out = build_report(slow_log, tmp_path / "slow", "--baseline", str(base))
    section = comparison_of(out)
    requests = [d for d in section["deltas"] if d["kind"] == "request"]
    assert len(requests) >= 10
    flagged = {tuple(d["path"]) for d in requests if d["verdict"] == "worse"}
    assert flagged == {("Search",)}
    search = next(d for d in requests if d["path"] == ["Search"])
    worse = {m["metric"] for m in search["metrics"] if m["verdict"] == "worse"}
    assert {"mean", "max", "p50", "p75", "p95", "p99"} <= worse
    assert all(d["verdict"] == "same" for d in requests if d["path"] != ["Search"])
    groups = [d for d in section["deltas"] if d["kind"] == "group"]
    assert groups and all(d["verdict"] == "same" for d in groups)  # Search is in no group


def test_relative_thresholds_through_the_cli(tmp_path: Path):
    base_log = write_text_log(tmp_path / "base.log", RunSpec(requests=2000, duration_s=30))
    slow_log = slower(base_log, tmp_path / "slow.log", "Search", 3)
    base = build_report(base_log, tmp_path / "base")
    junit = tmp_path / "junit.xml"
    code, out, err = cli(
        *("build", str(slow_log), "-o", str(tmp_path / "slow"), "--junit", str(junit)),
        *("--assert", 'request("Search").p95 < baseline * 1.10'),
        *("--assert", 'request("Home").p95 <= baseline * 1.10'),
        *("--assert", "global.ko_percent <= baseline + 1"),
        env={"GATLING_REPORTER_BASELINE": str(base)},
    )
    assert code == 3, (out, err)
    assert "Thresholds: 2 passed, 1 failed" in out
    assert '  FAILED  request("Search").p95 < baseline * 1.10  (actual ' in out
    assert err.startswith('error: 1 of 3 assertions failed: request("Search").p95 < baseline')
    summary = json.loads((tmp_path / "slow" / "summary.json").read_text())
    failed = next(t for t in summary["thresholds"] if not t["passed"])
    assert failed["limit"] == pytest.approx(failed["baseline"] * 1.1)
    assert failed["actual"] >= failed["limit"]
    text = junit.read_text()
    assert 'failures="1"' in text and f"baseline {int(failed['baseline'])}, limit" in text


def test_cli_errors_for_a_bad_baseline_and_a_missing_one(tmp_path: Path):
    log = write_text_log(tmp_path / "run.log", RunSpec(requests=200, duration_s=10))
    missing = tmp_path / "nowhere"
    code, _, err = cli("build", str(log), "-o", str(tmp_path / "a"), "--baseline", str(missing))
    assert (code, err) == (
        2,
        f"error: --baseline {missing}: {missing}: does not exist; expected a report folder "
        "(with js/stats.json) or a storage URL\n",
    )
    assert not (tmp_path / "a").exists()  # failed before the build
    code, _, err = cli(
        *("build", str(log), "-o", str(tmp_path / "b"), "--assert", "global.p95 < baseline"),
    )
    assert (code, err) == (
        2,
        "error: threshold 'global.p95 < baseline' compares with the baseline, "
        "but no --baseline was given\n",
    )
    base = build_report(log, tmp_path / "base")
    code, _, err = cli(
        *("build", str(log), "-o", str(tmp_path / "c"), "--baseline", str(base)),
        *("--assert", 'request("Nope").mean < baseline'),
    )
    assert code == 2
    assert err.startswith(
        'error: threshold request("Nope"): no request of that name in the baseline (known: '
    )


def test_report_compares_with_the_previous_report_at_its_own_location(tmp_path: Path):
    """`report --baseline URL` reads the published build (the location's index.html points at
    it) before publishing over it."""
    source = tmp_path / "run"
    source.mkdir()
    write_text_log(source / "pod-1.log", RunSpec(requests=500, duration_s=10))
    location = (tmp_path / "site").as_uri()
    common = ("report", "--source", source.as_uri(), "--destination", location)
    code, out, err = cli(*common, "--progress-level", "ERROR")
    assert code == 0, (out, err)
    code, out, err = cli(
        *common,
        *("--progress-level", "ERROR", "--assert", "global.p95 <= baseline"),
        env={"GATLING_REPORTER_BASELINE": location},
    )
    assert code == 0, (out, err)
    assert "  passed  global.p95 <= baseline  (actual " in out
    section = comparison_of(tmp_path / "site")  # the root copy of the new summary.json
    assert section["baseline"]["ref"] == location
    assert section["deltas"] and all(d["verdict"] == "same" for d in section["deltas"])
