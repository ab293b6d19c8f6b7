"""Fixtures for the transferer tests: a fake results dir like the runner pod's emptyDir."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture
def results_dir(tmp_path: Path) -> Path:
    path = tmp_path / "results"
    path.mkdir()
    return path


@pytest.fixture
def bucket(tmp_path: Path) -> Path:
    path = tmp_path / "bucket"
    path.mkdir()
    return path
