"""The controller's moving parts: watches feeding a work queue, workers running reconciles.

Watches list first and then watch from the list's resourceVersion; on 410 Gone (history
compacted) or any stream failure they list again. Every Gatling seen is resynced periodically, so
a missed event costs at most one resync period.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

from gatling_common.errors import FleetError, RetryableError
from gatling_common.logs import LogThrottle
from kubernetes import watch
from kubernetes.client.exceptions import ApiException

from gatling_controller.builders import API_GROUP, KIND
from gatling_controller.kube import PLURAL, VERSION, Kube
from gatling_controller.reconciler import Reconciler
from gatling_controller.settings import ControllerSettings
from gatling_controller.workqueue import WorkQueue

log = logging.getLogger(__name__)
Json = dict[str, Any]


class Controller:
    def __init__(self, kube: Kube, reconciler: Reconciler, settings: ControllerSettings) -> None:
        self.kube = kube
        self.reconciler = reconciler
        self.settings = settings
        backoff = settings.api_backoff
        self.queue = WorkQueue(base_delay=backoff.base_delay / 10, max_delay=backoff.max_delay)
        self.throttle = LogThrottle(settings.log_interval)
        self.known: set[str] = set()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._watches: list[watch.Watch] = []
        self._lock = threading.Lock()

    # --- life cycle ------------------------------------------------------------------------
    def start(self) -> Controller:
        targets: list[tuple[str, Callable[[], None]]] = [
            ("watch-gatlings", lambda: self._watch_loop("gatlings", self._list_gatlings)),
            ("watch-jobs", lambda: self._watch_loop("jobs", self._list_jobs)),
            ("resync", self._resync_loop),
        ]
        for i in range(self.settings.max_concurrent_reconciles):
            targets.append((f"worker-{i}", self._worker))
        for name, target in targets:
            thread = threading.Thread(target=target, name=name, daemon=True)
            thread.start()
            self._threads.append(thread)
        return self

    def stop(self) -> None:
        self._stop.set()
        self.queue.shutdown()
        with self._lock:
            for w in self._watches:
                w.stop()
        # Watch threads may sit in a blocking read until the next event; they are daemons, so
        # a bounded wait overall (not per thread) is enough.
        deadline = time.monotonic() + 2.0
        for thread in self._threads:
            thread.join(timeout=max(0.0, deadline - time.monotonic()))

    def wait(self) -> None:
        while not self._stop.wait(1.0):
            pass

    # --- workers ---------------------------------------------------------------------------
    def _worker(self) -> None:
        while (key := self.queue.get()) is not None:
            try:
                self._process(key)
            finally:
                self.queue.done(key)

    def _process(self, key: str) -> None:
        namespace, name = key.split("/", 1)
        try:
            requeue = self.reconciler.reconcile(namespace, name)
        except RetryableError as exc:
            delay = self.queue.add_rate_limited(key)
            self.throttle.log(
                log, logging.WARNING, key, "%s: %s; requeued in %.1fs", key, exc, delay
            )
            return
        except FleetError as exc:
            delay = self.queue.add_rate_limited(key)
            self.throttle.log(log, logging.ERROR, key, "%s: %s; requeued in %.1fs", key, exc, delay)
            return
        except Exception:  # a bug must not kill the worker; back off and keep going
            delay = self.queue.add_rate_limited(key)
            log.exception("%s: unexpected error; requeued in %.1fs", key, delay)
            return
        self.queue.forget(key)
        self.throttle.forget(key)
        if requeue is not None:
            self.queue.add_after(key, requeue)

    # --- watches ---------------------------------------------------------------------------
    def _list_gatlings(self, **kw: Any) -> Any:
        ns = self.settings.namespace
        api = self.kube.custom
        if ns:
            return api.list_namespaced_custom_object(API_GROUP, VERSION, ns, PLURAL, **kw)
        return api.list_cluster_custom_object(API_GROUP, VERSION, PLURAL, **kw)

    def _list_jobs(self, **kw: Any) -> Any:
        ns = self.settings.namespace
        if ns:
            return self.kube.batch.list_namespaced_job(ns, **kw)
        return self.kube.batch.list_job_for_all_namespaces(**kw)

    def _watch_loop(self, what: str, lister: Callable[..., Any]) -> None:
        failures = 0  # in a row; a successful list ends the streak
        while not self._stop.is_set():
            try:
                rv = self._relist(what, lister)
                if failures:
                    log.info("watch %s: listing works again after %d failure(s)", what, failures)
                    self.throttle.forget(f"watch {what}")
                failures = 0
                self._stream(what, lister, rv)
            except ApiException as exc:
                if exc.status != 410:  # 410: history compacted, list again at once
                    failures += 1
                    self._back_off(what, f"API server answered {exc.status}", failures)
            except Exception as exc:  # connection refused or dropped: list again after a pause
                if self._stop.is_set():
                    return
                failures += 1
                self._back_off(what, type(exc).__name__, failures)

    def _back_off(self, what: str, why: str, failures: int) -> None:
        delay = self.settings.api_backoff.delay(failures)
        log.debug(
            "watch %s: attempt %d failed (%s); listing again in %.2fs", what, failures, why, delay
        )
        self.throttle.log(
            log, logging.WARNING, f"watch {what}",
            "watch %s: %s (attempt %d); listing again in %.1fs", what, why, failures, delay,
        )  # fmt: skip
        self._stop.wait(delay)

    def _relist(self, what: str, lister: Callable[..., Any]) -> str:
        raw = lister(_preload_content=False)
        body = json.loads(raw.data)
        for item in body.get("items") or []:
            self._enqueue(what, item)
        return str(body["metadata"].get("resourceVersion") or "")

    def _stream(self, what: str, lister: Callable[..., Any], rv: str) -> None:
        w = watch.Watch()
        with self._lock:
            self._watches.append(w)
        try:
            events: Iterator[Json] = w.stream(
                lister,
                resource_version=rv,
                timeout_seconds=self.settings.watch_timeout,
                allow_watch_bookmarks=True,
            )
            for event in events:
                if self._stop.is_set():
                    return
                obj = event.get("object")
                if event.get("type") == "ERROR":
                    code = obj.get("code") if isinstance(obj, dict) else None
                    log.info("watch %s: error event %s; listing again", what, code)
                    return
                if event.get("type") == "BOOKMARK":
                    continue
                if obj is not None:
                    self._enqueue(what, _as_dict(self.kube, obj), event.get("type") == "DELETED")
        finally:
            with self._lock:
                self._watches.remove(w)

    def _enqueue(self, what: str, obj: Json, deleted: bool = False) -> None:
        meta = obj.get("metadata") or {}
        if what == "gatlings":
            key = f"{meta.get('namespace')}/{meta.get('name')}"
            with self._lock:
                if deleted:
                    self.known.discard(key)
                    return
                self.known.add(key)
            self.queue.add(key)
            return
        for ref in meta.get("ownerReferences") or []:
            if ref.get("kind") == KIND and str(ref.get("apiVersion", "")).startswith(API_GROUP):
                self.queue.add(f"{meta.get('namespace')}/{ref.get('name')}")

    def _resync_loop(self) -> None:
        while not self._stop.wait(self.settings.resync_period):
            with self._lock:
                keys = list(self.known)
            for key in keys:
                self.queue.add(key)


def _as_dict(kube: Kube, obj: Any) -> Json:
    if isinstance(obj, dict):
        return obj
    data: Json = kube.api_client.sanitize_for_serialization(obj)
    return data
