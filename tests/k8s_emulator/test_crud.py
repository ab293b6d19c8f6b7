"""create/get/list/update/patch/delete through the official client, as the real server answers."""

from __future__ import annotations

import pytest
from gatling_kube_emulator.server import KubernetesEmulator
from kubernetes import client

from tests.k8s_emulator.helpers import GROUP, PLURAL, VERSION, gatling, pod, status_of


def test_create_fills_metadata_and_get_returns_it(core: client.CoreV1Api) -> None:
    created = core.create_namespaced_pod("ns", pod("p1", {"app": "a"}))
    assert created.metadata.uid
    assert created.metadata.creation_timestamp is not None
    assert created.metadata.namespace == "ns"
    assert created.status.phase == "Pending"
    got = core.read_namespaced_pod("p1", "ns")
    assert got.metadata.uid == created.metadata.uid
    assert got.metadata.resource_version == created.metadata.resource_version


def test_resource_versions_increase_globally(core: client.CoreV1Api) -> None:
    first = core.create_namespaced_pod("ns", pod("a"))
    second = core.create_namespaced_config_map("other", {"metadata": {"name": "c"}})
    third = core.patch_namespaced_pod("a", "ns", {"metadata": {"labels": {"x": "1"}}})
    versions = [int(o.metadata.resource_version) for o in (first, second, third)]
    assert versions == sorted(versions) and len(set(versions)) == 3


def test_generate_name(core: client.CoreV1Api) -> None:
    created = core.create_namespaced_pod("ns", {**pod(""), "metadata": {"generateName": "run-"}})
    assert created.metadata.name.startswith("run-") and len(created.metadata.name) > 4


def test_create_twice_is_409_already_exists(core: client.CoreV1Api) -> None:
    core.create_namespaced_pod("ns", pod("p1"))
    with pytest.raises(client.ApiException) as err:
        core.create_namespaced_pod("ns", pod("p1"))
    body = status_of(err.value)
    assert err.value.status == 409
    assert body["kind"] == "Status" and body["apiVersion"] == "v1"
    assert (body["status"], body["reason"], body["code"]) == ("Failure", "AlreadyExists", 409)
    assert body["message"] == 'pods "p1" already exists'
    assert body["details"] == {"name": "p1", "kind": "pods"}


def test_get_missing_is_404_not_found(core: client.CoreV1Api) -> None:
    with pytest.raises(client.ApiException) as err:
        core.read_namespaced_pod("ghost", "ns")
    body = status_of(err.value)
    assert (err.value.status, body["reason"]) == (404, "NotFound")
    assert body["message"] == 'pods "ghost" not found'


def test_same_name_in_two_namespaces_and_cross_namespace_list(core: client.CoreV1Api) -> None:
    core.create_namespaced_pod("a", pod("p"))
    core.create_namespaced_pod("b", pod("p"))
    listed = core.list_pod_for_all_namespaces()
    assert sorted((p.metadata.namespace, p.metadata.name) for p in listed.items) == [
        ("a", "p"),
        ("b", "p"),
    ]
    assert [p.metadata.namespace for p in core.list_namespaced_pod("b").items] == ["b"]


def test_list_carries_the_current_resource_version(core: client.CoreV1Api) -> None:
    core.create_namespaced_pod("ns", pod("a"))
    last = core.create_namespaced_pod("ns", pod("b"))
    listed = core.list_namespaced_pod("ns")
    assert listed.metadata.resource_version == last.metadata.resource_version


def test_cluster_scoped_persistent_volumes(core: client.CoreV1Api) -> None:
    created = core.create_persistent_volume({"metadata": {"name": "pv1"}, "spec": {}})
    assert created.metadata.namespace is None
    assert [pv.metadata.name for pv in core.list_persistent_volume().items] == ["pv1"]


def test_update_with_stale_resource_version_is_409_conflict(core: client.CoreV1Api) -> None:
    created = core.create_namespaced_config_map("ns", {"metadata": {"name": "c"}, "data": {}})
    created.data = {"k": "1"}
    core.replace_namespaced_config_map("c", "ns", created)
    created.data = {"k": "2"}
    with pytest.raises(client.ApiException) as err:
        core.replace_namespaced_config_map("c", "ns", created)
    assert (err.value.status, status_of(err.value)["reason"]) == (409, "Conflict")
    assert core.read_namespaced_config_map("c", "ns").data == {"k": "1"}


def test_generation_counts_spec_changes_only(custom: client.CustomObjectsApi) -> None:
    custom.create_namespaced_custom_object(GROUP, VERSION, "ns", PLURAL, gatling("g"))
    labelled = custom.patch_namespaced_custom_object(
        GROUP, VERSION, "ns", PLURAL, "g", {"metadata": {"labels": {"a": "b"}}}
    )
    assert labelled["metadata"]["generation"] == 1
    changed = custom.patch_namespaced_custom_object(
        GROUP, VERSION, "ns", PLURAL, "g", {"spec": {"testScenarioSpec": {"parallelism": 3}}}
    )
    assert changed["metadata"]["generation"] == 2


def test_status_subresource_separates_spec_and_status(custom: client.CustomObjectsApi) -> None:
    custom.create_namespaced_custom_object(GROUP, VERSION, "ns", PLURAL, gatling("g"))
    ignored = custom.patch_namespaced_custom_object(
        GROUP, VERSION, "ns", PLURAL, "g", {"status": {"runnerCompleted": True}}
    )
    assert "status" not in ignored
    updated = custom.patch_namespaced_custom_object_status(
        GROUP,
        VERSION,
        "ns",
        PLURAL,
        "g",
        {"status": {"runnerCompleted": True}, "spec": {"other": 1}},
    )
    assert updated["status"] == {"runnerCompleted": True}
    assert "other" not in updated["spec"]
    assert updated["metadata"]["generation"] == 1


def test_status_subresource_put(core: client.CoreV1Api) -> None:
    created = core.create_namespaced_pod("ns", pod("p"))
    created.status.phase = "Running"
    replaced = core.replace_namespaced_pod_status("p", "ns", created)
    assert replaced.status.phase == "Running"
    assert core.read_namespaced_pod("p", "ns").status.phase == "Running"


def test_merge_patch_sets_and_removes_labels(custom: client.CustomObjectsApi) -> None:
    body = gatling("g")
    body["metadata"]["labels"] = {"keep": "1", "drop": "1"}
    custom.create_namespaced_custom_object(GROUP, VERSION, "ns", PLURAL, body)
    patched = custom.patch_namespaced_custom_object(
        GROUP,
        VERSION,
        "ns",
        PLURAL,
        "g",
        {"metadata": {"labels": {"drop": None, "new": "2"}, "finalizers": ["x/y"]}},
    )
    assert patched["metadata"]["labels"] == {"keep": "1", "new": "2"}
    assert patched["metadata"]["finalizers"] == ["x/y"]


def test_strategic_merge_patch_merges_finalizers_and_containers(core: client.CoreV1Api) -> None:
    body = pod("p", finalizers=["a/one"], annotations={"x": "1"})
    core.create_namespaced_pod("ns", body)
    patched = core.patch_namespaced_pod(
        "p",
        "ns",
        {
            "metadata": {"finalizers": ["b/two"], "annotations": {"y": "2"}},
            "spec": {"containers": [{"name": "main", "image": "alpine"}]},
        },
    )
    assert patched.metadata.finalizers == ["a/one", "b/two"]
    assert patched.metadata.annotations == {"x": "1", "y": "2"}
    assert [(c.name, c.image) for c in patched.spec.containers] == [("main", "alpine")]
    removed = core.patch_namespaced_pod(
        "p", "ns", {"metadata": {"$deleteFromPrimitiveList/finalizers": ["a/one"]}}
    )
    assert removed.metadata.finalizers == ["b/two"]


def test_strategic_merge_patch_on_custom_resource_is_415(k8s: KubernetesEmulator) -> None:
    custom = client.CustomObjectsApi(k8s.api_client())
    custom.create_namespaced_custom_object(GROUP, VERSION, "ns", PLURAL, gatling("g"))
    with pytest.raises(client.ApiException) as err:
        custom.patch_namespaced_custom_object(
            GROUP,
            VERSION,
            "ns",
            PLURAL,
            "g",
            {"metadata": {"labels": {"a": "b"}}},
            _content_type="application/strategic-merge-patch+json",
        )
    assert err.value.status == 415


def test_json_patch(core: client.CoreV1Api) -> None:
    core.create_namespaced_pod("ns", pod("p", {"a": "1"}))
    patched = core.patch_namespaced_pod(
        "p",
        "ns",
        [
            {"op": "test", "path": "/metadata/labels/a", "value": "1"},
            {"op": "add", "path": "/metadata/labels/b", "value": "2"},
            {"op": "remove", "path": "/metadata/labels/a"},
        ],
    )
    assert patched.metadata.labels == {"b": "2"}
    with pytest.raises(client.ApiException) as err:
        core.patch_namespaced_pod(
            "p", "ns", [{"op": "test", "path": "/metadata/name", "value": "x"}]
        )
    assert err.value.status == 422


def test_patch_with_stale_resource_version_conflicts(core: client.CoreV1Api) -> None:
    created = core.create_namespaced_pod("ns", pod("p"))
    core.patch_namespaced_pod("p", "ns", {"metadata": {"labels": {"a": "1"}}})
    with pytest.raises(client.ApiException) as err:
        core.patch_namespaced_pod(
            "p",
            "ns",
            {"metadata": {"resourceVersion": created.metadata.resource_version, "labels": {}}},
        )
    assert err.value.status == 409
