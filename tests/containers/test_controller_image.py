"""The controller image reconciles a Gatling resource on the API emulator, as uid 1000: the
runner Job with our images, the reporter Job, the report's statistics read from the run's storage
(mounted), the webhook notified, everything cleaned up, and a clean exit on SIGTERM."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest
from gatling_kube_emulator.jobs import JobController
from gatling_kube_emulator.server import KubernetesEmulator, write_kubeconfig

from tests.containers.conftest import Images, owned_by_uid
from tests.controller.fixtures import gone
from tests.controller.harness import (
    NS,
    events,
    gatling_cr,
    reporter_writes_report,
    wait_for,
)

pytestmark = pytest.mark.containers


def test_the_controller_container_runs_a_gatling_to_the_end(
    images: Images,
    k8s: KubernetesEmulator,
    hook: list[dict[str, Any]],
    tmp_path: Path,
    container_name: str,
) -> None:
    storage = tmp_path / "storage"
    storage.mkdir()
    owned_by_uid(storage)
    kubeconfig = write_kubeconfig(tmp_path / "kube", k8s.url)
    k8s.create("gatlings", NS, gatling_cr("shop", storage))
    log = tmp_path / "controller.log"
    command = images.command(
        "controller",
        "--namespace", NS,
        "--requeue-interval", "0.2",
        "--resync-period", "2",
        "--waiter-image", images.ref("waiter"),
        "--transferer-image", images.ref("transferer"),
        "--reporter-image", images.ref("reporter"),
        options=(
            "--name", container_name,
            "--network", "host",
            "-v", f"{kubeconfig}:/etc/gatling/kubeconfig:ro",
            "--env=KUBECONFIG=/etc/gatling/kubeconfig",
            # The local provider's bucket is a path: the same one inside, for the report's stats.
            "-v", f"{storage}:{storage}:ro",
        ),
    )  # fmt: skip
    with log.open("w") as out, JobController(k8s.store, reporter_writes_report(k8s), tick=0.02):
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, text=True)
        try:
            try:
                wait_for("the notification", lambda: hook or process.poll() is not None, 120)
                assert process.poll() is None, log.read_text()
                wait_for("cleanup", lambda: gone(k8s, "gatlings", "shop"), 60)
            except AssertionError as exc:
                raise AssertionError(f"{exc}\n{log.read_text()[-3000:]}") from None
            images.stop(container_name)
            assert process.wait(timeout=60) == 0, log.read_text()
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
    assert len(hook) == 1
    run = hook[0]["run"]
    assert (run["name"], run["succeeded"], run["pods"]) == ("shop", True, 3)
    # Read by the container from the mounted storage: the reporter's statistics and verdict.
    assert (run["requests"], run["ko_percent"], run["p95_ms"], run["verdict"]) == (
        400, 1.0, 250.0, "passed",
    )  # fmt: skip
    assert run["report_url"].startswith(f"file://{storage}/shop/")
    seen = list(events(k8s))
    created = [(kind, name) for t, kind, name in seen if t == "ADDED" and kind != "Pod"]
    assert created == [
        ("Secret", "hook"),
        ("Gatling", "shop"),
        ("ConfigMap", "shop-simulations-data"),
        ("Job", "shop-runner"),
        ("Job", "shop-reporter"),
    ]
    runner = next(
        e.obj
        for e in k8s.store.events_after(0)
        if e.kind.kind == "Job" and e.obj["metadata"]["name"] == "shop-runner"
    )
    pod = runner["spec"]["template"]["spec"]
    assert [c["image"] for c in pod["initContainers"]] == [images.ref("waiter")]
    assert images.ref("transferer") in [c["image"] for c in pod["containers"]]
    for plural, name in [("jobs", "shop-runner"), ("jobs", "shop-reporter")]:
        assert gone(k8s, plural, name)
