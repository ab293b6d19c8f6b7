"""Shared set-up for the controller's lifecycle tests on the Kubernetes API emulator."""

from __future__ import annotations

import base64
import copy
import dataclasses
import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from gatling_common.retry import RetryPolicy
from gatling_controller.builders import run_storage
from gatling_controller.kube import Kube
from gatling_controller.models import parse_gatling
from gatling_controller.reconciler import Reconciler
from gatling_controller.runtime import Controller
from gatling_controller.settings import ControllerSettings
from gatling_kube_emulator.jobs import PhasePolicy, timed
from gatling_kube_emulator.server import KubernetesEmulator

NS = "load"
SETTINGS = ControllerSettings(
    requeue_interval=0.2,
    resync_period=2.0,
    max_concurrent_reconciles=4,
    notify_retry=RetryPolicy(attempts=4, base_delay=0.01, max_delay=0.05),
    notify_timeout=5.0,
)


def gatling_cr(name: str, storage_dir: Path, **spec: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "apiVersion": "gatling-operator.tech.zozo.com/v1alpha1",
        "kind": "Gatling",
        "metadata": {"name": name, "labels": {"team": "qa"}},
        "spec": {
            "generateReport": True,
            "notifyReport": True,
            "cleanupAfterJobDone": True,
            "podSpec": {"serviceAccountName": "gatling-worker"},
            "cloudStorageSpec": {"provider": "local", "bucket": str(storage_dir)},
            "notificationServiceSpec": {"provider": "webhook", "secretName": "hook"},
            "testScenarioSpec": {
                "simulationClass": "MyBasicSimulation",
                "parallelism": 3,
                "simulationData": {"MyBasicSimulation.scala": "class MyBasicSimulation"},
            },
        },
    }
    body["spec"].update(copy.deepcopy(spec))
    return body


def add_webhook_secret(k8s: KubernetesEmulator, url: str) -> None:
    data = {"incoming-webhook-url": base64.b64encode(url.encode()).decode()}
    k8s.create("secrets", NS, {"metadata": {"name": "hook"}, "data": data})


def reporter_writes_report(k8s: KubernetesEmulator, base: PhasePolicy | None = None) -> PhasePolicy:
    """A pod policy under which reporter pods write a report into the run's local storage."""
    base = base or timed(pending=0.02, running=0.1)

    def policy(job: dict[str, Any], pod: dict[str, Any], age: float) -> str:
        phase = base(job, pod, age)
        labels = pod["metadata"].get("labels") or {}
        if labels.get("type") == "reporter" and phase == "Succeeded":
            owner = job["metadata"]["ownerReferences"][0]["name"]
            try:
                obj = k8s.get("gatlings", job["metadata"]["namespace"], owner)
            except Exception:
                return phase
            storage = run_storage(parse_gatling(obj), SETTINGS)
            assert storage is not None
            root = Path(storage.url.removeprefix("file://"))
            (root / "js").mkdir(parents=True, exist_ok=True)
            stats = {
                "numberOfRequests": {"total": 400, "ok": 396, "ko": 4},
                "percentiles3": {"total": 250},
            }
            (root / "js" / "global_stats.json").write_text(json.dumps(stats))
            summary = {"thresholds": [{"expression": "global.p95 < 800", "passed": True}]}
            (root / "summary.json").write_text(json.dumps(summary))
        return phase

    return policy


def make_controller(
    k8s: KubernetesEmulator, client_id: str = "controller", **changes: Any
) -> Controller:
    settings = dataclasses.replace(SETTINGS, **changes)
    kube = Kube(k8s.api_client(client_id))
    return Controller(kube, Reconciler(kube, settings), settings)


def wait_for(what: str, predicate: Callable[[], Any], timeout: float = 30.0) -> Any:
    """Poll until `predicate()` is truthy (a generous bound: a hang fails, speed is not tested)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.02)
    raise AssertionError(f"timed out waiting for {what}")


def events(k8s: KubernetesEmulator) -> Iterator[tuple[str, str, str]]:
    """(type, kind, name) of every change the emulator recorded, in order."""
    for event in k8s.store.events_after(0):
        yield event.type, event.kind.kind, event.obj["metadata"]["name"]
