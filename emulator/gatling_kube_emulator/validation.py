"""Custom resources checked against their CRD's openAPIV3Schema, as apiextensions-apiserver does.

Defaults are filled in, unknown fields are pruned (or, with fieldValidation=Strict, refused with a
400 "strict decoding error"), and schema violations give 422 Invalid with one cause per field.
"""

from __future__ import annotations

import copy
import json
import re
from typing import Any

from gatling_kube_emulator.store import ApiError, Kind, Obj

_TYPES: dict[str, tuple[type, ...]] = {
    "object": (dict,),
    "array": (list,),
    "string": (str,),
    "boolean": (bool,),
    "integer": (int,),
    "number": (int, float),
}
_ROOT_KEPT = ("apiVersion", "kind", "metadata")


def _type_name(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, dict):
        return "object"
    return "array" if isinstance(value, list) else "string"


def _has_type(value: Any, wanted: str) -> bool:
    if isinstance(value, bool) and wanted in ("integer", "number"):
        return False
    return isinstance(value, _TYPES.get(wanted, (object,)))


def _quote(value: Any) -> str:
    return json.dumps(value) if isinstance(value, str) else json.dumps(value, separators=(",", ":"))


class _Checker:
    def __init__(self) -> None:
        self.causes: list[Obj] = []
        self.unknown: list[str] = []

    def fail(self, reason: str, path: str, message: str) -> None:
        self.causes.append({"reason": reason, "message": message, "field": path})

    def walk(self, value: Any, schema: Obj, path: str) -> Any:
        """`value` defaulted and pruned; records the violations under `path`."""
        wanted = schema.get("type")
        if value is None and schema.get("nullable"):
            return value
        if wanted and not _has_type(value, wanted):
            kind = _type_name(value)
            message = f'Invalid value: "{kind}": {path} in body must be of type {wanted}: "{kind}"'
            self.fail("FieldValueInvalid", path, message)
            return value
        if "enum" in schema and value not in schema["enum"]:
            allowed = ", ".join(_quote(v) for v in schema["enum"])
            message = f"Unsupported value: {_quote(value)}: supported values: {allowed}"
            self.fail("FieldValueNotSupported", path, message)
        self._scalar_rules(value, schema, path)
        if isinstance(value, dict):
            return self._object(value, schema, path)
        if isinstance(value, list) and isinstance(schema.get("items"), dict):
            return [self.walk(v, schema["items"], f"{path}[{i}]") for i, v in enumerate(value)]
        return value

    def _scalar_rules(self, value: Any, schema: Obj, path: str) -> None:
        pattern = schema.get("pattern")
        if isinstance(value, str) and pattern and not re.search(pattern, value):
            message = f"Invalid value: {_quote(value)}: {path} in body should match '{pattern}'"
            self.fail("FieldValueInvalid", path, message)
        for bound, bad in (("minimum", lambda v, b: v < b), ("maximum", lambda v, b: v > b)):
            if bound in schema and _has_type(value, "number") and bad(value, schema[bound]):
                word = "greater" if bound == "minimum" else "less"
                message = (
                    f"Invalid value: {_quote(value)}: {path} in body should be {word} than "
                    f"or equal to {schema[bound]}"
                )
                self.fail("FieldValueInvalid", path, message)

    def _object(self, value: Obj, schema: Obj, path: str) -> Obj:
        props: Obj = schema.get("properties") or {}
        extra = schema.get("additionalProperties")
        result: Obj = {}
        for key, item in value.items():
            sub = f"{path}.{key}" if path else key
            if key in props:
                result[key] = self.walk(item, props[key], sub)
            elif isinstance(extra, dict):
                result[key] = self.walk(item, extra, sub)
            elif (
                extra is True
                or schema.get("x-kubernetes-preserve-unknown-fields")
                or (not path and key in _ROOT_KEPT)
            ):
                result[key] = item
            else:
                self.unknown.append(sub)
        for key, sub_schema in props.items():
            if key not in result and "default" in sub_schema:
                result[key] = self.walk(copy.deepcopy(sub_schema["default"]), sub_schema, key)
        for key in schema.get("required") or []:
            if key not in result:
                self.fail("FieldValueRequired", f"{path}.{key}" if path else key, "Required value")
        return result


def admit(kind: Kind, obj: Obj, field_validation: str | None) -> Obj:
    """The object as stored (defaulted, pruned), or ApiError 400/422 as the real server answers."""
    if kind.schema is None:
        return obj
    checker = _Checker()
    metadata = obj.get("metadata")
    result = checker.walk({k: v for k, v in obj.items() if k != "metadata"}, kind.schema, "")
    if metadata is not None:
        result["metadata"] = metadata
    if checker.unknown and (field_validation or "").lower() == "strict":
        fields = ", ".join(f'unknown field "{f}"' for f in checker.unknown)
        message = (
            f'{kind.kind} in version "{kind.version}" cannot be handled as a {kind.kind}: '
            f"strict decoding error: {fields}"
        )
        raise ApiError(400, "BadRequest", message)
    if checker.causes:
        raise _invalid(kind, (metadata or {}).get("name", ""), checker.causes)
    return result


def _invalid(kind: Kind, name: str, causes: list[Obj]) -> ApiError:
    parts = [f"{c['field']}: {c['message']}" for c in causes]
    why = parts[0] if len(parts) == 1 else "[" + ", ".join(parts) + "]"
    qualified = f"{kind.kind}.{kind.group}" if kind.group else kind.kind
    details = {"name": name, "group": kind.group, "kind": kind.kind, "causes": causes}
    return ApiError(422, "Invalid", f'{qualified} "{name}" is invalid: {why}', details)
