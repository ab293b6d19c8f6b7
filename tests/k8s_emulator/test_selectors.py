"""labelSelector and fieldSelector on list, as the real server filters them."""

from __future__ import annotations

import pytest
from kubernetes import client

from tests.k8s_emulator.helpers import pod


@pytest.fixture
def labelled(core: client.CoreV1Api) -> client.CoreV1Api:
    core.create_namespaced_pod("ns", pod("a", {"app": "web", "tier": "front"}))
    core.create_namespaced_pod("ns", pod("b", {"app": "db", "tier": "back"}))
    core.create_namespaced_pod("ns", pod("c", {"app": "web"}))
    return core


@pytest.mark.parametrize(
    ("selector", "names"),
    [
        ("app=web", ["a", "c"]),
        ("app==web", ["a", "c"]),
        ("app!=web", ["b"]),
        ("app in (db, cache)", ["b"]),
        ("app notin (db)", ["a", "c"]),
        ("tier", ["a", "b"]),
        ("!tier", ["c"]),
        ("app=web,tier", ["a"]),
        ("app in (web,db),tier notin (front)", ["b", "c"]),  # notin matches a missing key
        ("tier!=front", ["b", "c"]),
    ],
)
def test_label_selectors(labelled: client.CoreV1Api, selector: str, names: list[str]) -> None:
    listed = labelled.list_namespaced_pod("ns", label_selector=selector)
    assert [p.metadata.name for p in listed.items] == names


def test_field_selectors(labelled: client.CoreV1Api) -> None:
    labelled.patch_namespaced_pod_status("b", "ns", {"status": {"phase": "Running"}})
    assert [
        p.metadata.name
        for p in labelled.list_namespaced_pod("ns", field_selector="status.phase=Running").items
    ] == ["b"]
    assert [
        p.metadata.name
        for p in labelled.list_namespaced_pod(
            "ns", field_selector="status.phase!=Running,metadata.name!=a"
        ).items
    ] == ["c"]
    assert [
        p.metadata.name
        for p in labelled.list_pod_for_all_namespaces(
            field_selector="metadata.namespace=ns,metadata.name=c"
        ).items
    ] == ["c"]


def test_bad_selector_is_400(labelled: client.CoreV1Api) -> None:
    with pytest.raises(client.ApiException) as err:
        labelled.list_namespaced_pod("ns", label_selector="a in b")
    assert err.value.status == 400
