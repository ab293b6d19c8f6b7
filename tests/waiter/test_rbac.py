"""config/rbac/runner-role.yaml grants exactly the verbs the waiter uses, and each one is needed."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from gatling_kube_emulator.server import KubernetesEmulator
from gatling_waiter.errors import PermissionDenied

from tests.waiter.conftest import Waiter, add_pod, settings

ROLE_FILE = Path(__file__).resolve().parents[2] / "config" / "rbac" / "runner-role.yaml"
ALL_VERBS = {"get", "list", "watch", "create", "update", "patch", "delete", "deletecollection"}


def _granted() -> dict[str, set[str]]:
    docs = list(yaml.safe_load_all(ROLE_FILE.read_text(encoding="utf-8")))
    role = next(d for d in docs if d["kind"] == "Role")
    binding = next(d for d in docs if d["kind"] == "RoleBinding")
    assert binding["roleRef"]["name"] == role["metadata"]["name"]
    granted: dict[str, set[str]] = {}
    for rule in role["rules"]:
        assert rule["apiGroups"] == [""]
        for resource in rule["resources"]:
            granted.setdefault(resource, set()).update(rule["verbs"])
    return granted


def _enforce(k8s: KubernetesEmulator, granted: dict[str, set[str]]) -> None:
    for resource in ("pods", "pods/status", "events", "configmaps"):
        for verb in ALL_VERBS - granted.get(resource, set()):
            k8s.faults.deny(verb, resource)


def test_the_role_is_exactly_what_the_waiters_use(k8s: KubernetesEmulator) -> None:
    granted = _granted()
    assert set(granted) == {"pods"}
    _enforce(k8s, granted)
    for name in ("run-a", "run-b"):
        add_pod(k8s, name)
    waiters = [Waiter(k8s, settings(n, parallelism=2)).start() for n in ("run-a", "run-b")]
    for waiter in waiters:
        waiter.result()
    used = {verb for (verb, resource, _), n in k8s.faults.snapshot().items() if n}
    assert used == granted["pods"] == {"get", "list", "watch", "patch"}


@pytest.mark.parametrize("verb", ["get", "list", "patch"])
def test_each_granted_verb_is_needed(k8s: KubernetesEmulator, verb: str) -> None:
    granted = _granted()
    granted["pods"].discard(verb)
    _enforce(k8s, granted)
    add_pod(k8s, "run-a")
    with pytest.raises(PermissionDenied, match=f"needs '{verb}' on pods in namespace 'ns'"):
        Waiter(k8s, settings("run-a", parallelism=1)).start().result()
