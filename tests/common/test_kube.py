"""The shared Kubernetes API configuration loader: errors are one line naming what was tried."""

from __future__ import annotations

from pathlib import Path

import pytest
from gatling_common.errors import InputError
from gatling_common.kube import api_configuration


def test_outside_a_cluster_without_kubeconfig_names_both(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("KUBERNETES_SERVICE_HOST", raising=False)
    monkeypatch.delenv("KUBECONFIG", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))  # no ~/.kube/config there
    with pytest.raises(InputError) as caught:
        api_configuration(None)
    message = str(caught.value)
    expected = "no Kubernetes API configuration: not in a cluster, and ~/.kube/config"
    assert message.startswith(expected)
    assert "\n" not in message


def test_an_explicit_kubeconfig_is_used(tmp_path: Path) -> None:
    path = tmp_path / "config"
    path.write_text(
        "apiVersion: v1\nkind: Config\ncurrent-context: c\n"
        "clusters: [{name: k, cluster: {server: 'http://127.0.0.1:1'}}]\n"
        "users: [{name: u, user: {token: t}}]\n"
        "contexts: [{name: c, context: {cluster: k, user: u}}]\n"
    )
    configuration = api_configuration(path)
    assert configuration.host == "http://127.0.0.1:1"
