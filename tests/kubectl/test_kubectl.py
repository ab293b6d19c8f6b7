"""Real kubectl against the API emulator: the manifests in config/ apply, and it behaves like a
real API server for them (discovery, OpenAPI v3, Table output, validation, server-side apply)."""

from __future__ import annotations

import threading
from pathlib import Path

from tests.kubectl.conftest import Kubectl

CR = """apiVersion: gatling-operator.tech.zozo.com/v1alpha1
kind: Gatling
metadata:
  name: {name}
spec:
  podSpec:
    serviceAccountName: gatling-runner
  testScenarioSpec:
    simulationClass: MySimulation
{extra}"""


def _write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / f"{name}.yaml"
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_apply_k_config_creates_every_kind(kubectl: Kubectl) -> None:
    out = kubectl.run("apply", "-k", "config").stdout
    for line in (
        "namespace/gatling-system created",
        "customresourcedefinition.apiextensions.k8s.io/gatlings.gatling-operator.tech.zozo.com "
        "created",
        "serviceaccount/gatling-controller created",
        "clusterrole.rbac.authorization.k8s.io/gatling-controller created",
        "clusterrolebinding.rbac.authorization.k8s.io/gatling-controller created",
        "role.rbac.authorization.k8s.io/gatling-runner created",
        "rolebinding.rbac.authorization.k8s.io/gatling-runner created",
        "deployment.apps/gatling-controller created",
    ):
        assert line in out
    again = kubectl.run("apply", "-k", "config").stdout
    assert "deployment.apps/gatling-controller unchanged" in again
    listed = kubectl.run("get", "ns,crd,sa,deploy", "-A").stdout
    assert "gatling-system" in listed and "gatlings.gatling-operator.tech.zozo.com" in listed


def test_samples_apply_and_get_shows_printer_columns(deployed: Kubectl) -> None:
    out = deployed.run("apply", "-k", "config/samples").stdout
    assert "secret/gatling-notification-slack-secrets created" in out
    assert "gatling.gatling-operator.tech.zozo.com/gatling-s3-slack created" in out
    status = {"phase": "Running", "runnerCompletions": "1/3", "reportCompleted": False}
    deployed.emulator.patch_status("gatlings", "default", "gatling-s3-slack", status)
    header, row = deployed.run("get", "gatlings").stdout.splitlines()
    assert header.split() == ["NAME", "RUNNED", "REPORTED", "NOTIFIED", "REPORTURL", "PHASE", "AGE"]
    assert row.split()[:4] == ["gatling-s3-slack", "1/3", "false", "Running"]


def test_describe_shows_spec(deployed: Kubectl) -> None:
    deployed.run("apply", "-k", "config/samples")
    out = deployed.run("describe", "gatling", "gatling-s3-slack").stdout
    assert "Name:         gatling-s3-slack" in out
    assert "Kind:         Gatling" in out
    assert "Parallelism:       3" in out
    assert "Simulation Class:  MyBasicSimulation" in out


def test_explain_reads_the_crd_schema_from_openapi_v3(deployed: Kubectl) -> None:
    out = deployed.run("explain", "gatling.spec.testScenarioSpec.parallelism").stdout
    assert "KIND:       Gatling" in out and "FIELD: parallelism <integer>" in out


def test_wait_for_phase_and_delete(deployed: Kubectl) -> None:
    deployed.run("apply", "-k", "config/samples")
    emulator = deployed.emulator
    timer = threading.Timer(
        1.0,
        lambda: emulator.patch_status(
            "gatlings", "default", "gatling-s3-slack", {"phase": "Succeeded"}
        ),
    )
    timer.start()
    try:
        out = deployed.run(
            "wait",
            "--for=jsonpath={.status.phase}=Succeeded",
            "gatling/gatling-s3-slack",
            "--timeout=30s",
        ).stdout
    finally:
        timer.cancel()
    assert "gatling.gatling-operator.tech.zozo.com/gatling-s3-slack condition met" in out
    deleted = deployed.run("delete", "gatling", "gatling-s3-slack").stdout
    assert 'gatling.gatling-operator.tech.zozo.com "gatling-s3-slack" deleted' in deleted
    assert emulator.list("gatlings", "default") == []


def test_schema_type_error_has_the_real_message(deployed: Kubectl, tmp_path: Path) -> None:
    manifest = _write(tmp_path, "bad", CR.format(name="bad", extra='    parallelism: "abc"\n'))
    result = deployed.run("apply", "-f", manifest, check=False)
    assert result.returncode == 1
    assert (
        'The Gatling "bad" is invalid: spec.testScenarioSpec.parallelism: Invalid value: '
        '"string": spec.testScenarioSpec.parallelism in body must be of type integer: "string"'
    ) in result.stderr
    assert deployed.emulator.list("gatlings", "default") == []


def test_unknown_field_is_refused_strictly(deployed: Kubectl, tmp_path: Path) -> None:
    manifest = _write(tmp_path, "unknown", CR.format(name="unknown", extra="    foo: 1\n"))
    result = deployed.run("apply", "-f", manifest, check=False)
    assert result.returncode == 1
    assert (
        'Error from server (BadRequest): error when creating "' + manifest + '": Gatling in '
        'version "v1alpha1" cannot be handled as a Gatling: strict decoding error: '
        'unknown field "spec.testScenarioSpec.foo"'
    ) in result.stderr


def test_server_side_apply_and_conflicting_manager(deployed: Kubectl, tmp_path: Path) -> None:
    first = _write(tmp_path, "first", CR.format(name="ssa", extra="    parallelism: 2\n"))
    assert "serverside-applied" in deployed.run("apply", "--server-side", "-f", first).stdout
    obj = deployed.emulator.get("gatlings", "default", "ssa")
    assert obj["spec"]["testScenarioSpec"]["parallelism"] == 2
    assert [m["manager"] for m in obj["metadata"]["managedFields"]] == ["kubectl"]
    second = _write(tmp_path, "second", CR.format(name="ssa", extra="    parallelism: 5\n"))
    argv = ("apply", "--server-side", "--field-manager=other", "-f", second)
    refused = deployed.run(*argv, check=False)
    assert refused.returncode == 1
    assert (
        'Apply failed with 1 conflict: conflict with "kubectl" using '
        "gatling-operator.tech.zozo.com/v1alpha1: .spec.testScenarioSpec.parallelism"
    ) in refused.stderr
    assert (
        deployed.emulator.get("gatlings", "default", "ssa")["spec"]["testScenarioSpec"][
            "parallelism"
        ]
        == 2
    )
    deployed.run(*argv, "--force-conflicts")
    forced = deployed.emulator.get("gatlings", "default", "ssa")
    assert forced["spec"]["testScenarioSpec"]["parallelism"] == 5
    assert sorted(m["manager"] for m in forced["metadata"]["managedFields"]) == ["kubectl", "other"]


def test_undeploy_removes_everything(deployed: Kubectl) -> None:
    deployed.run("apply", "-k", "config/samples")
    deployed.run("delete", "-k", "config/samples")
    out = deployed.run("delete", "-k", "config", "--timeout=30s").stdout
    crd = "gatlings.gatling-operator.tech.zozo.com"
    assert f'customresourcedefinition.apiextensions.k8s.io "{crd}" deleted' in out
    assert 'deployment.apps "gatling-controller" deleted' in out
    assert deployed.emulator.list("customresourcedefinitions") == []
    assert deployed.emulator.list("deployments") == []
