"""Register, follow the peers, and sleep until the common release instant (see release.py).

A follower thread keeps a view of the Job's pods current: list, then watch from the list's
resourceVersion; list again on 410 Gone and after errors; reconnect when the server ends a stream;
poll with jitter when watching is forbidden. The view derives the release instant; the calling
thread sleeps until that wall-clock instant and is woken only when the instant moves.
"""

from __future__ import annotations

import contextlib
import gc
import logging
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from gatling_common.errors import FleetError, RetryableError
from kubernetes import client

from gatling_waiter.errors import StartBeyondTimeout, WaitTimeout, WatchForbidden, WatchGone
from gatling_waiter.kube import PodsApi
from gatling_waiter.progress import Progress, describe_missing, show
from gatling_waiter.release import Peer, counted, format_time, peer_from_pod
from gatling_waiter.settings import JOB_NAME_LABEL, WaiterSettings
from gatling_waiter.view import PeerView

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Release:
    instant: datetime  # the computed common instant
    peers: tuple[str, ...]  # the first N registrations it was computed from
    registered_at: datetime  # this pod's own registration time
    released_at: datetime  # this pod's clock when it reached the instant


class Follower(threading.Thread):
    """Keeps a PeerView current until stopped; a fatal error is handed to the view."""

    def __init__(self, api: PodsApi, view: PeerView, settings: WaiterSettings) -> None:
        super().__init__(daemon=True, name="gatling-waiter-follower")
        self._api, self._view, self._settings = api, view, settings
        self._stopped = threading.Event()

    def stop(self) -> None:
        self._stopped.set()
        self._api.stop_watch()

    def run(self) -> None:
        try:
            self._follow()
        except FleetError as exc:
            self._view.fail(exc)
        except Exception as exc:  # never die silently: the waiter would wait until timeout
            if not self._stopped.is_set():
                self._view.fail(FleetError(f"following pods failed: {type(exc).__name__}: {exc}"))

    def _relist(self) -> str:
        pods, version = self._api.list_peers()
        self._view.replace(pods)
        return version

    def _follow(self) -> None:
        version = self._relist()
        failures = 0
        while not self._stopped.is_set():
            try:
                for event_type, obj in self._api.watch_peers(version):
                    version = (obj.get("metadata") or {}).get("resourceVersion") or version
                    if event_type != "BOOKMARK":
                        self._view.apply(event_type, obj)
                    failures = 0
            except WatchGone:
                if self._stopped.is_set():
                    return
                log.info("watch expired (410 Gone); listing again")
                version = self._relist()
                continue
            except WatchForbidden as exc:
                log.warning(
                    "watching pods is forbidden (%s); polling every ~%gs instead",
                    exc,
                    self._settings.poll_interval,
                )
                self._poll()
                return
            except FleetError as exc:
                if not isinstance(exc, RetryableError):
                    raise  # 401, 404...: no retry helps
                failures = self._after_failure(failures, exc)
            except Exception as exc:  # the stream broke (urllib3, socket, truncated JSON)
                failures = self._after_failure(failures, exc)
            else:
                continue  # the server ended the stream: watch again from `version`
            if self._stopped.is_set():
                return  # stop_watch() cut the stream: no more requests
            version = self._relist()

    def _after_failure(self, failures: int, exc: Exception) -> int:
        if self._stopped.is_set():
            return failures
        policy = self._settings.retry
        failures += 1
        if failures >= policy.attempts:
            raise FleetError(
                f"watch pods of job {self._settings.job_name!r}: {failures} "
                f"failures in a row, last: {exc}"
            )
        delay = policy.delay(failures)
        log.warning(
            "watch pods: attempt %d/%d failed (%s); will retry in %.1fs",
            failures,
            policy.attempts,
            exc,
            delay,
        )
        self._stopped.wait(delay)
        return failures

    def _poll(self) -> None:
        base = self._settings.poll_interval
        while not self._stopped.wait(base * (0.5 + random.random())):  # jitter: no lockstep
            self._relist()


def register(
    api: PodsApi, settings: WaiterSettings, clock: Clock, deadline: float | None = None
) -> datetime:
    """Label and annotate our own pod; keep an earlier registration (a restarted init container).

    Retries of these calls end at `deadline` (monotonic): the timeout bounds them too.
    """
    own = api.read_own_pod(deadline)
    labels = (own.get("metadata") or {}).get("labels") or {}
    if labels.get(JOB_NAME_LABEL) != settings.job_name:
        log.warning(
            "pod %s is not labelled %s: it will not count itself among the peers",
            show(settings.pod_name),
            settings.peer_selector,
        )
    previous = peer_from_pod(own)
    if previous.registered_at is not None and not previous.terminated:
        log.info("already registered at %s; keeping it", previous.registered_at.isoformat())
        return previous.registered_at
    patched = peer_from_pod(api.register(clock(), deadline))
    if patched.registered_at is None:
        raise FleetError(f"pod {patched.name!r} did not keep the registration label/annotation")
    return patched.registered_at  # as peers read it: milliseconds


class GcPause:
    """The cyclic collector off while any waiter of this process sleeps towards its instant.

    A full collection of the Kubernetes client's heap takes tens of milliseconds; one starting
    at the release instant would delay this pod by as much. Reference counting still frees
    almost everything meanwhile, and the pause lasts about `settle` seconds.
    """

    _lock = threading.Lock()
    _holders = 0
    _was_enabled = True

    def __enter__(self) -> GcPause:
        with GcPause._lock:
            if GcPause._holders == 0:
                GcPause._was_enabled = gc.isenabled()
                gc.disable()
            GcPause._holders += 1
        return self

    def __exit__(self, *exc_info: object) -> None:
        with GcPause._lock:
            GcPause._holders -= 1
            if GcPause._holders == 0 and GcPause._was_enabled:
                gc.enable()


class Barrier:
    """The waiter as a context manager: `wait()` returns at the release instant, and the watch
    is closed afterwards, in `__exit__`, so that cleanup never delays the release itself.

        with Barrier(settings, api_client) as barrier:
            release = barrier.wait()
    """

    def __init__(
        self, settings: WaiterSettings, api_client: client.ApiClient, clock: Clock = utc_now
    ) -> None:
        self._settings, self._clock = settings, clock
        self._api = PodsApi(api_client, settings)
        self._view = PeerView(settings.parallelism, settings.settle, settings.start_time)
        self._follower = Follower(self._api, self._view, settings)

    def __enter__(self) -> Barrier:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._follower.stop()
        if self._follower.is_alive():
            self._follower.join(timeout=5)  # no thread may outlive us (interpreter exit aborts)

    def wait(self) -> Release:
        """Register, wait until at least N peers are registered, sleep until the instant."""
        s = self._settings
        deadline = time.monotonic() + s.timeout
        check_start_time(s, self._clock())
        registered_at = register(self._api, s, self._clock, deadline)
        log.info(
            "registered pod %s at %s; waiting for %d pods of job %s",
            show(s.pod_name),
            registered_at.isoformat(),
            s.parallelism,
            show(s.job_name),
        )
        self._follower.start()
        instant, first = _sleep_until_release(self._view, s, self._clock, deadline)
        return Release(instant, first, registered_at, self._clock())


def wait_for_release(
    settings: WaiterSettings, api_client: client.ApiClient, clock: Clock = utc_now
) -> Release:
    """Barrier.wait() with the watch closed before returning."""
    with Barrier(settings, api_client, clock) as barrier:
        return barrier.wait()


def check_start_time(settings: WaiterSettings, now: datetime) -> None:
    """Refuse at once a start time the timeout would not let us wait for.

    With it bounded, the release instant is at most max(start time, deadline + settle): the
    timeout bounds the whole wait.
    """
    if settings.start_time is None:
        return
    away = (settings.start_time - now).total_seconds()
    if away > settings.timeout:
        raise StartBeyondTimeout(
            f"start time {format_time(settings.start_time)} is {away:.0f}s away, beyond the "
            f"timeout of {settings.timeout:g}s; pick a sooner start time or a longer timeout"
        )


def _sleep_until_release(
    view: PeerView, settings: WaiterSettings, clock: Clock, deadline: float
) -> tuple[datetime, tuple[str, ...]]:
    """Sleep towards the view's instant (woken when it moves); return once the clock reaches it."""
    progress = Progress(settings)
    paused = False
    with view.cond, contextlib.ExitStack() as final_approach:
        while True:
            if view.error is not None:
                raise view.error
            instant, now = view.instant, clock()
            if instant is not None and now >= instant:
                return instant, view.first()
            if instant is not None and not paused:
                paused = bool(final_approach.enter_context(GcPause()))
            remaining = deadline - time.monotonic()
            if instant is None and remaining <= 0:
                raise WaitTimeout(timeout_message(settings, view.peers()))
            if view.loaded:
                progress.maybe_log(view.peers, instant, now)
            if instant is None:
                wait = min(remaining, progress.next_log_in())
            else:
                wait = min((instant - now).total_seconds(), progress.next_log_in())
            view.cond.wait(max(wait, 0.0))


def timeout_message(settings: WaiterSettings, peers: list[Peer]) -> str:
    ready = counted(peers)
    return (
        f"timed out after {settings.timeout:g}s waiting for job {show(settings.job_name)} in "
        f"namespace {show(settings.namespace)}: {len(ready)} of {settings.parallelism} pods "
        f"registered; missing: {describe_missing(peers, settings.parallelism)}"
    )
