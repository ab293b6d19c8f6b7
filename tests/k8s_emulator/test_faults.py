"""Fault injection, RBAC-like denials, the watch switch, per-client request counts, discovery."""

from __future__ import annotations

import pytest
from gatling_kube_emulator.server import KubernetesEmulator
from kubernetes import client, watch

from tests.k8s_emulator.helpers import pod, status_of


def test_injected_errors_then_recovery(k8s: KubernetesEmulator, core: client.CoreV1Api) -> None:
    core.create_namespaced_pod("ns", pod("p"))
    k8s.faults.inject(method="GET", path_regex=r"/pods/p$", status=500, times=2)
    for _ in range(2):
        with pytest.raises(client.ApiException) as err:
            core.read_namespaced_pod("p", "ns")
        assert err.value.status == 500
        assert status_of(err.value)["reason"] == "InternalError"
    assert core.read_namespaced_pod("p", "ns").metadata.name == "p"


def test_retry_after_header(k8s: KubernetesEmulator, core: client.CoreV1Api) -> None:
    k8s.faults.inject(verb="list", resource="pods", status=429, retry_after=3)
    with pytest.raises(client.ApiException) as err:
        core.list_namespaced_pod("ns")
    assert (err.value.status, err.value.headers["Retry-After"]) == (429, "3")


def test_denied_verb_is_403_with_the_authorizer_message(
    k8s: KubernetesEmulator, core: client.CoreV1Api
) -> None:
    core.create_namespaced_pod("ns", pod("p"))
    k8s.faults.deny("patch", "pods")
    with pytest.raises(client.ApiException) as err:
        core.patch_namespaced_pod("p", "ns", {"metadata": {"labels": {"a": "b"}}})
    body = status_of(err.value)
    assert (err.value.status, body["reason"]) == (403, "Forbidden")
    assert body["message"] == (
        'pods "p" is forbidden: User "system:serviceaccount:default:default" cannot patch '
        'resource "pods" in API group "" in the namespace "ns"'
    )
    assert core.read_namespaced_pod("p", "ns").metadata.labels in (None, {})
    k8s.faults.allow("patch", "pods")
    core.patch_namespaced_pod("p", "ns", {"metadata": {"labels": {"a": "b"}}})


def test_watch_forbidden_switch(k8s: KubernetesEmulator, core: client.CoreV1Api) -> None:
    k8s.faults.watch_forbidden = True
    with pytest.raises(client.ApiException) as err:
        list(watch.Watch().stream(core.list_namespaced_pod, "ns", timeout_seconds=1))
    assert err.value.status == 403
    assert core.list_namespaced_pod("ns").items == []


def test_requests_are_counted_per_client(k8s: KubernetesEmulator) -> None:
    one = client.CoreV1Api(k8s.api_client("waiter-1"))
    two = client.CoreV1Api(k8s.api_client("waiter-2"))
    one.list_namespaced_pod("ns")
    one.list_namespaced_pod("ns")
    two.create_namespaced_pod("ns", pod("p"))
    assert k8s.faults.requests(client="waiter-1") == 2
    assert k8s.faults.requests(client="waiter-2", verb="create", resource="pods") == 1
    assert k8s.faults.requests(verb="list") == 2
    anonymous = client.CoreV1Api(k8s.api_client())
    anonymous.list_namespaced_pod("ns")
    assert any(c.startswith("OpenAPI-Generator/") for c in k8s.faults.clients())


def test_discovery_endpoints(k8s: KubernetesEmulator) -> None:
    api = k8s.api_client()
    assert client.VersionApi(api).get_code().major == "1"
    assert client.CoreApi(api).get_api_versions().versions == ["v1"]
    groups = {g.name for g in client.ApisApi(api).get_api_versions().groups}
    assert {"batch", "gatling-operator.tech.zozo.com"} <= groups
    resources = client.CoreV1Api(api).get_api_resources()
    assert {"pods", "configmaps", "secrets", "events"} <= {r.name for r in resources.resources}


def test_unknown_resource_is_404(k8s: KubernetesEmulator) -> None:
    custom = client.CustomObjectsApi(k8s.api_client())
    with pytest.raises(client.ApiException) as err:
        custom.list_namespaced_custom_object("example.com", "v1", "ns", "widgets")
    assert err.value.status == 404


def test_separate_process_serves_and_reports_counts() -> None:
    import json
    import subprocess
    import sys
    import urllib.request

    proc = subprocess.Popen(
        [sys.executable, "-m", "gatling_kube_emulator"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        url = proc.stdout.readline().strip()
        config = client.Configuration(host=url)
        api = client.ApiClient(config)
        api.set_default_header("X-Client-Id", "remote")
        client.CoreV1Api(api).create_namespaced_pod("ns", pod("p"))
        with urllib.request.urlopen(f"{url}/_emulator/requests") as resp:
            counts = json.loads(resp.read())["requests"]
        assert counts == [["create", "pods", "remote", 1]]
    finally:
        assert proc.stdin is not None
        proc.stdin.close()
        proc.wait(timeout=10)
    assert proc.returncode == 0
