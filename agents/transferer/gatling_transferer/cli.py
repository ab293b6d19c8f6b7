"""`gatling-transferer`: the only place that reads options and the environment."""

from __future__ import annotations

import os
import socket
from pathlib import Path
from typing import Any

import click
from gatling_common.cli import FiniteFloatRange, one_line_errors
from gatling_common.logs import setup_logging
from gatling_common.storage.options import settings_from_options, storage_options

from gatling_transferer.settings import (
    COMPRESSIONS,
    DEFAULT_RESULTS_DIR,
    Compression,
    TransfererSettings,
)
from gatling_transferer.transfer import run

ENV = "GATLING_TRANSFERER_"

EPILOG = """\b
Exit codes:
  0  every log uploaded and verified; also when the run FAILED
     (the log is kept, marked status=FAILED; the runner container
     carries Gatling's own exit code, so the pod fails anyway)
  1  an upload failed after retries (the object is not reported done)
  2  a bad option or destination (a missing bucket or refused credentials: at start)
  3  no COMPLETED or FAILED marker within --timeout
  4  no simulation.log below the results dir
  5  a simulation.log cannot be read (the readable ones are uploaded)
"""


@click.command(
    epilog=EPILOG,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
@click.option(
    "--results-dir",
    show_envvar=True,
    envvar=f"{ENV}RESULTS_DIR",
    type=click.Path(file_okay=False, path_type=Path),
    default=DEFAULT_RESULTS_DIR,
    show_default=True,
    help="Where Gatling writes <simulation>-<timestamp>/simulation.log and the runner its marker.",
)
@click.option(
    "--destination",
    show_envvar=True,
    envvar=f"{ENV}DESTINATION",
    required=True,
    metavar="URL",
    help="The run's storage location: s3://bucket/prefix, gs://, az://container/prefix, "
    "file:///dir (also the Go operator's s3:bucket/prefix).",
)
@click.option(
    "--name",
    show_envvar=True,
    envvar=f"{ENV}NAME",
    default=None,
    help="Object name: <name>.log (default: $HOSTNAME, i.e. the pod's name).",
)
@click.option(
    "--timeout",
    show_envvar=True,
    envvar=f"{ENV}TIMEOUT",
    type=FiniteFloatRange(min=0, min_open=True),
    default=None,
    metavar="SECONDS",
    help="How long to wait for the COMPLETED or FAILED marker (default: no limit).",
)
@click.option(
    "--run-id",
    show_envvar=True,
    envvar=f"{ENV}RUN_ID",
    default=None,
    help="The run this pod belongs to, written in its manifest <name>.manifest.json: the "
    "reporter merges the pods of the newest run only, so a re-run into the same location "
    "leaves the earlier run's pods out (the same value for every pod of one run, e.g. the "
    "runner Job's uid).",
)
@click.option(
    "--compress",
    show_envvar=True,
    envvar=f"{ENV}COMPRESS",
    type=click.Choice(COMPRESSIONS),
    default="none",
    show_default=True,
    help="gzip: upload <name>.log.gz (compressed in $TMPDIR first). zstd: upload "
    "<name>.log.zst, compressed while it uploads (faster; the reporter reads both).",
)
@click.option(
    "--shard/--no-shard",
    show_envvar=True,
    envvar=f"{ENV}SHARD",
    default=False,
    show_default=True,
    help="Also upload <name>.stats, the log's statistics shard, so the reporter need not read "
    "the log.",
)
@click.option(
    "--check-destination/--no-check-destination",
    show_envvar=True,
    envvar=f"{ENV}CHECK_DESTINATION",
    default=True,
    show_default=True,
    help="List the destination once at start, so that a missing bucket or refused credentials "
    "fail before the load test rather than after it (skip for write-only credentials).",
)
@click.option(
    "--settle",
    show_envvar=True,
    envvar=f"{ENV}SETTLE",
    type=FiniteFloatRange(min=0),
    default=1.0,
    show_default=True,
    metavar="SECONDS",
    help="Upload a log once unchanged this long and (text logs) ending with a whole line.",
)
@click.option(
    "--settle-limit",
    show_envvar=True,
    envvar=f"{ENV}SETTLE_LIMIT",
    type=FiniteFloatRange(min=0),
    default=120.0,
    show_default=True,
    metavar="SECONDS",
    help="Then upload it as it is, marked complete=false, with a warning saying why.",
)
@click.option(
    "--log-level",
    show_envvar=True,
    envvar=f"{ENV}LOG_LEVEL",
    type=click.Choice(["DEBUG", "INFO", "WARNING", "ERROR"], case_sensitive=False),
    default="INFO",
    show_default=True,
)
@storage_options
@one_line_errors
def main(
    results_dir: Path,
    destination: str,
    name: str | None,
    timeout: float | None,
    run_id: str | None,
    compress: str,
    shard: bool,
    check_destination: bool,
    settle: float,
    settle_limit: float,
    log_level: str,
    **storage: Any,
) -> None:
    """Wait for the runner's marker, then upload every simulation.log to the run's location,
    and last the pod's manifest <name>.manifest.json, which lists them for the reporter.

    Every option is also an environment variable: GATLING_TRANSFERER_<OPTION> for the
    transferer's own (e.g. GATLING_TRANSFERER_DESTINATION), the SDKs' usual variables for the
    storage ones (AWS_ENDPOINT_URL, STORAGE_EMULATOR_HOST, AZURE_STORAGE_CONNECTION_STRING, ...).
    Prints the URL of each uploaded object on stdout; progress goes to stderr.
    """
    setup_logging(log_level)
    settings = TransfererSettings(
        destination=destination,
        name=name if name is not None else _default_name(),
        results_dir=results_dir,
        timeout=timeout,
        compress=_compression(compress),
        shard=shard,
        check_destination=check_destination,
        run_id=(run_id or "").strip() or None,
        settle=settle,
        settle_limit=settle_limit,
        storage=settings_from_options(storage),
    )
    run(settings, on_uploaded=lambda uploaded: click.echo(uploaded.url))


def _default_name() -> str:
    """Kubernetes sets HOSTNAME to the pod's name; outside a pod, the host's name."""
    return os.environ.get("HOSTNAME") or socket.gethostname()


def _compression(value: str) -> Compression:
    for known in COMPRESSIONS:  # click.Choice already refused any other value
        if value == known:
            return known
    raise click.BadParameter(f"unknown compression {value!r}", param_hint="--compress")
