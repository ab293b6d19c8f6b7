"""The transferer's job: wait for the marker, then upload every simulation.log of the pod."""

from __future__ import annotations

import contextlib
import logging
import shutil
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from gatling_common.storage import (
    PermanentStorageError,
    RetryableStorageError,
    Storage,
    open_storage,
)
from gatling_common.storage.manifest import ManifestEntry

from gatling_transferer.complete import wait_until_complete
from gatling_transferer.compress import gzip_file, zstd_spool
from gatling_transferer.discover import FoundLog, check_name, check_readable, find_logs
from gatling_transferer.errors import DestinationError, UnreadableLogError
from gatling_transferer.manifest import begin, finish
from gatling_transferer.marker import Status, wait_for_marker
from gatling_transferer.metadata import log_metadata
from gatling_transferer.progress import ProgressLog
from gatling_transferer.settings import TransfererSettings
from gatling_transferer.shard import compute_shard, upload_shard
from gatling_transferer.upload import upload_compressing, upload_verified

log = logging.getLogger(__name__)

_MB = 1_000_000  # progress and sizes in decimal MB, as MB/s rates are
TEXT_LOG_TYPE = "text/plain; charset=utf-8"  # Gatling before 3.13
BINARY_LOG_TYPE = "application/octet-stream"  # Gatling 3.13+
# A .log.gz is stored as a gzip file, not as a text object with Content-Encoding: gzip: GCS
# would otherwise decompress it on download (decompressive transcoding) and break the checksum.
GZIP_TYPE = "application/gzip"
ZSTD_TYPE = "application/zstd"  # RFC 8878; likewise a file, never a Content-Encoding


@dataclass(frozen=True)
class Uploaded:
    source: Path
    name: str  # object name relative to the destination
    url: str  # where it went, for people and the demo
    status: Status
    raw_bytes: int
    sent_bytes: int
    complete: bool = True  # False: uploaded as it was, still written or cut at its end
    objects: tuple[ManifestEntry, ...] = ()  # what went to the store: the log, and its shard


def run(
    settings: TransfererSettings, on_uploaded: Callable[[Uploaded], None] | None = None
) -> list[Uploaded]:
    """Wait for the marker and upload; raise a `FleetError` for every expected failure.

    `on_uploaded` hears of each verified object at once, also when a later log then fails.
    """
    name = check_name(settings.name)
    # Open and check first: a malformed destination, a missing bucket or refused credentials
    # fail now, not after the whole load test.
    storage = open_storage(settings.destination, settings.storage)
    if settings.check_destination:
        check_destination(storage)
    status = wait_for_marker(
        settings.results_dir,
        timeout=settings.timeout,
        watch=settings.watch,
        poll_interval=settings.poll_interval,
        on_waiting=lambda how: log.info(
            "waiting for COMPLETED or FAILED in %s (%s, %s)",
            settings.results_dir,
            how,
            "no time limit" if settings.timeout is None else f"timeout {settings.timeout:g}s",
        ),
    )
    log.info("marker %s found in %s", status, settings.results_dir)
    # From here on, this pod's objects of an earlier transfer are listed in no manifest, also
    # when no log is found or an upload fails.
    transfer = begin(storage, name, settings.run_id)
    uploaded: list[Uploaded] = []
    unreadable: list[UnreadableLogError] = []
    for found in find_logs(settings.results_dir, name):
        try:
            check_readable(found)
        except UnreadableLogError as exc:
            log.error("skipping %s: %s", found.relative, exc)
            unreadable.append(exc)
            continue
        done = upload_log(storage, found, status, settings)
        uploaded.append(done)
        if on_uploaded is not None:
            on_uploaded(done)
    # Last: the manifest lists only objects already uploaded and verified.
    finish(transfer, status, [entry for done in uploaded for entry in done.objects])
    if unreadable:
        # The readable logs are uploaded (evidence kept); the run still ends non-zero.
        raise unreadable[0]
    if status == "FAILED":
        log.warning("the run FAILED; its log is uploaded and marked status=FAILED")
    return uploaded


def check_destination(storage: Storage) -> None:
    """A permanent refusal is fatal now; an unreachable store may be back when the run ends."""
    try:
        storage.check_access()
    except RetryableStorageError as exc:
        log.warning("cannot check %s now (%s); will upload after the run", storage.describe(), exc)
    except PermanentStorageError as exc:
        raise DestinationError(
            f"{exc} (checked before the run; --no-check-destination skips this)"
        ) from exc


def upload_log(
    storage: Storage, found: FoundLog, status: Status, settings: TransfererSettings
) -> Uploaded:
    whole = wait_until_complete(found.path, settle=settings.settle, limit=settings.settle_limit)
    if not whole.complete:
        log.warning(
            "%s is %s; uploading it as it is, marked complete=false", found.relative, whole.reason
        )
    with contextlib.ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="transferer-")))
        # A log still being written is copied first: the upload and its size check need one
        # fixed content.
        source = found.path if whole.complete else _snapshot(found.path, tmp / "snapshot.log")
        raw_bytes = source.stat().st_size
        metadata = log_metadata(
            status=status,
            source_path=found.relative,
            raw_bytes=raw_bytes,
            pod=settings.name,
            complete=whole.complete,
        )
        # The shard is computed while the log goes up (CPU beside network), from the same fixed
        # content: a snapshot's shard must not read the live file. The pool is shut down (the
        # shard finished) before tmp is removed.
        shard_job = None
        if settings.shard:
            pool = stack.enter_context(ThreadPoolExecutor(1, thread_name_prefix="shard"))
            shard_job = pool.submit(compute_shard, found, status, source, tmp)
        started = time.monotonic()
        if settings.compress == "zstd":
            name = f"{found.object_name}.zst"
            progress = ProgressLog(
                f"compressing and uploading {storage.describe(name)}",
                raw_bytes,
                log=log,
                interval=settings.progress_interval,
            )
            # Compressed while it goes up: the thread writes tmp/<name>, the upload follows it.
            with zstd_spool(source, tmp / name, on_read=progress) as job:
                sent = upload_compressing(storage, job, name, ZSTD_TYPE, metadata, progress)
            _compressed(found, raw_bytes, sent.size, started)
        elif settings.compress == "gzip":
            name = f"{found.object_name}.gz"
            compressed = gzip_file(source, tmp / name, inner_name=found.object_name)
            _compressed(found, raw_bytes, compressed.compressed_bytes, started)
            sent = upload_verified(storage, compressed.path, name, GZIP_TYPE, metadata, settings)
        else:
            name = found.object_name
            sent = upload_verified(storage, source, name, _log_type(source), metadata, settings)
        objects = [sent]
        shard_path = shard_job.result() if shard_job is not None else None
        if shard_path is not None:  # after the log: the reporter looks for a shard beside it
            objects.append(upload_shard(storage, shard_path, metadata, settings))
    url = storage.describe(name)
    return Uploaded(
        found.path, name, url, status, raw_bytes, sent.size, whole.complete, tuple(objects)
    )


def _compressed(found: FoundLog, raw_bytes: int, compressed_bytes: int, started: float) -> None:
    log.info(
        "compressed %s: %.1f MB -> %.1f MB (%.1fx fewer bytes) in %.1fs",
        found.relative,
        raw_bytes / _MB,
        compressed_bytes / _MB,
        raw_bytes / max(compressed_bytes, 1),
        time.monotonic() - started,
    )


def _snapshot(path: Path, to: Path) -> Path:
    shutil.copyfile(path, to)
    return to


def _log_type(path: Path) -> str:
    """Text logs start with a record name (RUN, ASSERTION, ...); binary 3.13+ logs do not."""
    with path.open("rb") as fh:
        head = fh.read(1)
    return TEXT_LOG_TYPE if head.isalpha() else BINARY_LOG_TYPE
