"""The controller while its API server is unreachable: growing pauses, few log lines."""

from __future__ import annotations

import dataclasses
import logging
import re
import socket
import time

import pytest
from gatling_common.logs import LogThrottle
from gatling_common.retry import RetryPolicy
from gatling_controller.kube import Kube
from gatling_controller.reconciler import Reconciler
from gatling_controller.runtime import Controller
from kubernetes import client

from tests.controller.harness import SETTINGS
from tests.support.fake_time import FakeTime


def _unreachable_kube() -> Kube:
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    config = client.Configuration(host=f"http://127.0.0.1:{port}")
    config.retries = 0  # urllib3's own retries would hide our attempts
    return Kube(client.ApiClient(config))


def test_watches_back_off_exponentially_and_log_once(caplog: pytest.LogCaptureFixture) -> None:
    settings = dataclasses.replace(
        SETTINGS,
        api_backoff=RetryPolicy(attempts=0, base_delay=0.05, max_delay=5.0),
        log_interval=30.0,
    )
    kube = _unreachable_kube()
    controller = Controller(kube, Reconciler(kube, settings), settings)
    with caplog.at_level(logging.DEBUG, logger="gatling_controller.runtime"):
        controller.start()
        controller.queue.add("load/shop")  # a known resource whose reconcile fails too
        deadline = time.monotonic() + 30
        while _pauses(caplog, "gatlings")[4:] == [] and time.monotonic() < deadline:
            time.sleep(0.05)
        controller.stop()
    pauses = _pauses(caplog, "gatlings")
    assert len(pauses) >= 5
    assert pauses == sorted(pauses)  # doubling with jitter in [0.5, 1): never shorter
    assert pauses[4] >= 8 * pauses[0]
    warnings = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert len([w for w in warnings if w.startswith("watch gatlings: ")]) == 1
    assert len([w for w in warnings if w.startswith("watch jobs: ")]) == 1
    assert len([w for w in warnings if w.startswith("load/shop: ")]) == 1


def _pauses(caplog: pytest.LogCaptureFixture, what: str) -> list[float]:
    pattern = re.compile(rf"watch {what}: attempt \d+ failed \(.*\); listing again in ([\d.]+)s")
    return [float(m.group(1)) for r in caplog.records if (m := pattern.fullmatch(r.getMessage()))]


def test_log_throttle_counts_what_it_held_back(caplog: pytest.LogCaptureFixture) -> None:
    clock = FakeTime()
    throttle = LogThrottle(interval=30.0, clock=clock)
    log = logging.getLogger("test.throttle")
    with caplog.at_level(logging.INFO, logger="test.throttle"):
        assert throttle.log(log, logging.WARNING, "a", "down: %s", "refused")
        for _ in range(3):
            clock.now += 5
            assert not throttle.log(log, logging.WARNING, "a", "down: %s", "refused")
        assert throttle.log(log, logging.WARNING, "b", "other key")
        clock.now += 16  # 31s after the first line
        assert throttle.log(log, logging.WARNING, "a", "down: %s", "timeout")
        throttle.forget("a")
        assert throttle.log(log, logging.WARNING, "a", "down again")
    assert [r.getMessage() for r in caplog.records] == [
        "down: refused",
        "other key",
        "down: timeout (3 similar line(s) held back)",
        "down again",
    ]
