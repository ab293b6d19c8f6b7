"""Fixtures for the transferer tests: a fake results dir like the runner pod's emptyDir."""

from __future__ import annotations

from pathlib import Path

import pytest

# The storage emulators (moto, fake-gcs-server, Azurite) for the end-to-end tests.
from tests.support.emulators import (  # noqa: F401
    aws_test_env,
    azure_container,
    azurite_server,
    gcs_bucket,
    gcs_server,
    local_bucket,
    s3_bucket,
    s3_server,
    storage_target,
)


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
