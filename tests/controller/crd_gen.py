"""Build config/crd/gatlings.yaml from tests/controller/crd/gatlings.source.yaml.

Every `x-k8s-type: <definition>` node is replaced by that definition from the official Kubernetes
OpenAPI schemas shipped with kubernetes-validate, made structural the way controller-gen does for
the Go operator: no $ref, one type per node, int-or-string for IntOrString and Quantity, embedded
ObjectMeta as a plain object. Descriptions and enums are dropped (the Go CRD has no enums there;
the API server checks the values again when the Jobs are created).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import kubernetes_validate
import yaml

from tests.controller.manifests import CONFIG

SOURCE = Path(__file__).parent / "crd" / "gatlings.source.yaml"
OUTPUT = CONFIG / "crd" / "gatlings.yaml"
K8S_VERSION = "v1.30.0"
HEADER = """\
# GENERATED from tests/controller/crd/gatlings.source.yaml by tests/controller/crd_gen.py; edit the
# source and run: GATLING_UPDATE_GOLDEN=1 .venv/bin/pytest tests/controller/test_manifests.py
# The Gatling resource: every field of the Go gatling-operator (same names, defaults, enums and
# required fields, so existing CRs apply unchanged) plus additive fields marked "additive".
"""
INT_OR_STRING = {
    "anyOf": [{"type": "integer"}, {"type": "string"}],
    "x-kubernetes-int-or-string": True,
}
QUANTITY_PATTERN = (
    r"^(\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\+|-)?(([0-9]+"
    r"(\.[0-9]*)?)|(\.[0-9]+))))?$"
)
KEEP_FORMATS = {"int32", "int64"}
KEEP_MARKERS = ("x-kubernetes-map-type",)  # +structType=atomic etc.: how apply merges a field
# Atomic in the Kubernetes release the Go CRD was generated from, no longer in v1.30's schemas:
# kept, so that server-side apply merges these fields as it does under the Go CRD.
GO_ATOMIC = {
    "io.k8s.api.core.v1.ConfigMapVolumeSource",
    "io.k8s.api.core.v1.ConfigMapProjection",
    "io.k8s.api.core.v1.SecretProjection",
    "io.k8s.api.core.v1.TypedObjectReference",
}
Json = dict[str, Any]


def definitions() -> Json:
    root = Path(kubernetes_validate.__file__).parent / "kubernetes-json-schema"
    path = root / f"{K8S_VERSION}-local" / "_definitions.json"
    defs: Json = json.loads(path.read_text())["$defs"]
    return defs


def expand(name: str, defs: Json, seen: frozenset[str] = frozenset()) -> Json:
    if name.endswith("intstr.IntOrString"):
        return dict(INT_OR_STRING)
    if name.endswith("resource.Quantity"):  # controller-gen's pattern: "lots" fails admission
        return {**INT_OR_STRING, "pattern": QUANTITY_PATTERN}
    if name.endswith("meta.v1.ObjectMeta"):
        return {"type": "object"}
    if name in seen:  # recursive definitions (none in core v1 today): keep them open
        return {"type": "object", "x-kubernetes-preserve-unknown-fields": True}
    out = structural(defs[name], defs, seen | {name})
    if name in GO_ATOMIC:
        out["x-kubernetes-map-type"] = "atomic"
    return out


def structural(node: Json, defs: Json, seen: frozenset[str]) -> Json:
    if "$ref" in node:
        return expand(node["$ref"].rsplit("/", 1)[-1], defs, seen)
    out: Json = {}
    kind = node.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), None)
    if kind is None and ("properties" in node or "additionalProperties" in node):
        kind = "object"
    if kind is not None:
        out["type"] = kind
    if node.get("format") in KEEP_FORMATS:
        out["format"] = node["format"]
    for marker in KEEP_MARKERS:
        if marker in node:
            out[marker] = node[marker]
    if "properties" in node:
        out["properties"] = {
            key: structural(value, defs, seen) for key, value in sorted(node["properties"].items())
        }
    required = [r for r in node.get("required") or [] if r in out.get("properties", {})]
    if required:
        out["required"] = sorted(required)
    if isinstance(node.get("items"), dict):
        out["items"] = structural(node["items"], defs, seen)
    if isinstance(node.get("additionalProperties"), dict) and "properties" not in out:
        out["additionalProperties"] = structural(node["additionalProperties"], defs, seen)
    if out.get("type") == "object" and not ({"properties", "additionalProperties"} & set(out)):
        out["x-kubernetes-preserve-unknown-fields"] = True  # RawExtension, FieldsV1, ...
    if "type" not in out:
        out = {"type": "object", "x-kubernetes-preserve-unknown-fields": True}
    return out


def _replace_markers(node: Any, defs: Json) -> Any:
    if isinstance(node, dict):
        if "x-k8s-type" in node:
            return expand(node["x-k8s-type"], defs)
        return {key: _replace_markers(value, defs) for key, value in node.items()}
    if isinstance(node, list):
        return [_replace_markers(value, defs) for value in node]
    return node


def generate() -> str:
    crd = _replace_markers(yaml.safe_load(SOURCE.read_text()), definitions())
    return HEADER + yaml.safe_dump(crd, sort_keys=False, width=100)
