"""Validation of generated objects against the official Kubernetes schemas (kubernetes-validate)."""

from __future__ import annotations

from typing import Any

import kubernetes_validate

K8S_VERSION = "1.30.0"


def assert_valid(obj: dict[str, Any]) -> None:
    """Strict: unknown fields are errors too, so a misspelt key cannot slip through."""
    kubernetes_validate.validate(obj, K8S_VERSION, strict=True)
