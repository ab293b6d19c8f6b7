"""The waiter's settings: one frozen value built by the CLI and passed to the library."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from gatling_common.retry import RetryPolicy

# Written on the waiter's own pod; peers select on the label and read the annotation.
REGISTERED_LABEL = "gatling-fleet/registered"
REGISTERED_AT_ANNOTATION = "gatling-fleet/registered-at"
JOB_NAME_LABEL = "job-name"  # set by the Job controller on every pod of the runner Job


@dataclass(frozen=True)
class WaiterSettings:
    parallelism: int
    job_name: str
    namespace: str
    pod_name: str
    timeout: float
    start_time: datetime | None = None  # aware UTC; nobody is released before it
    settle: float = 2.0  # added to the N-th registration time; lets every view converge
    poll_interval: float = 1.0  # base interval of the polling fallback (watch forbidden)
    watch_timeout: int = 60  # server-side timeoutSeconds of one watch stream
    log_interval: float = 5.0
    retry: RetryPolicy = field(
        default_factory=lambda: RetryPolicy(attempts=6, base_delay=0.5, max_delay=8.0)
    )

    @property
    def peer_selector(self) -> str:
        return f"{JOB_NAME_LABEL}={self.job_name}"
