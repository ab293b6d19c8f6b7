"""The pod's transfer manifest (`<name>.manifest.json`, gatling_common.storage.manifest).

`begin` runs once the runner's marker is found: it remembers the manifest an earlier transfer of
this pod left and overwrites it with one listing nothing, so that the earlier run's objects of this
pod are listed nowhere from then on, whatever happens next (no log found, a failed upload).
`finish` runs after the last verified upload: it writes the manifest listing this run's objects,
then deletes what the earlier manifest listed and this one does not (`pod-0-2.log` of an earlier
run with two logs). Deleting is best effort: the reporter leaves unlisted objects out anyway.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass

from gatling_common.errors import InputError
from gatling_common.storage import (
    BucketNotFoundError,
    NotFoundError,
    Storage,
    StorageError,
)
from gatling_common.storage.manifest import (
    Manifest,
    ManifestEntry,
    manifest_name,
    now,
    read_manifest,
    write_manifest,
)

from gatling_transferer.marker import Status
from gatling_transferer.metadata import fleet_version

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Transfer:
    """One pod's transfer in progress: who, for which run, and what an earlier one left."""

    storage: Storage
    pod: str
    run: str | None
    previous: Manifest | None


def begin(storage: Storage, pod: str, run: str | None) -> Transfer:
    previous = _previous(storage, pod)
    write_manifest(storage, _manifest(pod, run, done=False))
    return Transfer(storage, pod, run, previous)


def finish(transfer: Transfer, status: Status, objects: Iterable[ManifestEntry]) -> Manifest:
    listed = tuple(objects)
    manifest = _manifest(transfer.pod, transfer.run, done=True, status=status, objects=listed)
    write_manifest(transfer.storage, manifest)
    log.info("wrote %s (%d objects)", transfer.storage.describe(manifest.name), len(listed))
    if transfer.previous is not None:
        kept = {entry.name for entry in listed}
        stale = [e for e in transfer.previous.objects if e.name not in kept]
        _delete_stale(transfer.storage, stale)
    return manifest


def _manifest(
    pod: str,
    run: str | None,
    *,
    done: bool,
    status: str = "",
    objects: tuple[ManifestEntry, ...] = (),
) -> Manifest:
    return Manifest(
        pod=pod,
        run=run,
        done=done,
        written=now(),
        status=status,
        objects=objects,
        fleet_version=fleet_version(),
    )


def _previous(storage: Storage, pod: str) -> Manifest | None:
    """The manifest an earlier transfer of this pod left, if it can be read."""
    name = manifest_name(pod)
    try:
        return read_manifest(storage, name)
    except BucketNotFoundError:
        raise
    except NotFoundError:
        return None
    except (InputError, StorageError) as exc:
        # Write-only credentials cannot read it: the objects it lists stay, unlisted from now on.
        log.warning("cannot read the earlier %s; its objects are not deleted: %s", name, exc)
        return None


def _delete_stale(storage: Storage, stale: list[ManifestEntry]) -> None:
    for entry in stale:
        where = storage.describe(entry.name)
        try:
            if storage.head(entry.name).size != entry.size:
                # Not the object the earlier manifest listed: someone else wrote it since.
                log.info("kept %s: changed since the earlier manifest listed it", where)
                continue
            storage.delete(entry.name)
        except NotFoundError:
            continue
        except StorageError as exc:
            log.warning("could not delete %s of an earlier transfer: %s", where, exc)
            continue
        log.info("deleted %s, left by an earlier transfer of this pod", where)
