"""Where the team's shared test data lives (`../shared` beside the clone), and life without it.

A user's clone has no `../shared`: tests that need it skip with a reason. CI sets
GATLING_FLEET_REQUIRE_SHARED=1, which turns that skip into a failure, so CI always runs them.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]


def shared_dir() -> Path | None:
    configured = os.environ.get("GATLING_FLEET_SHARED_DIR")
    candidate = Path(configured) if configured else REPO_ROOT.parent / "shared"
    return candidate if (candidate / "fixtures" / "gatling").is_dir() else None


def require_shared() -> Path:
    """The shared folder, or skip (fail when GATLING_FLEET_REQUIRE_SHARED=1)."""
    found = shared_dir()
    if found is not None:
        return found
    reason = (
        "needs the team's shared Gatling fixtures at ../shared/fixtures/gatling "
        "(or GATLING_FLEET_SHARED_DIR); not part of a user's clone"
    )
    if os.environ.get("GATLING_FLEET_REQUIRE_SHARED") == "1":
        pytest.fail(f"GATLING_FLEET_REQUIRE_SHARED=1 but {reason}")
    pytest.skip(reason)


def gatling_fixture(*parts: str) -> Path:
    """A path inside ../shared/fixtures/gatling, skipping (or failing in CI) without it."""
    path = require_shared().joinpath("fixtures", "gatling", *parts)
    if not path.exists():
        pytest.fail(f"shared fixture {path} is missing")
    return path


REPORTS = ("fixtures", "gatling-reports")


def gatling_report_names() -> list[str]:
    """The folders of ../shared/fixtures/gatling-reports (for parametrizing; one placeholder
    without ../shared, so the test is collected and skips with the reason)."""
    found = shared_dir()
    folder = found.joinpath(*REPORTS) if found else None
    if folder is None or not folder.is_dir():
        return ["<no ../shared>"]
    return sorted(p.name for p in folder.iterdir() if (p / "expected_series.json").is_file())


def gatling_report(name: str) -> Path:
    """A folder of ../shared/fixtures/gatling-reports: a Gatling log with Gatling's own report."""
    path = require_shared().joinpath(*REPORTS, name)
    if not (path / "simulation.log").is_file():
        pytest.fail(f"shared fixture {path} is missing")
    return path
