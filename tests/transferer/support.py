"""Helpers for the transferer tests: Gatling 3.10 log text, results dirs, running the CLI."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import click.testing
from gatling_transferer.cli import main

TRANSFERER = Path(sys.executable).with_name("gatling-transferer")

# A few records in the Gatling 3.10 text layout (tab-separated; REQUEST: group, name, start,
# end, status, message).
LOG_310 = (
    "RUN\tcom.example.BasicSimulation\tbasicsimulation\t1716789116696\t \t3.10.5\n"
    "USER\tShop\tSTART\t1716789117296\n"
    "REQUEST\t\tHome\t1716789117320\t1716789117940\tOK\t \n"
    "REQUEST\tCheckout\tPay\t1716789118000\t1716789118500\tKO\tstatus.find.is(200), found 500\n"
    "GROUP\tCheckout\t1716789117990\t1716789118510\t500\tKO\n"
    "USER\tShop\tEND\t1716789119000\n"
)


def write_log(
    results: Path, run_dir: str = "basicsimulation-20240527055156696", text: str = LOG_310
) -> Path:
    """`<results>/<simulation>-<timestamp>/simulation.log`, as Gatling writes it."""
    path = results / run_dir / "simulation.log"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def invoke(*args: str, env: dict[str, str] | None = None) -> click.testing.Result:
    """Run the CLI in-process; stdout and stderr are kept apart."""
    return click.testing.CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)


def last_line(text: str) -> str:
    lines = text.strip().splitlines()
    return lines[-1] if lines else ""


def spawn(*args: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    """Start the real console script; the caller reads stderr to know when it waits."""
    return subprocess.Popen(
        [str(TRANSFERER), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **(env or {})},
    )


def read_until(process: subprocess.Popen[str], needle: str) -> list[str]:
    """stderr lines up to and including the first one containing `needle`."""
    assert process.stderr is not None
    seen = []
    for line in process.stderr:
        seen.append(line)
        if needle in line:
            return seen
    raise AssertionError(f"process ended before logging {needle!r}: {''.join(seen)}")
