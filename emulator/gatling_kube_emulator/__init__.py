"""A Kubernetes API server emulator for tests, e2e runs and kubectl, where no cluster can be had."""

from gatling_kube_emulator.server import KubernetesEmulator, write_kubeconfig

__all__ = ["KubernetesEmulator", "write_kubeconfig"]
