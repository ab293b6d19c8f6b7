"""A pinned kubectl (`make setup-kubectl`, or env KUBECTL) against the API emulator.

Without kubectl these tests skip with the reason; GATLING_FLEET_REQUIRE_SHARED=1 (CI) makes that a
failure, so CI always runs them.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from gatling_kube_emulator.server import KubernetesEmulator, write_kubeconfig

REPO_ROOT = Path(__file__).resolve().parents[2]
PINNED = REPO_ROOT / ".tools" / "kubectl"


def kubectl_path() -> Path:
    """KUBECTL, else the pinned .tools/kubectl; skip (or fail in CI) when neither is there."""
    configured = os.environ.get("KUBECTL")
    path = Path(configured) if configured else PINNED
    if path.is_file() and os.access(path, os.X_OK):
        return path
    reason = f"needs kubectl at {path} (run `make setup-kubectl`, or set KUBECTL)"
    if os.environ.get("GATLING_FLEET_REQUIRE_SHARED") == "1":
        pytest.fail(f"GATLING_FLEET_REQUIRE_SHARED=1 but {reason}")
    pytest.skip(reason)


@dataclass
class Kubectl:
    binary: Path
    kubeconfig: Path
    emulator: KubernetesEmulator

    def run(
        self, *args: str, check: bool = True, timeout: float = 60
    ) -> subprocess.CompletedProcess[str]:
        # A cache of its own: discovery and OpenAPI come from this emulator, never an older one.
        cache = self.kubeconfig.parent / "kube-cache"
        argv = [str(self.binary), "--kubeconfig", str(self.kubeconfig), "--cache-dir", str(cache)]
        argv += args
        result = subprocess.run(
            argv, capture_output=True, text=True, timeout=timeout, cwd=REPO_ROOT, check=False
        )
        if check and result.returncode != 0:
            output = result.stdout + result.stderr
            pytest.fail(f"kubectl {' '.join(args)} failed ({result.returncode}):\n{output}")
        return result


@pytest.fixture
def kubectl(tmp_path: Path) -> Iterator[Kubectl]:
    binary = kubectl_path()
    with KubernetesEmulator(bookmark_interval=0.2) as emulator:
        yield Kubectl(binary, write_kubeconfig(tmp_path, emulator.url), emulator)


@pytest.fixture
def deployed(kubectl: Kubectl) -> Kubectl:
    """kubectl after `kubectl apply -k config` (the CRD, RBAC and the controller's Deployment)."""
    kubectl.run("apply", "-k", "config")
    return kubectl
