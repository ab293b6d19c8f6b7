"""Server-side apply, simplified: field ownership per manager in metadata.managedFields.

Each applied leaf (lists are atomic) is owned by its manager; applying a different value to a leaf
another manager owns is a 409 Conflict unless `force=true`, which moves the ownership. Fields a
manager applied before and no longer applies are removed when nobody else owns them.
"""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

Obj = dict[str, Any]
Path = tuple[str, ...]
_IDENTITY = {("apiVersion",), ("kind",), ("metadata", "name"), ("metadata", "namespace")}
_SERVER_OWNED = {"managedFields", "resourceVersion", "uid", "creationTimestamp", "generation"}


def leaves(obj: Any, prefix: Path = ()) -> dict[Path, Any]:
    """Every leaf of an applied configuration (maps recurse; lists and scalars are leaves)."""
    if isinstance(obj, dict) and (obj or not prefix):
        found: dict[Path, Any] = {}
        for key, value in obj.items():
            if prefix == ("metadata",) and key in _SERVER_OWNED:
                continue
            found.update(leaves(value, (*prefix, key)))
        return found
    return {} if prefix in _IDENTITY else {prefix: obj}


def _to_fields(paths: set[Path]) -> Obj:
    root: Obj = {}
    for path in sorted(paths):
        node = root
        for part in path:
            node = node.setdefault(f"f:{part}", {})
    return root


def _from_fields(fields: Obj, prefix: Path = ()) -> set[Path]:
    if not fields:
        return {prefix} if prefix else set()
    found: set[Path] = set()
    for key, value in fields.items():
        if key.startswith("f:"):
            found |= _from_fields(value or {}, (*prefix, key[2:]))
    return found


def owners(live: Obj) -> dict[str, set[Path]]:
    """Manager name -> the paths it owns, from metadata.managedFields."""
    result: dict[str, set[Path]] = {}
    for entry in (live.get("metadata") or {}).get("managedFields") or []:
        paths = _from_fields(entry.get("fieldsV1") or {})
        result.setdefault(entry.get("manager", ""), set()).update(paths)
    return result


def _get(obj: Any, path: Path) -> Any:
    for part in path:
        if not isinstance(obj, dict) or part not in obj:
            return _MISSING
        obj = obj[part]
    return obj


_MISSING = object()


def conflicts(live: Obj, applied: Obj, manager: str) -> list[tuple[str, Path]]:
    """(other manager, path) for each applied leaf whose value differs from one owned by another."""
    found = []
    for other, paths in owners(live).items():
        if other == manager:
            continue
        for path, value in leaves(applied).items():
            if path in paths and _get(live, path) != value:
                found.append((other, path))
    return sorted(found)


def _set(obj: Obj, path: Path, value: Any) -> None:
    for part in path[:-1]:
        child = obj.get(part)
        if not isinstance(child, dict):
            child = obj[part] = {}
        obj = child
    obj[path[-1]] = copy.deepcopy(value)


def _drop(obj: Obj, path: Path) -> None:
    parents = [obj]
    for part in path[:-1]:
        child = parents[-1].get(part)
        if not isinstance(child, dict):
            return
        parents.append(child)
    parents[-1].pop(path[-1], None)
    for depth in range(len(parents) - 1, 0, -1):  # drop maps the removal left empty
        if not parents[depth]:
            parents[depth - 1].pop(path[depth - 1], None)


def merge(live: Obj, applied: Obj, manager: str, force: bool, api_version: str) -> Obj:
    """The live object with `applied` merged in and managedFields updated (conflicts checked
    by the caller)."""
    table = owners(live)
    applied_paths = leaves(applied)
    taken = {path for _, path in conflicts(live, applied, manager)} if force else set()
    result = copy.deepcopy(live)
    before = table.get(manager, set())
    for path in before - set(applied_paths):
        if not any(path in paths for other, paths in table.items() if other != manager):
            _drop(result, path)
    for path, value in applied_paths.items():
        _set(result, path, value)
    table = {m: p - taken for m, p in table.items()}  # forced: the others lose what changed
    table[manager] = set(applied_paths)
    entries = [
        e for e in result["metadata"].get("managedFields") or [] if e.get("manager") != manager
    ]
    kept = []
    for entry in entries:
        paths = table.get(entry.get("manager", ""), set())
        if paths:
            kept.append({**entry, "fieldsV1": _to_fields(paths)})
    kept.append(
        {
            "manager": manager,
            "operation": "Apply",
            "apiVersion": api_version,
            "time": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "fieldsType": "FieldsV1",
            "fieldsV1": _to_fields(set(applied_paths)),
        }
    )
    result["metadata"]["managedFields"] = kept
    return result


def conflict_message(found: list[tuple[str, Path]], api_version: str) -> tuple[str, list[Obj]]:
    causes = [
        {
            "type": "FieldManagerConflict",
            "message": f'conflict with "{manager}" using {api_version}',
            "field": "." + ".".join(path),
        }
        for manager, path in found
    ]
    noun = "conflict" if len(found) == 1 else "conflicts"
    lines = [f"{c['message']}: {c['field']}" for c in causes]
    if len(lines) == 1:
        return f"Apply failed with 1 conflict: {lines[0]}", causes
    return f"Apply failed with {len(found)} {noun}: " + "\n".join(lines), causes
