"""The simulated Job controller: pods from the template, phases, Job status and conditions."""

from __future__ import annotations

import time
from collections.abc import Callable

from gatling_kube_emulator.jobs import JobController, stay_running, timed
from gatling_kube_emulator.server import KubernetesEmulator
from kubernetes import client

from tests.k8s_emulator.helpers import job


def _until(check: Callable[[], bool], limit: float = 10.0) -> None:
    """Poll a condition (a bound on waiting, not a timing assertion)."""
    end = time.monotonic() + limit
    while not check():
        assert time.monotonic() < end, "condition never became true"
        time.sleep(0.02)


def _condition(batch: client.BatchV1Api, name: str) -> str | None:
    status = batch.read_namespaced_job_status(name, "ns").status
    conditions = (status.conditions if status else None) or []
    done = [c.type for c in conditions if c.status == "True"]
    return done[0] if done else None


def test_job_runs_pods_to_completion(k8s: KubernetesEmulator, batch: client.BatchV1Api) -> None:
    created = batch.create_namespaced_job("ns", job("run", parallelism=3))
    with JobController(k8s.store, timed(pending=0.0, running=0.1)):
        _until(lambda: _condition(batch, "run") is not None)
    status = batch.read_namespaced_job_status("run", "ns").status
    assert _condition(batch, "run") == "Complete"
    assert (status.succeeded, status.failed, status.active) == (3, 0, 0)
    assert status.start_time is not None and status.completion_time is not None
    pods = client.CoreV1Api(k8s.api_client()).list_namespaced_pod(
        "ns", label_selector="job-name=run"
    )
    assert len(pods.items) == 3
    for p in pods.items:
        assert p.metadata.labels["controller-uid"] == created.metadata.uid
        assert p.metadata.labels["app"] == "runner"
        assert p.metadata.owner_references[0].uid == created.metadata.uid
        assert p.status.phase == "Succeeded"


def test_backoff_limit_zero_fails_the_job_on_first_failure(
    k8s: KubernetesEmulator, batch: client.BatchV1Api
) -> None:
    batch.create_namespaced_job("ns", job("run", parallelism=2, backoff_limit=0))
    controller = JobController(k8s.store, timed(pending=0.0, running=0.05))
    controller.script("ns", "run", ["Failed", "Running"])
    with controller:
        _until(lambda: _condition(batch, "run") is not None)
    status = batch.read_namespaced_job_status("run", "ns").status
    assert _condition(batch, "run") == "Failed"
    assert status.conditions[0].reason == "BackoffLimitExceeded"
    assert status.failed == 1 and status.active == 0
    assert status.completion_time is None


def test_failed_pods_are_replaced_within_the_backoff_limit(
    k8s: KubernetesEmulator, batch: client.BatchV1Api
) -> None:
    batch.create_namespaced_job("ns", job("run", parallelism=1, backoff_limit=2))
    controller = JobController(k8s.store, timed(pending=0.0, running=0.05))
    controller.script("ns", "run", ["Failed", "Succeeded"])
    with controller:
        _until(lambda: _condition(batch, "run") is not None)
    status = batch.read_namespaced_job_status("run", "ns").status
    assert _condition(batch, "run") == "Complete"
    assert (status.failed, status.succeeded) == (1, 1)


def test_stay_running_keeps_pods_active(k8s: KubernetesEmulator, batch: client.BatchV1Api) -> None:
    batch.create_namespaced_job("ns", job("run", parallelism=2))
    controller = JobController(k8s.store, stay_running(pending=0.0))
    for _ in range(5):
        controller.reconcile_once()
    status = batch.read_namespaced_job_status("run", "ns").status
    assert (status.active, status.ready, status.succeeded) == (2, 2, 0)
    assert _condition(batch, "run") is None
    pod = k8s.list("pods", "ns")[0]["metadata"]["name"]
    controller.set_phase("ns", pod, "Succeeded")
    controller.reconcile_once()
    status = batch.read_namespaced_job_status("run", "ns").status
    assert (status.active, status.succeeded) == (1, 1)  # completions - succeeded bounds active
