"""Table output (`Accept: application/json;as=Table;g=meta.k8s.io;v=v1`), as `kubectl get` asks.

Custom kinds show Name and their CRD's additionalPrinterColumns; other kinds Name and Age.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from gatling_kube_emulator.store import Kind, Obj

_AGE = {"name": "Age", "type": "date", "jsonPath": ".metadata.creationTimestamp"}


def wants_table(accept: str) -> bool:
    return any("as=Table" in part for part in accept.split(","))


def _columns(kind: Kind) -> list[Obj]:
    return list(kind.printer_columns) if kind.printer_columns else [_AGE]


def _lookup(obj: Any, json_path: str) -> Any:
    for part in re.findall(r"[^.\[\]]+", json_path.strip("{}")):
        if isinstance(obj, dict):
            obj = obj.get(part)
        elif isinstance(obj, list) and part.isdigit() and int(part) < len(obj):
            obj = obj[int(part)]
        else:
            return None
    return obj


def human_age(timestamp: str, now: datetime | None = None) -> str:
    """A duration the way kubectl prints ages (the real server's HumanDuration, roughly)."""
    try:
        then = datetime.strptime(timestamp, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    except (TypeError, ValueError):
        return "<unknown>"
    seconds = max(0, int(((now or datetime.now(UTC)) - then).total_seconds()))
    if seconds < 120:
        return f"{seconds}s"
    minutes = seconds // 60
    if minutes < 10:
        return f"{minutes}m{seconds % 60}s" if seconds % 60 else f"{minutes}m"
    if minutes < 180:
        return f"{minutes}m"
    hours = minutes // 60
    if hours < 48:
        return f"{hours}h"
    return f"{hours // 24}d"


def _cell(obj: Obj, column: Obj) -> Any:
    value = _lookup(obj, column.get("jsonPath", ""))
    if value is None:
        return None
    if column.get("type") == "date":
        return human_age(str(value))
    if isinstance(value, dict | list):
        return str(value)
    return value


def _row_object(kind: Kind, obj: Obj, include: str) -> Obj | None:
    if include == "None":
        return None
    if include == "Object":
        return obj
    return {
        "kind": "PartialObjectMetadata",
        "apiVersion": "meta.k8s.io/v1",
        "metadata": obj["metadata"],
    }


def table(kind: Kind, items: list[Obj], rv: int, include: str = "Metadata") -> Obj:
    columns = _columns(kind)
    definitions = [
        {"name": "Name", "type": "string", "format": "name", "description": "Name", "priority": 0}
    ] + [
        {
            "name": c.get("name", ""),
            "type": c.get("type", "string"),
            "format": c.get("format", ""),
            "description": c.get("description", ""),
            "priority": c.get("priority", 0),
        }
        for c in columns
    ]
    rows = []
    for obj in items:
        row: Obj = {"cells": [obj["metadata"]["name"]] + [_cell(obj, c) for c in columns]}
        embedded = _row_object(kind, obj, include)
        if embedded is not None:
            row["object"] = embedded
        rows.append(row)
    return {
        "kind": "Table",
        "apiVersion": "meta.k8s.io/v1",
        "metadata": {"resourceVersion": str(rv)},
        "columnDefinitions": definitions,
        "rows": rows,
    }
