"""One reconcile of one Gatling resource: level-triggered, idempotent, restart-safe.

Steps follow the Go operator: ConfigMaps and volumes, the runner Job, wait, the reporter Job once
every runner pod succeeded, the notification, cleanup. Child names are deterministic and every
create is check-before-create with 409 meaning "already there", so a controller killed at any
point resumes without duplicates; status records how far the run got.

`reconcile()` returns seconds until the next look (None: nothing to do until something changes)
and raises RetryableError for transient API or webhook failures (the work queue backs off).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from gatling_common.errors import InputError, PermanentError
from gatling_common.start_time import parse_start_time
from gatling_common.storage import StorageSettings

from gatling_controller import notify
from gatling_controller import status as st
from gatling_controller.builders import (
    THRESHOLDS_EXIT,
    build_configmaps,
    build_prerequisites,
    build_reporter_job,
    build_runner_job,
    run_storage,
)
from gatling_controller.kube import Kube, KubeError
from gatling_controller.models import Gatling, parse_gatling
from gatling_controller.settings import ControllerSettings

log = logging.getLogger(__name__)
Json = dict[str, Any]
INVALID_SPEC = "InvalidSpec"
START_TIME_TOO_FAR = "StartTimeTooFar"


@dataclass
class _Ctx:
    gatling: Gatling
    status: Json
    pending: Json = field(default_factory=dict)  # status facts waiting for the next write

    @property
    def key(self) -> str:
        return f"{self.gatling.namespace}/{self.gatling.name}"

    @property
    def meta(self) -> Json:
        """What an event needs to point at the resource."""
        g = self.gatling
        return {"name": g.name, "namespace": g.namespace, "uid": g.uid}


class Reconciler:
    def __init__(
        self,
        kube: Kube,
        settings: ControllerSettings,
        storage_settings: StorageSettings | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.kube = kube
        self.settings = settings
        self.storage_settings = storage_settings
        self.clock = clock

    def reconcile(self, namespace: str, name: str) -> float | None:
        obj = self.kube.get_gatling(namespace, name)
        if obj is None or obj["metadata"].get("deletionTimestamp"):
            return None
        status: Json = dict(obj.get("status") or {})
        gatling = self._parse_or_refuse(obj, status)
        if gatling is None:
            return None
        ctx = _Ctx(gatling, status)
        if status.get("phase") not in (*st.TERMINAL, st.NOTIFYING):
            try:
                requeue = self._advance(ctx)
            except KubeError as exc:
                if exc.status not in (400, 422):
                    raise
                # The API server refused a child built from the spec (say, a malformed volume):
                # retrying cannot help; the user needs the server's reason in status.
                self._fail(ctx, "ChildRejected", str(exc))
                requeue = None
            if requeue is not None:
                return requeue
        self._notify(ctx)
        if ctx.status.get("phase") == st.NOTIFYING:
            self._save(ctx, phase=st.SUCCEEDED)
        self._cleanup(ctx)
        return None

    def _parse_or_refuse(self, obj: Json, status: Json) -> Gatling | None:
        """The parsed resource; None after recording why its spec is refused (InvalidSpec).

        A refused spec that the user has edited since (a new generation) starts over from a
        clean status, so `status` is emptied in place.
        """
        namespace, name = obj["metadata"]["namespace"], obj["metadata"]["name"]
        generation = int(obj["metadata"].get("generation") or 0)
        refused = _reason(status, "Failed") == INVALID_SPEC
        if refused and status.get("observedGeneration") != generation:
            self.kube.patch_gatling_status(namespace, name, _cleared(status))
            status.clear()
        try:
            return parse_gatling(obj)
        except InputError as exc:
            if status.get("error") != str(exc):  # once per distinct refusal, not per resync
                failed: Json = {"phase": st.FAILED, "error": str(exc)}
                st.set_condition(failed, "Failed", True, INVALID_SPEC, str(exc), generation)
                failed["observedGeneration"] = generation
                self.kube.patch_gatling_status(namespace, name, failed)
                self.kube.record_event(obj["metadata"], INVALID_SPEC, str(exc))
            return None

    # --- the run ---------------------------------------------------------------------------
    def _advance(self, ctx: _Ctx) -> float | None:
        g = ctx.gatling
        # Facts that need no write of their own ride along with the next one (fewer requests).
        if not ctx.status.get("phase"):
            ctx.pending["phase"] = st.PENDING
        storage = run_storage(g, self.settings) if g.generate_report else None
        if storage is not None and not ctx.status.get("reportStoragePath"):
            # Derived from the uid, so writing it late is safe: every life computes the same.
            ctx.pending.update(reportStoragePath=storage.url, reportUrl=storage.report_url)
        if not ctx.status.get("runnerJobName"):
            too_far = self._start_time_too_far(g)
            if too_far:
                self._fail(ctx, START_TIME_TOO_FAR, too_far)
                return None
            self._ensure_children(g)
        if not ctx.status.get("runnerCompleted"):
            requeue = self._runner(ctx)
            if ctx.pending:
                self._save(ctx)
            if requeue is not None or ctx.status.get("phase") == st.FAILED:
                return requeue
        if g.generate_report and not ctx.status.get("reportCompleted"):
            requeue = self._reporter(ctx)
            if requeue is not None or ctx.status.get("phase") == st.FAILED:
                return requeue
        wants_notice = g.notify_report and not ctx.status.get("notificationCompleted")
        self._save(ctx, phase=st.NOTIFYING if wants_notice else st.SUCCEEDED)
        return None

    def _start_time_too_far(self, g: Gatling) -> str | None:
        """Why the waiters could not wait for startTime: it lies beyond their timeout."""
        if not g.scenario.start_time:
            return None
        away = parse_start_time(g.scenario.start_time).timestamp() - self.clock()
        limit = self.settings.job_creation_timeout
        if away <= limit:
            return None
        return (
            f"startTime {g.scenario.start_time} (UTC) is {away:.0f}s away, beyond "
            f"the {limit:g}s the runner pods may wait (MAX_JOB_CREATION_WAIT_TIME); nothing was "
            "created: start it sooner or raise that limit"
        )

    def _ensure_children(self, g: Gatling) -> None:
        for child in build_prerequisites(g):
            if not self.kube.exists(child):
                self.kube.create(child)

    def _runner(self, ctx: _Ctx) -> float | None:
        g = ctx.gatling
        n = g.scenario.parallelism
        build = lambda: build_runner_job(g, self.settings)  # noqa: E731
        job = self._get_or_create(ctx, g.runner_job_name, build)
        if job is None:
            log.info("%s: created runner Job %s (%d pods)", ctx.key, g.runner_job_name, n)
            self._save(
                ctx,
                phase=st.RUNNING,
                runnerJobName=g.runner_job_name,
                runnerStartTime=int(self.clock()),
                runnerCompleted=False,
                runnerCompletions=f"0/{n}",
                active=0,
                succeeded=0,
                failed=0,
            )
            return self.settings.requeue_interval
        counts = _counts(job)
        changes: Json = {**counts, "runnerCompletions": f"{counts['succeeded']}/{n}"}
        if not ctx.status.get("runnerJobName"):  # created by a controller killed before saving
            changes.update(
                phase=st.RUNNING,
                runnerJobName=g.runner_job_name,
                runnerStartTime=int(st.parse_time(job["metadata"].get("creationTimestamp")) or 0),
            )
        finished = st.job_finished(job)
        if finished == "Complete" and counts["succeeded"] >= n:
            st.set_condition(
                ctx.status, "RunnerCompleted", True, "Succeeded", f"{n}/{n} pods", g.generation
            )
            self._save(ctx, **changes, runnerCompleted=True, conditions=ctx.status["conditions"])
            log.info("%s: runner Job %s succeeded", ctx.key, g.runner_job_name)
            return None
        if finished:
            self._save(ctx, **changes)
            message = (
                f"runner Job {g.runner_job_name} failed: {counts['failed']} of {n} pods failed "
                "(backoffLimit 0); see the runner pods' logs"
            )
            self._fail(ctx, "RunnerFailed", message)
            return None
        timeout = self._timed_out(job, "runner")
        if timeout:
            self._fail(ctx, "RunnerTimeout", timeout)
            return None
        if any(ctx.status.get(k) != v for k, v in changes.items()):
            self._save(ctx, **changes)
        return self.settings.requeue_interval

    def _reporter(self, ctx: _Ctx) -> float | None:
        g = ctx.gatling
        if g.storage is None:
            # As the Go operator: no storage, nothing to report on.
            self._save(ctx, reportCompleted=True)
            return None
        job = self._get_or_create(
            ctx, g.reporter_job_name, lambda: build_reporter_job(g, self.settings)
        )
        if job is None:
            log.info("%s: created reporter Job %s", ctx.key, g.reporter_job_name)
            self._save(
                ctx,
                phase=st.REPORTING,
                reporterJobName=g.reporter_job_name,
                reporterStartTime=int(self.clock()),
                reportCompleted=False,
            )
            return self.settings.requeue_interval
        if not ctx.status.get("reporterJobName"):
            created = st.parse_time(job["metadata"].get("creationTimestamp")) or 0
            self._save(
                ctx,
                phase=st.REPORTING,
                reporterJobName=g.reporter_job_name,
                reporterStartTime=int(created),
            )
        finished = st.job_finished(job)
        if finished == "Complete":
            self._report_done(ctx, thresholds_failed=False)
            return None
        # Failed thresholds settle the run even while the Job may still retry (a cluster that
        # ignores podFailurePolicy): another attempt would give the same verdict.
        if (finished or _counts(job)["failed"]) and self._thresholds_failed(g):
            self._report_done(ctx, thresholds_failed=True)
            return None
        if finished:
            message = f"reporter Job {g.reporter_job_name} failed; see the reporter pod's log"
            self._fail(ctx, "ReporterFailed", message)
            return None
        timeout = self._timed_out(job, "reporter")
        if timeout:
            self._fail(ctx, "ReporterTimeout", timeout)
            return None
        return self.settings.requeue_interval

    def _get_or_create(self, ctx: _Ctx, name: str, build: Callable[[], Json]) -> Json | None:
        """The Job if it already existed; None if this call created it.

        A Job status does not name yet is created straight away (one request, not a read
        first); 409 means an earlier life created it, and then it is read.
        """
        g = ctx.gatling
        recorded = name in (ctx.status.get("runnerJobName"), ctx.status.get("reporterJobName"))
        if recorded:
            job = self.kube.get_job(g.namespace, name)
            if job is not None:
                return job
        if self.kube.create(build()):
            return None
        # Gone again between the 409 and the read: None, and the next reconcile creates it.
        return self.kube.get_job(g.namespace, name)

    def _report_done(self, ctx: _Ctx, *, thresholds_failed: bool) -> None:
        g = ctx.gatling
        verdict = "failed" if thresholds_failed else "unknown"
        if not thresholds_failed and ctx.status.get("reportStoragePath"):
            stats = notify.report_stats(ctx.status["reportStoragePath"], self.storage_settings)
            verdict = stats.verdict or ("passed" if g.thresholds else "unknown")
        st.set_condition(ctx.status, "ReportCompleted", True, "Succeeded", "", g.generation)
        self._save(
            ctx, reportCompleted=True, thresholdVerdict=verdict, conditions=ctx.status["conditions"]
        )
        log.info("%s: report done (thresholds %s)", ctx.key, verdict)
        if thresholds_failed:
            self._fail(ctx, "ThresholdsFailed", "the report's thresholds failed")

    def _thresholds_failed(self, g: Gatling) -> bool:
        """A reporter pod that exited with the reporter's "assertions failed" code."""
        pods = self.kube.list_pods(g.namespace, f"job-name={g.reporter_job_name}")
        for pod in pods:
            for cs in (pod.get("status") or {}).get("containerStatuses") or []:
                terminated = (cs.get("state") or {}).get("terminated") or {}
                if terminated.get("exitCode") == THRESHOLDS_EXIT:
                    return True
        return False

    def _timed_out(self, job: Json, what: str) -> str | None:
        """MAX_JOB_CREATION_WAIT_TIME until the Job really started, then MAX_JOB_RUN_WAIT_TIME."""
        now = self.clock()
        started = st.parse_time((job.get("status") or {}).get("startTime"))
        created = st.parse_time(job["metadata"].get("creationTimestamp")) or now
        name = job["metadata"]["name"]
        if started is None and now - created > self.settings.job_creation_timeout:
            limit = self.settings.job_creation_timeout
            return f"{what} Job {name} did not start within {limit:.0f}s"
        if started is not None and now - started > self.settings.job_run_timeout:
            limit = self.settings.job_run_timeout
            return f"{what} Job {name} ran longer than {limit:.0f}s"
        return None

    def _fail(self, ctx: _Ctx, reason: str, message: str) -> None:
        log.warning("%s: %s", ctx.key, message)
        st.set_condition(ctx.status, "Failed", True, reason, message, ctx.gatling.generation)
        self._save(ctx, phase=st.FAILED, error=message, conditions=ctx.status["conditions"])
        self.kube.record_event(ctx.meta, reason, message)

    # --- after the run ---------------------------------------------------------------------
    def _notify(self, ctx: _Ctx) -> None:
        g = ctx.gatling
        if not g.notify_report or g.notification is None:
            return
        if ctx.status.get("notificationCompleted") or _reason(ctx.status, "Notified"):
            return
        secret = self.kube.read_secret(g.namespace, g.notification.secret_name)
        try:
            if secret is None:
                raise PermanentError(f"notification Secret {g.notification.secret_name} not found")
            url = notify.webhook_url(secret.get("data") or {}, g.notification.secret_name)
            run = self._summary(ctx)
            text = notify.render(run, self.settings.notification_template)
            body = notify.payload(g.notification.provider, text, run)
            notify.send(
                url,
                body,
                what=f"notify {ctx.key}",
                policy=self.settings.notify_retry,
                timeout=self.settings.notify_timeout,
            )
        except PermanentError as exc:
            log.error("%s: notification failed: %s", ctx.key, exc)
            st.set_condition(ctx.status, "Notified", False, "NotificationFailed", str(exc), 0)
            self._save(ctx, conditions=ctx.status["conditions"])
            self.kube.record_event(ctx.meta, "NotificationFailed", str(exc))
            return
        st.set_condition(ctx.status, "Notified", True, "Sent", "", g.generation)
        done = {"phase": st.SUCCEEDED} if ctx.status.get("phase") == st.NOTIFYING else {}
        self._save(ctx, notificationCompleted=True, conditions=ctx.status["conditions"], **done)
        log.info("%s: notification sent (%s)", ctx.key, g.notification.provider)

    def _summary(self, ctx: _Ctx) -> notify.RunSummary:
        s = ctx.status
        stats = notify.ReportStats()
        if s.get("reportCompleted") and s.get("reportStoragePath"):
            stats = notify.report_stats(s["reportStoragePath"], self.storage_settings)
        started = s.get("runnerStartTime")
        verdict = s.get("thresholdVerdict")
        return notify.RunSummary(
            name=ctx.gatling.name,
            namespace=ctx.gatling.namespace,
            succeeded=s.get("phase") != st.FAILED,
            pods=ctx.gatling.scenario.parallelism,
            duration_seconds=(self.clock() - started) if started else None,
            requests=stats.requests,
            ko_percent=stats.ko_percent,
            p95_ms=stats.p95_ms,
            verdict=verdict if verdict in ("passed", "failed") else None,
            report_url=s.get("reportUrl") if s.get("reportCompleted") else None,
            error=s.get("error"),
            comparison=stats.comparison,
        )

    def _cleanup(self, ctx: _Ctx) -> None:
        g = ctx.gatling
        if not g.cleanup_after_job_done or _reason(ctx.status, "CleanedUp"):
            return
        for job in (g.runner_job_name, g.reporter_job_name):
            self.kube.delete("Job", g.namespace, job)
        if ctx.status.get("phase") == st.FAILED:
            # As the Go operator: a failed run keeps its resource, so the error stays visible.
            st.set_condition(ctx.status, "CleanedUp", True, "JobsDeleted", "", g.generation)
            self._save(ctx, conditions=ctx.status["conditions"])
            return
        for cm in build_configmaps(g):
            self.kube.delete("ConfigMap", g.namespace, cm["metadata"]["name"])
        if g.persistent_volume_claim is not None:
            self.kube.delete("PersistentVolumeClaim", g.namespace, g.persistent_volume_claim.name)
        if g.persistent_volume is not None:  # cluster-scoped: no owner reference to collect it
            self.kube.delete("PersistentVolume", "", g.persistent_volume.name)
        self.kube.delete_gatling(g.namespace, g.name)
        log.info("%s: cleaned up", ctx.key)

    def _save(self, ctx: _Ctx, **changes: Any) -> None:
        changes = {**ctx.pending, **changes, "observedGeneration": ctx.gatling.generation}
        ctx.pending.clear()
        self.kube.patch_gatling_status(ctx.gatling.namespace, ctx.gatling.name, changes)
        ctx.status.update(changes)


def _counts(job: Json) -> dict[str, int]:
    s = job.get("status") or {}
    return {k: int(s.get(k) or 0) for k in ("active", "succeeded", "failed")}


def _cleared(status: Json) -> Json:
    """A merge patch removing every status field (null deletes a key)."""
    return dict.fromkeys(status)


def _reason(status: Json, type_: str) -> str | None:
    for cond in status.get("conditions") or []:
        if cond.get("type") == type_:
            return str(cond.get("reason"))
    return None
