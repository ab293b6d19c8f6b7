"""One record with a bogus time must not make the report cost memory per second of a 50-year span.

A line cut mid-number or a corrupt record (1970 in a 2023 log) is still a well-formed record; the
run's span then covers decades. Every series must stay O(records + chart points).
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
from pathlib import Path

from gatling_common.results.generators.generate import RunSpec, write_text_log

BIN = Path(sys.executable).parent
MEMORY_CAP = 4 << 30  # far below the 13+ GiB a per-second array of 53 years takes


def _capped() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_CAP, MEMORY_CAP))


def test_a_1970_record_in_a_modern_log_builds_within_a_memory_cap(tmp_path: Path) -> None:
    log = tmp_path / "simulation.log"
    write_text_log(log, RunSpec(requests=2000, seed=7))
    with log.open("a") as f:
        f.write("USER\tBrowse\tSTART\t1700000\n")
        f.write("REQUEST\t\tHome\t1700100\t1700200\tOK\t \n")
    out = tmp_path / "report"
    done = subprocess.run(
        [str(BIN / "gatling-reporter"), "build", str(log), "-o", str(out)],
        capture_output=True,
        text=True,
        preexec_fn=_capped,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    stats = json.loads((out / "js" / "global_stats.json").read_text())
    assert stats["numberOfRequests"]["total"] == 2000  # the 1970 request is not one of the run's
    assert (out / "index.html").is_file()
    summary = json.loads((out / "summary.json").read_text())
    assert summary["skipped"] == {
        "REQUEST time far outside the run": 1,
        "USER time far outside the run": 1,
    }


def test_a_record_in_2200_is_skipped_and_the_run_keeps_its_length(tmp_path: Path) -> None:
    log = tmp_path / "simulation.log"
    write_text_log(log, RunSpec(requests=500, seed=3))
    plain = tmp_path / "plain"
    reporter = str(BIN / "gatling-reporter")
    subprocess.run([reporter, "build", str(log), "-o", str(plain)], check=True, capture_output=True)
    with log.open("a") as f:
        f.write("REQUEST\t\tHome\t7258118400000\t7258118400100\tOK\t \n")  # 2200-01-01
    out = tmp_path / "report"
    done = subprocess.run(
        [str(BIN / "gatling-reporter"), "build", str(log), "-o", str(out)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    with_bogus = json.loads((out / "js" / "global_stats.json").read_text())
    without = json.loads((plain / "js" / "global_stats.json").read_text())
    assert with_bogus == without  # same requests, same mean req/s
    summary = json.loads((out / "summary.json").read_text())
    assert summary["skipped"] == {"REQUEST time far outside the run": 1}
    assert "> REQUEST time far outside the run " in done.stdout  # the console says so too
