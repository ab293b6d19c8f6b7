"""DELETE: finalizers, propagation policies, garbage collection through ownerReferences."""

from __future__ import annotations

import pytest
from gatling_kube_emulator.server import KubernetesEmulator
from kubernetes import client

from tests.k8s_emulator.helpers import GROUP, PLURAL, VERSION, gatling, pod


def _owned_pod(name: str, owner: dict, kind: str = "Job") -> dict:
    body = pod(name)
    body["metadata"]["ownerReferences"] = [
        {
            "apiVersion": "batch/v1",
            "kind": kind,
            "name": owner["metadata"]["name"],
            "uid": owner["metadata"]["uid"],
            "controller": True,
        }
    ]
    return body


def _job(batch: client.BatchV1Api, name: str) -> dict:
    created = batch.create_namespaced_job(
        "ns",
        {
            "metadata": {"name": name},
            "spec": {"template": {"spec": {"containers": [{"name": "m", "image": "busybox"}]}}},
        },
    )
    return client.ApiClient().sanitize_for_serialization(created)


def test_background_propagation_deletes_dependents(
    core: client.CoreV1Api, batch: client.BatchV1Api
) -> None:
    job = _job(batch, "j")
    core.create_namespaced_pod("ns", _owned_pod("j-1", job))
    core.create_namespaced_pod("ns", pod("unrelated"))
    status = batch.delete_namespaced_job("j", "ns", propagation_policy="Background")
    assert status["kind"] == "Status" and status["status"] == "Success"
    assert [p.metadata.name for p in core.list_namespaced_pod("ns").items] == ["unrelated"]


def test_jobs_orphan_their_pods_by_default(
    core: client.CoreV1Api, batch: client.BatchV1Api
) -> None:
    job = _job(batch, "j")
    core.create_namespaced_pod("ns", _owned_pod("j-1", job))
    batch.delete_namespaced_job("j", "ns")
    left = core.read_namespaced_pod("j-1", "ns")
    assert left.metadata.owner_references in (None, [])


def test_gc_follows_chains_from_custom_resources(
    k8s: KubernetesEmulator, core: client.CoreV1Api, batch: client.BatchV1Api
) -> None:
    custom = client.CustomObjectsApi(k8s.api_client())
    owner = custom.create_namespaced_custom_object(GROUP, VERSION, "ns", PLURAL, gatling("g"))
    job_body = {
        "metadata": {
            "name": "j",
            "ownerReferences": [
                {
                    "apiVersion": f"{GROUP}/{VERSION}",
                    "kind": "Gatling",
                    "name": "g",
                    "uid": owner["metadata"]["uid"],
                }
            ],
        },
        "spec": {"template": {"spec": {"containers": [{"name": "m", "image": "b"}]}}},
    }
    job = client.ApiClient().sanitize_for_serialization(batch.create_namespaced_job("ns", job_body))
    core.create_namespaced_pod("ns", _owned_pod("j-1", job))
    custom.delete_namespaced_custom_object(GROUP, VERSION, "ns", PLURAL, "g")
    assert batch.list_namespaced_job("ns").items == []
    assert core.list_namespaced_pod("ns").items == []


def test_finalizers_hold_deletion_until_removed(k8s: KubernetesEmulator) -> None:
    custom = client.CustomObjectsApi(k8s.api_client())
    body = gatling("g")
    body["metadata"]["finalizers"] = ["gatling-operator.tech.zozo.com/cleanup"]
    custom.create_namespaced_custom_object(GROUP, VERSION, "ns", PLURAL, body)
    marked = custom.delete_namespaced_custom_object(GROUP, VERSION, "ns", PLURAL, "g")
    assert marked["metadata"]["deletionTimestamp"]
    still = custom.get_namespaced_custom_object(GROUP, VERSION, "ns", PLURAL, "g")
    assert still["metadata"]["deletionTimestamp"] == marked["metadata"]["deletionTimestamp"]
    custom.patch_namespaced_custom_object(
        GROUP, VERSION, "ns", PLURAL, "g", {"metadata": {"finalizers": None}}
    )
    with pytest.raises(client.ApiException) as err:
        custom.get_namespaced_custom_object(GROUP, VERSION, "ns", PLURAL, "g")
    assert err.value.status == 404


def test_delete_missing_is_404(core: client.CoreV1Api) -> None:
    with pytest.raises(client.ApiException) as err:
        core.delete_namespaced_pod("ghost", "ns")
    assert err.value.status == 404


def test_deletecollection_with_selector(core: client.CoreV1Api) -> None:
    core.create_namespaced_pod("ns", pod("a", {"run": "1"}))
    core.create_namespaced_pod("ns", pod("b", {"run": "2"}))
    core.delete_collection_namespaced_pod("ns", label_selector="run=1")
    assert [p.metadata.name for p in core.list_namespaced_pod("ns").items] == ["b"]
