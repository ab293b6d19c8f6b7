"""Edge cases driven step by step (a Reconciler called directly, the Job controller ticked by
hand, the clock injected): timeouts, failed thresholds, bad specs, volumes, watch recovery."""

from __future__ import annotations

import dataclasses
import time
from pathlib import Path
from typing import Any

from gatling_controller.kube import Kube
from gatling_controller.reconciler import Reconciler
from gatling_controller.status import parse_time
from gatling_kube_emulator.jobs import JobController, stay_running, timed
from gatling_kube_emulator.server import KubernetesEmulator

from tests.controller.harness import NS, SETTINGS, gatling_cr, make_controller, wait_for


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def _reconciler(k8s: KubernetesEmulator, clock: Clock, **changes: Any) -> Reconciler:
    settings = dataclasses.replace(SETTINGS, **changes)
    return Reconciler(Kube(k8s.api_client("controller")), settings, clock=clock)


def _status(k8s: KubernetesEmulator, name: str) -> dict[str, Any]:
    status: dict[str, Any] = k8s.get("gatlings", NS, name).get("status") or {}
    return status


def _quiet(name: str, tmp_path: Path, **spec: Any) -> dict[str, Any]:
    return gatling_cr(name, tmp_path, notifyReport=False, cleanupAfterJobDone=False, **spec)


def test_a_job_that_never_starts_fails_after_the_creation_limit(
    k8s: KubernetesEmulator, tmp_path: Path
) -> None:
    clock = Clock(time.time())
    k8s.create("gatlings", NS, _quiet("stuck", tmp_path))
    rec = _reconciler(k8s, clock, job_creation_timeout=60.0)
    assert rec.reconcile(NS, "stuck") == SETTINGS.requeue_interval  # runner Job created
    clock.now += 30
    assert rec.reconcile(NS, "stuck") == SETTINGS.requeue_interval  # no Job controller: no start
    clock.now += 40
    assert rec.reconcile(NS, "stuck") is None
    status = _status(k8s, "stuck")
    assert status["phase"] == "Failed"
    assert status["error"] == "runner Job stuck-runner did not start within 60s"


def test_a_job_running_too_long_fails_counted_from_its_start(
    k8s: KubernetesEmulator, tmp_path: Path
) -> None:
    clock = Clock(time.time() + 1000)  # long after creation: only the real start counts
    k8s.create("gatlings", NS, _quiet("slow", tmp_path))
    rec = _reconciler(k8s, clock, job_run_timeout=100.0, job_creation_timeout=2000.0)
    jc = JobController(k8s.store, stay_running(0.0))
    rec.reconcile(NS, "slow")
    jc.reconcile_once()
    jc.reconcile_once()
    start = k8s.get("jobs", NS, "slow-runner")["status"]["startTime"]
    assert start
    clock.now = (parse_time(start) or 0) + 50
    assert rec.reconcile(NS, "slow") == SETTINGS.requeue_interval
    assert _status(k8s, "slow")["runnerCompletions"] == "0/3"
    clock.now += 60
    assert rec.reconcile(NS, "slow") is None
    assert _status(k8s, "slow")["error"] == "runner Job slow-runner ran longer than 100s"


def test_failed_thresholds_keep_the_report_and_fail_the_run(
    k8s: KubernetesEmulator, tmp_path: Path
) -> None:
    k8s.create("gatlings", NS, _quiet("slo", tmp_path))
    rec = _reconciler(k8s, Clock(time.time()))
    jc = JobController(k8s.store, timed(pending=0.0, running=0.0))
    jc.script(NS, "slo-reporter", ["Failed"])
    for _ in range(10):
        rec.reconcile(NS, "slo")
        if _status(k8s, "slo").get("phase") == "Failed":
            break
        jc.reconcile_once()
        for pod in k8s.list("pods", NS):
            labels, status = pod["metadata"]["labels"], pod.get("status") or {}
            if labels.get("type") == "reporter" and status.get("phase") == "Failed":
                # The reporter's exit code 3: report written, a threshold failed.
                terminated = {"name": "gatling-reporter", "state": {"terminated": {"exitCode": 3}}}
                name = pod["metadata"]["name"]
                k8s.patch_status("pods", NS, name, {"containerStatuses": [terminated]})
    status = _status(k8s, "slo")
    assert (status["phase"], status["reportCompleted"], status["thresholdVerdict"]) == (
        "Failed", True, "failed",
    )  # fmt: skip
    assert status["error"] == "the report's thresholds failed"


def test_a_bad_spec_is_reported_in_status(k8s: KubernetesEmulator, tmp_path: Path) -> None:
    body = _quiet("bad", tmp_path)
    body["spec"]["testScenarioSpec"]["simulationsFormat"] = "maven"  # the emulator skips CRD checks
    k8s.create("gatlings", NS, body)
    assert _reconciler(k8s, Clock(time.time())).reconcile(NS, "bad") is None
    status = _status(k8s, "bad")
    assert status["phase"] == "Failed"
    assert status["error"] == (
        "Gatling spec.testScenarioSpec.simulationsFormat is 'maven'; expected bundle or gradle"
    )
    assert k8s.list("jobs", NS) == []
    assert _events(k8s, "bad") == [("Warning", "InvalidSpec", status["error"])]
    # Fixing the spec (a new generation) starts the run from a clean status.
    fixed = k8s.get("gatlings", NS, "bad")
    fixed["spec"]["testScenarioSpec"]["simulationsFormat"] = "bundle"
    k8s.store.update(k8s.store.find_kind("gatlings"), NS, "bad", fixed)
    assert _reconciler(k8s, Clock(time.time())).reconcile(NS, "bad") == SETTINGS.requeue_interval
    status = _status(k8s, "bad")
    assert (status["phase"], status.get("error")) == ("Running", None)
    assert [j["metadata"]["name"] for j in k8s.list("jobs", NS)] == ["bad-runner"]


def test_volumes_are_created_and_the_cluster_scoped_one_removed_on_cleanup(
    k8s: KubernetesEmulator, tmp_path: Path
) -> None:
    body = gatling_cr(
        "vol",
        tmp_path,
        notifyReport=False,
        generateReport=False,
        persistentVolume={"name": "vol-pv", "spec": {"capacity": {"storage": "1Gi"}}},
        persistentVolumeClaim={"name": "vol-pvc", "spec": {"volumeName": "vol-pv"}},
    )
    k8s.create("gatlings", NS, body)
    rec = _reconciler(k8s, Clock(time.time()))
    jc = JobController(k8s.store, timed(pending=0.0, running=0.0))
    rec.reconcile(NS, "vol")
    pv = k8s.get("persistentvolumes", "", "vol-pv")
    assert "ownerReferences" not in pv["metadata"] and "namespace" not in pv["metadata"]
    assert k8s.get("persistentvolumeclaims", NS, "vol-pvc")["metadata"]["ownerReferences"]
    for _ in range(10):
        jc.reconcile_once()
        jc.reconcile_once()
        rec.reconcile(NS, "vol")
        if not k8s.list("gatlings", NS):
            break
    assert k8s.list("gatlings", NS) == []
    assert k8s.list("persistentvolumes") == []
    assert k8s.list("persistentvolumeclaims", NS) == []


def test_watch_recovers_from_410_gone(k8s: KubernetesEmulator, tmp_path: Path) -> None:
    controller = make_controller(k8s, watch_timeout=30)
    gone = k8s.faults.inject(status=410, verb="watch", resource="gatlings", times=1)
    controller.start()
    try:
        lists = lambda: k8s.faults.requests(verb="list", resource="gatlings")  # noqa: E731
        wait_for("a second list", lambda: lists() >= 2)
        k8s.create("gatlings", NS, _quiet("late", tmp_path))
        wait_for("the runner Job", lambda: k8s.list("jobs", NS))
    finally:
        controller.stop()
    assert gone.hits == 1  # the first watch really got 410 Gone
    assert [j["metadata"]["name"] for j in k8s.list("jobs", NS)] == ["late-runner"]


def test_a_job_the_api_server_refuses_fails_the_run_with_its_reason(
    k8s: KubernetesEmulator, tmp_path: Path
) -> None:
    k8s.create("gatlings", NS, _quiet("refused", tmp_path))
    why = "spec.template.spec.volumes[0].csi.driver: Required value"
    k8s.faults.inject(status=422, verb="create", resource="jobs", message=why)
    assert _reconciler(k8s, Clock(time.time())).reconcile(NS, "refused") is None
    status = _status(k8s, "refused")
    assert status["phase"] == "Failed"
    assert status["error"] == (
        f"create Job load/refused-runner: API server answered 422 Unprocessable Entity: {why}"
    )


def _events(k8s: KubernetesEmulator, name: str) -> list[tuple[str, str, str]]:
    return [
        (e["type"], e["reason"], e["message"])
        for e in k8s.list("events", NS)
        if e["involvedObject"]["name"] == name and e["involvedObject"]["kind"] == "Gatling"
    ]


def _created(k8s: KubernetesEmulator) -> list[str]:
    return [o["metadata"]["name"] for p in ("jobs", "configmaps") for o in k8s.list(p, NS)]


def test_an_invalid_start_time_is_refused_before_any_pod(
    k8s: KubernetesEmulator, tmp_path: Path
) -> None:
    body = _quiet("when", tmp_path)
    body["spec"]["testScenarioSpec"]["startTime"] = "next monday"
    k8s.create("gatlings", NS, body)
    rec = _reconciler(k8s, Clock(time.time()))
    assert rec.reconcile(NS, "when") is None
    assert rec.reconcile(NS, "when") is None  # a resync records nothing twice
    message = (
        "Gatling spec.testScenarioSpec.startTime 'next monday' is not a time; expected "
        "'2026-01-31 12:00:00' (UTC) or ISO 8601 like '2026-01-31T12:00:00Z'"
    )
    status = _status(k8s, "when")
    assert (status["phase"], status["error"]) == ("Failed", message)
    [failed] = [c for c in status["conditions"] if c["type"] == "Failed"]
    assert (failed["status"], failed["reason"], failed["message"]) == (
        "True", "InvalidSpec", message
    )  # fmt: skip
    assert _events(k8s, "when") == [("Warning", "InvalidSpec", message)]
    assert _created(k8s) == []


def test_a_start_time_beyond_the_waiters_limit_creates_nothing(
    k8s: KubernetesEmulator, tmp_path: Path
) -> None:
    clock = Clock(parse_time("2026-01-02T03:00:00Z") or 0.0)
    body = _quiet("later", tmp_path)
    body["spec"]["testScenarioSpec"]["startTime"] = "2026-01-02T04:00:00Z"  # 3600s away
    k8s.create("gatlings", NS, body)
    assert _reconciler(k8s, clock, job_creation_timeout=600.0).reconcile(NS, "later") is None
    message = (
        "startTime 2026-01-02 04:00:00 (UTC) is 3600s away, beyond the 600s the runner pods may "
        "wait (MAX_JOB_CREATION_WAIT_TIME); nothing was created: start it sooner or raise that "
        "limit"
    )
    status = _status(k8s, "later")
    assert (status["phase"], status["error"]) == ("Failed", message)
    assert status["conditions"][-1]["reason"] == "StartTimeTooFar"
    assert _events(k8s, "later") == [("Warning", "StartTimeTooFar", message)]
    assert _created(k8s) == []


def test_a_start_time_in_iso_form_reaches_the_pods_in_the_canonical_form(
    k8s: KubernetesEmulator, tmp_path: Path
) -> None:
    clock = Clock(parse_time("2026-01-02T03:00:00Z") or 0.0)
    body = _quiet("iso", tmp_path)
    body["spec"]["testScenarioSpec"]["startTime"] = "2026-01-02T12:05+09:00"
    k8s.create("gatlings", NS, body)
    assert _reconciler(k8s, clock).reconcile(NS, "iso") == SETTINGS.requeue_interval
    pod = k8s.get("jobs", NS, "iso-runner")["spec"]["template"]["spec"]
    waiter = {e["name"]: e.get("value") for e in pod["initContainers"][0]["env"]}
    runner = {e["name"]: e.get("value") for e in pod["containers"][0]["env"]}
    assert waiter["GATLING_WAITER_START_TIME"] == "2026-01-02 03:05:00"
    assert runner["GATLING_FLEET_START_TIME"] == "2026-01-02 03:05:00"
    assert _events(k8s, "iso") == []
