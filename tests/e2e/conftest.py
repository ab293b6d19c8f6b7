"""End to end in containers: the API emulator with a podman node agent, the controller image.

Needs `make images` (the four agent images); the runner stand-in (tools/containers/runner-stub,
Debian + a gatling.sh writing a generated log) is built here, in seconds once its layers are
cached. Without a container tool or the images the tests skip, saying which;
GATLING_FLEET_REQUIRE_IMAGES=1 (`make e2e`, `make test`, so CI) makes that a failure.
GATLING_E2E_OUT=DIR keeps the run (bucket with the report, pods' logs, volumes) in DIR instead of
pytest's temporary folder; the report's URL is printed at the end of the session either way.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.containers.conftest import (
    REPO_ROOT,
    Images,
    _skip_or_fail,
    container_name,
    container_tool,
    default_tag,
)
from tests.controller.fixtures import hook, k8s  # the same emulator and webhook as elsewhere

__all__ = ["container_name", "hook", "k8s"]  # fixtures, re-exported for pytest

PARTS = ("waiter", "transferer", "reporter", "controller")
STUB_CONTEXT = REPO_ROOT / "tools" / "containers" / "runner-stub"
REPORT_URLS = pytest.StashKey[list[str]]()


@pytest.fixture(scope="session")
def images() -> Images:
    tool = container_tool()
    if tool is None:
        _skip_or_fail("no podman or docker here (`make setup-containers` installs podman)")
    assert tool is not None
    built = Images(
        tool,
        os.environ.get("GATLING_IMAGES_REGISTRY", "gatling-fleet"),
        os.environ.get("GATLING_IMAGES_TAG") or default_tag(),
    )
    missing = [built.ref(part) for part in PARTS if not built.inspect(part)]
    if missing:
        _skip_or_fail(
            f"images not built: {', '.join(missing)} (`make images`, or set "
            "GATLING_IMAGES_TAG / GATLING_IMAGES_REGISTRY to the ones you built)"
        )
    return built


@pytest.fixture(scope="session")
def runner_stub(images: Images) -> str:
    """The Gatling stand-in image, built from tools/containers/runner-stub on the base image."""
    ref = f"{images.registry}/gatling-runner-stub:e2e"
    base = os.environ.get("BASE_IMAGE", "localhost/debian:bookworm-slim")
    flags = shlex.split(os.environ.get("CONTAINER_BUILD_FLAGS", "--network host"))
    built = subprocess.run(
        [*images.tool, "build", *flags, "--build-arg", f"BASE_IMAGE={base}", "-t", ref, "."],
        cwd=STUB_CONTEXT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    if built.returncode != 0:
        pytest.fail(f"building {ref} failed:\n{built.stdout[-2000:]}\n{built.stderr[-2000:]}")
    return ref


@pytest.fixture
def work(tmp_path: Path) -> Path:
    """Where the run lives: GATLING_E2E_OUT (emptied first) or the test's temporary folder."""
    out = os.environ.get("GATLING_E2E_OUT")
    if not out:
        return tmp_path
    folder = Path(out).resolve()
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    return folder


@pytest.fixture
def report_urls(request: pytest.FixtureRequest) -> list[str]:
    """Append a report URL to have it printed in the session's summary."""
    return request.config.stash.setdefault(REPORT_URLS, [])


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    urls = terminalreporter.config.stash.get(REPORT_URLS, [])
    if urls:
        terminalreporter.section("e2e report")
        for url in urls:
            terminalreporter.write_line(f"report: {url}")


@pytest.fixture(scope="session")
def base_image() -> tuple[list[str], str]:
    """The container tool and the images' base (Debian), for the node agent's own tests."""
    tool = container_tool()
    if tool is None:
        _skip_or_fail("no podman or docker here (`make setup-containers` installs podman)")
    assert tool is not None
    ref = os.environ.get("BASE_IMAGE", "localhost/debian:bookworm-slim")
    found = subprocess.run([*tool, "image", "exists", ref], capture_output=True, check=False)
    if found.returncode != 0:
        _skip_or_fail(f"base image {ref} missing (`make base-image`)")
    return tool, ref
