"""The controller tests' fixtures, in a plain module so that other suites (the controller's
container test) use the same ones: a fresh API emulator, a webhook receiver with its Secret."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from gatling_kube_emulator.server import KubernetesEmulator
from gatling_kube_emulator.store import Obj
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from tests.controller.harness import NS, add_webhook_secret


@pytest.fixture
def k8s() -> Iterator[KubernetesEmulator]:
    with KubernetesEmulator() as emulator:
        yield emulator


@pytest.fixture
def hook(httpserver: HTTPServer, k8s: KubernetesEmulator) -> list[dict[str, Any]]:
    """The notifications the controller POSTs to /hook (its Secret points there)."""
    received: list[dict[str, Any]] = []

    def handler(request: Request) -> Response:
        received.append(json.loads(request.data))
        return Response("ok")

    httpserver.expect_request("/hook", method="POST").respond_with_handler(handler)
    add_webhook_secret(k8s, httpserver.url_for("/hook"))
    return received


def gone(k8s: KubernetesEmulator, plural: str, name: str) -> bool:
    """No object of that name is left in the tests' namespace (cleanup done)."""
    found: list[Obj] = k8s.list(plural, NS)
    return all(o["metadata"]["name"] != name for o in found)
