"""What kubectl relies on, checked over plain HTTP: CRDs serve their kinds, schema validation with
the real Status shapes, OpenAPI v3, Table output and server-side apply."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest
import yaml
from gatling_kube_emulator.server import KubernetesEmulator
from gatling_kube_emulator.store import ApiError, Kind
from gatling_kube_emulator.validation import admit

CRD_FILE = Path(__file__).resolve().parents[2] / "config" / "crd" / "gatlings.yaml"
BASE = "/apis/gatling-operator.tech.zozo.com/v1alpha1"
GATLINGS = f"{BASE}/namespaces/default/gatlings"


def call(
    k8s: KubernetesEmulator,
    method: str,
    path: str,
    body: Any = None,
    headers: dict[str, str] | None = None,
) -> tuple[int, Any]:
    data = None if body is None else json.dumps(body).encode()
    all_headers = {"Content-Type": "application/json", **(headers or {})}
    request = urllib.request.Request(k8s.url + path, data, all_headers, method=method)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def gatling(name: str, **spec: Any) -> dict[str, Any]:
    scenario = {"simulationClass": "Sim", **spec.pop("scenario", {})}
    return {
        "apiVersion": "gatling-operator.tech.zozo.com/v1alpha1",
        "kind": "Gatling",
        "metadata": {"name": name},
        "spec": {"podSpec": {"serviceAccountName": "sa"}, "testScenarioSpec": scenario, **spec},
    }


@pytest.fixture
def crd(k8s: KubernetesEmulator) -> KubernetesEmulator:
    body = yaml.safe_load(CRD_FILE.read_text())
    code, created = call(
        k8s, "POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", body
    )
    assert code == 201, created
    assert {c["type"] for c in created["status"]["conditions"]} == {"Established", "NamesAccepted"}
    return k8s


def test_builtin_kinds_for_kubectl_apply_k_config(k8s: KubernetesEmulator) -> None:
    code, groups = call(k8s, "GET", "/apis")
    names = {g["name"] for g in groups["groups"]}
    assert {"apps", "rbac.authorization.k8s.io", "apiextensions.k8s.io"} <= names
    code, created = call(k8s, "POST", "/api/v1/namespaces", {"metadata": {"name": "team"}})
    assert code == 201 and created["status"] == {"phase": "Active"}
    code, _ = call(k8s, "GET", "/api/v1/namespaces/team")
    assert code == 200


def test_crd_kind_appears_in_discovery_with_its_schema(crd: KubernetesEmulator) -> None:
    code, resources = call(crd, "GET", BASE)
    assert code == 200
    by_name = {r["name"]: r for r in resources["resources"]}
    assert by_name["gatlings"]["kind"] == "Gatling"
    assert by_name["gatlings"]["singularName"] == "gatling"
    assert "gatlings/status" in by_name


def test_schema_type_error_is_422_with_causes(crd: KubernetesEmulator) -> None:
    code, status = call(crd, "POST", GATLINGS, gatling("bad", scenario={"parallelism": "abc"}))
    assert code == 422
    field = "spec.testScenarioSpec.parallelism"
    assert status["reason"] == "Invalid"
    assert status["message"] == (
        f'Gatling.gatling-operator.tech.zozo.com "bad" is invalid: {field}: Invalid value: '
        f'"string": {field} in body must be of type integer: "string"'
    )
    assert status["details"]["kind"] == "Gatling"
    assert status["details"]["group"] == "gatling-operator.tech.zozo.com"
    message = f'Invalid value: "string": {field} in body must be of type integer: "string"'
    assert status["details"]["causes"] == [
        {"reason": "FieldValueInvalid", "message": message, "field": field}
    ]


def test_required_and_pattern(crd: KubernetesEmulator) -> None:
    body = gatling("bad")
    body["spec"]["podSpec"] = {"resources": {"limits": {"cpu": "lots"}}}
    code, status = call(crd, "POST", GATLINGS, body)
    assert code == 422
    causes = {c["field"]: c for c in status["details"]["causes"]}
    assert causes["spec.podSpec.serviceAccountName"] == {
        "reason": "FieldValueRequired",
        "message": "Required value",
        "field": "spec.podSpec.serviceAccountName",
    }
    cpu = causes["spec.podSpec.resources.limits.cpu"]
    assert cpu["message"].startswith(
        'Invalid value: "lots": spec.podSpec.resources.limits.cpu in body should match \'^('
    )
    assert status["message"].startswith(
        'Gatling.gatling-operator.tech.zozo.com "bad" is invalid: ['
    )


def test_enum_is_checked() -> None:
    schema = {"type": "object", "properties": {"mode": {"type": "string", "enum": ["a", "b"]}}}
    kind = Kind("example.com", "v1", "things", "Thing", builtin=False, schema=schema)
    with pytest.raises(ApiError) as caught:
        admit(kind, {"metadata": {"name": "x"}, "mode": "c"}, None)
    assert caught.value.details["causes"] == [
        {
            "reason": "FieldValueNotSupported",
            "message": 'Unsupported value: "c": supported values: "a", "b"',
            "field": "mode",
        }
    ]


def test_unknown_fields_strict_refused_otherwise_pruned(crd: KubernetesEmulator) -> None:
    body = gatling("extra", foo=1)
    code, status = call(crd, "POST", GATLINGS + "?fieldValidation=Strict", body)
    assert code == 400 and status["reason"] == "BadRequest"
    assert status["message"] == (
        'Gatling in version "v1alpha1" cannot be handled as a Gatling: '
        'strict decoding error: unknown field "spec.foo"'
    )
    code, created = call(crd, "POST", GATLINGS, body)
    assert code == 201
    assert "foo" not in created["spec"]
    assert created["spec"]["generateReport"] is False  # the schema's default


def test_openapi_v3_index_and_documents(crd: KubernetesEmulator) -> None:
    code, index = call(crd, "GET", "/openapi/v3")
    assert code == 200
    url = index["paths"]["apis/gatling-operator.tech.zozo.com/v1alpha1"]["serverRelativeURL"]
    assert "api/v1" in index["paths"] and "apis/apps/v1" in index["paths"]
    code, doc = call(crd, "GET", url.split("?")[0])
    schema = doc["components"]["schemas"]["com.zozo.tech.gatling-operator.v1alpha1.Gatling"]
    assert schema["x-kubernetes-group-version-kind"] == [
        {"group": "gatling-operator.tech.zozo.com", "version": "v1alpha1", "kind": "Gatling"}
    ]
    assert schema["properties"]["spec"]["required"] == ["testScenarioSpec"]
    item = doc["paths"][f"{BASE}/namespaces/{{namespace}}/gatlings/{{name}}"]
    assert "fieldValidation" in {p["name"] for p in item["parameters"]}
    assert item["patch"]["x-kubernetes-group-version-kind"]["kind"] == "Gatling"


def test_table_output_uses_printer_columns(crd: KubernetesEmulator) -> None:
    call(crd, "POST", GATLINGS, gatling("t"))
    crd.patch_status("gatlings", "default", "t", {"phase": "Running", "runnerCompletions": "0/1"})
    accept = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json"
    code, table = call(crd, "GET", GATLINGS, headers={"Accept": accept})
    assert code == 200 and table["kind"] == "Table"
    names = [c["name"] for c in table["columnDefinitions"]]
    assert names == ["Name", "Runned", "Reported", "Notified", "ReportURL", "Phase", "Age"]
    (row,) = table["rows"]
    assert row["cells"][:2] == ["t", "0/1"] and row["cells"][5] == "Running"
    assert row["object"]["kind"] == "PartialObjectMetadata"
    code, pods = call(crd, "GET", "/api/v1/namespaces/default/pods", headers={"Accept": accept})
    assert [c["name"] for c in pods["columnDefinitions"]] == ["Name", "Age"]


def test_server_side_apply_creates_conflicts_and_forces(k8s: KubernetesEmulator) -> None:
    path = "/api/v1/namespaces/default/configmaps/ssa"
    apply = {"Content-Type": "application/apply-patch+yaml"}
    body = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "ssa"},
        "data": {"a": "1"},
    }
    code, created = call(k8s, "PATCH", path + "?fieldManager=one", body, apply)
    assert code == 201 and created["data"] == {"a": "1"}
    assert created["metadata"]["managedFields"][0]["fieldsV1"] == {"f:data": {"f:a": {}}}
    other = {**body, "data": {"a": "2", "b": "x"}}
    code, status = call(k8s, "PATCH", path + "?fieldManager=two", other, apply)
    assert code == 409 and status["reason"] == "Conflict"
    assert (
        status["message"] == 'Apply failed with 1 conflict: conflict with "one" using v1: .data.a'
    )
    assert status["details"]["causes"][0]["type"] == "FieldManagerConflict"
    code, forced = call(k8s, "PATCH", path + "?fieldManager=two&force=true", other, apply)
    assert code == 200 and forced["data"] == {"a": "2", "b": "x"}
    code, dropped = call(
        k8s, "PATCH", path + "?fieldManager=two", {**body, "data": {"a": "2"}}, apply
    )
    assert code == 200 and dropped["data"] == {"a": "2"}  # b: no longer applied, nobody owns it
    code, status = call(k8s, "PATCH", path, body, apply)
    assert code == 422  # fieldManager is required for apply


def test_deleting_the_crd_deletes_its_resources(crd: KubernetesEmulator) -> None:
    assert call(crd, "POST", GATLINGS, gatling("gone"))[0] == 201
    name = "gatlings.gatling-operator.tech.zozo.com"
    code, _ = call(crd, "DELETE", f"/apis/apiextensions.k8s.io/v1/customresourcedefinitions/{name}")
    assert code == 200
    assert crd.list("gatlings") == []
    # The emulator's own schema-less Gatling kind serves again (as before any CRD was applied).
    assert call(crd, "POST", GATLINGS, gatling("free", foo=1))[1]["spec"]["foo"] == 1


def test_openapi_v2_in_json_has_every_kind_and_refuses_protobuf_only(
    crd: KubernetesEmulator,
) -> None:
    code, doc = call(crd, "GET", "/openapi/v2", headers={"Accept": "application/json"})
    assert code == 200 and doc["swagger"] == "2.0"
    gatling_def = doc["definitions"]["com.zozo.tech.gatling-operator.v1alpha1.Gatling"]
    assert gatling_def["properties"]["metadata"] == {
        "$ref": "#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"
    }
    assert gatling_def["properties"]["spec"]["required"] == ["testScenarioSpec"]
    assert "io.k8s.api.core.v1.Pod" in doc["definitions"]
    item = doc["paths"][f"{BASE}/namespaces/{{namespace}}/gatlings/{{name}}"]
    assert {"name": "fieldValidation", "in": "query", "uniqueItems": True, "type": "string"} in (
        item["parameters"]
    )
    protobuf = "application/com.github.proto-openapi.spec.v2@v1.0+protobuf"
    code, status = call(crd, "GET", "/openapi/v2", headers={"Accept": protobuf})
    assert code == 406 and status["reason"] == "NotAcceptable"
