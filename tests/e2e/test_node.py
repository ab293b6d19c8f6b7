"""The podman node agent on its own: pods made directly in the API emulator, Debian containers.

Init containers first and in order, then the containers together; emptyDir shared between them,
configMap (with subPath), downwardAPI and env from the pod's fields; statuses and phase written
back; output kept per container; a deleted pod's containers removed; an unsupported volume fails
the pod with a message.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from gatling_kube_emulator.node import PodmanNode
from gatling_kube_emulator.server import KubernetesEmulator, write_kubeconfig

from tests.controller.harness import NS, wait_for

pytestmark = pytest.mark.containers
Json = dict[str, Any]


@pytest.fixture
def node(
    base_image: tuple[list[str], str], k8s: KubernetesEmulator, tmp_path: Path
) -> Iterator[PodmanNode]:
    kubeconfig = write_kubeconfig(tmp_path / "kube", k8s.url)
    with PodmanNode(k8s.store, base_image[0], tmp_path / "node", kubeconfig, namespace=NS) as n:
        yield n
    assert n.running() == []


def sh(name: str, image: str, script: str, **more: Any) -> Json:
    return {"name": name, "image": image, "command": ["/bin/sh", "-c", script], **more}


def finished(k8s: KubernetesEmulator, name: str, timeout: float = 60) -> Json:
    def phase() -> Json | None:
        pod: Json = k8s.get("pods", NS, name)
        return pod if pod.get("status", {}).get("phase") in ("Succeeded", "Failed") else None

    result: Json = wait_for(f"pod {name} to finish", phase, timeout)
    return result


def test_init_containers_then_containers_with_volumes_and_env(
    node: PodmanNode, k8s: KubernetesEmulator, base_image: tuple[list[str], str]
) -> None:
    image = base_image[1]
    k8s.create("configmaps", NS, {"metadata": {"name": "conf"}, "data": {"a.conf": "A=1\n"}})
    shared = {"name": "shared", "mountPath": "/shared"}
    spec = {
        "initContainers": [
            sh("first", image, "echo first > /shared/order", volumeMounts=[shared]),
            sh("second", image, "echo second >> /shared/order", volumeMounts=[shared]),
        ],
        "containers": [
            sh(
                "main",
                image,
                "cat /shared/order /etc/conf/a.conf /etc/pod-info/name; echo;"
                ' echo "$POD $NSP $TEAM $X"',
                env=[
                    {"name": "POD", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}},
                    {"name": "NSP", "valueFrom": {"fieldRef": {"fieldPath": "metadata.namespace"}}},
                    {
                        "name": "TEAM",
                        "valueFrom": {"fieldRef": {"fieldPath": "metadata.labels['team']"}},
                    },
                    {"name": "X", "value": "x y; $(id)"},
                ],
                volumeMounts=[
                    shared,
                    {"name": "conf", "mountPath": "/etc/conf/a.conf", "subPath": "a.conf"},
                    {"name": "info", "mountPath": "/etc/pod-info"},
                ],
            ),
            sh("side", image, "id -u", securityContext={"runAsUser": 1000}),
        ],
        "volumes": [
            {"name": "shared", "emptyDir": {}},
            {"name": "conf", "configMap": {"name": "conf"}},
            {
                "name": "info",
                "downwardAPI": {
                    "items": [{"path": "name", "fieldRef": {"fieldPath": "metadata.name"}}]
                },
            },
        ],
    }
    k8s.create("pods", NS, {"metadata": {"name": "p1", "labels": {"team": "qa"}}, "spec": spec})
    pod = finished(k8s, "p1")
    logs = node.logs(NS, "p1")
    assert pod["status"]["phase"] == "Succeeded", logs
    assert logs["main"].splitlines() == ["first", "second", "A=1", "p1", "p1 load qa x y; $(id)"]
    assert logs["side"].strip() == "1000"
    statuses = pod["status"]["initContainerStatuses"] + pod["status"]["containerStatuses"]
    assert [s["name"] for s in statuses] == ["first", "second", "main", "side"]
    assert all(s["state"]["terminated"]["exitCode"] == 0 for s in statuses)


def test_a_failing_init_container_fails_the_pod_and_runs_no_container(
    node: PodmanNode, k8s: KubernetesEmulator, base_image: tuple[list[str], str]
) -> None:
    image = base_image[1]
    spec = {
        "initContainers": [sh("init", image, "echo no; exit 3")],
        "containers": [sh("main", image, "echo ran")],
    }
    k8s.create("pods", NS, {"metadata": {"name": "p2"}, "spec": spec})
    pod = finished(k8s, "p2")
    assert pod["status"]["phase"] == "Failed"
    init = pod["status"]["initContainerStatuses"][0]["state"]["terminated"]
    assert (init["exitCode"], init["reason"]) == (3, "Error")
    assert "waiting" in pod["status"]["containerStatuses"][0]["state"]
    assert node.logs(NS, "p2") == {"init": "no\n"}


def test_a_deleted_pod_has_its_containers_removed(
    node: PodmanNode, k8s: KubernetesEmulator, base_image: tuple[list[str], str]
) -> None:
    spec = {"containers": [sh("sleeper", base_image[1], "sleep 600")]}
    k8s.create("pods", NS, {"metadata": {"name": "p3"}, "spec": spec})
    wait_for("p3 running", lambda: k8s.get("pods", NS, "p3")["status"]["phase"] == "Running", 60)
    wait_for("the container listed", lambda: node.running(), 30)
    started = time.monotonic()
    k8s.delete("pods", NS, "p3")
    wait_for("the container removed", lambda: node.running() == [], 60)
    assert time.monotonic() - started < 30


def test_an_unsupported_volume_fails_the_pod_saying_why(
    node: PodmanNode, k8s: KubernetesEmulator, base_image: tuple[list[str], str]
) -> None:
    spec = {
        "containers": [sh("main", base_image[1], "true")],
        "volumes": [{"name": "data", "persistentVolumeClaim": {"claimName": "x"}}],
    }
    k8s.create("pods", NS, {"metadata": {"name": "p4"}, "spec": spec})
    pod = finished(k8s, "p4")
    assert pod["status"]["phase"] == "Failed"
    assert "persistentVolumeClaim" in pod["status"]["message"]
    assert node.logs(NS, "p4") == {}
