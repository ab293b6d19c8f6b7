"""The waiter image as the init container of two runner pods, against the API emulator: the
first one registers and keeps waiting, the second completes the Job, both release at one instant."""

from __future__ import annotations

import subprocess
import time
from datetime import timedelta
from pathlib import Path

import pytest
from gatling_kube_emulator.server import KubernetesEmulator, write_kubeconfig
from gatling_waiter.release import format_time, parse_time

from tests.containers.conftest import Images
from tests.waiter.conftest import JOB, NS, add_pod

pytestmark = pytest.mark.containers

SETTLE = 0.5
REGISTERED = "gatling-fleet/registered-at"


def _registered(k8s: KubernetesEmulator, pod: str) -> str | None:
    annotations = k8s.get("pods", NS, pod)["metadata"].get("annotations") or {}
    value: str | None = annotations.get(REGISTERED)
    return value


def _start(images: Images, kubeconfig: Path, pod: str) -> subprocess.Popen[str]:
    env = {
        "GATLING_WAITER_KUBECONFIG": "/etc/gatling/kubeconfig",
        "GATLING_WAITER_NAMESPACE": NS,
        "GATLING_WAITER_JOB_NAME": JOB,
        "GATLING_WAITER_PARALLELISM": "2",
        "GATLING_WAITER_POD_NAME": pod,
        "GATLING_WAITER_SETTLE": str(SETTLE),
        "GATLING_WAITER_TIMEOUT": "60",
        "GATLING_WAITER_LOG_LEVEL": "ERROR",
    }
    options = (
        "--network", "host",
        "-v", f"{kubeconfig}:/etc/gatling/kubeconfig:ro",
        *(f"--env={key}={value}" for key, value in env.items()),
    )  # fmt: skip
    return subprocess.Popen(
        images.command("waiter", options=options),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_two_waiter_containers_release_together(
    images: Images, k8s: KubernetesEmulator, tmp_path: Path
) -> None:
    add_pod(k8s, "run-a")
    add_pod(k8s, "run-b")
    kubeconfig = write_kubeconfig(tmp_path / "kube", k8s.url)
    first = _start(images, kubeconfig, "run-a")
    second: subprocess.Popen[str] | None = None
    try:
        deadline = time.monotonic() + 60
        while _registered(k8s, "run-a") is None:
            assert first.poll() is None, first.communicate()
            assert time.monotonic() < deadline, "run-a never registered"
            time.sleep(0.1)
        time.sleep(2 * SETTLE)
        assert first.poll() is None, "released with 1 of 2 pods registered"
        second = _start(images, kubeconfig, "run-b")
        out_a, err_a = first.communicate(timeout=90)
        out_b, err_b = second.communicate(timeout=90)
    finally:
        for process in (first, second):
            if process is not None and process.poll() is None:
                process.kill()
                process.communicate()
    assert (first.returncode, err_a) == (0, "")
    assert (second.returncode, err_b) == (0, "")
    # The release instant: the last registration plus the settle time, the same for both.
    stamps = [parse_time(_registered(k8s, pod) or "") for pod in ("run-a", "run-b")]
    assert None not in stamps
    last = max(s for s in stamps if s is not None)
    instant = format_time(last + timedelta(seconds=SETTLE))
    assert out_a == out_b == f"released at {instant}: 2 of 2 pods registered\n"
