"""`gatling-reporter build`: exact console output, JSON files, the shard rule and exit codes."""

from __future__ import annotations

import gzip
import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from gatling_common.results.generators.generate import RunSpec, write_binary_log, write_text_log
from gatling_common.results.statistics.shard import write_shard
from gatling_reporter.cli import main

from tests.support.shared import gatling_fixture

SLAWEK_1K_TABLE = """
================================================================================
---- Global Information --------------------------------------------------------
> request count                                         13 (OK=13     KO=-     )
> min response time                                     18 (OK=18     KO=-     )
> max response time                                    748 (OK=748    KO=-     )
> mean response time                                   323 (OK=323    KO=-     )
> std deviation                                        321 (OK=321    KO=-     )
> response time 50th percentile                         48 (OK=48     KO=-     )
> response time 75th percentile                        629 (OK=629    KO=-     )
> response time 95th percentile                        748 (OK=748    KO=-     )
> response time 99th percentile                        748 (OK=748    KO=-     )
> mean requests/sec                                   0.76 (OK=0.76   KO=-     )
---- Response Time Distribution ------------------------------------------------
> t < 800 ms                                            13 (100%)
> 800 ms <= t < 1200 ms                                  0 (  0%)
> t >= 1200 ms                                           0 (  0%)
> failed                                                 0 (  0%)
---- Inputs --------------------------------------------------------------------
> {log} (Gatling 3.10.5, text-3.4, UNKNOWN)
---- Skipped records: 0 --------------------------------------------------------
================================================================================
"""


def run(*args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args), env=env)
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.shared
def test_build_prints_gatlings_table_and_writes_gatlings_json(tmp_path: Path) -> None:
    folder = gatling_fixture("v3.10.5-basic-slawek-1k")
    log = tmp_path / "pod-1.log"
    shutil.copy(folder / "simulation.log", log)
    code, out, err = run("build", str(log), "-o", str(tmp_path / "out"))
    assert (code, err) == (0, "")
    assert out.startswith(SLAWEK_1K_TABLE.format(log=log))
    expected = json.loads((folder / "js" / "global_stats.json").read_text())
    assert json.loads((tmp_path / "out" / "js" / "global_stats.json").read_text()) == expected
    tree = json.loads((tmp_path / "out" / "js" / "stats.json").read_text())
    assert tree == json.loads((folder / "js" / "stats.json").read_text())  # 'exact' fixture
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert summary["run"]["duration_s"] == 17 and summary["skipped_total"] == 0
    assert [i["gatling_version"] for i in summary["inputs"]] == ["3.10.5"]


@pytest.mark.shared
def test_gatling_2_and_not_a_log_are_one_line_errors(tmp_path: Path) -> None:
    old = gatling_fixture("v2.x-burst-laszlo") / "simulation.log"
    code, out, err = run("build", str(old), "-o", str(tmp_path / "o"))
    assert (code, out) == (2, "")
    assert err == (
        f"error: {old}: Gatling 2.0 log layout (RUN record with 7 fields); "
        "only Gatling 3.0 and later are supported\n"
    )
    missing = tmp_path / "nope"
    assert run("build", str(missing), "-o", str(tmp_path / "o")) == (
        2,
        "",
        f"error: {missing}: no such file or folder\n",
    )
    empty_dir = tmp_path / "empty"
    empty_dir.mkdir()
    assert run("build", str(empty_dir), "-o", str(tmp_path / "o")) == (
        2,
        "",
        f"error: {empty_dir}: no *.log, *.log.gz, *.log.zst or *.stats file below this folder\n",
    )
    note = tmp_path / "notes.log"
    note.write_text("hello\n")
    code, out, err = run("build", str(note), "-o", str(tmp_path / "o"))
    assert (code, out) == (2, "") and err.startswith(f"error: {note}: ") and err.count("\n") == 1


def _pod_logs(tmp_path: Path, *, classes: tuple[str, str] = ("a.Sim", "a.Sim")) -> list[Path]:
    logs = []
    for i, cls in enumerate(classes):
        path = tmp_path / "run" / f"pod-{i}.log"
        path.parent.mkdir(exist_ok=True)
        write_text_log(path, RunSpec(requests=800, seed=i + 1, duration_s=30, simulation_class=cls))
        logs.append(path)
    return logs


def test_mixed_simulation_classes_refused_unless_allowed(tmp_path: Path) -> None:
    logs = _pod_logs(tmp_path, classes=("a.One", "b.Two"))
    code, out, err = run("build", str(tmp_path / "run"), "-o", str(tmp_path / "o"))
    assert (code, out) == (2, "")
    assert err == (
        f"error: inputs come from 2 different simulation classes: a.One ({logs[0]}); "
        f"b.Two ({logs[1]}); pass --allow-mixed to merge them anyway\n"
    )
    code, _, _ = run(
        "build",
        str(tmp_path / "run"),
        "-o",
        str(tmp_path / "o"),
        env={"GATLING_REPORTER_ALLOW_MIXED": "1"},
    )
    assert code == 0


def _requests(out: Path) -> int:
    summary = json.loads((out / "summary.json").read_text())
    return int(summary["global"]["numberOfRequests"]["total"])


def test_shards_used_only_when_every_pod_has_one(tmp_path: Path) -> None:
    logs = _pod_logs(tmp_path)
    # pod-0's shard deliberately holds a different (binary, bigger) run: which one is read shows.
    other = tmp_path / "other.log"
    write_binary_log(other, RunSpec(requests=5000, seed=9, simulation_class="a.Sim"))
    write_shard([other], tmp_path / "run" / "pod-0.stats")
    assert run("build", str(tmp_path / "run"), "-o", str(tmp_path / "o1"))[0] == 0
    assert _requests(tmp_path / "o1") == 1600  # pod-1 has no shard: both raw logs
    write_shard([logs[1]], tmp_path / "run" / "pod-1.stats")
    assert run("build", str(tmp_path / "run"), "-o", str(tmp_path / "o2"))[0] == 0
    assert _requests(tmp_path / "o2") == 5800  # every pod has a shard: shards only


def test_gz_inputs_env_options_and_skipped_counts(tmp_path: Path) -> None:
    (log,) = _pod_logs(tmp_path, classes=("a.Sim",))
    data = log.read_bytes()
    cut = data[: data.rindex(b"\nREQUEST") + 20]  # a truncated last REQUEST line
    gz = tmp_path / "pod-9.log.gz"
    gz.write_bytes(gzip.compress(cut))
    env = {
        "GATLING_REPORTER_LOWER_BOUND": "100",
        "GATLING_REPORTER_HIGHER_BOUND": "300",
        "GATLING_REPORTER_PERCENTILES": "90,99.9",
    }
    code, out, err = run("build", str(gz), "-o", str(tmp_path / "o"), env=env)
    assert (code, err) == (0, "")
    summary = json.loads((tmp_path / "o" / "summary.json").read_text())
    assert summary["settings"] == {
        "lower_bound": 100,
        "higher_bound": 300,
        "percentiles": [90, 99.9],
    }
    complete = cut.count(b"\nREQUEST\t") - 1  # every REQUEST line but the cut one
    assert summary["skipped_total"] == 1
    assert summary["global"]["numberOfRequests"]["total"] == complete
    assert "> response time 99.9th percentile" in out and "> t < 100 ms" in out
    (reason,) = summary["skipped"]
    assert "\n---- Skipped records: 1 ----" in out
    assert f"\n> {reason.ljust(48)}       1\n" in out


def test_bad_options_exit_2(tmp_path: Path) -> None:
    code, out, err = run("build", "x", "-o", str(tmp_path), "--percentiles", "50,abc")
    assert code == 2 and "Invalid value for '--percentiles'" in err
    code, out, err = run("build", "x", "-o", str(tmp_path), "--lower-bound", "1300")
    assert (code, out) == (2, "")
    assert "--higher-bound (1200) must be greater than --lower-bound (1300)" in err
