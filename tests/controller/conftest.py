"""Controller test fixtures (defined in tests/controller/fixtures.py, shared with other suites)."""

from tests.controller.fixtures import hook, k8s

__all__ = ["hook", "k8s"]
