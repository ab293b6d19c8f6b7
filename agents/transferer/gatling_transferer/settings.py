"""The transferer's settings: one frozen value built by the CLI and passed to the library."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from gatling_common.storage import StorageSettings

Compression = Literal["none", "gzip", "zstd"]
COMPRESSIONS: tuple[Compression, ...] = ("none", "gzip", "zstd")
DEFAULT_RESULTS_DIR = Path("/opt/gatling/results")


@dataclass(frozen=True)
class TransfererSettings:
    destination: str  # storage URL of the run: s3://, gs://, az://, file://
    name: str  # object base name, normally the pod's name
    results_dir: Path = DEFAULT_RESULTS_DIR
    timeout: float | None = None  # seconds to wait for the marker; None waits without limit
    compress: Compression = "none"
    shard: bool = False  # also upload <name>.stats, the log's statistics shard
    storage: StorageSettings = field(default_factory=StorageSettings)
    # Watch with inotify (via watchdog) unless it cannot start; "polling" forces the fallback.
    watch: Literal["auto", "polling"] = "auto"
    poll_interval: float = 1.0  # seconds between checks when polling
    progress_interval: float = 5.0  # seconds between progress lines of one upload
    # A log is uploaded once unchanged for `settle` s with a whole last line; after `settle_limit`
    # s as it is, marked complete=false (see complete.py).
    check_destination: bool = True  # list it once at start: a missing bucket fails at once
    # Which run this pod belongs to, written in its manifest: the reporter merges one run only,
    # so an earlier run's pods in the same location are left out. None: the run is not named.
    run_id: str | None = None
    settle: float = 1.0
    settle_limit: float = 120.0
