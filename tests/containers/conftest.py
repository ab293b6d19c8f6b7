"""The built images and how to run them: podman (our wrapper) or docker, as `make images` does.

Needs `make images` first. Without a container tool or without the images every test here skips,
saying which; GATLING_FLEET_REQUIRE_IMAGES=1 (`make test`, so CI) turns that skip into a failure.
The images are `$GATLING_IMAGES_REGISTRY/gatling-<part>:$GATLING_IMAGES_TAG`, by default what
`make images` tags: gatling-fleet/gatling-<part>:$(git describe --tags --always --dirty).
Containers run with the host's network where they talk to an emulator on 127.0.0.1.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.controller.fixtures import hook, k8s  # the same emulator and webhook as elsewhere

__all__ = ["hook", "k8s"]  # fixtures (re-exported for pytest), plus the helpers below

REPO_ROOT = Path(__file__).resolve().parents[2]
PODMAN_WRAPPER = REPO_ROOT / "tools" / "containers" / "podman.sh"
PARTS = ("waiter", "transferer", "reporter", "controller")
UID = 1000


def _skip_or_fail(reason: str) -> None:
    if os.environ.get("GATLING_FLEET_REQUIRE_IMAGES") == "1":
        pytest.fail(f"GATLING_FLEET_REQUIRE_IMAGES=1 but {reason}")
    pytest.skip(reason)


def container_tool() -> list[str] | None:
    """What `make images` uses: CONTAINER_TOOL, else podman (through our wrapper), else docker."""
    configured = os.environ.get("CONTAINER_TOOL")
    if configured:
        return [str(REPO_ROOT / configured) if "/" in configured else configured]
    if shutil.which("podman"):
        return [str(PODMAN_WRAPPER)]
    if shutil.which("docker"):
        return ["docker"]
    return None


def default_tag() -> str:
    found = subprocess.run(
        ["git", "describe", "--tags", "--always", "--dirty"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    return found.stdout.strip() if found.returncode == 0 and found.stdout.strip() else "dev"


class Images:
    def __init__(self, tool: list[str], registry: str, tag: str) -> None:
        self.tool, self.registry, self.tag = tool, registry, tag

    def ref(self, part: str) -> str:
        return f"{self.registry}/gatling-{part}:{self.tag}"

    def inspect(self, part: str) -> dict[str, object]:
        found = subprocess.run(
            [*self.tool, "image", "inspect", self.ref(part)],
            capture_output=True,
            text=True,
            check=False,
        )
        if found.returncode != 0:
            return {}
        data: list[dict[str, object]] = json.loads(found.stdout)
        return data[0]

    def command(self, part: str, *args: str, options: tuple[str, ...] = ()) -> list[str]:
        """`run --rm` of the image as it is configured (its USER, its ENTRYPOINT)."""
        return [*self.tool, "run", "--rm", *options, self.ref(part), *args]

    def run(
        self, part: str, *args: str, options: tuple[str, ...] = (), timeout: float = 180
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            self.command(part, *args, options=options),
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    def stop(self, name: str, grace: int = 10) -> None:
        subprocess.run(
            [*self.tool, "stop", "--time", str(grace), name],
            capture_output=True,
            check=False,
            timeout=grace + 30,
        )


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


def owned_by_uid(*paths: Path) -> None:
    """Folders (and what is in them) that the container's uid 1000 can write."""
    for path in paths:
        if os.geteuid() == 0:
            os.chown(path, UID, UID)
            for child in path.rglob("*"):
                os.chown(child, UID, UID)
        else:  # a developer running as themselves: no chown, so open it up
            path.chmod(0o777)
            for child in path.rglob("*"):
                child.chmod(0o777 if child.is_dir() else 0o666)


@pytest.fixture
def container_name() -> Iterator[str]:
    """A unique name for a detached or long-running container; removed at the end in any case."""
    name = f"gatling-fleet-test-{uuid.uuid4().hex[:10]}"
    yield name
    tool = container_tool()
    if tool is not None:
        subprocess.run([*tool, "rm", "--force", name], capture_output=True, check=False)
