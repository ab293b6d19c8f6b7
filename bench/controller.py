"""Controller start-up latency on the Kubernetes API emulator with its simulated Job controller.

N Gatling resources are created at once while the controller watches; we time until the first
and until every runner Job exists, and count the controller's API requests per resource. Baselines
measured in the same run: the same with --max-concurrent-reconciles 1, and a bare client creating
N Jobs back to back (the floor for "every Job exists").

    .venv/bin/python bench/controller.py [--quick] [--resources 50]
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the tests.support emulator

from gatling_controller.kube import Kube
from gatling_controller.reconciler import Reconciler
from gatling_controller.runtime import Controller
from gatling_controller.settings import ControllerSettings
from gatling_kube_emulator.jobs import JobController, stay_running
from gatling_kube_emulator.server import KubernetesEmulator
from kubernetes import client

NS = "bench"


def gatling(name: str) -> dict[str, Any]:
    return {
        "apiVersion": "gatling-operator.tech.zozo.com/v1alpha1",
        "kind": "Gatling",
        "metadata": {"name": name},
        "spec": {
            "podSpec": {"serviceAccountName": "worker"},
            "testScenarioSpec": {"simulationClass": "Sim", "parallelism": 2},
        },
    }


def runner_jobs(k8s: KubernetesEmulator) -> int:
    return sum(1 for j in k8s.list("jobs", NS) if j["metadata"]["name"].endswith("-runner"))


def controller_run(n: int, workers: int) -> dict[str, float]:
    settings = ControllerSettings(max_concurrent_reconciles=workers, requeue_interval=5.0)
    with KubernetesEmulator() as k8s, JobController(k8s.store, stay_running(0.05), tick=0.05):
        api = k8s.api_client("controller")
        api.configuration.connection_pool_maxsize = workers + 4
        kube = Kube(api)
        controller = Controller(kube, Reconciler(kube, settings), settings).start()
        time.sleep(0.5)  # let both watches open, as in a running cluster
        start = time.perf_counter()
        for i in range(n):
            k8s.create("gatlings", NS, gatling(f"load-{i:03d}"))
        first = all_ = None
        while all_ is None:
            count = runner_jobs(k8s)
            now = time.perf_counter() - start
            if count and first is None:
                first = now
            if count >= n:
                all_ = now
            time.sleep(0.002)
        requests = k8s.faults.requests(client="controller")
        controller.stop()
    assert first is not None
    return {"first": first, "all": all_, "requests_per_cr": requests / n}


def bare_creates(n: int) -> float:
    with KubernetesEmulator() as k8s:
        batch = client.BatchV1Api(k8s.api_client("bare"))
        body = {
            "metadata": {"name": ""},
            "spec": {
                "template": {
                    "spec": {"restartPolicy": "Never", "containers": [{"name": "c", "image": "i"}]}
                }
            },
        }
        start = time.perf_counter()
        for i in range(n):
            body["metadata"]["name"] = f"bare-{i:03d}"
            batch.create_namespaced_job(NS, body, _preload_content=False)
        return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10 resources instead of 50")
    parser.add_argument("--resources", type=int, default=None)
    args = parser.parse_args()
    n = args.resources or (10 if args.quick else 50)
    logging.basicConfig(level=logging.WARNING)
    default = ControllerSettings().max_concurrent_reconciles
    ours = controller_run(n, default)
    single = controller_run(n, 1)
    floor = bare_creates(n)
    print(f"{n} Gatling resources created at once (emulator + simulated Job controller)")
    print(
        f"  default ({default} workers): first runner Job {ours['first']:.3f}s, "
        f"all {ours['all']:.3f}s, {ours['requests_per_cr']:.1f} API requests per resource"
    )
    print(
        f"  baseline 1 worker:    first runner Job {single['first']:.3f}s, "
        f"all {single['all']:.3f}s, {single['requests_per_cr']:.1f} API requests per resource"
    )
    print(f"  baseline bare client creating {n} Jobs back to back: {floor:.3f}s")
    print(f"  ratio all-Jobs time, default / 1 worker: {ours['all'] / single['all']:.2f}")
    print(f"  ratio all-Jobs time, default / bare creates: {ours['all'] / floor:.2f}")
    goal = ours["first"] < 1.0 and ours["all"] < 5.0
    print(f"  goal (first < 1 s, all < 5 s): {'met' if goal else 'NOT met'}")


if __name__ == "__main__":
    main()
