"""The few Kubernetes API calls the reconciler makes, with errors translated once.

Objects travel as plain dicts (`_preload_content=False` + json), the same shape the builders
produce. 404 on read is None; 409 on create means "already there" (restart safety); 429/5xx and
connection failures are retryable; anything else is permanent.
"""

from __future__ import annotations

import json
import logging
import secrets
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, TypeVar

from gatling_common.errors import PermanentError, RetryableError
from kubernetes import client
from kubernetes.client.exceptions import ApiException
from urllib3.exceptions import HTTPError

from gatling_controller.builders import API_GROUP

VERSION = "v1alpha1"
PLURAL = "gatlings"
COMPONENT = "gatling-controller"  # the events' source, as `kubectl describe` shows it
Json = dict[str, Any]
T = TypeVar("T")
log = logging.getLogger(__name__)


class KubeError(PermanentError):
    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class RetryableKubeError(RetryableError):
    pass


class Kube:
    def __init__(self, api_client: client.ApiClient) -> None:
        self.api_client = api_client
        self.core = client.CoreV1Api(api_client)
        self.batch = client.BatchV1Api(api_client)
        self.custom = client.CustomObjectsApi(api_client)

    # --- Gatling resources ---------------------------------------------------------------
    def get_gatling(self, namespace: str, name: str) -> Json | None:
        return self._read(
            f"gatling {namespace}/{name}",
            lambda: self.custom.get_namespaced_custom_object(
                API_GROUP, VERSION, namespace, PLURAL, name, _preload_content=False
            ),
        )

    def patch_gatling_status(self, namespace: str, name: str, status: Json) -> None:
        self._call(
            f"patch status of gatling {namespace}/{name}",
            lambda: self.custom.patch_namespaced_custom_object_status(
                API_GROUP, VERSION, namespace, PLURAL, name, {"status": status},
                _preload_content=False,
            ),
        )  # fmt: skip

    def delete_gatling(self, namespace: str, name: str) -> None:
        self._delete(
            f"gatling {namespace}/{name}",
            lambda: self.custom.delete_namespaced_custom_object(
                API_GROUP, VERSION, namespace, PLURAL, name,
                propagation_policy="Background", _preload_content=False,
            ),
        )  # fmt: skip

    def record_event(self, meta: Json, reason: str, message: str, type_: str = "Warning") -> None:
        """A core/v1 Event on the Gatling resource whose `metadata` is `meta`, so that
        `kubectl describe` tells why. Best effort, as client-go's recorder: a refused event
        must not stop the reconcile.
        """
        namespace = meta.get("namespace") or "default"
        now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        body: Any = {
            "apiVersion": "v1",
            "kind": "Event",
            "metadata": {"name": f"{meta['name']}.{secrets.token_hex(8)}", "namespace": namespace},
            "involvedObject": {
                "apiVersion": f"{API_GROUP}/{VERSION}",
                "kind": "Gatling",
                "name": meta["name"],
                "namespace": namespace,
                "uid": meta.get("uid", ""),
                "resourceVersion": meta.get("resourceVersion", ""),
            },
            "reason": reason,
            "message": message,
            "type": type_,
            "source": {"component": COMPONENT},
            "reportingComponent": COMPONENT,
            "reportingInstance": COMPONENT,
            "firstTimestamp": now,
            "lastTimestamp": now,
            "count": 1,
        }
        try:
            self._call(
                f"create event on gatling {namespace}/{meta['name']}",
                lambda: self.core.create_namespaced_event(namespace, body, _preload_content=False),
            )
        except (KubeError, RetryableKubeError) as exc:
            log.warning("could not record event %s: %s", reason, exc)

    # --- children ------------------------------------------------------------------------
    def get_job(self, namespace: str, name: str) -> Json | None:
        return self._read(
            f"job {namespace}/{name}",
            lambda: self.batch.read_namespaced_job(name, namespace, _preload_content=False),
        )

    def list_pods(self, namespace: str, selector: str) -> list[Json]:
        raw = self._call(
            f"list pods {selector} in {namespace}",
            lambda: self.core.list_namespaced_pod(
                namespace, label_selector=selector, _preload_content=False
            ),
        )
        items: list[Json] = _json(raw).get("items") or []
        return items

    def read_secret(self, namespace: str, name: str) -> Json | None:
        return self._read(
            f"secret {namespace}/{name}",
            lambda: self.core.read_namespaced_secret(name, namespace, _preload_content=False),
        )

    def exists(self, obj: Json) -> bool:
        kind, meta = obj["kind"], obj["metadata"]
        name, namespace = meta["name"], meta.get("namespace", "")
        readers: dict[str, Callable[[], Any]] = {
            "Job": lambda: self.batch.read_namespaced_job(name, namespace, _preload_content=False),
            "ConfigMap": lambda: self.core.read_namespaced_config_map(
                name, namespace, _preload_content=False
            ),
            "PersistentVolumeClaim": lambda: self.core.read_namespaced_persistent_volume_claim(
                name, namespace, _preload_content=False
            ),
            "PersistentVolume": lambda: self.core.read_persistent_volume(
                name, _preload_content=False
            ),
        }
        return self._read(f"{kind} {namespace}/{name}", readers[kind]) is not None

    def create(self, obj: Json) -> bool:
        """Create `obj`; False when it already existed (409), so a restart never duplicates."""
        kind, meta = obj["kind"], obj["metadata"]
        name, namespace = meta["name"], meta.get("namespace", "")
        body: Any = obj  # the client accepts plain dicts; its stubs name only model classes
        creators: dict[str, Callable[[], Any]] = {
            "Job": lambda: self.batch.create_namespaced_job(
                namespace, body, _preload_content=False
            ),
            "ConfigMap": lambda: self.core.create_namespaced_config_map(
                namespace, body, _preload_content=False
            ),
            "PersistentVolumeClaim": lambda: self.core.create_namespaced_persistent_volume_claim(
                namespace, body, _preload_content=False
            ),
            "PersistentVolume": lambda: self.core.create_persistent_volume(
                body, _preload_content=False
            ),
        }
        try:
            self._call(f"create {kind} {namespace}/{name}", creators[kind])
        except KubeError as exc:
            if exc.status == 409:
                return False
            raise
        return True

    def delete(self, kind: str, namespace: str, name: str) -> None:
        deleters: dict[str, Callable[[], Any]] = {
            "Job": lambda: self.batch.delete_namespaced_job(
                name, namespace, propagation_policy="Background", _preload_content=False
            ),
            "ConfigMap": lambda: self.core.delete_namespaced_config_map(
                name, namespace, _preload_content=False
            ),
            "PersistentVolumeClaim": lambda: self.core.delete_namespaced_persistent_volume_claim(
                name, namespace, _preload_content=False
            ),
            "PersistentVolume": lambda: self.core.delete_persistent_volume(
                name, _preload_content=False
            ),
        }
        self._delete(f"{kind} {namespace}/{name}", deleters[kind])

    # --- plumbing ------------------------------------------------------------------------
    def _read(self, what: str, fn: Callable[[], Any]) -> Json | None:
        try:
            return _json(self._call(f"get {what}", fn))
        except KubeError as exc:
            if exc.status == 404:
                return None
            raise

    def _delete(self, what: str, fn: Callable[[], Any]) -> None:
        try:
            self._call(f"delete {what}", fn)
        except KubeError as exc:
            if exc.status != 404:
                raise

    def _call(self, what: str, fn: Callable[[], T]) -> T:
        try:
            return fn()
        except ApiException as exc:
            status = int(exc.status or 0)
            if status == 429 or status >= 500 or status == 0:
                retry_after = (exc.headers or {}).get("Retry-After")
                raise RetryableKubeError(
                    f"{what}: API server answered {status} {exc.reason}",
                    retry_after=float(retry_after) if retry_after else None,
                ) from None
            detail = _server_message(exc.body)
            raise KubeError(
                f"{what}: API server answered {status} {exc.reason}{detail}", status
            ) from None
        except (HTTPError, OSError) as exc:
            raise RetryableKubeError(f"{what}: {type(exc).__name__}: {exc}") from None


def _server_message(body: Any) -> str:
    """The Status object's message (why a create was refused), on one line."""
    try:
        message = json.loads(body).get("message") if body else None
    except (ValueError, AttributeError):
        return ""
    return f": {' '.join(str(message).split())}" if message else ""


def _json(response: Any) -> Json:
    data: Json = json.loads(response.data)
    return data
