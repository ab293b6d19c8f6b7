"""A tiny simulated Job controller for the Kubernetes API emulator (opt-in background thread).

For every unfinished batch/v1 Job it creates pods from spec.template up to parallelism (labels
job-name and controller-uid from the Job's defaults, an ownerReference to the Job), moves their
phases Pending -> Running -> Succeeded/Failed as a test-controlled policy says, and fills the Job's
status (active, ready, succeeded, failed, startTime, completionTime, Complete/Failed conditions),
replacing failed pods until more than backoffLimit have failed.

A policy is `policy(job, pod, age_seconds) -> phase`; `timed()` builds the usual one, and
`script(namespace, job, outcomes)` fixes the final phase of the Job's n-th pod ("Running" stays
running). Pod phases can also be set directly with `set_phase`.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from types import TracebackType
from typing import Any

from gatling_kube_emulator.kinds import JOB, POD
from gatling_kube_emulator.store import ApiError, Obj, Store, now_rfc3339

PhasePolicy = Callable[[Obj, Obj, float], str]
_ORDER = {"Pending": 0, "Running": 1, "Succeeded": 2, "Failed": 2}


def timed(pending: float = 0.05, running: float = 0.2, outcome: str = "Succeeded") -> PhasePolicy:
    """Pending for `pending` s, Running until `running` s of age, then `outcome`."""

    def policy(job: Obj, pod: Obj, age: float) -> str:
        if age < pending:
            return "Pending"
        return "Running" if age < running else outcome

    return policy


def stay_running(pending: float = 0.05) -> PhasePolicy:
    return timed(pending=pending, running=math.inf)


class JobController:
    """Use as a context manager, or call `reconcile_once()` from the test for full control."""

    def __init__(self, store: Store, policy: PhasePolicy | None = None, tick: float = 0.05) -> None:
        self.store = store
        self.policy = policy or timed()
        self.tick = tick
        self._scripts: dict[tuple[str, str], list[str]] = {}
        self._created: dict[tuple[str, str], list[str]] = {}  # (ns, job) -> pod uids in order
        self._born: dict[str, float] = {}  # pod uid -> monotonic creation time
        self._clock = time.monotonic
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    # --- control -------------------------------------------------------------------------
    def script(self, namespace: str, job: str, outcomes: list[str]) -> None:
        """The n-th pod created for `job` ends in outcomes[n]; later pods follow the policy."""
        with self._lock:
            self._scripts[(namespace, job)] = list(outcomes)

    def set_phase(self, namespace: str, pod: str, phase: str) -> Obj:
        return self.store.patch(
            POD,
            namespace,
            pod,
            "application/merge-patch+json",
            {"status": _pod_status(phase)},
            "status",
        )

    def start(self) -> JobController:
        self._thread = threading.Thread(target=self._run, daemon=True, name="job-controller")
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> JobController:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def _run(self) -> None:
        while not self._stop.wait(self.tick):
            self.reconcile_once()

    # --- reconcile -----------------------------------------------------------------------
    def reconcile_once(self) -> None:
        jobs, _ = self.store.select(JOB, None)
        for job in jobs:
            if not _finished(job):
                try:
                    self._reconcile(job)
                except ApiError:
                    continue  # deleted or changed meanwhile: the next tick sees the new state

    def _owned_pods(self, job: Obj) -> list[Obj]:
        uid = job["metadata"]["uid"]
        pods, _ = self.store.select(POD, job["metadata"]["namespace"])
        return [
            p
            for p in pods
            if any(r.get("uid") == uid for r in p["metadata"].get("ownerReferences") or [])
        ]

    def _reconcile(self, job: Obj) -> None:
        pods = [self._advance(job, pod) for pod in self._owned_pods(job)]
        spec = job.get("spec") or {}
        phases = [p.get("status", {}).get("phase") for p in pods]
        succeeded, failed = phases.count("Succeeded"), phases.count("Failed")
        active = len(phases) - succeeded - failed
        status: dict[str, Any] = dict(job.get("status") or {})
        status.setdefault("startTime", now_rfc3339())
        completions = spec.get("completions")
        if failed > spec.get("backoffLimit", 6):
            for pod, phase in zip(pods, phases, strict=True):
                if phase not in ("Succeeded", "Failed"):
                    self.store.delete(POD, pod["metadata"]["namespace"], pod["metadata"]["name"])
            active = 0
            status["conditions"] = [
                _condition(
                    "Failed", "BackoffLimitExceeded", "Job has reached the specified backoff limit"
                )
            ]
        elif (completions is not None and succeeded >= completions) or (
            completions is None and succeeded >= 1 and active == 0
        ):
            status["completionTime"] = now_rfc3339()
            status["conditions"] = [
                _condition(
                    "Complete", "CompletionsReached", "Reached expected number of succeeded pods"
                )
            ]
        else:
            remaining = (
                spec.get("parallelism", 1)
                if completions is None
                else min(spec.get("parallelism", 1), completions - succeeded)
            )
            for _ in range(max(0, remaining - active)):
                self._create_pod(job)
                active += 1
        status.update(
            active=active, succeeded=succeeded, failed=failed, ready=phases.count("Running")
        )
        if status != job.get("status"):
            self.store.patch(
                JOB,
                job["metadata"]["namespace"],
                job["metadata"]["name"],
                "application/merge-patch+json",
                {"status": status},
                "status",
            )

    def _create_pod(self, job: Obj) -> None:
        template = (job.get("spec") or {}).get("template") or {}
        meta = template.get("metadata") or {}
        name = job["metadata"]["name"]
        body = {
            "metadata": {
                "generateName": f"{name}-",
                "labels": dict(meta.get("labels") or {}),
                "annotations": dict(meta.get("annotations") or {}),
                "ownerReferences": [
                    {
                        "apiVersion": "batch/v1",
                        "kind": "Job",
                        "name": name,
                        "uid": job["metadata"]["uid"],
                        "controller": True,
                        "blockOwnerDeletion": True,
                    }
                ],
            },
            "spec": {**(template.get("spec") or {}), "restartPolicy": "Never"},
        }
        pod = self.store.create(POD, job["metadata"]["namespace"], body)
        with self._lock:
            key = (job["metadata"]["namespace"], name)
            self._created.setdefault(key, []).append(pod["metadata"]["uid"])
            self._born[pod["metadata"]["uid"]] = self._clock()

    def _desired_phase(self, job: Obj, pod: Obj) -> str:
        uid = pod["metadata"]["uid"]
        age = self._clock() - self._born.setdefault(uid, self._clock())
        wanted = self.policy(job, pod, age)
        key = (job["metadata"]["namespace"], job["metadata"]["name"])
        with self._lock:
            created = self._created.get(key) or []
            index = created.index(uid) if uid in created else None
            script = self._scripts.get(key) or []
        if index is not None and index < len(script) and wanted != "Pending":
            outcome = script[index]
            return outcome if _ORDER[wanted] >= _ORDER[outcome] else wanted
        return wanted

    def _advance(self, job: Obj, pod: Obj) -> Obj:
        current = (pod.get("status") or {}).get("phase", "Pending")
        if current in ("Succeeded", "Failed") or pod["metadata"].get("deletionTimestamp"):
            return pod
        wanted = self._desired_phase(job, pod)
        if wanted == current or _ORDER.get(wanted, 0) < _ORDER[current]:
            return pod
        if current == "Pending" and _ORDER[wanted] == 2:
            pod = self.set_phase(pod["metadata"]["namespace"], pod["metadata"]["name"], "Running")
        return self.set_phase(pod["metadata"]["namespace"], pod["metadata"]["name"], wanted)


def _finished(job: Obj) -> bool:
    return any(
        c.get("type") in ("Complete", "Failed") and c.get("status") == "True"
        for c in (job.get("status") or {}).get("conditions") or []
    )


def _condition(type_: str, reason: str, message: str) -> Obj:
    now = now_rfc3339()
    return {
        "type": type_,
        "status": "True",
        "reason": reason,
        "message": message,
        "lastProbeTime": now,
        "lastTransitionTime": now,
    }


def _pod_status(phase: str) -> Obj:
    status: Obj = {"phase": phase}
    if phase == "Running":
        status["startTime"] = now_rfc3339()
    if phase in ("Succeeded", "Failed"):
        code = 0 if phase == "Succeeded" else 1
        reason = "Completed" if phase == "Succeeded" else "Error"
        status["containerStatuses"] = [
            {
                "name": "main",
                "ready": False,
                "restartCount": 0,
                "image": "",
                "imageID": "",
                "state": {"terminated": {"exitCode": code, "reason": reason}},
            }
        ]
    return status
