"""The controller's settings: one frozen dataclass, filled only by the CLI."""

from __future__ import annotations

from dataclasses import dataclass, field

from gatling_common.retry import RetryPolicy


@dataclass(frozen=True)
class ControllerSettings:
    waiter_image: str = "gatling-fleet/gatling-waiter:latest"
    transferer_image: str = "gatling-fleet/gatling-transferer:latest"
    reporter_image: str = "gatling-fleet/gatling-reporter:latest"
    namespace: str | None = None  # None: every namespace
    max_concurrent_reconciles: int = 4
    # The Go operator's MAX_JOB_CREATION_WAIT_TIME / MAX_JOB_RUN_WAIT_TIME (seconds).
    job_creation_timeout: float = 600.0
    job_run_timeout: float = 10800.0
    requeue_interval: float = 5.0  # while a Job runs, as the Go operator polls
    resync_period: float = 300.0
    watch_timeout: int = 300  # seconds a single watch call stays open
    s3_host: str = "s3.amazonaws.com"  # report URL host, like the Go operator's custom S3 host
    azure_account: str = ""  # report URL host for azure (<account>.blob.core.windows.net)
    notify_retry: RetryPolicy = field(
        default_factory=lambda: RetryPolicy(attempts=5, base_delay=1.0, max_delay=30.0)
    )
    notify_timeout: float = 10.0
    # Backoff of watches and failed reconciles while the API server fails (doubling, capped),
    # and how often one source may log the same trouble.
    api_backoff: RetryPolicy = field(
        default_factory=lambda: RetryPolicy(attempts=0, base_delay=0.5, max_delay=60.0)
    )
    log_interval: float = 30.0
    notification_template: str | None = None  # jinja2 text; None: the built-in one
