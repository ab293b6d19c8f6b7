"""The gatling-waiter console script as a process: env vars, exact output, exit codes."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from gatling_kube_emulator.server import KubernetesEmulator, write_kubeconfig
from gatling_waiter.release import format_time, parse_time

from tests.waiter.conftest import NS, add_pod

SCRIPT = Path(sys.executable).parent / "gatling-waiter"


def _run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("GATLING_WAITER_", "KUBE"))}
    return subprocess.run(
        [str(SCRIPT), *args], env={**clean, **env}, capture_output=True, text=True, timeout=60
    )


@pytest.fixture
def env(k8s: KubernetesEmulator, tmp_path: Path) -> dict[str, str]:
    return {
        "GATLING_WAITER_KUBECONFIG": str(write_kubeconfig(tmp_path, k8s.url)),
        "GATLING_WAITER_NAMESPACE": NS,
        "GATLING_WAITER_JOB_NAME": "run",
        "GATLING_WAITER_LOG_LEVEL": "ERROR",
    }


def test_released_with_options_from_the_environment(
    k8s: KubernetesEmulator, env: dict[str, str]
) -> None:
    add_pod(k8s, "run-a")
    done = _run(
        {
            **env,
            "GATLING_WAITER_PARALLELISM": "1",
            "GATLING_WAITER_SETTLE": "0.1",
            "HOSTNAME": "run-a",
        }
    )
    assert (done.returncode, done.stderr) == (0, "")
    annotations = k8s.get("pods", NS, "run-a")["metadata"]["annotations"]
    registered = parse_time(annotations["gatling-fleet/registered-at"])
    assert registered is not None
    instant = format_time(registered + timedelta(seconds=0.1))
    assert done.stdout == f"released at {instant}: 1 of 1 pods registered\n"


def test_timeout_is_one_line_and_exit_code_3(k8s: KubernetesEmulator, env: dict[str, str]) -> None:
    add_pod(k8s, "run-a")
    add_pod(k8s, "run-b")
    done = _run(env, "--parallelism", "3", "--pod-name", "run-a", "--timeout", "0.5")
    assert done.returncode == 3
    assert done.stderr == (
        "error: timed out after 0.5s waiting for job 'run' in namespace 'ns': 1 of 3 pods "
        "registered; missing: 'run-b' (not registered), 1 pod not created yet\n"
    )
    assert done.stdout == ""


def test_forbidden_is_exit_code_4_naming_the_verb(
    k8s: KubernetesEmulator, env: dict[str, str]
) -> None:
    add_pod(k8s, "run-a")
    k8s.faults.deny("get", "pods")
    done = _run(env, "--parallelism", "1", "--pod-name", "run-a")
    assert done.returncode == 4
    assert done.stderr == (
        "error: forbidden: the runner's ServiceAccount needs 'get' on pods in namespace 'ns' "
        '(pods "run-a" is forbidden: User "system:serviceaccount:default:default" cannot get '
        'resource "pods" in API group "" in the namespace "ns")\n'
    )


def test_bad_start_time_is_a_usage_error(env: dict[str, str]) -> None:
    done = _run(env, "--parallelism", "1", "--pod-name", "p", "--start-time", "tomorrow")
    assert done.returncode == 2
    assert done.stderr.endswith(
        "Error: Invalid value for --start-time: 'tomorrow' is not a time; expected "
        "'2026-01-31 12:00:00' (UTC) or ISO 8601 like '2026-01-31T12:00:00Z'\n"
    )


@pytest.mark.parametrize(
    "form", ["%Y-%m-%dT%H:%M:%SZ", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S+00:00"]
)
def test_start_time_in_the_forms_go_users_wrote(
    k8s: KubernetesEmulator, env: dict[str, str], form: str
) -> None:
    add_pod(k8s, "run-a")
    start = (datetime.now(UTC) + timedelta(seconds=3)).replace(microsecond=0)
    args = ("--parallelism", "1", "--pod-name", "run-a", "--settle", "0.1")
    done = _run(env, *args, "--start-time", start.strftime(form))
    assert (done.returncode, done.stderr) == (0, "")
    annotations = k8s.get("pods", NS, "run-a")["metadata"]["annotations"]
    registered = parse_time(annotations["gatling-fleet/registered-at"])
    assert registered is not None
    instant = max(start, registered + timedelta(seconds=0.1))  # the release rule
    assert done.stdout == f"released at {format_time(instant)}: 1 of 1 pods registered\n"


def test_a_start_time_beyond_the_timeout_fails_at_once(
    k8s: KubernetesEmulator, env: dict[str, str]
) -> None:
    add_pod(k8s, "run-a")
    args = ("--parallelism", "1", "--pod-name", "run-a", "--timeout", "600")
    done = _run(env, *args, "--start-time", "2200-01-01 00:00:00")
    assert done.returncode == 2
    assert re.fullmatch(
        r"error: start time 2200-01-01T00:00:00\.000Z is \d+s away, beyond the timeout of "
        r"600s; pick a sooner start time or a longer timeout\n",
        done.stderr,
    )
    assert "gatling-fleet/registered-at" not in k8s.get("pods", NS, "run-a")["metadata"].get(
        "annotations", {}
    )


@pytest.mark.parametrize("value", ["inf", "-inf", "nan", "Infinity", "0", "-1"])
def test_timeout_must_be_a_finite_positive_number(env: dict[str, str], value: str) -> None:
    done = _run(env, "--parallelism", "1", "--pod-name", "p", "--timeout", value)
    assert done.returncode == 2
    assert "Error: Invalid value for '--timeout': " in done.stderr
    assert "Traceback" not in done.stderr


def test_the_timeout_bounds_retries_against_an_unreachable_api(tmp_path: Path) -> None:
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {
        "GATLING_WAITER_KUBECONFIG": str(write_kubeconfig(tmp_path, f"http://127.0.0.1:{port}")),
        "GATLING_WAITER_NAMESPACE": NS,
        "GATLING_WAITER_JOB_NAME": "run",
        "GATLING_WAITER_LOG_LEVEL": "WARNING",
    }
    done = _run(env, "--parallelism", "1", "--pod-name", "run-a", "--timeout", "1")
    assert done.returncode == 1
    assert "no time left for another before the deadline" in done.stderr
    # Backoffs of at least 0.25s, 0.5s, 1s: a 1s deadline leaves room for three attempts at most
    # (without it, all six ran, 14s).
    attempts = re.findall(r"get pod 'run-a': attempt (\d)/6 failed", done.stderr)
    assert 1 <= len(attempts) <= 3
    assert done.stderr.splitlines()[-1].startswith("error: get pod 'run-a': ")


def test_missing_pod_name_is_reported(env: dict[str, str]) -> None:
    done = _run({k: v for k, v in env.items()}, "--parallelism", "1")
    assert done.returncode == 2
    assert done.stderr == (
        "error: --pod-name not given, /etc/pod-info/name not readable, $HOSTNAME unset\n"
    )


def test_help_lists_every_option_with_its_env_var() -> None:
    done = _run({}, "--help")
    assert done.returncode == 0
    for option in (
        "--parallelism",
        "--job-name",
        "--namespace",
        "--pod-name",
        "--timeout",
        "--start-time",
        "--settle",
        "--poll-interval",
        "--kubeconfig",
    ):
        assert option in done.stdout
