"""Our statistics of real Gatling logs against the stats.json Gatling computed from them."""

from __future__ import annotations

import json
import math
import re
from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from gatling_common.results.readers.reader import open_log
from gatling_common.results.records import split_group_path, split_request_key
from gatling_common.results.report.gatling_json import (
    StatsSettings,
    for_version,
    global_stats_json,
    request_file_name,
    stats_tree_json,
)
from gatling_common.results.report.report_data import report_data
from gatling_common.results.report.summary import summary_json
from gatling_common.results.statistics.collect import stats_of_log
from gatling_common.results.statistics.percentiles import java_round
from gatling_common.results.statistics.shard import load_shard, write_shard
from gatling_common.results.statistics.stats import RunStats, merge_all

from tests.support.shared import gatling_fixture

WITH_STATS_JSON = [
    "v3.1.2-game-practicads-2.7MB",
    "v3.3.1-karate-2vireddy",
    "v3.5.1-apicurio-45u-3.5MB",
    "v3.6.1-search-sqshq-1",
    "v3.7.4-kotlin-savvagen",
    "v3.9.5-cats-kztka",
    "v3.10.5-basic-slawek-1k",
    "v3.10.5-basic-slawek-50k",
    "v3.10.5-basic-slawek-125k",
    "v3.10.5-hard-zoladp-3.5MB",
    "v3.11.5-pokemon-reflores",
    "v3.13.4bin-survey-gimesi",
]
# MANIFEST 'check' = exact: Gatling's percentiles equal the exact ones there.
EXACT = {
    "v3.5.1-apicurio-45u-3.5MB",
    "v3.7.4-kotlin-savvagen",
    "v3.9.5-cats-kztka",
    "v3.10.5-basic-slawek-1k",
    "v3.10.5-basic-slawek-50k",
    "v3.10.5-basic-slawek-125k",
    "v3.11.5-pokemon-reflores",
    "v3.13.4bin-survey-gimesi",
}
NUMBERS = (
    "numberOfRequests",
    "minResponseTime",
    "maxResponseTime",
    "meanResponseTime",
    "standardDeviation",
    "meanNumberOfRequestsPerSecond",
)
PERCENTILES = ("percentiles1", "percentiles2", "percentiles3", "percentiles4")


def version_of(name: str) -> tuple[int, int]:
    major, minor = re.match(r"v(\d+)\.(\d+)", name).groups()  # type: ignore[union-attr]
    return int(major), int(minor)


def settings_for(name: str, expected: dict[str, Any]) -> StatsSettings:
    """The run's gatling.conf bounds, read back from Gatling's own range labels; everything else
    as the product derives it from the log's version."""
    stats = expected["stats"]
    lower = int(re.search(r"t < (\d+) ms", stats["group1"]["name"]).group(1))  # type: ignore[union-attr]
    higher = int(re.search(r"(\d+) ms$", stats["group3"]["name"]).group(1))  # type: ignore[union-attr]
    return for_version(StatsSettings(lower, higher), version_of(name))


def nodes_by_path(tree: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    out = {(tree["type"], tree["path"]): tree}
    for child in tree.get("contents", {}).values():
        out.update(nodes_by_path(child))
    return out


def raw_values(log: Path) -> dict[tuple[str, str], dict[str, list[int]]]:
    """Plain per-node value lists (requests: response time, groups: cumulated), read again."""
    values: dict[tuple[str, str], dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
    with open_log(log) as reader:
        for b in reader:
            keys = reader.strings.request_keys.values
            for k, s, e, ok in zip(b.req_key, b.req_start, b.req_end, b.req_ok, strict=True):
                if e < 0:
                    continue
                groups, name = split_request_key(keys[k])
                split = "ok" if ok else "ko"
                for node in (("REQUEST", " / ".join((*groups, name))), ("GROUP", "")):
                    values[node][split].append(int(e - s))
            paths = reader.strings.groups.values
            for g, c, ok in zip(b.grp_path, b.grp_cumulated, b.grp_ok, strict=True):
                node = ("GROUP", " / ".join(split_group_path(paths[g])))
                values[node]["ok" if ok else "ko"].append(int(c))
    return values


def exact_percentile(values: list[int], p: float) -> int:
    return java_round(float(np.percentile(values, p))) if values else 0


@pytest.mark.shared
@pytest.mark.parametrize("name", WITH_STATS_JSON)
def test_stats_json_equals_gatling(name: str) -> None:
    folder = gatling_fixture(name)
    expected = json.loads((folder / "js" / "stats.json").read_text())
    settings = settings_for(name, expected)
    stats = stats_of_log(folder / "simulation.log")
    got = stats_tree_json(stats, settings)
    # names, paths, pathFormatted, labels, of every version: the whole tree but percentiles
    strip = lambda t: json.loads(  # noqa: E731
        re.sub(r'"percentiles\d": \{[^}]*\}', '"p": 0', json.dumps(t))
    )
    assert strip(got) == strip(expected)
    got_nodes, exp_nodes = nodes_by_path(got), nodes_by_path(expected)
    assert got_nodes.keys() == exp_nodes.keys()
    raw = raw_values(folder / "simulation.log")
    ranks = settings.percentiles
    for node, exp in exp_nodes.items():
        ours = got_nodes[node]["stats"]
        for key in NUMBERS:
            assert ours[key] == exp["stats"][key], (node, key)
        for i in range(1, 5):
            for field in ("count", "percentage"):
                g = f"group{i}"
                assert ours[g][field] == exp["stats"][g][field], (node, g, field)
        values = raw[node]
        for i, key in enumerate(PERCENTILES):
            want = {
                "total": exact_percentile(values["ok"] + values["ko"], ranks[i]),
                "ok": exact_percentile(values["ok"], ranks[i]),
                "ko": exact_percentile(values["ko"], ranks[i]),
            }
            assert ours[key] == want, (node, key)
            if name in EXACT:
                assert ours[key] == exp["stats"][key], (node, key)
    global_expected = json.loads((folder / "js" / "global_stats.json").read_text())
    global_got = global_stats_json(stats, settings)
    for key in NUMBERS:
        assert global_got[key] == global_expected[key], key
    assert {k: v for k, v in global_got.items() if k not in PERCENTILES} == {
        k: v for k, v in global_expected.items() if k not in PERCENTILES
    }


def listing_order(node: dict[str, Any]) -> list[Any]:
    """Every level's children names in the order the tree lists them (dict equality ignores it)."""
    return [(child["name"], listing_order(child)) for child in node.get("contents", {}).values()]


@pytest.mark.shared
@pytest.mark.parametrize("name", WITH_STATS_JSON)
def test_tree_lists_paths_in_gatlings_order(name: str) -> None:
    # Gatling lists each level by the earliest start of each path, sub-groups first; a report
    # table (and a CI script walking stats.json) in another order reads as a different run.
    folder = gatling_fixture(name)
    expected = json.loads((folder / "js" / "stats.json").read_text())
    got = stats_tree_json(stats_of_log(folder / "simulation.log"), settings_for(name, expected))
    assert listing_order(got) == listing_order(expected)


@pytest.mark.shared
def test_binary_314_equals_html_table() -> None:
    folder = gatling_fixture("v3.14.3bin-tracker-teleivo-sample")
    expected = json.loads((folder / "expected_stats_from_index_html.json").read_text())["rows"]
    tree = stats_tree_json(stats_of_log(folder / "simulation.log"), StatsSettings())
    rows = [tree, *tree["contents"].values()]
    assert len(rows) == len(expected)
    for node, row in zip(rows, expected, strict=True):
        assert row["label"].replace("\u00a0", " ").strip().rsplit(" ", 1)[0] == node["name"]
        s = node["stats"]
        dash = lambda v, n: "-" if n == 0 else str(v)  # noqa: E731
        for col, key in (
            ("min", "minResponseTime"),
            ("max", "maxResponseTime"),
            ("mean", "meanResponseTime"),
            ("stdDev", "standardDeviation"),
        ):
            assert str(s[key]["total"]) == row[col], col
        counts = s["numberOfRequests"]
        assert (str(counts["total"]), str(counts["ok"]), dash(counts["ko"], counts["ko"])) == (
            row["total"],
            row["ok"],
            row["ko"],
        )
        assert f"{s['meanNumberOfRequestsPerSecond']['total']:.2f}" == row["cntPerSec"]


@pytest.mark.shared
def test_known_stats_fixture_matches_gatlings_unit_test() -> None:
    log = (
        gatling_fixture("gatling-testres-v3.10-known_stats-text")
        / "simulation_with_known_stats.log"
    )
    stats = stats_of_log(log)
    g = global_stats_json(stats, StatsSettings(2500, 5000, (99.0, 70.0, 50.0, 95.0)))
    assert (g["minResponseTime"]["total"], g["maxResponseTime"]["total"]) == (2000, 9000)
    assert (g["percentiles1"]["total"], g["percentiles2"]["total"]) == (8860, 5000)
    assert g["standardDeviation"]["total"] == 2000
    counts = [g[f"group{i}"]["count"] for i in range(1, 5)]
    assert counts == [1, 3, 4, 0]


CONCAT = ["v3.10.5-basic-slawek-1k", "v3.9.5-cats-kztka", "v3.11.5-pokemon-reflores"]


def comparable(stats: RunStats) -> dict[str, Any]:
    data = report_data(stats, StatsSettings())
    del data["inputs"], data["series"]["inputs"], data["simulation"]
    return data


@pytest.mark.shared
def test_merged_fixtures_equal_their_concatenation(tmp_path: Path) -> None:
    logs = [gatling_fixture(n) / "simulation.log" for n in CONCAT]
    lines: list[bytes] = []
    for i, log in enumerate(logs):
        for line in log.read_bytes().splitlines(keepends=True):
            if i and line.startswith((b"RUN\t", b"ASSERTION\t")):
                continue  # one header, as if one Gatling had written every record
            lines.append(line)
    whole = tmp_path / "concatenated.log"
    whole.write_bytes(b"".join(lines))
    merged = merge_all([stats_of_log(p) for p in logs])
    concatenated = stats_of_log(whole)
    assert merged.canonical(with_inputs=False) == concatenated.canonical(with_inputs=False)
    assert comparable(merged) == comparable(concatenated)
    # logs of 2024 and 2025: their merge is said to be of inputs far apart
    assert "days apart" in summary_json(merged, StatsSettings())["warnings"][0]
    assert request_file_name("GET /cats/{id}") in json.dumps(comparable(merged)["stats"])


@pytest.mark.shared
def test_shards_merged_equal_raw_merge(tmp_path: Path) -> None:
    names = [*CONCAT, "v3.13.4bin-survey-gimesi", "v3.14.3bin-tracker-teleivo-sample"]
    logs = [gatling_fixture(n) / "simulation.log" for n in names]
    shards = []
    for i, log in enumerate(logs):
        shards.append(tmp_path / f"pod-{i}.stats")
        write_shard([log], shards[-1])
    raw = merge_all([stats_of_log(p) for p in logs])
    from_shards = merge_all([load_shard(p) for p in shards])
    assert from_shards == raw
    assert math.isclose(
        global_stats_json(from_shards, StatsSettings())["numberOfRequests"]["total"],
        sum(s.inputs[0].requests for s in (stats_of_log(p) for p in logs)),
    )


ALL_LOGS = [
    *WITH_STATS_JSON,
    "v3.14.3bin-tracker-teleivo-sample",
    "gatling-testres-v3.13bin-known_stats",
]


@pytest.mark.shared
@pytest.mark.parametrize("name", ALL_LOGS)
def test_truncated_fixtures_never_crash_and_count_what_they_keep(name: str, tmp_path: Path) -> None:
    log = gatling_fixture(name) / "simulation.log"
    data = log.read_bytes()
    full = stats_of_log(log).inputs[0].requests
    rng = np.random.default_rng(sum(map(ord, name)))
    for cut in rng.integers(len(data) // 10, len(data), 3).tolist():
        part = tmp_path / f"cut-{cut}.log"
        part.write_bytes(data[:cut])
        info = stats_of_log(part).inputs[0]
        assert sum(info.skipped.values()) <= 1, info.skipped  # at most the one cut record
        if data.startswith(b"\x00"):  # binary: a prefix of the records
            assert info.requests <= full
            continue
        kept = data[:cut]
        complete = sum(1 for line in kept.split(b"\n")[:-1] if line.startswith(b"REQUEST\t"))
        # The cut line itself may still be a valid (shorter) REQUEST record.
        assert complete <= info.requests <= complete + 1
