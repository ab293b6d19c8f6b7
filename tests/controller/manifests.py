"""Reading config/: YAML documents, the CRD's schema, the controller's ClusterRole."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

CONFIG = Path(__file__).resolve().parents[2] / "config"


def documents(path: Path) -> list[dict[str, Any]]:
    return [d for d in yaml.safe_load_all(path.read_text()) if d]


def crd_schema() -> dict[str, Any]:
    crd = documents(CONFIG / "crd" / "gatlings.yaml")[0]
    schema: dict[str, Any] = crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"]
    return schema


def role_rules() -> set[tuple[str, str]]:
    """(verb, resource) pairs the controller's ClusterRole grants."""
    role = documents(CONFIG / "rbac" / "controller_role.yaml")[0]
    return {(v, r) for rule in role["rules"] for r in rule["resources"] for v in rule["verbs"]}
