"""OpenAPI for the kinds served: /openapi/v3 (index, one document per group-version), /openapi/v2.

Enough for kubectl: each kind's schema carries x-kubernetes-group-version-kind (`kubectl explain`,
client-side validation), and each resource's PATCH operation lists the fieldValidation parameter,
which is how kubectl learns that the server validates fields itself (it then sends Strict).
Custom kinds use their CRD's openAPIV3Schema; built-in kinds get a permissive object schema.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable

from gatling_kube_emulator.store import Kind, Obj

_QUERY_PARAMS = ("dryRun", "fieldManager", "fieldValidation", "force", "pretty")
_OBJECT_META = "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"
_OPEN_OBJECT = {"type": "object", "x-kubernetes-preserve-unknown-fields": True}


def gv_path(kind: Kind) -> str:
    return f"apis/{kind.group}/{kind.version}" if kind.group else f"api/{kind.version}"


def schema_name(kind: Kind) -> str:
    """The definition name the real server uses: reversed group, version, kind."""
    group = ".".join(reversed(kind.group.split("."))) if kind.group else "io.k8s.api.core"
    return f"{group}.{kind.version}.{kind.kind}"


def _gvk(kind: Kind) -> Obj:
    return {"group": kind.group, "version": kind.version, "kind": kind.kind}


def kind_schema(kind: Kind) -> Obj:
    base: Obj = kind.schema or {
        "type": "object",
        "x-kubernetes-preserve-unknown-fields": True,
        "properties": {
            "apiVersion": {"type": "string"},
            "kind": {"type": "string"},
            "spec": _OPEN_OBJECT,
            "status": _OPEN_OBJECT,
        },
    }
    props = {
        **(base.get("properties") or {}),
        "metadata": {"$ref": f"#/components/schemas/{_OBJECT_META}"},
    }
    return {**base, "properties": props, "x-kubernetes-group-version-kind": [_gvk(kind)]}


def _parameters() -> list[Obj]:
    return [
        {"name": n, "in": "query", "uniqueItems": True, "schema": {"type": "string"}}
        for n in _QUERY_PARAMS
    ]


def _operation(kind: Kind, verb: str, action: str) -> Obj:
    return {
        "operationId": f"{verb}{kind.kind}",
        "x-kubernetes-action": action,
        "x-kubernetes-group-version-kind": _gvk(kind),
        "parameters": _parameters(),
        "responses": {"200": {"description": "OK"}},
    }


def _paths(kind: Kind) -> Obj:
    prefix = "/" + gv_path(kind)
    scope = f"{prefix}/namespaces/{{namespace}}" if kind.namespaced else prefix
    item = {
        "get": _operation(kind, "read", "get"),
        "put": _operation(kind, "replace", "put"),
        "patch": _operation(kind, "patch", "patch"),
        "delete": _operation(kind, "delete", "delete"),
        "parameters": _parameters(),
    }
    collection = {
        "get": _operation(kind, "list", "list"),
        "post": _operation(kind, "create", "post"),
        "parameters": _parameters(),
    }
    return {f"{scope}/{kind.plural}": collection, f"{scope}/{kind.plural}/{{name}}": item}


def document(kinds: Iterable[Kind]) -> Obj:
    """The OpenAPI v3 document of one group-version."""
    kinds = list(kinds)
    schemas: Obj = {_OBJECT_META: {"type": "object", "x-kubernetes-preserve-unknown-fields": True}}
    paths: Obj = {}
    for kind in kinds:
        schemas[schema_name(kind)] = kind_schema(kind)
        paths.update(_paths(kind))
    return {
        "openapi": "3.0.0",
        "info": {"title": "Kubernetes", "version": "v1.30.0-emulator"},
        "paths": paths,
        "components": {"schemas": schemas},
    }


def index(kinds: Iterable[Kind]) -> Obj:
    """/openapi/v3: each group-version's document by its path, with a content hash."""
    by_path: dict[str, list[Kind]] = {}
    for kind in kinds:
        by_path.setdefault(gv_path(kind), []).append(kind)
    paths = {}
    for path, members in sorted(by_path.items()):
        digest = hashlib.sha512(json.dumps(document(members), sort_keys=True).encode()).hexdigest()
        paths[path] = {"serverRelativeURL": f"/openapi/v3/{path}?hash={digest[:128].upper()}"}
    return {"paths": paths}


def _v2(node: object) -> object:
    """A v3 fragment in v2 terms: refs point at #/definitions, parameters carry their type."""
    if isinstance(node, dict):
        out = {k: _v2(v) for k, v in node.items()}
        ref = out.get("$ref")
        if isinstance(ref, str):
            out["$ref"] = ref.replace("#/components/schemas/", "#/definitions/")
        schema = out.get("schema")
        if out.get("in") == "query" and isinstance(schema, dict):
            del out["schema"]
            out["type"] = schema.get("type", "string")
        return out
    if isinstance(node, list):
        return [_v2(v) for v in node]
    return node


def document_v2(kinds: Iterable[Kind]) -> Obj:
    """/openapi/v2 (JSON): every kind in one Swagger 2.0 document, as older clients read it.
    kubectl 1.27+ reads v3; it asks v2 only in protobuf, which this emulator answers 406."""
    v3 = document(kinds)
    return {
        "swagger": "2.0",
        "info": v3["info"],
        "paths": _v2(v3["paths"]),
        "definitions": _v2(v3["components"]["schemas"]),
    }
