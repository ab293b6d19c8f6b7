"""Small builders shared by the emulator's tests."""

from __future__ import annotations

import json
from typing import Any

from kubernetes import client

GROUP, VERSION, PLURAL = "gatling-operator.tech.zozo.com", "v1alpha1", "gatlings"


def pod(name: str, labels: dict[str, str] | None = None, **meta: Any) -> dict[str, Any]:
    return {
        "metadata": {"name": name, "labels": labels or {}, **meta},
        "spec": {"containers": [{"name": "main", "image": "busybox"}]},
    }


def gatling(name: str, spec: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "apiVersion": f"{GROUP}/{VERSION}",
        "kind": "Gatling",
        "metadata": {"name": name},
        "spec": spec or {"testScenarioSpec": {"parallelism": 2}},
    }


def job(name: str, parallelism: int = 2, backoff_limit: int = 6) -> dict[str, Any]:
    return {
        "metadata": {"name": name},
        "spec": {
            "parallelism": parallelism,
            "completions": parallelism,
            "backoffLimit": backoff_limit,
            "template": {
                "metadata": {"labels": {"app": "runner"}},
                "spec": {"containers": [{"name": "main", "image": "busybox"}]},
            },
        },
    }


def status_of(exc: client.ApiException) -> dict[str, Any]:
    body = json.loads(exc.body)
    assert isinstance(body, dict)
    return body
