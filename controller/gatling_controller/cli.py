"""`gatling-controller`: the only place that reads options and the environment."""

from __future__ import annotations

import signal
from pathlib import Path
from types import FrameType
from typing import Any, TextIO

import click
from gatling_common.cli import FiniteFloatRange, one_line_errors
from gatling_common.kube import api_configuration
from gatling_common.logs import setup_logging
from gatling_common.storage.options import settings_from_options, storage_options
from kubernetes import client

from gatling_controller.kube import Kube
from gatling_controller.reconciler import Reconciler
from gatling_controller.render import PLACEHOLDER_UID, gatlings_in, render_yaml
from gatling_controller.runtime import Controller
from gatling_controller.settings import ControllerSettings

ENV = "GATLING_CONTROLLER_"
DEFAULTS = ControllerSettings()


@click.group(
    invoke_without_command=True,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
@click.option(
    "--namespace",
    envvar=f"{ENV}NAMESPACE",
    default=None,
    help="Watch only this namespace (default: every namespace).",
)
@click.option(
    "--kubeconfig",
    envvar="KUBECONFIG",
    default=None,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Kubeconfig file (default: in-cluster config, else ~/.kube/config).",
)
@click.option(
    "--max-concurrent-reconciles",
    envvar=f"{ENV}MAX_CONCURRENT_RECONCILES",
    type=click.IntRange(min=1),
    default=DEFAULTS.max_concurrent_reconciles,
    show_default=True,
    help="Worker threads; one resource is never reconciled twice at once.",
)
@click.option(
    "--waiter-image",
    envvar=f"{ENV}WAITER_IMAGE",
    default=DEFAULTS.waiter_image,
    show_default=True,
    help="Image of the runner pods' init container.",
)
@click.option(
    "--transferer-image",
    envvar=f"{ENV}TRANSFERER_IMAGE",
    default=DEFAULTS.transferer_image,
    show_default=True,
    help="Image of the container uploading each pod's results.",
)
@click.option(
    "--reporter-image",
    envvar=f"{ENV}REPORTER_IMAGE",
    default=DEFAULTS.reporter_image,
    show_default=True,
    help="Image of the reporter Job.",
)
@click.option(
    "--max-job-creation-wait-time",
    envvar="MAX_JOB_CREATION_WAIT_TIME",
    type=FiniteFloatRange(min=0, min_open=True),
    default=DEFAULTS.job_creation_timeout,
    show_default=True,
    metavar="SECONDS",
    help="How long a created Job may take to start (the Go operator's variable).",
)
@click.option(
    "--max-job-run-wait-time",
    envvar="MAX_JOB_RUN_WAIT_TIME",
    type=FiniteFloatRange(min=0, min_open=True),
    default=DEFAULTS.job_run_timeout,
    show_default=True,
    metavar="SECONDS",
    help="How long a started Job may run (the Go operator's variable).",
)
@click.option(
    "--requeue-interval",
    envvar=f"{ENV}REQUEUE_INTERVAL",
    type=FiniteFloatRange(min=0, min_open=True),
    default=DEFAULTS.requeue_interval,
    show_default=True,
    metavar="SECONDS",
    help="How often a running Job is looked at besides its watch events.",
)
@click.option(
    "--resync-period",
    envvar=f"{ENV}RESYNC_PERIOD",
    type=FiniteFloatRange(min=0, min_open=True),
    default=DEFAULTS.resync_period,
    show_default=True,
    metavar="SECONDS",
    help="Reconcile every resource this often.",
)
@click.option(
    "--s3-host",
    envvar=f"{ENV}S3_HOST",
    default=DEFAULTS.s3_host,
    show_default=True,
    help="Host of S3 report URLs (https://<bucket>.<host>/...).",
)
@click.option(
    "--report-azure-account",
    envvar=f"{ENV}REPORT_AZURE_ACCOUNT",
    default="",
    help="Storage account of Azure report URLs when the resource names none.",
)
@click.option(
    "--notification-template",
    envvar=f"{ENV}NOTIFICATION_TEMPLATE",
    default=None,
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    help="A jinja2 text template for notifications (variable: run).",
)
@click.option(
    "--log-level",
    envvar=f"{ENV}LOG_LEVEL",
    default="INFO",
    show_default=True,
    type=click.Choice(["DEBUG", "INFO", "WARNING", "ERROR"], case_sensitive=False),
)
@storage_options
@click.pass_context
@one_line_errors
def main(
    ctx: click.Context,
    namespace: str | None,
    kubeconfig: Path | None,
    max_concurrent_reconciles: int,
    waiter_image: str,
    transferer_image: str,
    reporter_image: str,
    max_job_creation_wait_time: float,
    max_job_run_wait_time: float,
    requeue_interval: float,
    resync_period: float,
    s3_host: str,
    report_azure_account: str,
    notification_template: Path | None,
    log_level: str,
    **storage: Any,
) -> None:
    """Reconcile Gatling resources (gatling-operator.tech.zozo.com/v1alpha1) into load test runs.

    Without a command it runs the controller. The storage options are the controller's own access
    to the run's storage, used only to read a finished report's statistics for notifications.
    """
    settings = ControllerSettings(
        waiter_image=waiter_image,
        transferer_image=transferer_image,
        reporter_image=reporter_image,
        namespace=namespace or None,
        max_concurrent_reconciles=max_concurrent_reconciles,
        job_creation_timeout=max_job_creation_wait_time,
        job_run_timeout=max_job_run_wait_time,
        requeue_interval=requeue_interval,
        resync_period=resync_period,
        s3_host=s3_host,
        azure_account=report_azure_account,
        notification_template=notification_template.read_text() if notification_template else None,
    )
    if ctx.invoked_subcommand is not None:
        ctx.obj = settings  # the images and limits shape what `render` prints
        return
    setup_logging(log_level)
    kube = Kube(_api_client(kubeconfig, max_concurrent_reconciles))
    reconciler = Reconciler(kube, settings, settings_from_options(storage))
    controller = Controller(kube, reconciler, settings).start()

    def stop(signum: int, frame: FrameType | None) -> None:
        controller.stop()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    controller.wait()


@main.command("render")
@click.option(
    "-f",
    "--filename",
    "source",
    envvar=f"{ENV}RENDER_FILENAME",
    required=True,
    type=click.File("r", encoding="utf-8"),
    help="YAML with one or more Gatling resources ('-': standard input); other kinds are skipped.",
)
@click.option(
    "--uid",
    envvar=f"{ENV}RENDER_UID",
    default=None,
    help=f"The resource's uid, to reproduce a real run's storage path (default: its metadata.uid, "
    f"else {PLACEHOLDER_UID}).",
)
@click.pass_obj
@one_line_errors
def render(settings: ControllerSettings, source: TextIO, uid: str | None) -> None:
    """Print, as YAML, every object the controller would create for the resources; no cluster.

    \b
    Exit codes: 0 printed; 2 not YAML, no Gatling resource, or a spec the controller refuses.
    """
    text = source.read()
    click.echo(render_yaml(gatlings_in(text, source.name, uid), settings), nl=False)


def _api_client(kubeconfig: Path | None, workers: int) -> client.ApiClient:
    configuration = api_configuration(kubeconfig)
    # Workers, two watches and a resync share the pool; a small pool would serialize them.
    configuration.connection_pool_maxsize = workers + 4
    return client.ApiClient(configuration)
