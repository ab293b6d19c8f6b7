"""The runner script run for real by /bin/sh with a stand-in gatling.sh / gradle on PATH."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from gatling_controller.builders import build_runner_job
from gatling_controller.models import parse_gatling
from gatling_controller.settings import ControllerSettings

from tests.controller.crs import MINIMAL, cr

# Prints each argv element on its own line (NUL-separated to keep newlines inside values).
FAKE_TOOL = """#!/bin/sh
for a in "$@"; do printf '%s\\0' "$a"; done > "$ARGV_FILE"
exit "${FAKE_EXIT:-0}"
"""


def _run(tmp_path: Path, scenario: dict[str, object], exit_code: int = 0) -> tuple[int, list[str]]:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    for tool in ("gatling.sh", "gradle"):
        (bin_dir / tool).write_text(FAKE_TOOL)
        (bin_dir / tool).chmod(0o755)
    raw = cr(MINIMAL)
    raw["spec"]["testScenarioSpec"].update(scenario)
    container = build_runner_job(parse_gatling(raw), ControllerSettings())["spec"]["template"][
        "spec"
    ]["containers"][0]
    env = {e["name"]: e["value"] for e in container["env"]}
    env.update(
        PATH=f"{bin_dir}:{os.environ['PATH']}",
        ARGV_FILE=str(tmp_path / "argv"),
        FAKE_EXIT=str(exit_code),
    )
    proc = subprocess.run(container["command"], env=env, capture_output=True, timeout=30)
    argv = (tmp_path / "argv").read_bytes().decode().split("\0")[:-1]
    return proc.returncode, argv


def _dirs(tmp_path: Path) -> dict[str, str]:
    return {
        "simulationsDirectoryPath": str(tmp_path / "sims"),
        "resourcesDirectoryPath": str(tmp_path / "res"),
        "resultsDirectoryPath": str(tmp_path / "results"),
    }


@pytest.mark.parametrize("hostile", ["x; rm -rf /", "$(id)", "a'b\"c", "l1\nl2", "*"])
def test_hostile_class_is_one_argv_element(tmp_path: Path, hostile: str) -> None:
    code, argv = _run(tmp_path, {**_dirs(tmp_path), "simulationClass": hostile})
    assert code == 0
    assert argv == [
        "-sf", str(tmp_path / "sims"), "-s", hostile, "-rsf", str(tmp_path / "res"),
        "-rf", str(tmp_path / "results"), "-rm", "local", "-nr",
    ]  # fmt: skip
    assert (tmp_path / "results" / "COMPLETED").exists()


def test_failure_writes_failed_and_keeps_the_exit_code(tmp_path: Path) -> None:
    code, _ = _run(tmp_path, {**_dirs(tmp_path), "simulationClass": "S"}, exit_code=3)
    assert code == 3
    assert (tmp_path / "results" / "FAILED").exists()
    assert not (tmp_path / "results" / "COMPLETED").exists()


def test_gradle_format(tmp_path: Path) -> None:
    scenario = {**_dirs(tmp_path), "simulationClass": "a b", "simulationsFormat": "gradle"}
    code, argv = _run(tmp_path, scenario)
    assert code == 0
    assert argv == [f"-Dgatling.core.directory.results={tmp_path / 'results'}", "gatlingRun-a b"]


def test_simulation_data_is_copied_into_the_simulations_dir(tmp_path: Path) -> None:
    temp = tmp_path / "sims-temp"  # the Go operator's <simulations>-temp mount point
    temp.mkdir()
    (temp / "My Sim.scala").write_text("class MySim")
    code, _ = _run(tmp_path, {**_dirs(tmp_path), "simulationClass": "MySim"})
    assert code == 0
    assert (tmp_path / "sims" / "My Sim.scala").read_text() == "class MySim"
