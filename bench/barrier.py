"""Start-barrier benchmark: N waiters on the Kubernetes API emulator, ours vs the Go operator.

Each waiter is a thread with its own ApiClient (X-Client-Id = its pod name, so the emulator counts
requests per waiter). The threads are split over two worker processes and the emulator runs in
its own process, so one GIL does not serialize 200 wake-ups at the release instant (more worker
processes cost more CPU than they save on a small machine). Pods
register at random times over a window, on a schedule shared by all processes (wall clock).

Ours: gatling_waiter (register, list + watch, sleep until the common release instant).
Baseline, in the same run: the Go gatling-operator's waiter (label its own pod, then LIST the
labelled pods every second until the count equals N).

Prints the release spread (max - min of the wall-clock times the waiters returned; one machine,
one clock, so no clock skew is included), API requests per waiter, and last:

    spread_ms=... requests_per_waiter=... baseline_spread_ms=...

Run from the repo root: `.venv/bin/python bench/barrier.py` (N=200) or `--quick` (N=20).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from gatling_waiter.barrier import Barrier
from gatling_waiter.settings import WaiterSettings
from kubernetes import client

ROOT = Path(__file__).resolve().parents[1]
JOB = "run"


@dataclass
class Outcome:
    released: float | None = None  # time.time() when the waiter returned
    instant: float | None = None  # ours: the computed release instant
    error: str | None = None


def _api(url: str, client_id: str) -> client.ApiClient:
    api = client.ApiClient(client.Configuration(host=url))
    api.set_default_header("X-Client-Id", client_id)
    return api


# --- worker process: a group of waiter threads ----------------------------------------------
def _ours(
    url: str, namespace: str, pod: str, n: int, settle: float, released: threading.Barrier
) -> Outcome:
    settings = WaiterSettings(
        parallelism=n,
        job_name=JOB,
        namespace=namespace,
        pod_name=pod,
        timeout=120.0,
        settle=settle,
        log_interval=3600.0,
    )
    with _api(url, pod) as api, Barrier(settings, api) as barrier:
        release = barrier.wait()
        outcome = Outcome(released=time.time(), instant=release.instant.timestamp())
        # The pod would start Gatling now. Closing the watch (in __exit__) waits until the
        # process's other waiters are released too: separate pods do not share a CPU, and the
        # simulated ones must not delay each other's release with their cleanup.
        released.wait()
        return outcome


def _go_operator(
    url: str, namespace: str, pod: str, n: int, settle: float, released: threading.Barrier
) -> Outcome:
    """The Go operator's init container: `kubectl label`, then `kubectl get pods` every 1 s."""
    with _api(url, pod) as api:
        core = client.CoreV1Api(api)
        label = {"metadata": {"labels": {"gatling-waiter": "initialized"}}}
        core.patch_namespaced_pod(pod, namespace, label, _preload_content=False)
        selector = f"job-name={JOB},gatling-waiter=initialized"
        while True:
            resp: Any = core.list_namespaced_pod(
                namespace, label_selector=selector, _preload_content=False
            )
            if len(json.loads(resp.data)["items"]) == n:
                return Outcome(released=time.time())
            time.sleep(1.0)


def worker(spec: dict[str, Any]) -> None:
    body = _ours if spec["mode"] == "ours" else _go_operator
    jobs: list[tuple[str, float]] = spec["pods"]  # (pod, wall-clock start)
    outcomes: dict[str, Outcome] = {}
    released = threading.Barrier(len(jobs), timeout=150)

    def run(pod: str, start: float) -> None:
        time.sleep(max(0.0, start - time.time()))
        try:
            outcomes[pod] = body(
                spec["url"], spec["namespace"], pod, spec["n"], spec["settle"], released
            )
        except Exception as exc:  # reported, not hidden
            released.abort()
            outcomes[pod] = Outcome(error=f"{type(exc).__name__}: {exc}")

    threads = [threading.Thread(target=run, args=job, daemon=True) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=180)
    print(json.dumps({pod: asdict(o) for pod, o in outcomes.items()}))


# --- coordinator ---------------------------------------------------------------------------
class Emulator:
    """gatling_kube_emulator.serve in a child process."""

    def __init__(self) -> None:
        self._proc = subprocess.Popen(
            [sys.executable, "-m", "gatling_kube_emulator"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            cwd=ROOT,
        )
        assert self._proc.stdout is not None
        self.url = self._proc.stdout.readline().strip()

    def create_pods(self, namespace: str, names: list[str]) -> None:
        with _api(self.url, "bench-setup") as api:
            core = client.CoreV1Api(api)
            for name in names:
                body: Any = {
                    "metadata": {"name": name, "labels": {"job-name": JOB}},
                    "spec": {"containers": [{"name": "gatling", "image": "gatling"}]},
                }
                core.create_namespaced_pod(namespace, body, _preload_content=False)

    def requests_per_client(self, prefix: str) -> list[int]:
        with urllib.request.urlopen(f"{self.url}/_emulator/requests") as resp:
            rows = json.loads(resp.read())["requests"]
        totals: dict[str, int] = {}
        for _verb, _resource, who, count in rows:
            if who.startswith(prefix):
                totals[who] = totals.get(who, 0) + count
        return list(totals.values())

    def close(self) -> None:
        assert self._proc.stdin is not None
        self._proc.stdin.close()
        self._proc.wait(timeout=30)


def run_fleet(
    k8s: Emulator, mode: str, delays: list[float], settle: float, processes: int
) -> list[Outcome]:
    namespace = mode
    names = [f"{mode}-{i:03d}" for i in range(len(delays))]
    k8s.create_pods(namespace, names)
    t0 = time.time() + 8.0  # every worker has imported the client by then, even on a busy box
    groups = [list(range(len(names)))[g::processes] for g in range(processes)]
    procs = []
    for group in groups:
        spec = {
            "mode": mode,
            "url": k8s.url,
            "namespace": namespace,
            "n": len(names),
            "settle": settle,
            "pods": [(names[i], t0 + delays[i]) for i in group],
        }
        procs.append(
            subprocess.Popen(
                [sys.executable, __file__, "--worker", json.dumps(spec)],
                stdout=subprocess.PIPE,
                text=True,
                cwd=ROOT,
            )
        )
    outcomes: list[Outcome] = []
    for proc in procs:
        out, _ = proc.communicate(timeout=300)
        outcomes.extend(Outcome(**o) for o in json.loads(out).values())
    missing = len(names) - len(outcomes)
    errors = [o.error for o in outcomes if o.error] + ["no result"] * missing
    if errors:
        raise SystemExit(f"{mode}: {len(errors)} waiters failed, first: {errors[0]}")
    return outcomes


def _spread_ms(outcomes: list[Outcome]) -> float:
    released = [o.released for o in outcomes if o.released is not None]
    return (max(released) - min(released)) * 1000


def _report(label: str, spread: float, per_waiter: list[int]) -> float:
    mean = statistics.mean(per_waiter)
    print(
        f"{label:9s} spread {spread:8.1f} ms; API requests per waiter {mean:.2f} "
        f"(max {max(per_waiter)})"
    )
    return mean


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="N=20 over 2 s (a smoke run)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--processes", type=int, default=None, help="worker processes")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(json.loads(args.worker))
        return
    n, window, settle = (20, 2.0, 1.0) if args.quick else (200, 5.0, 2.0)
    processes = args.processes or (1 if args.quick else 2)
    rng = random.Random(args.seed)
    delays = [rng.uniform(0, window) for _ in range(n)]
    print(
        f"barrier: N={n} waiters (threads in {processes} processes), registrations over "
        f"{window:g}s, settle {settle:g}s; load average {os.getloadavg()[0]:.1f} "
        f"on {os.cpu_count()} CPUs"
    )
    k8s = Emulator()
    try:
        mine = run_fleet(k8s, "ours", delays, settle, processes)
        instants = {o.instant for o in mine}
        spread = _spread_ms(mine)
        late = sorted(((o.released or 0) - (o.instant or 0)) * 1000 for o in mine)
        print(
            f"ours: {len(instants)} distinct release instant(s) among {n} waiters; returned "
            f"{late[0]:.1f} to {late[-1]:.1f} ms after it (median {late[len(late) // 2]:.1f})"
        )
        requests = _report("ours", spread, k8s.requests_per_client("ours-"))
        base = run_fleet(k8s, "baseline", delays, settle, processes)
        base_spread = _spread_ms(base)
        _report("baseline", base_spread, k8s.requests_per_client("baseline-"))
    finally:
        k8s.close()
    print(f"spread ratio baseline/ours: {base_spread / max(spread, 0.001):.0f}x")
    print(
        f"spread_ms={spread:.1f} requests_per_waiter={requests:.2f} "
        f"baseline_spread_ms={base_spread:.1f}"
    )


if __name__ == "__main__":
    main()
