"""config/: official schemas for every manifest, our CRD's schema for every Gatling sample."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from gatling_controller.models import parse_gatling

from tests.controller.crd_gen import OUTPUT, QUANTITY_PATTERN, generate
from tests.controller.crs import FULL, MINIMAL, cr
from tests.controller.k8s_schema import assert_valid
from tests.controller.manifests import CONFIG, crd_schema, documents

MANIFESTS = sorted(p for p in CONFIG.rglob("*.yaml") if p.name != "kustomization.yaml")


def _validator() -> jsonschema.Draft7Validator:
    return jsonschema.Draft7Validator(crd_schema())


def _structural_problems(node: dict[str, Any], path: str) -> list[str]:
    """The API server's structural-schema rules that matter here: a type everywhere (or
    preserve-unknown-fields), no $ref, properties and additionalProperties not mixed."""
    problems = []
    if "$ref" in node:
        problems.append(f"{path}: $ref is not allowed")
    untyped_ok = ("x-kubernetes-preserve-unknown-fields", "x-kubernetes-int-or-string")
    if "type" not in node and not any(node.get(k) for k in untyped_ok):
        problems.append(f"{path}: no type")
    if "properties" in node and "additionalProperties" in node:
        problems.append(f"{path}: properties and additionalProperties together")
    for name, child in (node.get("properties") or {}).items():
        problems += _structural_problems(child, f"{path}.{name}")
    for key in ("items", "additionalProperties"):
        if isinstance(node.get(key), dict):
            problems += _structural_problems(node[key], f"{path}[{key}]")
    return problems


@pytest.mark.parametrize("path", MANIFESTS, ids=lambda p: str(p.relative_to(CONFIG)))
def test_manifest_is_valid(path: Path) -> None:
    docs = documents(path)
    assert docs
    for doc in docs:
        if doc["kind"] == "Gatling":
            errors = [e.message for e in _validator().iter_errors(doc)]
            assert errors == []
            parse_gatling({**doc, "metadata": {**doc["metadata"], "uid": "u"}})
        else:
            assert_valid(doc)


def test_crd_is_generated_from_its_source() -> None:
    # GATLING_UPDATE_GOLDEN=1 rewrites config/crd/gatlings.yaml; review the diff before committing.
    expected = generate()
    if os.environ.get("GATLING_UPDATE_GOLDEN") == "1":
        OUTPUT.write_text(expected)
    assert OUTPUT.read_text() == expected


def test_embedded_kubernetes_types_are_checked_like_the_go_crd() -> None:
    volume = {"name": "v", "csi": {"readOnly": True}}  # csi needs a driver
    body = cr(MINIMAL, podSpec={"serviceAccountName": "w", "volumes": [volume]})
    assert [e.message for e in _validator().iter_errors(body)] == [
        "'driver' is a required property"
    ]
    body = cr(MINIMAL, podSpec={"serviceAccountName": "w", "resources": {"limits": {"cpu": 1}}})
    assert [e.message for e in _validator().iter_errors(body)] == []  # int-or-string quantity


def test_crd_schema_is_structural() -> None:
    assert _structural_problems(crd_schema(), "openAPIV3Schema") == []


def test_kustomizations_list_existing_files_and_every_deployable_manifest() -> None:
    top = yaml.safe_load((CONFIG / "kustomization.yaml").read_text())["resources"]
    assert all((CONFIG / r).is_file() for r in top)
    deployable = {str(p.relative_to(CONFIG)) for p in MANIFESTS if "samples" not in p.parts}
    assert deployable <= set(top)
    samples = yaml.safe_load((CONFIG / "samples" / "kustomization.yaml").read_text())
    assert all((CONFIG / "samples" / r).is_file() for r in samples["resources"])


@pytest.mark.parametrize("body", [MINIMAL, FULL], ids=["minimal", "full"])
def test_go_operator_shaped_resources_validate(body: dict[str, Any]) -> None:
    assert [e.message for e in _validator().iter_errors(body)] == []


def _scenario(**changes: Any) -> dict[str, Any]:
    body = cr(MINIMAL)
    body["spec"]["testScenarioSpec"].update(changes)
    return body


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (_scenario(parallelism=0), "0 is less than the minimum of 1"),
        (_scenario(simulationsFormat="maven"), "'maven' is not one of ['bundle', 'gradle']"),
        (cr(MINIMAL, podSpec={"gatlingImage": "x"}), "'serviceAccountName' is a required property"),
        (cr(MINIMAL, cloudStorageSpec={"provider": "aws"}), "'bucket' is a required property"),
        (cr(MINIMAL, generateReport="yes"), "'yes' is not of type 'boolean'"),
        (
            cr(
                MINIMAL,
                podSpec={"serviceAccountName": "w", "resources": {"limits": {"cpu": "lots"}}},
            ),
            f"'lots' does not match {QUANTITY_PATTERN!r}",
        ),
        (
            _scenario(
                env=[
                    {
                        "name": "E",
                        "valueFrom": {
                            "resourceFieldRef": {"resource": "limits.cpu", "divisor": "1 core"}
                        },
                    }
                ]
            ),
            f"'1 core' does not match {QUANTITY_PATTERN!r}",
        ),
    ],
    ids=["parallelism", "format", "service-account", "bucket", "bool", "quantity", "divisor"],
)
def test_the_crd_rejects_what_the_go_operator_rejects(body: dict[str, Any], message: str) -> None:
    assert [e.message for e in _validator().iter_errors(body)] == [message]


def test_every_quantity_has_the_go_crds_pattern_and_atomic_markers_are_kept() -> None:
    text = (CONFIG / "crd" / "gatlings.yaml").read_text()
    # The Go CRD has 12 quantity patterns and 54 atomic markers; Kubernetes v1.30's schemas add 3
    # (imagePullSecrets[], csi.nodeExpandSecretRef, clusterTrustBundle.labelSelector).
    assert text.count(f"pattern: {QUANTITY_PATTERN}") == 12
    assert text.count("x-kubernetes-map-type: atomic") == 57
    for quantity in ("100m", "1.5Gi", "2", "1e3", "-1", ".5"):
        body = cr(
            MINIMAL, podSpec={"serviceAccountName": "w", "resources": {"limits": {"cpu": quantity}}}
        )
        assert [e.message for e in _validator().iter_errors(body)] == []


def test_printer_columns_are_the_go_operators_plus_phase() -> None:
    crd = documents(CONFIG / "crd" / "gatlings.yaml")[0]
    columns = [(c["name"], c["jsonPath"]) for c in crd["spec"]["versions"][0][
        "additionalPrinterColumns"
    ]]  # fmt: skip
    assert columns == [
        ("Runned", ".status.runnerCompletions"),
        ("Reported", ".status.reportCompleted"),
        ("Notified", ".status.notificationCompleted"),
        ("ReportURL", ".status.reportUrl"),
        ("Phase", ".status.phase"),
        ("Age", ".metadata.creationTimestamp"),
    ]
