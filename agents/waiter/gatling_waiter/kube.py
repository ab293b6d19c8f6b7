"""The few pod calls the waiter makes, with Kubernetes errors turned into ours.

Responses are read as plain JSON (no model classes): 200 waiters each listing 200 pods would spend
more time building client models than waiting. Transient failures (5xx, 429, connection errors)
become RetryableError; 401/403 become PermissionDenied naming the verb the ServiceAccount lacks.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import urllib3
from gatling_common.errors import PermanentError, RetryableError
from gatling_common.retry import retry_call
from kubernetes import client
from kubernetes.watch.watch import iter_resp_lines

from gatling_waiter.errors import PermissionDenied, WatchForbidden, WatchGone
from gatling_waiter.release import format_time
from gatling_waiter.settings import REGISTERED_AT_ANNOTATION, REGISTERED_LABEL, WaiterSettings

log = logging.getLogger(__name__)

Pod = dict[str, Any]
CONNECT_TIMEOUT = 10.0


def _retry_after(exc: client.ApiException) -> float | None:
    value = (exc.headers or {}).get("Retry-After")
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


def _server_message(exc: client.ApiException) -> str:
    try:
        return str(json.loads(exc.body or "{}").get("message") or exc.reason)
    except (ValueError, AttributeError):
        return str(exc.reason)


def _request_timeout(read: float, deadline: float | None) -> tuple[float, float]:
    """(connect, read) seconds; never past `deadline` (a monotonic time), never below 0.1s."""
    if deadline is None:
        return CONNECT_TIMEOUT, read
    left = max(deadline - time.monotonic(), 0.1)
    return min(CONNECT_TIMEOUT, left), min(read, left)


class PodsApi:
    """get/patch the waiter's own pod, list/watch its peers."""

    def __init__(self, api_client: client.ApiClient, settings: WaiterSettings) -> None:
        self._core = client.CoreV1Api(api_client)
        self._settings = settings
        self._stream_lock = threading.Lock()
        self._stream: Any = None  # the open watch response, so stop() can cut it
        self._stopped = False

    def _translate(self, exc: Exception, verb: str, what: str) -> Exception:
        ns = self._settings.namespace
        if isinstance(exc, client.ApiException):
            status = exc.status or 0
            if status in (401, 403):
                word = "unauthorized" if status == 401 else "forbidden"
                return PermissionDenied(
                    f"{word}: the runner's ServiceAccount needs '{verb}' on pods in namespace "
                    f"{ns!r} ({_server_message(exc)})"
                )
            if status == 429 or status >= 500:
                return RetryableError(
                    f"{verb} {what}: HTTP {status} {_server_message(exc)}",
                    retry_after=_retry_after(exc),
                )
            if status == 0:
                return RetryableError(f"{verb} {what}: {exc.reason}")
            return PermanentError(
                f"{verb} {what} in namespace {ns!r}: HTTP {status} {_server_message(exc)}"
            )
        return RetryableError(f"{verb} {what}: {type(exc).__name__}: {exc}")

    def _call(self, verb: str, what: str, fn: Any, deadline: float | None = None) -> Any:
        def once() -> Any:
            try:
                return fn()
            except (client.ApiException, OSError, urllib3.exceptions.HTTPError) as exc:
                raise self._translate(exc, verb, what) from exc

        return retry_call(
            once, what=f"{verb} {what}", policy=self._settings.retry, log=log, deadline=deadline
        )

    # --- own pod ---------------------------------------------------------------------------
    def read_own_pod(self, deadline: float | None = None) -> Pod:
        s = self._settings
        resp = self._call(
            "get",
            f"pod {s.pod_name!r}",
            lambda: self._core.read_namespaced_pod(
                s.pod_name,
                s.namespace,
                _preload_content=False,
                _request_timeout=_request_timeout(30, deadline),
            ),
            deadline,
        )
        return dict(json.loads(resp.data))

    def register(self, at: datetime, deadline: float | None = None) -> Pod:
        s = self._settings
        body = {
            "metadata": {
                "labels": {REGISTERED_LABEL: "true"},
                "annotations": {REGISTERED_AT_ANNOTATION: format_time(at)},
            }
        }
        resp = self._call(
            "patch",
            f"pod {s.pod_name!r}",
            lambda: self._core.patch_namespaced_pod(
                s.pod_name,
                s.namespace,
                body,
                _preload_content=False,
                _request_timeout=_request_timeout(30, deadline),
            ),
            deadline,
        )
        return dict(json.loads(resp.data))

    # --- peers -----------------------------------------------------------------------------
    def list_peers(self) -> tuple[list[Pod], str]:
        s = self._settings
        resp = self._call(
            "list",
            f"pods of job {s.job_name!r}",
            lambda: self._core.list_namespaced_pod(
                s.namespace,
                label_selector=s.peer_selector,
                _preload_content=False,
                _request_timeout=(CONNECT_TIMEOUT, 60),
            ),
        )
        body = json.loads(resp.data)
        return list(body.get("items") or []), str(body["metadata"]["resourceVersion"])

    def watch_peers(self, resource_version: str) -> Iterator[tuple[str, Pod]]:
        """(type, object) events until the server ends the stream; raises WatchGone/Forbidden."""
        s = self._settings
        try:
            resp: Any = self._core.list_namespaced_pod(
                s.namespace,
                label_selector=s.peer_selector,
                watch=True,
                resource_version=resource_version,
                allow_watch_bookmarks=True,
                timeout_seconds=s.watch_timeout,
                _preload_content=False,
                _request_timeout=(CONNECT_TIMEOUT, s.watch_timeout + 30),
            )
        except client.ApiException as exc:
            if exc.status == 403:
                raise WatchForbidden(_server_message(exc)) from exc
            if exc.status == 410:
                raise WatchGone(_server_message(exc)) from exc
            raise self._translate(exc, "watch", f"pods of job {s.job_name!r}") from exc
        with self._stream_lock:
            self._stream = resp
            if self._stopped:  # stop_watch() ran while the request was being sent
                resp.shutdown()
        try:
            yield from self._events(resp)
        finally:
            with self._stream_lock:
                self._stream = None
            resp.release_conn()

    def _events(self, resp: Any) -> Iterator[tuple[str, Pod]]:
        for line in iter_resp_lines(resp):
            if not line.strip():
                continue
            event = json.loads(line)
            obj = event.get("object") or {}
            if event.get("type") == "ERROR":
                if obj.get("code") == 410:
                    raise WatchGone(str(obj.get("message")))
                raise RetryableError(
                    f"watch pods: error event {obj.get('code')} {obj.get('message')}"
                )
            yield str(event.get("type")), obj

    def stop_watch(self) -> None:
        """Cut the open watch stream from another thread (the waiter is released)."""
        with self._stream_lock:
            self._stopped = True
            if self._stream is not None:
                self._stream.shutdown()
