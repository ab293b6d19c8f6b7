"""Faults injected by a proxy in front of moto (S3) and Azurite: retries, Retry-After, giving up."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from gatling_common.retry import RetryPolicy
from gatling_common.storage import (
    NotFoundError,
    RetryableStorageError,
    StorageSettings,
    open_storage,
)

from tests.support.emulators import Target, azurite_connection_string
from tests.support.faultproxy import Fault, FaultProxy

BIG = 11 * 1024 * 1024  # three parts of the 5 MiB test chunk size


@pytest.fixture(params=["s3", "azure"])
def fault_target(request: pytest.FixtureRequest) -> Target:
    fixture = {"s3": "s3_bucket", "azure": "azure_container"}[request.param]
    target: Target = request.getfixturevalue(fixture)
    return target


def _upstream(target: Target) -> str:
    if target.backend == "s3":
        return target.settings.endpoint_url or ""
    conn = target.settings.azure_connection_string or ""
    return conn.split("BlobEndpoint=")[1].rstrip(";")


def _through(
    target: Target, proxy: FaultProxy, retry: RetryPolicy | None = None
) -> StorageSettings:
    settings = target.settings
    if target.backend == "s3":
        settings = replace(settings, endpoint_url=proxy.url)
    else:
        settings = replace(settings, azure_connection_string=azurite_connection_string(proxy.url))
    return replace(settings, retry=retry) if retry else settings


@pytest.fixture
def small_file(tmp_path: Path) -> Path:
    path = tmp_path / "small.log"
    path.write_bytes(os.urandom(4096))
    return path


@pytest.fixture
def big_file(tmp_path: Path) -> Path:
    path = tmp_path / "big.log"
    path.write_bytes(os.urandom(BIG))
    return path


@pytest.fixture
def proxy_factory(fault_target: Target) -> Iterator[object]:
    started: list[FaultProxy] = []

    def make(script: list[Fault], methods: set[str] | None = None) -> FaultProxy:
        proxy = FaultProxy(_upstream(fault_target), script, methods=methods).start()
        started.append(proxy)
        return proxy

    yield make
    for proxy in started:
        proxy.stop()


@pytest.mark.parametrize(
    "fault",
    [Fault.status_code(500, times=3), Fault.status_code(503, times=3), Fault.reset(times=3)],
    ids=["500", "503", "reset"],
)
def test_transient_faults_are_retried_until_the_upload_succeeds(
    fault_target: Target, proxy_factory, small_file: Path, fault: Fault, caplog
) -> None:
    proxy = proxy_factory([fault], {"PUT"})
    store = open_storage(fault_target.url, _through(fault_target, proxy))

    with caplog.at_level(logging.WARNING):
        info = store.upload_file(small_file, "pod.log", metadata={"status": "COMPLETED"})

    assert proxy.injected == 3
    assert proxy.count("PUT", "pass") == 1
    assert info.size == 4096
    direct = open_storage(fault_target.url, fault_target.settings)
    assert direct.head("pod.log").metadata == {"status": "COMPLETED"}
    # Three faults outlast the SDK's two tries: our layer retried the whole upload.
    assert "attempt 1/3 failed" in caplog.text


def test_faults_on_parts_of_a_multipart_upload_are_retried(
    fault_target: Target, proxy_factory, big_file: Path
) -> None:
    proxy = proxy_factory([Fault.status_code(503, times=2), Fault.reset(times=1)], {"PUT"})
    store = open_storage(fault_target.url, _through(fault_target, proxy))

    info = store.upload_file(big_file, "big.log")

    assert (info.size, proxy.injected) == (BIG, 3)
    back = big_file.with_name("back.log")
    open_storage(fault_target.url, fault_target.settings).download_file("big.log", back)
    assert back.read_bytes() == big_file.read_bytes()


def test_throttling_retry_after_sets_our_backoff(
    fault_target: Target, proxy_factory, small_file: Path, caplog
) -> None:
    proxy = proxy_factory([Fault.status_code(429, times=2, retry_after=1)], {"PUT"})
    policy = RetryPolicy(attempts=3, base_delay=0.01, max_delay=5)
    store = open_storage(fault_target.url, _through(fault_target, proxy, policy))

    with caplog.at_level(logging.WARNING):
        store.upload_file(small_file, "pod.log")

    assert proxy.injected == 2
    # The server asked for 1 s; our own backoff alone would have been ~0.01 s.
    assert "will retry in 1.0s" in caplog.text


def test_upload_that_keeps_failing_gives_up_and_is_not_done(
    fault_target: Target, proxy_factory, big_file: Path, caplog
) -> None:
    proxy = proxy_factory([Fault.status_code(503, times=None)], {"PUT"})
    store = open_storage(fault_target.url, _through(fault_target, proxy))

    with caplog.at_level(logging.WARNING), pytest.raises(RetryableStorageError) as err:
        store.upload_file(big_file, "never.log")

    assert "never.log" in str(err.value)
    assert "attempt 2/3 failed" in caplog.text
    assert "attempt 3/3" not in caplog.text  # the last failure is raised, not retried
    direct = open_storage(fault_target.url, fault_target.settings)
    with pytest.raises(NotFoundError):
        direct.head("never.log")
    assert [o.name for o in direct.list()] == []


def test_single_put_attempts_are_bounded(
    fault_target: Target, proxy_factory, small_file: Path
) -> None:
    """3 operation attempts x 2 tries of the SDK: exactly 6 PUTs, then the error."""
    proxy = proxy_factory([Fault.status_code(500, times=None)], {"PUT"})
    store = open_storage(fault_target.url, _through(fault_target, proxy))

    with pytest.raises(RetryableStorageError, match=r"pod\.log"):
        store.upload_file(small_file, "pod.log")

    assert proxy.count("PUT") == 6


def test_unreachable_endpoint_is_named(fault_target: Target, small_file: Path) -> None:
    with FaultProxy(_upstream(fault_target)) as proxy:
        url = proxy.url  # a port that was just listening and now is closed
    store = open_storage(fault_target.url, _through(fault_target, proxy))
    endpoint = url.split("//")[1].split("/")[0]

    with pytest.raises(RetryableStorageError, match=r"cannot reach the .* endpoint") as err:
        store.upload_file(small_file, "pod.log")

    assert endpoint in str(err.value)
    assert "Connection refused" in str(err.value)


def test_download_faults_are_retried_and_leave_no_partial_file(
    fault_target: Target, proxy_factory, big_file: Path
) -> None:
    open_storage(fault_target.url, fault_target.settings).upload_file(big_file, "big.log")
    proxy = proxy_factory([Fault.reset(times=1), Fault.status_code(503, times=2)], {"GET"})
    store = open_storage(fault_target.url, _through(fault_target, proxy))
    target = big_file.parent / "down" / "big.log"

    store.download_file("big.log", target)

    assert proxy.injected == 3
    assert target.read_bytes() == big_file.read_bytes()
    assert sorted(p.name for p in target.parent.iterdir()) == ["big.log"]


def test_download_that_keeps_failing_leaves_nothing(
    fault_target: Target, proxy_factory, big_file: Path
) -> None:
    open_storage(fault_target.url, fault_target.settings).upload_file(big_file, "big.log")
    proxy = proxy_factory([Fault.status_code(500, times=None)], {"GET"})
    store = open_storage(fault_target.url, _through(fault_target, proxy))
    folder = big_file.parent / "down"

    with pytest.raises(RetryableStorageError, match=r"big\.log"):
        store.download_file("big.log", folder / "big.log")

    assert list(folder.iterdir()) == []
