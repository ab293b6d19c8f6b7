"""`--shard`: the log's statistics shard, uploaded beside it for the reporter."""

from __future__ import annotations

import logging
import time
from pathlib import Path

from gatling_common.errors import FleetError
from gatling_common.storage import Storage
from gatling_common.storage.manifest import ManifestEntry

from gatling_transferer.discover import FoundLog
from gatling_transferer.marker import Status
from gatling_transferer.metadata import log_metadata
from gatling_transferer.settings import TransfererSettings
from gatling_transferer.upload import upload_verified

log = logging.getLogger(__name__)

SHARD_TYPE = (
    "application/octet-stream"  # a versioned npz archive (gatling_common.results.statistics.shard)
)


def compute_shard(found: FoundLog, status: Status, source: Path, folder: Path) -> Path | None:
    """Write `<object stem>.stats` of the log into folder; None when no shard could be computed.

    A log the statistics reader refuses keeps its upload; the reporter then reads the log itself
    and says why, so the transferer only warns here.
    """
    # Imported here: numpy and the readers load only when a shard is asked for.
    from gatling_common.results.statistics.shard import SHARD_SUFFIX, write_shard

    path = folder / (found.object_name.removesuffix(".log") + SHARD_SUFFIX)
    started = time.monotonic()
    try:
        write_shard([source], path, status=status)
    except FleetError as exc:
        log.warning("no statistics shard for %s: %s", found.relative, exc)
        return None
    log.info(
        "computed the statistics shard of %s in %.1fs", found.relative, time.monotonic() - started
    )
    return path


def upload_shard(
    storage: Storage,
    found: FoundLog,
    status: Status,
    settings: TransfererSettings,
    path: Path,
    complete: bool = True,
    source: Path | None = None,
) -> ManifestEntry:
    """Upload a computed shard beside the log, so the reporter can skip reading the log.

    One shard per log (`pod.stats`, `pod-2.stats`): the reporter uses shards only when every log
    has its own.
    """
    metadata = log_metadata(
        status=status,
        source_path=found.relative,
        raw_bytes=(source or found.path).stat().st_size,
        pod=settings.name,
        complete=complete,
    )
    return upload_verified(storage, path, path.name, SHARD_TYPE, metadata, settings)
