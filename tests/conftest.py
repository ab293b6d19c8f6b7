"""Fixtures every test folder may use; emulators live in tests/support and start on demand."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.shared import require_shared

# Storage emulators (moto, fake-gcs-server, Azurite) for every folder; each starts on first use.
pytest_plugins = ["tests.support.emulators"]


@pytest.fixture(scope="session")
def shared_fixtures() -> Path:
    """../shared/fixtures/gatling (skip, or fail in CI, when absent)."""
    return require_shared() / "fixtures" / "gatling"
