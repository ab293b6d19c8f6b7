"""Whole commands timed as the user runs them: each a fresh process, contenders in turns."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PACKAGES = ("common", "agents", "controller", "emulator")


def as_installed() -> None:
    """Byte-compile the checkout's packages, as pip does when it installs a wheel: a user's
    command loads .pyc files. (This machine sets PYTHONDONTWRITEBYTECODE=1, so an editable
    checkout would compile every module from source in every timed process: +0.2 s.)"""
    dirs = [str(REPO / d) for d in PACKAGES if (REPO / d).is_dir()]
    mode = ["--invalidation-mode", "checked-hash"]  # as make setup-bytecode
    subprocess.run([sys.executable, "-m", "compileall", "-q", *mode, *dirs], check=True)


def seconds(argv: list[str]) -> float:
    """Wall seconds of one run of argv; a failed run stops the benchmark with its stderr
    (exit 3 counts as done: a threshold failed, the report is complete)."""
    began = time.perf_counter()
    done = subprocess.run(argv, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - began
    if done.returncode not in (0, 3):
        raise SystemExit(f"{argv[0]} failed ({done.returncode}): {done.stderr[-2000:]}")
    return elapsed


def in_turns(contenders: dict[str, list[str]], rounds: int) -> dict[str, list[float]]:
    """Seconds of each command per round, one after the other, after one warm-up of each (the
    OS page cache then holds the inputs for all alike; a busy spell hits every contender)."""
    for argv in contenders.values():
        seconds(argv)
    times: dict[str, list[float]] = {label: [] for label in contenders}
    for _ in range(rounds):
        for label, argv in contenders.items():
            times[label].append(seconds(argv))
    return times
