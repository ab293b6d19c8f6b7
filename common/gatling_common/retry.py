"""Bounded retries with exponential backoff and jitter.

Only `RetryableError` is retried; anything else propagates at once. Each failed attempt logs
"attempt i/N failed; will retry in Xs", so an operator sees why a step is slow.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from gatling_common.errors import RetryableError

T = TypeVar("T")


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 5
    base_delay: float = 0.5
    max_delay: float = 20.0

    def delay(self, attempt: int, retry_after: float | None = None) -> float:
        """Backoff before attempt `attempt + 1`; a server's Retry-After wins when it is longer."""
        backoff = min(self.max_delay, self.base_delay * 2 ** (attempt - 1))
        backoff *= 0.5 + random.random() / 2  # jitter: N pods must not retry in lockstep
        if retry_after is not None:
            backoff = max(backoff, min(retry_after, self.max_delay))
        return backoff


def retry_call(
    fn: Callable[[], T],
    *,
    what: str,
    policy: RetryPolicy,
    log: logging.Logger,
    sleep: Callable[[float], None] = time.sleep,
    deadline: float | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> T:
    """Call `fn` until it succeeds, raises a non-retryable error, or `policy.attempts` run out.

    With a `deadline` (a `clock()` value), no attempt starts after it: the last error is raised
    as soon as the next backoff would end past it.
    """
    for attempt in range(1, policy.attempts + 1):
        try:
            return fn()
        except RetryableError as exc:
            if attempt == policy.attempts:
                raise
            delay = policy.delay(attempt, exc.retry_after)
            if deadline is not None and clock() + delay >= deadline:
                log.warning(
                    "%s: attempt %d/%d failed (%s); no time left for another before the deadline",
                    what,
                    attempt,
                    policy.attempts,
                    exc,
                )
                raise
            log.warning(
                "%s: attempt %d/%d failed (%s); will retry in %.1fs",
                what,
                attempt,
                policy.attempts,
                exc,
                delay,
            )
            sleep(delay)
    raise AssertionError("unreachable")  # pragma: no cover
