"""The controller's pods run by our real agents: every env var the controller writes must be one
the agents read.

The simulated Job controller creates the pods; this test "runs" each pod by executing the
containers' commands from the generated pod spec with the spec's environment (fieldRefs resolved
as the kubelet would): the real gatling-waiter against the API emulator, a generated Gatling log
in place of Gatling, the real gatling-transferer and gatling-reporter on a local-folder bucket.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

from gatling_common.results.generators.generate import RunSpec, write_text_log
from gatling_kube_emulator.jobs import JobController
from gatling_kube_emulator.server import KubernetesEmulator, write_kubeconfig
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from tests.controller.fixtures import gone
from tests.controller.harness import NS, add_webhook_secret, gatling_cr, make_controller, wait_for

BIN = Path(sys.executable).parent
REQUESTS_PER_POD = 2000
Json = dict[str, Any]


class PodRunner:
    """A JobController policy that runs each pod's containers for real, once, in a thread."""

    def __init__(self, work: Path, kubeconfig: Path) -> None:
        self.work = work
        self.kubeconfig = kubeconfig
        self.outcomes: dict[str, str] = {}
        self.logs: dict[str, str] = {}
        self.lock = threading.Lock()

    def __call__(self, job: Json, pod: Json, age: float) -> str:
        uid = pod["metadata"]["uid"]
        with self.lock:
            if uid not in self.outcomes:
                self.outcomes[uid] = "Running"
                threading.Thread(target=self._run, args=(pod,), daemon=True).start()
            return self.outcomes[uid]

    def _run(self, pod: Json) -> None:
        try:
            ok = all(self._container(pod, c) for c in _containers(pod))
        except Exception as exc:  # a harness bug must show, not hang the test
            self.logs[pod["metadata"]["name"]] = repr(exc)
            ok = False
        with self.lock:
            self.outcomes[pod["metadata"]["uid"]] = "Succeeded" if ok else "Failed"

    def _container(self, pod: Json, container: Json) -> bool:
        name = pod["metadata"]["name"]
        env = _env(container, pod)
        results = self.work / "pods" / name / "results"
        if container["name"] == "gatling-runner":
            # Gatling's part: a log in <results>/<simulation>-<timestamp>/, then the marker.
            seed = sum(name.encode())
            log = results / "fleetsimulation-20231114221320000" / "simulation.log"
            log.parent.mkdir(parents=True)
            write_text_log(log, RunSpec(requests=REQUESTS_PER_POD, seed=seed))
            (results / "COMPLETED").touch()
            return True
        if "GATLING_TRANSFERER_RESULTS_DIR" in env:
            env["GATLING_TRANSFERER_RESULTS_DIR"] = str(results)  # the pod's emptyDir
        env.update(GATLING_WAITER_KUBECONFIG=str(self.kubeconfig), GATLING_WAITER_SETTLE="0.2")
        command = [str(BIN / container["command"][0]), *container["command"][1:]]
        proc = subprocess.run(
            command, env={**os.environ, **env}, capture_output=True, text=True, timeout=120
        )
        self.logs[f"{name}/{container['name']}"] = proc.stdout + proc.stderr
        return proc.returncode == 0


def _containers(pod: Json) -> list[Json]:
    spec = pod["spec"]
    runner = [c for c in spec["containers"] if c["name"] == "gatling-runner"]
    others = [c for c in spec["containers"] if c["name"] != "gatling-runner"]
    return [*spec.get("initContainers", []), *runner, *others]


def _env(container: Json, pod: Json) -> dict[str, str]:
    fields = {"metadata.name": pod["metadata"]["name"], "metadata.namespace": NS}
    for key, value in (pod["metadata"].get("labels") or {}).items():  # as the kubelet resolves
        fields[f"metadata.labels['{key}']"] = value
    out = {}
    for item in container.get("env", []):
        if "value" in item:
            out[item["name"]] = item["value"]
        else:
            out[item["name"]] = fields[item["valueFrom"]["fieldRef"]["fieldPath"]]
    return out


def test_real_agents_run_the_pods_the_controller_builds(
    k8s: KubernetesEmulator, httpserver: HTTPServer, tmp_path: Path
) -> None:
    received: list[Json] = []

    def handler(request: Request) -> Response:
        received.append(json.loads(request.data))
        return Response("ok")

    httpserver.expect_request("/hook", method="POST").respond_with_handler(handler)
    add_webhook_secret(k8s, httpserver.url_for("/hook"))
    kubeconfig = write_kubeconfig(tmp_path, k8s.url)
    body = gatling_cr(
        "agents",
        tmp_path / "bucket",
        cleanupAfterJobDone=False,
        reporterSpec={"thresholds": ["global.ko_percent <= 50"]},
    )
    k8s.create("gatlings", NS, body)
    runner = PodRunner(tmp_path, kubeconfig)
    status = _run_to_the_end(k8s, runner, "agents")
    assert status["phase"] == "Succeeded", (status, runner.logs)
    assert status["thresholdVerdict"] == "passed"
    location = Path(status["reportStoragePath"].removeprefix("file://"))
    names = [p["metadata"]["name"] for p in k8s.list("pods", NS)]
    pods = sorted(n for n in names if n.startswith("agents-runner"))
    assert sorted(p.name for p in location.glob("*.log")) == [f"{p}.log" for p in pods]
    assert (location / "index.html").is_file()
    run = received[0]["run"]
    assert run["requests"] == 3 * REQUESTS_PER_POD
    assert run["verdict"] == "passed" and run["p95_ms"] > 0
    # The waiter registered every runner pod before releasing it.
    for pod in k8s.list("pods", NS):
        if pod["metadata"]["labels"].get("type") == "runner":
            assert pod["metadata"]["labels"].get("gatling-fleet/registered") == "true"
    # Every pod's manifest names the runner Job's uid as its run: a re-run is told apart.
    job = next(j for j in k8s.list("jobs", NS) if j["metadata"]["name"].endswith("-runner"))
    runs = {json.loads(p.read_text())["run"] for p in location.glob("*.manifest.json")}
    assert runs == {job["metadata"]["uid"]}


def _run_to_the_end(k8s: KubernetesEmulator, runner: PodRunner, name: str) -> Json:
    with JobController(k8s.store, runner, tick=0.05):
        controller = make_controller(k8s).start()
        try:
            status: Json = wait_for(
                "the run to end",
                lambda: (
                    (s := k8s.get("gatlings", NS, name).get("status") or {}).get("phase")
                    in ("Succeeded", "Failed")
                    and s.get("notificationCompleted")
                    and s
                ),
                timeout=240,
            )
        finally:
            controller.stop()
    return status


def test_a_second_run_of_the_same_name_compares_with_the_first(
    k8s: KubernetesEmulator, httpserver: HTTPServer, tmp_path: Path
) -> None:
    """reporterSpec.baseline: previous, through the lifecycle: run 2's reporter finds run 1's
    report beside its own location and judges a threshold relative to it."""
    texts: list[str] = []

    def handler(request: Request) -> Response:
        texts.append(json.loads(request.data)["text"])
        return Response("ok")

    httpserver.expect_request("/hook", method="POST").respond_with_handler(handler)
    add_webhook_secret(k8s, httpserver.url_for("/hook"))
    runner = PodRunner(tmp_path, write_kubeconfig(tmp_path, k8s.url))
    first_cr = gatling_cr("again", tmp_path / "bucket", cleanupAfterJobDone=False)
    k8s.create("gatlings", NS, first_cr)
    first = _run_to_the_end(k8s, runner, "again")
    assert first["phase"] == "Succeeded", (first, runner.logs)
    k8s.delete("gatlings", NS, "again", propagation="Background")
    wait_for(
        "run 1 gone", lambda: gone(k8s, "gatlings", "again") and gone(k8s, "jobs", "again-runner")
    )
    reporter_spec = {"baseline": "previous", "thresholds": ["global.count == baseline"]}
    second_cr = gatling_cr(
        "again", tmp_path / "bucket", cleanupAfterJobDone=False, reporterSpec=reporter_spec
    )
    k8s.create("gatlings", NS, second_cr)
    second = _run_to_the_end(k8s, runner, "again")
    assert second["phase"] == "Succeeded", (second, runner.logs)
    assert second["thresholdVerdict"] == "passed"
    assert second["reportStoragePath"] != first["reportStoragePath"]
    location = Path(second["reportStoragePath"].removeprefix("file://"))
    summary = json.loads((location / "summary.json").read_text("utf-8"))
    assert summary["comparison"]["baseline"]["ref"] == first["reportStoragePath"]
    assert summary["thresholds"][0]["baseline"] == 3 * REQUESTS_PER_POD
    line = next(t for t in texts[-1].splitlines() if t.startswith("Baseline: "))
    assert line.endswith(f" vs {first['reportStoragePath']}"), texts[-1]
    assert "Baseline:" not in texts[0]  # run 1 had no baseline
