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
    storage: Storage, path: Path, metadata: dict[str, str], settings: TransfererSettings
) -> ManifestEntry:
    """Upload a computed shard beside its log, with the log's own metadata, so the reporter can
    skip reading the log.

    One shard per log (`pod.stats`, `pod-2.stats`): the reporter uses shards only when every log
    has its own.
    """
    return upload_verified(storage, path, path.name, SHARD_TYPE, metadata, settings)
