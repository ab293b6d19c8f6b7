"""Waiters as threads against the emulator: the behaviours the issue lists."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from gatling_kube_emulator.server import KubernetesEmulator
from gatling_waiter.errors import PermissionDenied, WaitTimeout
from gatling_waiter.release import parse_time

from tests.waiter.conftest import NS, Waiter, add_pod, settings


def _until(check: Callable[[], bool], limit: float = 10.0) -> None:
    end = time.monotonic() + limit
    while not check():
        assert time.monotonic() < end, "condition never became true"
        time.sleep(0.01)


def _registered_at(k8s: KubernetesEmulator, pod: str) -> datetime:
    moment = parse_time(
        k8s.get("pods", NS, pod)["metadata"]["annotations"]["gatling-fleet/registered-at"]
    )
    assert moment is not None
    return moment


def _check_released_together(waiters: list[Waiter], first: tuple[str, ...]) -> None:
    releases = [w.result() for w in waiters]
    assert {r.instant for r in releases} == {releases[0].instant}
    assert {r.peers for r in releases} == {first}
    for w in waiters:
        assert w.released_at is not None and w.released_at >= releases[0].instant


def test_three_pods_register_and_release_at_the_same_instant(k8s: KubernetesEmulator) -> None:
    names = ["run-a", "run-b", "run-c"]
    for name in names:
        add_pod(k8s, name)
    waiters = [Waiter(k8s, settings(name)).start() for name in names]
    releases = [w.result() for w in waiters]
    last = max(_registered_at(k8s, n) for n in names)
    assert {r.instant for r in releases} == {last + timedelta(seconds=0.3)}
    _check_released_together(
        waiters, tuple(sorted(names, key=lambda n: (_registered_at(k8s, n), n)))
    )
    pod = k8s.get("pods", NS, "run-a")
    assert pod["metadata"]["labels"]["gatling-fleet/registered"] == "true"


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_registrations_in_any_order(k8s: KubernetesEmulator, seed: int) -> None:
    names = [f"run-{i}" for i in range(4)]
    for name in names:
        add_pod(k8s, name)
    order = random.Random(seed).sample(names, len(names))
    waiters = []
    for name in order:
        waiters.append(Waiter(k8s, settings(name, parallelism=4)).start())
        _until(
            lambda n=name: (
                "gatling-fleet/registered"
                in (k8s.get("pods", NS, n)["metadata"].get("labels") or {})
            )
        )
    _check_released_together(waiters, tuple(order))


def test_a_pod_replaced_mid_wait_does_not_hang_the_others(k8s: KubernetesEmulator) -> None:
    for name in ("run-a", "run-b", "run-old"):
        add_pod(k8s, name)
    old = Waiter(k8s, settings("run-old", parallelism=4, timeout=0.5)).start()
    with pytest.raises(WaitTimeout):
        old.result()  # its pod "crashes" while waiting
    k8s.patch_status("pods", NS, "run-old", {"phase": "Failed"})
    waiters = [Waiter(k8s, settings(n)).start() for n in ("run-a", "run-b")]
    _until(lambda: k8s.faults.requests(verb="watch") >= 2)
    add_pod(k8s, "run-new")  # the Job controller's replacement
    waiters.append(Waiter(k8s, settings("run-new")).start())
    releases = [w.result() for w in waiters]
    assert "run-old" not in releases[0].peers
    _check_released_together(waiters, releases[0].peers)


def test_more_registered_pods_than_n_still_release(k8s: KubernetesEmulator) -> None:
    for name in ("run-a", "run-b", "run-c"):
        add_pod(k8s, name)
    waiters = [Waiter(k8s, settings(n, parallelism=2)).start() for n in ("run-a", "run-b", "run-c")]
    releases = [w.result() for w in waiters]
    assert all(len(r.peers) == 2 for r in releases)


def test_nobody_is_released_before_start_time(k8s: KubernetesEmulator) -> None:
    start = (datetime.now(UTC) + timedelta(seconds=2)).replace(microsecond=0)
    for name in ("run-a", "run-b"):
        add_pod(k8s, name)
    waiters = [
        Waiter(k8s, settings(n, parallelism=2, start_time=start)).start()
        for n in ("run-a", "run-b")
    ]
    releases = [w.result() for w in waiters]
    assert {r.instant for r in releases} == {start}
    assert all(w.released_at is not None and w.released_at >= start for w in waiters)


def test_timeout_names_the_missing_pods(k8s: KubernetesEmulator) -> None:
    add_pod(k8s, "run-a")
    add_pod(k8s, "run-b")
    with pytest.raises(WaitTimeout) as err:
        Waiter(k8s, settings("run-a", timeout=0.5)).start().result()
    assert str(err.value) == (
        "timed out after 0.5s waiting for job 'run' in namespace 'ns': 1 of 3 pods registered; "
        "missing: 'run-b' (not registered), 1 pod not created yet"
    )


def test_forbidden_patch_ends_at_once_naming_the_verb(k8s: KubernetesEmulator) -> None:
    add_pod(k8s, "run-a")
    k8s.faults.deny("patch", "pods")
    with pytest.raises(PermissionDenied) as err:
        Waiter(k8s, settings("run-a")).start().result()
    assert str(err.value).startswith(
        "forbidden: the runner's ServiceAccount needs 'patch' on pods in namespace 'ns' ("
    )
    assert k8s.faults.requests(verb="patch") == 1  # not retried


def test_forbidden_list_names_list(k8s: KubernetesEmulator) -> None:
    add_pod(k8s, "run-a")
    k8s.faults.deny("list", "pods")
    with pytest.raises(PermissionDenied, match="needs 'list' on pods in namespace 'ns'"):
        Waiter(k8s, settings("run-a", parallelism=1)).start().result()


def test_server_errors_are_retried_then_recover(k8s: KubernetesEmulator) -> None:
    for name in ("run-a", "run-b"):
        add_pod(k8s, name)
    k8s.faults.inject(verb="patch", resource="pods", status=500, times=2)
    k8s.faults.inject(verb="list", resource="pods", status=503, times=2)
    k8s.faults.inject(verb="watch", resource="pods", status=500, times=1)
    quick = settings("run-a", parallelism=2).retry.__class__(attempts=6, base_delay=0.05)
    waiters = [
        Waiter(k8s, settings(n, parallelism=2, retry=quick)).start() for n in ("run-a", "run-b")
    ]
    _check_released_together(waiters, waiters[0].result().peers)
    assert k8s.faults.requests(verb="patch") == 4  # 2 failures + one per waiter


def test_410_during_the_watch_lists_again(k8s: KubernetesEmulator) -> None:
    with KubernetesEmulator(bookmark_interval=3600) as quiet:  # no bookmark refreshes the version
        add_pod(quiet, "run-a")
        add_pod(quiet, "run-b")
        first = Waiter(quiet, settings("run-a", parallelism=2)).start()
        _until(lambda: quiet.faults.requests(client="run-a", verb="watch") >= 1)
        add_pod(quiet, "unrelated", job="other")  # a version the waiter's watch never sees
        quiet.store.compact()
        quiet.end_watches()  # the waiter reconnects from its last version: too old now
        _until(lambda: quiet.faults.requests(client="run-a", verb="list") >= 2)
        second = Waiter(quiet, settings("run-b", parallelism=2)).start()
        _check_released_together([first, second], first.result().peers)
        assert quiet.faults.requests(client="run-a", verb="watch") >= 2


def test_watch_forbidden_falls_back_to_polling(k8s: KubernetesEmulator) -> None:
    k8s.faults.watch_forbidden = True
    for name in ("run-a", "run-b"):
        add_pod(k8s, name)
    first = Waiter(k8s, settings("run-a", parallelism=2)).start()
    _until(lambda: k8s.faults.requests(client="run-a", verb="list") >= 3)  # it polls
    second = Waiter(k8s, settings("run-b", parallelism=2)).start()
    _check_released_together([first, second], first.result().peers)


def test_hostile_pod_names(k8s: KubernetesEmulator) -> None:
    names = ["run-" + "x" * 240, "run- spaces & ünïcode\t?/%"]
    for name in names:
        add_pod(k8s, name)
    waiters = [Waiter(k8s, settings(n, parallelism=2)).start() for n in names]
    _check_released_together(waiters, waiters[0].result().peers)
    add_pod(k8s, "lonely-1", job="lonely")
    add_pod(k8s, "lonely\tü\n" + "y" * 200, job="lonely")
    with pytest.raises(WaitTimeout) as err:
        Waiter(k8s, settings("lonely-1", job_name="lonely", timeout=0.3)).start().result()
    message = str(err.value)
    assert "\n" not in message and "\t" not in message
    assert "missing: 'lonely\\t\\xfc\\n" + "y" * 63 + "...' (not registered)" in message


def test_a_pod_outside_the_job_is_warned_about(
    k8s: KubernetesEmulator, caplog: pytest.LogCaptureFixture
) -> None:
    add_pod(k8s, "stray", job="other")
    add_pod(k8s, "run-a")
    with pytest.raises(WaitTimeout, match="0 of 1 pods registered"):
        Waiter(k8s, settings("stray", parallelism=1, timeout=0.3)).start().result()
    assert "pod 'stray' is not labelled job-name=run: it will not count itself" in caplog.text


def test_unauthorized_watch_ends_at_once(k8s: KubernetesEmulator) -> None:
    add_pod(k8s, "run-a")
    k8s.faults.inject(verb="watch", resource="pods", status=401, times=None)
    with pytest.raises(PermissionDenied, match=r"^unauthorized: .* needs 'watch' on pods"):
        Waiter(k8s, settings("run-a", parallelism=2)).start().result()
    assert k8s.faults.requests(verb="watch") == 1
    assert k8s.faults.requests(verb="list") == 1  # no relist loop after a permanent error
