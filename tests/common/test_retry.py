"""retry_call: bounded attempts, and no attempt that would start after a deadline."""

from __future__ import annotations

import logging

import pytest
from gatling_common.errors import PermanentError, RetryableError
from gatling_common.retry import RetryPolicy, retry_call

from tests.support.fake_time import FakeTime

POLICY = RetryPolicy(attempts=6, base_delay=1.0, max_delay=8.0)
log = logging.getLogger("test.retry")


def _failing(calls: list[float], clock: FakeTime) -> RetryableError:
    calls.append(clock.now)
    return RetryableError("HTTP 503 unavailable")


def test_without_a_deadline_every_attempt_runs(caplog: pytest.LogCaptureFixture) -> None:
    fake, calls = FakeTime(100.0), []

    def fn() -> None:
        raise _failing(calls, fake)

    with pytest.raises(RetryableError, match="HTTP 503"):
        retry_call(fn, what="get pod", policy=POLICY, log=log, sleep=fake.sleep, clock=fake.clock)
    assert len(calls) == 6
    assert "get pod: attempt 5/6 failed (HTTP 503 unavailable); will retry in" in caplog.text


def test_no_attempt_starts_past_the_deadline(caplog: pytest.LogCaptureFixture) -> None:
    fake, calls = FakeTime(100.0), []

    def fn() -> None:
        raise _failing(calls, fake)

    with pytest.raises(RetryableError, match="HTTP 503"):
        retry_call(
            fn,
            what="get pod",
            policy=POLICY,
            log=log,
            sleep=fake.sleep,
            clock=fake.clock,
            deadline=102.0,
        )
    assert all(at < 102.0 for at in calls)
    assert 2 <= len(calls) <= 3  # backoffs of at least 0.5s, 1s, 2s: the third would end past it
    assert "no time left for another before the deadline" in caplog.records[-1].getMessage()


def test_a_permanent_error_is_not_retried() -> None:
    calls: list[int] = []

    def fn() -> None:
        calls.append(1)
        raise PermanentError("HTTP 404")

    with pytest.raises(PermanentError):
        retry_call(fn, what="get pod", policy=POLICY, log=log, sleep=lambda _: None)
    assert calls == [1]


def test_success_after_failures_returns_the_value() -> None:
    fake, calls = FakeTime(100.0), []

    def fn() -> str:
        if len(calls) < 2:
            raise _failing(calls, fake)
        return "ok"

    assert retry_call(fn, what="x", policy=POLICY, log=log, sleep=fake.sleep, deadline=1e9) == "ok"
