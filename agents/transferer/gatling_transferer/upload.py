"""One verified upload with progress lines: the step every object of the transferer goes through."""

from __future__ import annotations

import logging
from pathlib import Path

from gatling_common.storage import PermanentStorageError, Storage
from gatling_common.storage.manifest import ManifestEntry, entry_for

from gatling_transferer.compress import ZstdJob
from gatling_transferer.progress import ProgressLog
from gatling_transferer.settings import TransfererSettings

log = logging.getLogger(__name__)

_MB = 1_000_000


def upload_verified(
    storage: Storage,
    path: Path,
    name: str,
    content_type: str,
    metadata: dict[str, str],
    settings: TransfererSettings,
) -> ManifestEntry:
    """Upload; done only once the backend verified its checksum and the size matches.

    Returns the object's manifest entry (its SHA-256 is of the local file just verified).

    No retry here: the storage backend already retries the whole upload (`settings.storage.retry`
    attempts, on top of the SDK's per-request retries); another loop would multiply the attempts.
    """
    size = path.stat().st_size
    where = storage.describe(name)
    progress = ProgressLog(f"uploading {where}", size, log=log, interval=settings.progress_interval)
    info = storage.upload_file(
        path, name, content_type=content_type, metadata=metadata, progress=progress
    )
    if info.size != size:
        raise PermanentStorageError(f"{where}: stored {info.size} bytes, expected {size}")
    sent = info.size
    log.info(
        "uploaded %s (%.1f MB in %.1fs, %.1f MB/s)",
        where,
        sent / _MB,
        progress.elapsed(),
        sent / _MB / progress.elapsed(),
    )
    return entry_for(path, name)


def upload_compressing(
    storage: Storage,
    job: ZstdJob,
    name: str,
    content_type: str,
    metadata: dict[str, str],
    progress: ProgressLog,
) -> ManifestEntry:
    """`upload_verified` of a file compressed while it goes up (`compress.zstd_spool`).

    `progress` counts the log's raw bytes compressed (the compressed size is known only at the
    end); the same size check, and the manifest's SHA-256 is the one computed while writing.
    """
    where = storage.describe(name)
    info = storage.upload_spool(job.spool, name, content_type=content_type, metadata=metadata)
    size = job.spool.wait()
    if info.size != size:
        raise PermanentStorageError(f"{where}: stored {info.size} bytes, expected {size}")
    log.info(
        "uploaded %s (%.1f MB in %.1fs, %.1f MB/s)",
        where,
        size / _MB,
        progress.elapsed(),
        size / _MB / progress.elapsed(),
    )
    return ManifestEntry(name, size, job.sha256)
