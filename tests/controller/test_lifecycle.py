"""The whole run on the Kubernetes API emulator with its simulated Job controller and a real
webhook receiver: the controller talks to both through the official clients only."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from gatling_kube_emulator.jobs import JobController, timed
from gatling_kube_emulator.server import KubernetesEmulator
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from tests.controller.fixtures import gone
from tests.controller.harness import (
    NS,
    add_webhook_secret,
    events,
    gatling_cr,
    make_controller,
    reporter_writes_report,
    wait_for,
)
from tests.controller.manifests import role_rules


def _used_outside_the_role(k8s: KubernetesEmulator) -> set[tuple[str, str]]:
    """(verb, resource) the controller used that config/rbac's ClusterRole does not grant."""
    counts = k8s.faults.counts
    used = {(verb, resource) for (verb, resource, client) in counts if client == "controller"}
    assert ("patch", "gatlings/status") in used and ("watch", "jobs") in used
    return used - role_rules()


def test_success_runs_reports_notifies_and_cleans_up(
    k8s: KubernetesEmulator, hook: list[dict[str, Any]], tmp_path: Path
) -> None:
    k8s.create("gatlings", NS, gatling_cr("shop", tmp_path))
    with JobController(k8s.store, reporter_writes_report(k8s), tick=0.02):
        controller = make_controller(k8s).start()
        try:
            wait_for("the notification", lambda: hook)
            wait_for("cleanup", lambda: gone(k8s, "gatlings", "shop"))
        finally:
            controller.stop()
    assert len(hook) == 1
    run = hook[0]["run"]
    assert (run["name"], run["succeeded"], run["pods"]) == ("shop", True, 3)
    assert (run["requests"], run["ko_percent"], run["p95_ms"], run["verdict"]) == (
        400, 1.0, 250.0, "passed",
    )  # fmt: skip
    assert run["report_url"].startswith(f"file://{tmp_path}/shop/")
    assert "Gatling has completed successfully!" in hook[0]["text"]
    seen = list(events(k8s))
    created = [(kind, name) for t, kind, name in seen if t == "ADDED" and kind != "Pod"]
    assert created == [
        ("Secret", "hook"),
        ("Gatling", "shop"),
        ("ConfigMap", "shop-simulations-data"),
        ("Job", "shop-runner"),
        ("Job", "shop-reporter"),
    ]
    # The reporter Job came only after the runner Job had completed.
    runner_done = next(
        i
        for i, e in enumerate(k8s.store.events_after(0))
        if e.kind.kind == "Job"
        and e.obj["metadata"]["name"] == "shop-runner"
        and any(c["type"] == "Complete" for c in e.obj.get("status", {}).get("conditions", []))
    )
    reporter_added = seen.index(("ADDED", "Job", "shop-reporter"))
    assert runner_done < reporter_added
    for plural, name in [
        ("jobs", "shop-runner"),
        ("jobs", "shop-reporter"),
        ("configmaps", "shop-simulations-data"),
    ]:
        assert gone(k8s, plural, name)
    assert k8s.list("pods", NS) == []  # the Jobs were deleted with Background propagation
    assert _used_outside_the_role(k8s) == set()


def test_runner_failure_fails_the_run_and_notifies(
    k8s: KubernetesEmulator, hook: list[dict[str, Any]], tmp_path: Path
) -> None:
    k8s.create("gatlings", NS, gatling_cr("bad", tmp_path))
    jc = JobController(k8s.store, timed(pending=0.02, running=0.1), tick=0.02)
    jc.script(NS, "bad-runner", ["Succeeded", "Failed", "Succeeded"])
    with jc:
        controller = make_controller(k8s).start()
        try:
            wait_for("the notification", lambda: hook)
            status = wait_for(
                "cleanup of the failed Jobs",
                lambda: (
                    gone(k8s, "jobs", "bad-runner") and k8s.get("gatlings", NS, "bad").get("status")
                ),
            )
        finally:
            controller.stop()
    assert status["phase"] == "Failed"
    assert status["error"].startswith("runner Job bad-runner failed: 1 of 3 pods failed")
    assert status["runnerCompleted"] is False
    assert hook[0]["run"]["succeeded"] is False
    assert "Gatling has FAILED: runner Job bad-runner failed" in hook[0]["text"]
    assert ("ADDED", "Job", "bad-reporter") not in list(events(k8s))
    failed = [c for c in status["conditions"] if c["type"] == "Failed"]
    assert failed[0]["reason"] == "RunnerFailed"


def test_reporter_failure_fails_the_run(
    k8s: KubernetesEmulator, hook: list[dict[str, Any]], tmp_path: Path
) -> None:
    k8s.create("gatlings", NS, gatling_cr("rep", tmp_path, cleanupAfterJobDone=False))
    jc = JobController(k8s.store, timed(pending=0.02, running=0.1), tick=0.02)
    jc.script(NS, "rep-reporter", ["Failed"] * 7)  # backoffLimit 6 (Go): the 7th failure fails it
    with jc:
        controller = make_controller(k8s).start()
        try:
            wait_for("the notification", lambda: hook)
            status = wait_for(
                "notificationCompleted",
                lambda: (
                    (s := k8s.get("gatlings", NS, "rep").get("status", {})).get(
                        "notificationCompleted"
                    )
                    and s
                ),
            )
        finally:
            controller.stop()
    assert status["phase"] == "Failed"
    assert status["runnerCompleted"] is True
    assert status["runnerCompletions"] == "3/3"
    assert status["error"] == "reporter Job rep-reporter failed; see the reporter pod's log"
    assert hook[0]["run"]["succeeded"] is False
    assert not gone(k8s, "jobs", "rep-reporter")  # no cleanup asked for
    assert _used_outside_the_role(k8s) == set()


def test_webhook_500_then_success(
    k8s: KubernetesEmulator, httpserver: HTTPServer, tmp_path: Path
) -> None:
    answers = iter([500, 503, 200])
    bodies: list[bytes] = []

    def handler(request: Request) -> Response:
        bodies.append(request.data)
        return Response("x", next(answers))

    httpserver.expect_request("/hook").respond_with_handler(handler)
    add_webhook_secret(k8s, httpserver.url_for("/hook"))
    k8s.create("gatlings", NS, gatling_cr("hooked", tmp_path, cleanupAfterJobDone=False))
    with JobController(k8s.store, timed(pending=0.02, running=0.1), tick=0.02):
        controller = make_controller(k8s).start()
        try:
            status = wait_for(
                "notificationCompleted",
                lambda: (
                    (s := k8s.get("gatlings", NS, "hooked").get("status", {})).get(
                        "notificationCompleted"
                    )
                    and s
                ),
            )
        finally:
            controller.stop()
    assert len(bodies) == 3 and len(set(bodies)) == 1
    assert status["phase"] == "Succeeded"
    assert status["reportCompleted"] is True


def test_twenty_resources_at_once(
    k8s: KubernetesEmulator, hook: list[dict[str, Any]], tmp_path: Path
) -> None:
    names = [f"run-{i:02d}" for i in range(20)]
    for name in names:
        k8s.create("gatlings", NS, gatling_cr(name, tmp_path, cleanupAfterJobDone=False))
    with JobController(k8s.store, timed(pending=0.02, running=0.1), tick=0.02):
        controller = make_controller(k8s, max_concurrent_reconciles=4).start()
        try:
            wait_for("20 notifications", lambda: len(hook) >= 20, timeout=120)
        finally:
            controller.stop()
    assert sorted(h["run"]["name"] for h in hook) == names
    jobs = sorted(j["metadata"]["name"] for j in k8s.list("jobs", NS))
    assert jobs == sorted([f"{n}-runner" for n in names] + [f"{n}-reporter" for n in names])
    for name in names:
        assert k8s.get("gatlings", NS, name)["status"]["phase"] == "Succeeded"


def _notified(k8s: KubernetesEmulator, name: str) -> dict[str, Any] | None:
    status = k8s.get("gatlings", NS, name).get("status") or {}
    return next((c for c in status.get("conditions") or [] if c["type"] == "Notified"), None)


def _warnings(k8s: KubernetesEmulator, name: str) -> list[tuple[str, str]]:
    return [
        (e["reason"], e["message"])
        for e in k8s.list("events", NS)
        if e["involvedObject"]["name"] == name and e["type"] == "Warning"
    ]


def _run_until_notified(k8s: KubernetesEmulator, name: str) -> dict[str, Any]:
    with JobController(k8s.store, reporter_writes_report(k8s), tick=0.02):
        controller = make_controller(k8s).start()
        try:
            condition: dict[str, Any] = wait_for("Notified", lambda: _notified(k8s, name))
        finally:
            controller.stop()
    return condition


def test_a_missing_notification_secret_is_a_condition_and_an_event(
    k8s: KubernetesEmulator, tmp_path: Path
) -> None:
    k8s.create("gatlings", NS, gatling_cr("nosecret", tmp_path, cleanupAfterJobDone=False))
    condition = _run_until_notified(k8s, "nosecret")
    message = "notification Secret hook not found"
    assert (condition["status"], condition["reason"], condition["message"]) == (
        "False", "NotificationFailed", message
    )  # fmt: skip
    assert k8s.get("gatlings", NS, "nosecret")["status"]["phase"] == "Succeeded"  # the test ran
    assert _warnings(k8s, "nosecret") == [("NotificationFailed", message)]
    assert _used_outside_the_role(k8s) == set()


def test_a_malformed_webhook_url_fails_the_notification_at_once(
    k8s: KubernetesEmulator, tmp_path: Path
) -> None:
    add_webhook_secret(k8s, "hooks.example.com/services/T0KEN")  # no scheme
    k8s.create("gatlings", NS, gatling_cr("badurl", tmp_path, cleanupAfterJobDone=False))
    condition = _run_until_notified(k8s, "badurl")
    message = "notification Secret hook: key incoming-webhook-url is not an http(s) URL with a host"
    assert (condition["status"], condition["message"]) == ("False", message)
    status = k8s.get("gatlings", NS, "badurl")["status"]
    assert status["phase"] == "Succeeded"  # not left in Notifying, retried
    assert _warnings(k8s, "badurl") == [("NotificationFailed", message)]
    assert "T0KEN" not in str(status)
