"""`gatling-waiter`: the only place that reads options, files of the pod, and the environment."""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path

import click
from gatling_common.cli import FiniteFloatRange, one_line_errors
from gatling_common.errors import InputError
from gatling_common.kube import api_configuration
from gatling_common.logs import setup_logging
from gatling_common.start_time import EXAMPLE, parse_start_time
from kubernetes import client

from gatling_waiter.barrier import Barrier
from gatling_waiter.release import format_time
from gatling_waiter.settings import WaiterSettings

ENV = "GATLING_WAITER_"
NAMESPACE_FILE = Path("/var/run/secrets/kubernetes.io/serviceaccount/namespace")
POD_NAME_FILE = Path("/etc/pod-info/name")  # downward API: metadata.name

EPILOG = """\b
Exit codes:
  0  released: at least N pods registered and the common instant reached
  1  the Kubernetes API kept failing after retries
  2  a bad option (or no namespace / pod name / API configuration found)
  3  fewer than N pods registered within --timeout
  4  the ServiceAccount lacks a permission (get, list, watch or patch on pods)
"""


def _read_first_line(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8").strip() or None
    except OSError:
        return None


def _parse_start_time(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return parse_start_time(value)
    except InputError:
        raise click.BadParameter(
            f"{value!r} is not a time; expected {EXAMPLE}", param_hint="--start-time"
        ) from None


@click.command(
    epilog=EPILOG,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
@click.option(
    "--parallelism",
    envvar=f"{ENV}PARALLELISM",
    type=click.IntRange(min=1),
    required=True,
    metavar="N",
    help="How many pods must register before release.",
)
@click.option(
    "--job-name",
    envvar=f"{ENV}JOB_NAME",
    required=True,
    metavar="NAME",
    help="The runner Job; peers carry the label job-name=NAME.",
)
@click.option(
    "--namespace",
    envvar=f"{ENV}NAMESPACE",
    default=None,
    help=f"Namespace of the pods (default: {NAMESPACE_FILE}).",
)
@click.option(
    "--pod-name",
    envvar=f"{ENV}POD_NAME",
    default=None,
    help=f"This pod's name (default: {POD_NAME_FILE}, then $HOSTNAME).",
)
@click.option(
    "--timeout",
    envvar=f"{ENV}TIMEOUT",
    type=FiniteFloatRange(min=0, min_open=True),
    default=600.0,
    show_default=True,
    metavar="SECONDS",
    help="Give up when fewer than N pods registered by then.",
)
@click.option(
    "--start-time",
    envvar=f"{ENV}START_TIME",
    default=None,
    metavar="TIME",
    help="Nobody is released before it: 'YYYY-MM-DD HH:MM[:SS]' (UTC) or ISO 8601 with T, Z or "
    "an offset. Must lie within --timeout.",
)
@click.option(
    "--settle",
    envvar=f"{ENV}SETTLE",
    type=FiniteFloatRange(min=0),
    default=2.0,
    show_default=True,
    metavar="SECONDS",
    help="Release this long after the N-th registration (lets all views agree).",
)
@click.option(
    "--poll-interval",
    envvar=f"{ENV}POLL_INTERVAL",
    type=FiniteFloatRange(min=0, min_open=True),
    default=1.0,
    show_default=True,
    metavar="SECONDS",
    help="Polling period (jittered) when watching is forbidden.",
)
@click.option(
    "--kubeconfig",
    envvar=f"{ENV}KUBECONFIG",
    default=None,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Use this kubeconfig instead of the in-cluster ServiceAccount.",
)
@click.option(
    "--log-level",
    envvar=f"{ENV}LOG_LEVEL",
    default="INFO",
    show_default=True,
    type=click.Choice(["DEBUG", "INFO", "WARNING", "ERROR"], case_sensitive=False),
)
@one_line_errors
def main(
    parallelism: int,
    job_name: str,
    namespace: str | None,
    pod_name: str | None,
    timeout: float,
    start_time: str | None,
    settle: float,
    poll_interval: float,
    kubeconfig: Path | None,
    log_level: str,
) -> None:
    """Hold a runner pod until N pods of its Job are registered, then release all together."""
    setup_logging(log_level)
    namespace = namespace or _read_first_line(NAMESPACE_FILE)
    if not namespace:
        raise InputError(f"--namespace not given and {NAMESPACE_FILE} not readable")
    pod_name = pod_name or _read_first_line(POD_NAME_FILE) or os.environ.get("HOSTNAME")
    if not pod_name:
        raise InputError(f"--pod-name not given, {POD_NAME_FILE} not readable, $HOSTNAME unset")
    settings = WaiterSettings(
        parallelism=parallelism,
        job_name=job_name,
        namespace=namespace,
        pod_name=pod_name,
        timeout=timeout,
        start_time=_parse_start_time(start_time),
        settle=settle,
        poll_interval=poll_interval,
    )
    with (
        client.ApiClient(api_configuration(kubeconfig)) as api_client,
        Barrier(settings, api_client) as barrier,
    ):
        release = barrier.wait()
    click.echo(
        f"released at {format_time(release.instant)}: {len(release.peers)} of "
        f"{parallelism} pods registered"
    )
