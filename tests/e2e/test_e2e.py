"""A Gatling resource run end to end with the real images, each pod in containers (podman).

The API emulator stands in for the cluster; its Job controller makes the pods and the podman node
agent (gatling_kube_emulator.node) runs them: per runner pod the waiter (init container, the
barrier across the 3 pods), the runner stand-in (the controller's real runner script, with a
gatling.sh that writes a generated log) beside the real transferer, then the reporter Job. The
controller itself runs from its image. Checked: the barrier released all 3 pods at one instant,
the report URL in the status, the report (index.html, js/stats.json counting every pod's
requests), the webhook's notification, and the cleanup (resource, Jobs, pods, containers gone).
"""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest
from gatling_kube_emulator.jobs import JobController
from gatling_kube_emulator.node import PodmanNode
from gatling_kube_emulator.server import KubernetesEmulator, write_kubeconfig

from tests.containers.conftest import Images, owned_by_uid
from tests.controller.harness import NS

pytestmark = pytest.mark.containers

NAME = "e2e"
PODS = 3
REQUESTS_PER_POD = 500
Json = dict[str, Any]


def gatling(storage: Path, runner_image: str) -> Json:
    return {
        "apiVersion": "gatling-operator.tech.zozo.com/v1alpha1",
        "kind": "Gatling",
        "metadata": {"name": NAME, "labels": {"team": "qa"}},
        "spec": {
            "generateReport": True,
            "notifyReport": True,
            "cleanupAfterJobDone": True,
            "podSpec": {"serviceAccountName": "gatling-worker", "gatlingImage": runner_image},
            "cloudStorageSpec": {"provider": "local", "bucket": str(storage)},
            "notificationServiceSpec": {"provider": "webhook", "secretName": "hook"},
            "reporterSpec": {"thresholds": ["global.ko_percent <= 50"]},
            "testScenarioSpec": {
                "simulationClass": "shop.BasicSimulation",
                "parallelism": PODS,
                "simulationData": {"BasicSimulation.scala": "class BasicSimulation"},
                "env": [{"name": "GATLING_STUB_REQUESTS", "value": str(REQUESTS_PER_POD)}],
            },
        },
    }


class Run:
    """What was seen while the resource lived: its last status, every pod version stored."""

    def __init__(self, k8s: KubernetesEmulator, node: PodmanNode, log: Path) -> None:
        self.k8s, self.node, self.log = k8s, node, log
        self.status: Json = {}

    def wait(self, what: str, predicate: Any, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = [g for g in self.k8s.list("gatlings", NS) if g["metadata"]["name"] == NAME]
            if found:
                self.status = found[0].get("status") or {}
            if predicate():
                return
            time.sleep(0.2)
        raise AssertionError(f"timed out waiting for {what}\n{self.diagnostics()}")

    def diagnostics(self) -> str:
        logs = "\n".join(f"--- {k}\n{v[-1500:]}" for k, v in self.node.all_logs().items())
        return f"status: {self.status}\n--- controller\n{self.log.read_text()[-3000:]}\n{logs}"

    def last_versions(self, kind: str) -> dict[str, Json]:
        """Every object of a kind by name, as last stored before it was deleted (if it was)."""
        last: dict[str, Json] = {}
        for event in self.k8s.store.events_after(0):
            if event.kind.kind == kind and event.type != "DELETED":
                last[event.obj["metadata"]["name"]] = event.obj
        return last


def test_a_gatling_runs_end_to_end_in_containers(
    images: Images,
    runner_stub: str,
    k8s: KubernetesEmulator,
    hook: list[Json],
    work: Path,
    report_urls: list[str],
    container_name: str,
) -> None:
    storage = work / "bucket"
    storage.mkdir()
    owned_by_uid(storage)
    kubeconfig = write_kubeconfig(work / "kube", k8s.url)
    node = PodmanNode(k8s.store, images.tool, work / "node", kubeconfig, namespace=NS)
    controller = images.command(
        "controller",
        "--namespace", NS,
        "--requeue-interval", "0.5",
        "--resync-period", "5",
        "--waiter-image", images.ref("waiter"),
        "--transferer-image", images.ref("transferer"),
        "--reporter-image", images.ref("reporter"),
        options=(
            "--name", container_name,
            "--network", "host",
            "-v", f"{kubeconfig}:/etc/gatling/kubeconfig:ro",
            "--env=KUBECONFIG=/etc/gatling/kubeconfig",
            "-v", f"{storage}:{storage}:ro",  # the local bucket, for the report's statistics
        ),
    )  # fmt: skip
    log = work / "controller.log"
    run = Run(k8s, node, log)
    k8s.create("gatlings", NS, gatling(storage, runner_stub))
    with log.open("w") as out, node, JobController(k8s.store, node.policy, tick=0.1):
        process = subprocess.Popen(controller, stdout=out, stderr=subprocess.STDOUT)
        try:
            run.wait("the notification", lambda: hook or process.poll() is not None, 420)
            assert process.poll() is None, run.diagnostics()
            run.wait("the cleanup", lambda: not k8s.list("gatlings", NS), 120)
        finally:
            images.stop(container_name)
            process.wait(timeout=60)
    # The status as the controller last wrote it, just before the cleanup deleted the resource.
    status = run.last_versions("Gatling")[NAME].get("status") or {}
    run.status = status
    report_urls.append(str(status.get("reportUrl")))
    assert status.get("phase") == "Succeeded", run.diagnostics()

    # The barrier: each waiter registered its pod and all were released at one instant.
    pods = run.last_versions("Pod")
    runners = sorted(n for n, p in pods.items() if p["metadata"]["labels"].get("type") == "runner")
    assert len(runners) == PODS, sorted(pods)
    released = set()
    for name in runners:
        pod = pods[name]
        assert pod["metadata"]["labels"].get("gatling-fleet/registered") == "true", name
        waiter = pod["status"]["initContainerStatuses"][0]
        assert waiter["state"]["terminated"]["exitCode"] == 0, run.diagnostics()
        exits = {
            c["name"]: c["state"]["terminated"]["exitCode"]
            for c in pod["status"]["containerStatuses"]
        }
        assert exits == {"gatling-runner": 0, "gatling-transferer": 0}, run.diagnostics()
        assert pod["status"]["phase"] == "Succeeded"
        waiter_log = node.logs(NS, name)["gatling-waiter"]
        line = next(x for x in waiter_log.splitlines() if x.startswith("released at "))
        assert line.endswith(f": {PODS} of {PODS} pods registered"), waiter_log
        released.add(line.split(": ")[0])
        assert "gatling.sh (stub): " in node.logs(NS, name)["gatling-runner"]
    assert len(released) == 1, released

    # The report: where the status says, with every pod's requests.
    location = status["reportStoragePath"].removeprefix("file://")
    assert status["reportUrl"] == f"file://{location}/index.html"
    assert Path(location).is_relative_to(storage)
    assert (Path(location) / "index.html").is_file()
    stats = json.loads((Path(location) / "js" / "stats.json").read_text("utf-8"))
    assert stats["stats"]["numberOfRequests"]["total"] == PODS * REQUESTS_PER_POD
    assert sorted(p.name for p in Path(location).glob("*.log")) == [f"{n}.log" for n in runners]
    assert status.get("thresholdVerdict") == "passed"

    # The webhook: one notification, naming the report.
    assert len(hook) == 1, hook
    notified = hook[0]["run"]
    assert (notified["name"], notified["succeeded"], notified["pods"]) == (NAME, True, PODS)
    assert notified["requests"] == PODS * REQUESTS_PER_POD
    assert notified["report_url"] == status["reportUrl"]

    # The cleanup: the resource, its Jobs and pods are gone, and so are their containers.
    assert not k8s.list("gatlings", NS)
    assert not k8s.list("jobs", NS)
    assert not k8s.list("pods", NS)
    assert node.running() == []
