"""An in-process Kubernetes API server, driven by the official `kubernetes` client and kubectl.

    with KubernetesEmulator() as k8s:
        api = kubernetes.client.CoreV1Api(k8s.api_client())
        k8s.faults.inject(verb="patch", resource="pods", status=500, times=2)

It serves core v1 pods, configmaps, secrets, events, serviceaccounts, services, namespaces,
persistentvolumeclaims, persistentvolumes; batch/v1 jobs; apps/v1 deployments; rbac/v1 roles,
bindings and their cluster-wide kinds; apiextensions.k8s.io/v1 CRDs, each of which serves its kind
(crds); and gatlings.gatling-operator.tech.zozo.com/v1alpha1, schema-less until its CRD is applied,
on a free loopback port, over plain HTTP with keep-alive. Behaviour that our code depends on follows
the real server (see store, handler, patch, label_selectors); for kubectl it also serves OpenAPI v3
(openapi), Table output (tables), CRD schema validation (validation) and server-side apply
(apply). `faults` injects errors and counts requests per client; `JobController` (jobs) simulates
the Job controller on demand.
"""

from __future__ import annotations

import sys
import threading
from http.server import ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any

from gatling_kube_emulator import crds, validation
from gatling_kube_emulator.faults import Faults
from gatling_kube_emulator.handler import Handler
from gatling_kube_emulator.kinds import register_defaults
from gatling_kube_emulator.store import Kind, Obj, Store


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 1024  # hundreds of clients connect at once in the barrier benchmark

    def handle_error(self, request: Any, client_address: Any) -> None:
        exc = sys.exc_info()[1]
        if isinstance(exc, ConnectionError | TimeoutError):
            return  # a client closed its keep-alive connection: normal, not worth a traceback
        super().handle_error(request, client_address)


class KubernetesEmulator:
    """Start with `start()` or as a context manager; `url` is the API server's address."""

    def __init__(
        self,
        *,
        history_size: int = 10_000,
        default_watch_timeout: float = 300.0,
        bookmark_interval: float = 1.0,
    ) -> None:
        self.store = Store(history_size)
        register_defaults(self.store)
        self.store.admit = validation.admit
        self.store.write_hooks.append(lambda kind, obj: crds.on_write(self.store, kind, obj))
        defaults = dict(self.store.kinds)  # what a deleted CRD's kind reverts to, if anything
        self.store.delete_hooks.append(
            lambda kind, obj: crds.on_delete(self.store, kind, obj, defaults)
        )
        self.faults = Faults()
        self.default_watch_timeout = default_watch_timeout
        self.bookmark_interval = bookmark_interval
        self.stopping = False
        self.watch_epoch = 0  # bumped by end_watches(): every open stream ends
        handler = type("BoundHandler", (Handler,), {"emulator": self})
        self._server = _Server(("127.0.0.1", 0), handler)
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> KubernetesEmulator:
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.1},
            daemon=True,
            name="k8s-emulator",
        )
        self._thread.start()
        return self

    def end_watches(self) -> None:
        """End every open watch stream cleanly, as an API server restart or a proxy would."""
        with self.store.changed:
            self.watch_epoch += 1
            self.store.changed.notify_all()

    def stop(self) -> None:
        self.stopping = True
        with self.store.changed:
            self.store.changed.notify_all()
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> KubernetesEmulator:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # --- clients -------------------------------------------------------------------------
    def configuration(self) -> Any:
        """A kubernetes.client.Configuration pointing at this emulator."""
        from kubernetes import client

        config = client.Configuration(host=self.url)
        config.retries = 0  # urllib3 must not hide the server's errors from the code under test
        return config

    def api_client(self, client_id: str | None = None) -> Any:
        """A kubernetes ApiClient; `client_id` is sent as X-Client-Id for per-client counts."""
        from kubernetes import client

        api = client.ApiClient(self.configuration())
        if client_id is not None:
            api.set_default_header("X-Client-Id", client_id)
        return api

    # --- direct store access for test set-up -----------------------------------------------
    def register_kind(self, kind: Kind) -> None:
        self.store.register(kind)

    def create(self, plural: str, namespace: str, body: Obj) -> Obj:
        return self.store.create(self.store.find_kind(plural), namespace, body)

    def get(self, plural: str, namespace: str, name: str) -> Obj:
        return self.store.get(self.store.find_kind(plural), namespace, name)

    def list(self, plural: str, namespace: str | None = None) -> list[Obj]:
        return self.store.select(self.store.find_kind(plural), namespace)[0]

    def patch_status(self, plural: str, namespace: str, name: str, status: Obj) -> Obj:
        kind = self.store.find_kind(plural)
        return self.store.patch(
            kind, namespace, name, "application/merge-patch+json", {"status": status}, "status"
        )

    def delete(self, plural: str, namespace: str, name: str, propagation: str | None = None) -> Obj:
        return self.store.delete(self.store.find_kind(plural), namespace, name, propagation)


def write_kubeconfig(folder: Path, url: str) -> Path:
    """`folder/kubeconfig` for the emulator at `url` (plain HTTP, no credentials), readable by
    every uid (the agents' containers run as 1000)."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "kubeconfig"
    path.write_text(
        "apiVersion: v1\nkind: Config\ncurrent-context: emu\n"
        f"clusters:\n- name: emu\n  cluster:\n    server: {url}\n"
        "contexts:\n- name: emu\n  context:\n    cluster: emu\n    user: emu\n"
        "users:\n- name: emu\n  user: {}\n",
        encoding="utf-8",
    )
    path.chmod(0o644)
    return path
