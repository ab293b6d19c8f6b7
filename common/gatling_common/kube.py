"""Reaching the Kubernetes API, for the agents that talk to it (waiter, controller).

Only those images carry the kubernetes client; import-linter keeps the others from importing it.
"""

from __future__ import annotations

from pathlib import Path

from kubernetes import client, config

from gatling_common.errors import InputError


def api_configuration(kubeconfig: Path | None) -> client.Configuration:
    """The pod's ServiceAccount when running in a cluster, else a kubeconfig file.

    An explicit `kubeconfig` always wins. Errors become one line naming the file.
    """
    configuration = client.Configuration()
    try:
        if kubeconfig is None:
            try:
                config.load_incluster_config(client_configuration=configuration)
            except config.ConfigException:
                config.load_kube_config(client_configuration=configuration)
        else:
            config.load_kube_config(str(kubeconfig), client_configuration=configuration)
    except Exception as exc:  # the loader raises YAML, key and type errors as well as its own
        first_line = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        if kubeconfig is not None:
            raise InputError(f"kubeconfig {kubeconfig}: {first_line}") from None
        raise InputError(
            f"no Kubernetes API configuration: not in a cluster, and ~/.kube/config: {first_line}"
        ) from None
    return configuration
