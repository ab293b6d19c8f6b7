"""The emulator, peer pods of a runner Job, and waiters run as threads against it."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

import pytest
from gatling_kube_emulator.server import KubernetesEmulator
from gatling_waiter.barrier import Release, wait_for_release
from gatling_waiter.settings import WaiterSettings

NS, JOB = "ns", "run"


@pytest.fixture
def k8s() -> Iterator[KubernetesEmulator]:
    with KubernetesEmulator() as emulator:
        yield emulator


def add_pod(k8s: KubernetesEmulator, name: str, job: str = JOB) -> dict[str, Any]:
    return k8s.create(
        "pods",
        NS,
        {
            "metadata": {"name": name, "labels": {"job-name": job}},
            "spec": {"containers": [{"name": "gatling", "image": "gatling"}]},
        },
    )


def settings(pod: str, **overrides: Any) -> WaiterSettings:
    base = WaiterSettings(
        parallelism=3,
        job_name=JOB,
        namespace=NS,
        pod_name=pod,
        timeout=20.0,
        settle=0.3,
        poll_interval=0.1,
        watch_timeout=5,
        log_interval=1.0,
    )
    return replace(base, **overrides)


@dataclass
class Waiter:
    """One waiter in a thread; `released_at` is its own clock right after release."""

    k8s: KubernetesEmulator
    settings: WaiterSettings
    release: Release | None = None
    released_at: datetime | None = None
    error: BaseException | None = None
    thread: threading.Thread = field(init=False)

    def __post_init__(self) -> None:
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        try:
            with self.k8s.api_client(self.settings.pod_name) as api:
                self.release = wait_for_release(self.settings, api)
                self.released_at = datetime.now(UTC)
        except BaseException as exc:
            self.error = exc

    def start(self) -> Waiter:
        self.thread.start()
        return self

    def result(self, limit: float = 30.0) -> Release:
        self.thread.join(limit)
        assert not self.thread.is_alive(), "waiter still waiting"
        if self.error is not None:
            raise self.error
        assert self.release is not None
        return self.release
