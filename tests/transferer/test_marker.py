"""Which marker counts, and the one-line timeout, on the library level."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

import pytest
from gatling_transferer.errors import MarkerTimeoutError
from gatling_transferer.marker import present_marker, wait_for_marker


def touch(path: Path, seconds: int) -> None:
    path.touch()
    os.utime(path, ns=(seconds * 10**9, seconds * 10**9))


def test_no_marker(results_dir: Path) -> None:
    assert present_marker(results_dir) is None


@pytest.mark.parametrize(
    ("completed_at", "failed_at", "expected"),
    [(1, 2, "COMPLETED"), (2, 1, "FAILED"), (1, 1, "FAILED")],
)
def test_the_marker_written_first_counts_and_a_tie_counts_as_failed(
    results_dir: Path, completed_at: int, failed_at: int, expected: str
) -> None:
    touch(results_dir / "COMPLETED", completed_at)
    touch(results_dir / "FAILED", failed_at)
    assert present_marker(results_dir) == expected


def test_a_directory_named_like_a_marker_still_counts(results_dir: Path) -> None:
    """The runner only ever writes files; existence is what the contract promises."""
    (results_dir / "COMPLETED").mkdir()
    assert present_marker(results_dir) == "COMPLETED"


@pytest.mark.parametrize("watch", ["auto", "polling"])
def test_timeout_names_the_directory_and_the_limit(
    results_dir: Path, watch: Literal["auto", "polling"]
) -> None:
    methods: list[str] = []
    with pytest.raises(MarkerTimeoutError) as caught:
        wait_for_marker(
            results_dir, timeout=0.2, watch=watch, poll_interval=0.05, on_waiting=methods.append
        )
    assert str(caught.value) == f"no COMPLETED or FAILED marker in {results_dir} after 0.2s"
    assert caught.value.exit_code == 3
    assert methods == (["inotify"] if watch == "auto" else ["polling every 0.05s"])


def test_a_present_marker_returns_at_once_without_a_timeout(results_dir: Path) -> None:
    (results_dir / "FAILED").touch()
    assert wait_for_marker(results_dir, timeout=None) == "FAILED"
