"""Watch streams: resume from a version, selector semantics, 410 Gone, bookmarks, timeout."""

from __future__ import annotations

import json
import threading
import urllib.request
from typing import Any

import pytest
from gatling_kube_emulator.server import KubernetesEmulator
from kubernetes import client, watch

from tests.k8s_emulator.helpers import pod


def _events(core: client.CoreV1Api, rv: str, **kwargs: Any) -> list[tuple[str, str]]:
    stream = watch.Watch().stream(
        core.list_namespaced_pod, "ns", resource_version=rv, timeout_seconds=1, **kwargs
    )
    return [(e["type"], e["object"].metadata.name) for e in stream]


def test_watch_from_a_version_replays_later_events(core: client.CoreV1Api) -> None:
    start = core.create_namespaced_pod("ns", pod("before")).metadata.resource_version
    core.create_namespaced_pod("ns", pod("p"))
    core.patch_namespaced_pod("p", "ns", {"metadata": {"labels": {"x": "1"}}})
    core.delete_namespaced_pod("p", "ns")
    core.create_namespaced_pod("elsewhere", pod("q"))
    assert _events(core, start) == [("ADDED", "p"), ("MODIFIED", "p"), ("DELETED", "p")]


def test_watch_delivers_events_that_happen_while_streaming(core: client.CoreV1Api) -> None:
    rv = core.list_namespaced_pod("ns").metadata.resource_version
    timer = threading.Timer(0.2, lambda: core.create_namespaced_pod("ns", pod("late")))
    timer.start()
    try:
        assert _events(core, rv) == [("ADDED", "late")]
    finally:
        timer.join()


def test_watch_without_version_starts_with_the_current_objects(core: client.CoreV1Api) -> None:
    core.create_namespaced_pod("ns", pod("a"))
    stream = watch.Watch().stream(core.list_namespaced_pod, "ns", timeout_seconds=1)
    assert [(e["type"], e["object"].metadata.name) for e in stream] == [("ADDED", "a")]


def test_selector_watch_sees_objects_enter_and_leave(core: client.CoreV1Api) -> None:
    rv = core.create_namespaced_pod("ns", pod("p")).metadata.resource_version
    core.patch_namespaced_pod("p", "ns", {"metadata": {"labels": {"ready": "yes"}}})
    core.patch_namespaced_pod("p", "ns", {"metadata": {"annotations": {"n": "1"}}})
    core.patch_namespaced_pod("p", "ns", {"metadata": {"labels": {"ready": None}}})
    assert _events(core, rv, label_selector="ready=yes") == [
        ("ADDED", "p"),
        ("MODIFIED", "p"),
        ("DELETED", "p"),
    ]


def test_too_old_version_is_an_error_event_with_410(
    k8s: KubernetesEmulator, core: client.CoreV1Api
) -> None:
    rv = core.create_namespaced_pod("ns", pod("a")).metadata.resource_version
    core.create_namespaced_pod("ns", pod("b"))
    k8s.store.compact()
    url = f"{k8s.url}/api/v1/namespaces/ns/pods?watch=true&resourceVersion={rv}&timeoutSeconds=1"
    with urllib.request.urlopen(url) as resp:
        assert resp.status == 200
        lines = [json.loads(line) for line in resp.read().splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0]["type"] == "ERROR"
    status = lines[0]["object"]
    assert (status["kind"], status["code"], status["reason"]) == ("Status", 410, "Expired")
    assert status["message"].startswith(f"too old resource version: {rv} (")
    with pytest.raises(client.ApiException) as err:
        _events(core, rv)
    assert err.value.status == 410


def test_bounded_history_forgets_old_versions() -> None:
    with KubernetesEmulator(history_size=3) as k8s:
        core = client.CoreV1Api(k8s.api_client())
        rv = core.create_namespaced_pod("ns", pod("a")).metadata.resource_version
        for name in ("b", "c", "d", "e"):
            core.create_namespaced_pod("ns", pod(name))
        with pytest.raises(client.ApiException) as err:
            _events(core, rv)
        assert err.value.status == 410


def test_bookmarks_when_asked(k8s: KubernetesEmulator, core: client.CoreV1Api) -> None:
    rv = core.create_namespaced_pod("ns", pod("a")).metadata.resource_version
    url = (
        f"{k8s.url}/api/v1/namespaces/ns/pods?watch=1&resourceVersion={rv}"
        "&allowWatchBookmarks=true&timeoutSeconds=1"
    )
    with urllib.request.urlopen(url) as resp:
        lines = [json.loads(line) for line in resp.read().splitlines() if line.strip()]
    assert lines and all(line["type"] == "BOOKMARK" for line in lines)
    assert lines[0]["object"]["metadata"] == {"resourceVersion": rv}


def test_stream_ends_at_timeout_seconds(core: client.CoreV1Api) -> None:
    rv = core.list_namespaced_pod("ns").metadata.resource_version
    assert _events(core, rv) == []  # returns at all: the server closed the stream


def test_watch_custom_resources(k8s: KubernetesEmulator) -> None:
    custom = client.CustomObjectsApi(k8s.api_client())
    group, version, plural = "gatling-operator.tech.zozo.com", "v1alpha1", "gatlings"
    rv = custom.list_namespaced_custom_object(group, version, "ns", plural)["metadata"][
        "resourceVersion"
    ]
    custom.create_namespaced_custom_object(
        group,
        version,
        "ns",
        plural,
        {"apiVersion": f"{group}/{version}", "kind": "Gatling", "metadata": {"name": "g"}},
    )
    stream = watch.Watch().stream(
        custom.list_namespaced_custom_object,
        group,
        version,
        "ns",
        plural,
        resource_version=rv,
        timeout_seconds=1,
    )
    assert [(e["type"], e["object"]["metadata"]["name"]) for e in stream] == [("ADDED", "g")]


def test_end_watches_closes_open_streams(k8s: KubernetesEmulator, core: client.CoreV1Api) -> None:
    rv = core.list_namespaced_pod("ns").metadata.resource_version
    timer = threading.Timer(0.2, k8s.end_watches)
    timer.start()
    stream = watch.Watch().stream(
        core.list_namespaced_pod, "ns", resource_version=rv, timeout_seconds=60
    )
    try:
        assert list(stream) == []  # returned long before timeoutSeconds: the stream was ended
    finally:
        timer.join()


def test_names_are_unquoted_from_the_path(core: client.CoreV1Api) -> None:
    name = "odd name/with ünïcode?&" + "x" * 200
    core.create_namespaced_pod("ns", pod(name))
    assert core.read_namespaced_pod(name, "ns").metadata.name == name
    patched = core.patch_namespaced_pod(name, "ns", {"metadata": {"labels": {"a": "b"}}})
    assert patched.metadata.labels == {"a": "b"}
