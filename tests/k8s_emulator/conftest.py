"""An emulator per test, and clients of the official `kubernetes` library bound to it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from gatling_kube_emulator.server import KubernetesEmulator
from kubernetes import client


@pytest.fixture
def k8s() -> Iterator[KubernetesEmulator]:
    with KubernetesEmulator(bookmark_interval=0.2) as emulator:
        yield emulator


@pytest.fixture
def core(k8s: KubernetesEmulator) -> client.CoreV1Api:
    return client.CoreV1Api(k8s.api_client("test"))


@pytest.fixture
def batch(k8s: KubernetesEmulator) -> client.BatchV1Api:
    return client.BatchV1Api(k8s.api_client("test"))


@pytest.fixture
def custom(k8s: KubernetesEmulator) -> client.CustomObjectsApi:
    return client.CustomObjectsApi(k8s.api_client("test"))
