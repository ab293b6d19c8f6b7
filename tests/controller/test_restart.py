"""A controller dying at any step resumes without creating anything twice.

Deterministic part: each "life" is a fresh Reconciler with a fresh API client; the controller
"dies" (an exception no code catches, like SIGKILL) right before its n-th write to the API, for
every n of a whole run. Real part: the `gatling-controller` process is SIGKILLed while the runner
Job runs.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from gatling_controller.kube import Kube
from gatling_controller.reconciler import Reconciler
from gatling_kube_emulator.jobs import JobController, stay_running, timed
from gatling_kube_emulator.server import KubernetesEmulator, write_kubeconfig

from tests.controller.harness import NS, SETTINGS, gatling_cr, wait_for


class Died(BaseException):
    """The process is gone: nothing in the controller may catch this."""


class DyingKube(Kube):
    """Our API wrapper, dying right before the `die_at`-th write (counted across lives)."""

    writes = 0
    die_at = -1

    def _write(self) -> None:
        DyingKube.writes += 1
        if DyingKube.writes == DyingKube.die_at:
            raise Died

    def create(self, obj: dict[str, Any]) -> bool:
        self._write()
        return super().create(obj)

    def patch_gatling_status(self, namespace: str, name: str, status: dict[str, Any]) -> None:
        self._write()
        super().patch_gatling_status(namespace, name, status)

    def delete(self, kind: str, namespace: str, name: str) -> None:
        self._write()
        super().delete(kind, namespace, name)

    def delete_gatling(self, namespace: str, name: str) -> None:
        self._write()
        super().delete_gatling(namespace, name)


def _run_dying_at(k8s: KubernetesEmulator, die_at: int) -> bool:
    """Drive the run life by life; True if the controller died on the way."""
    DyingKube.writes, DyingKube.die_at = 0, die_at
    jc = JobController(k8s.store, timed(pending=0.0, running=0.0))
    died = False
    for life in range(1, 100):
        reconciler = Reconciler(DyingKube(k8s.api_client(f"life-{life}")), SETTINGS)
        try:
            reconciler.reconcile(NS, "crashy")
        except Died:
            died = True
        jc.reconcile_once()
        jc.reconcile_once()
        if all(g["metadata"]["name"] != "crashy" for g in k8s.list("gatlings", NS)):
            return died
    raise AssertionError("the run never finished")


# A whole run makes 13 writes (creates, status, cleanup deletes); the 9th records the notification.
WRITES_IN_A_RUN = 13
NOTIFIED_WRITE = 9


@pytest.mark.parametrize("die_at", range(1, WRITES_IN_A_RUN + 2))
def test_dying_before_any_write_creates_nothing_twice(
    k8s: KubernetesEmulator, hook: list[dict[str, Any]], tmp_path: Path, die_at: int
) -> None:
    k8s.create("gatlings", NS, gatling_cr("crashy", tmp_path))
    died = _run_dying_at(k8s, die_at)
    assert died == (die_at <= WRITES_IN_A_RUN)
    added = [
        (e.kind.kind, e.obj["metadata"]["name"])
        for e in k8s.store.events_after(0)
        if e.type == "ADDED" and e.kind.kind in ("Job", "ConfigMap")
    ]
    assert added == [
        ("ConfigMap", "crashy-simulations-data"),
        ("Job", "crashy-runner"),
        ("Job", "crashy-reporter"),
    ]
    # At-least-once: dying between the webhook's 200 and the status write repeats the message.
    assert len(hook) == (2 if die_at == NOTIFIED_WRITE else 1)
    assert all(h["run"]["succeeded"] for h in hook)


def _start_controller(kubeconfig: Path) -> subprocess.Popen[bytes]:
    exe = Path(sys.executable).with_name("gatling-controller")
    args = [str(exe), "--kubeconfig", str(kubeconfig), "--namespace", NS]
    env = {**os.environ, "GATLING_CONTROLLER_REQUEUE_INTERVAL": "0.2"}
    return subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def test_sigkilled_process_resumes_without_duplicates(
    k8s: KubernetesEmulator, hook: list[dict[str, Any]], tmp_path: Path
) -> None:
    kubeconfig = write_kubeconfig(tmp_path, k8s.url)
    k8s.create("gatlings", NS, gatling_cr("killed", tmp_path / "bucket"))
    finish = {"now": False}
    running, done = stay_running(0.0), timed(pending=0.0, running=0.0)

    def policy(job: dict[str, Any], pod: dict[str, Any], age: float) -> str:
        return done(job, pod, age) if finish["now"] else running(job, pod, age)

    with JobController(k8s.store, policy, tick=0.02):
        first = _start_controller(kubeconfig)
        try:
            wait_for("the runner Job", lambda: k8s.list("jobs", NS), timeout=60)
            wait_for("status Running", lambda: _phase(k8s, "killed") == "Running")
        finally:
            first.send_signal(signal.SIGKILL)
            first.wait(timeout=10)
        finish["now"] = True
        second = _start_controller(kubeconfig)
        try:
            wait_for("the notification", lambda: hook, timeout=60)
            wait_for("cleanup", lambda: not k8s.list("gatlings", NS), timeout=60)
        finally:
            second.terminate()
            _, stderr = second.communicate(timeout=10)
    assert second.returncode in (0, -signal.SIGTERM)
    added = [
        e.obj["metadata"]["name"]
        for e in k8s.store.events_after(0)
        if e.type == "ADDED" and e.kind.kind == "Job"
    ]
    assert added == ["killed-runner", "killed-reporter"]
    assert len(hook) == 1 and hook[0]["run"]["succeeded"] is True
    assert b"Traceback" not in stderr


def _phase(k8s: KubernetesEmulator, name: str) -> str | None:
    items = [g for g in k8s.list("gatlings", NS) if g["metadata"]["name"] == name]
    return items[0].get("status", {}).get("phase") if items else None
