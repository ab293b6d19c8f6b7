"""Controller test fixtures: a fresh API emulator, and a webhook receiver with its Secret."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from tests.controller.harness import add_webhook_secret
from tests.support.k8s_emulator import KubernetesEmulator


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
