"""The reporter agent's storage side: fetch the pods' logs (or shards), publish the report.

`gatling-reporter report` = `fetch_inputs` (list the run's location, download in parallel) ->
the same build as `gatling-reporter build` -> `publish.publish` (one build under `_builds/`, then
the location's index.html switched to it). What the transferers wrote under a run's location
(contracts.md):
`<pod>.log`, `<pod>.log.gz` or `<pod>.log.zst` with object metadata `status` = COMPLETED or
FAILED, and `<pod>.stats`, that pod's statistics shard, when they were asked for one. Shards are
used when every log has one (a 500-pod run then merges 500 small files), the raw logs otherwise.

Which objects are the run's: each pod's transferer writes `<pod>.manifest.json` last, listing the
objects it uploaded (gatling_common.storage.manifest). When the location has manifests, only
objects listed by the manifests of one run (the run of the newest manifest) are merged, each
checked against its listed size and SHA-256; every other log or shard there is left out with a
warning naming it. A location without any manifest (older transferers, files placed by hand) is
merged as found, with a warning.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from gatling_common.errors import InputError
from gatling_common.results.statistics.stats import RunStats
from gatling_common.storage import ObjectInfo, Storage
from gatling_common.storage.manifest import (
    Manifest,
    ManifestEntry,
    is_manifest,
    read_manifest,
    sha256_file,
)

log = logging.getLogger(__name__)

# Longest first: `pod-1.log.zst` is pod `pod-1`. publish.is_input keeps all of them.
LOG_SUFFIXES = (".log.zst", ".log.gz", ".log")
SHARD_SUFFIX = ".stats"
STATUS_KEY = "status"  # the transferer's metadata key (contracts.md: COMPLETED or FAILED)
COMPLETE_KEY = "complete"  # "false": uploaded from a snapshot of a log still written or cut


@dataclass(frozen=True)
class RunInput:
    """One object of the run's location, downloaded."""

    name: str  # relative to the source location
    path: Path  # the local copy
    size: int
    status: str  # COMPLETED, FAILED, or UNKNOWN when the metadata says nothing
    complete: bool = True  # False: the transferer uploaded it still written or cut at its end


@dataclass(frozen=True)
class Fetched:
    inputs: list[RunInput]
    kind: str  # "shards" or "logs"


def _stem(name: str) -> str | None:
    for suffix in (*LOG_SUFFIXES, SHARD_SUFFIX):
        if name.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)]
    return None


def choose_inputs(objects: Iterable[ObjectInfo]) -> tuple[list[ObjectInfo], str]:
    """The objects to read: every shard when each log has one, else the logs (and lone shards)."""
    logs: dict[str, ObjectInfo] = {}
    shards: dict[str, ObjectInfo] = {}
    for obj in objects:
        stem = _stem(obj.name)
        if stem is None:
            continue
        (shards if obj.name.endswith(SHARD_SUFFIX) else logs)[stem] = obj
    if shards and set(logs) <= set(shards):
        return [shards[s] for s in sorted(shards)], "shards"
    chosen = [logs[s] for s in sorted(logs)]
    # A pod with a shard but no log (its log was deleted) still counts.
    chosen += [shards[s] for s in sorted(set(shards) - set(logs))]
    return chosen, "logs"


@dataclass(frozen=True)
class Listed:
    """The objects of the location that may be merged, and what their manifests say of them."""

    objects: list[ObjectInfo]
    expected: dict[str, ManifestEntry]  # name -> entry; empty for a location without manifests


def listed_inputs(storage: Storage, objects: list[ObjectInfo], manifests: list[Manifest]) -> Listed:
    """Logs and shards listed by the current run's manifests, each left-out one named in a
    warning; every log and shard when the location has no manifest at all (`manifests` empty)."""
    candidates = [o for o in objects if _stem(o.name) is not None]
    if not manifests:
        if candidates:
            log.warning(
                "%s has no transfer manifests (*.manifest.json): merging every log and shard "
                "there as found (written by transferers before manifests, or by hand); objects "
                "of an earlier run in this location cannot be told apart",
                storage.describe(),
            )
        return Listed(candidates, {})
    current = _current_run(storage, manifests)
    expected = {entry.name: entry for m in current for entry in m.objects}
    allowed = [o for o in candidates if _matches(storage, o, expected.get(o.name))]
    present = {o.name for o in candidates}
    for name in sorted(set(expected) - present):
        log.warning("%s is listed in a manifest but missing", storage.describe(name))
    return Listed(allowed, {o.name: expected[o.name] for o in allowed})


def _current_run(storage: Storage, manifests: list[Manifest]) -> list[Manifest]:
    """The manifests of the run of the newest manifest; the others are named in warnings."""
    newest = max(manifests, key=lambda m: m.written)
    current = [m for m in manifests if m.run == newest.run]
    for m in manifests:
        if m.run != newest.run:
            log.warning(
                "left out pod %s: %s is of run %s, not of the newest run %s",
                m.pod,
                storage.describe(m.name),
                _run_name(m.run),
                _run_name(newest.run),
            )
        elif not m.done:
            log.warning(
                "left out pod %s: its transfer did not finish (%s lists no object yet)",
                m.pod,
                storage.describe(m.name),
            )
    return current


def _run_name(run: str | None) -> str:
    return repr(run) if run is not None else "(unnamed)"


def _matches(storage: Storage, obj: ObjectInfo, entry: ManifestEntry | None) -> bool:
    if entry is None:
        log.warning(
            "left out %s: listed in no manifest of this run (an earlier run's, or not written "
            "by a transferer)",
            storage.describe(obj.name),
        )
        return False
    if obj.size != entry.size:
        log.warning(
            "left out %s: %d bytes, its manifest lists %d (replaced after its transfer)",
            storage.describe(obj.name),
            obj.size,
            entry.size,
        )
        return False
    return True


def read_manifests(storage: Storage, objects: list[ObjectInfo], *, workers: int) -> list[Manifest]:
    """Every readable manifest of the location; a damaged one is named in a warning and skipped
    (its pod's objects are then listed nowhere, so they are left out too)."""
    names = [o.name for o in objects if is_manifest(o.name)]

    def read(name: str) -> Manifest | None:
        try:
            return read_manifest(storage, name)
        except InputError as exc:
            log.warning("ignored %s", exc)
            return None

    with ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="manifest") as pool:
        return [m for m in pool.map(read, names) if m is not None]


def fetch_inputs(storage: Storage, workdir: Path, *, workers: int) -> Fetched:
    """List the run's location and download what the report needs, `workers` at a time."""
    started = time.monotonic()
    # Storage methods retry transient faults themselves (bounded); no second loop here.
    objects = list(storage.list())
    listed = listed_inputs(storage, objects, read_manifests(storage, objects, workers=workers))
    chosen, kind = choose_inputs(listed.objects)
    if not chosen:
        raise InputError(_nothing_to_merge(storage, objects))
    total = sum(o.size for o in chosen)
    log.info("fetch: %d %s (%d bytes) from %s", len(chosen), kind, total, storage.describe())

    def download(obj: ObjectInfo) -> RunInput:
        target = workdir / PurePosixPath(obj.name)
        # Listings carry no metadata on every backend (S3 lists none): the status needs a head.
        info = storage.head(obj.name)
        storage.download_file(obj.name, target)
        _check_digest(storage, obj.name, target, listed.expected.get(obj.name))
        status = str(info.metadata.get(STATUS_KEY, "")).upper() or "UNKNOWN"
        log.info("fetched %s (%d bytes, %s)", obj.name, obj.size, status)
        complete = str(info.metadata.get(COMPLETE_KEY, "")).lower() != "false"
        return RunInput(obj.name, target, obj.size, status, complete)

    with ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="fetch") as pool:
        inputs = list(pool.map(download, chosen))
    elapsed = time.monotonic() - started
    log.info("fetch: done, %d files, %d bytes in %.1fs", len(inputs), total, elapsed)
    return Fetched(inputs, kind)


def _nothing_to_merge(storage: Storage, objects: list[ObjectInfo]) -> str:
    found = [o for o in objects if _stem(o.name) is not None]
    if found:
        return (
            f"{storage.describe()}: none of its {len(found)} logs and shards is listed by a "
            "manifest of the newest run (see the warnings above)"
        )
    return (
        f"{storage.describe()}: no Gatling logs or shards (*.log, *.log.gz, *.log.zst, *.stats) "
        f"there ({len(objects)} other objects)"
    )


def _check_digest(storage: Storage, name: str, local: Path, entry: ManifestEntry | None) -> None:
    """Same size, other bytes: the object was replaced after its manifest was written, and what
    the pod uploaded is gone. Merging it would pass another run's data off as this one's."""
    if entry is None:
        return
    if sha256_file(local) != entry.sha256:
        raise InputError(
            f"{storage.describe(name)}: its content is not what its pod's manifest lists "
            "(SHA-256 differs): replaced after the transfer; re-run the transfer of that pod"
        )


def incomplete_warnings(fetched: Fetched, storage: Storage, summary: dict[str, Any]) -> None:
    """Logs their transferer uploaded incomplete: merged (their whole records count), said."""
    for item in fetched.inputs:
        if not item.complete:
            line = (
                f"{storage.describe(item.name)}: uploaded incomplete by its transferer (still "
                "written or cut at its end when the run ended); its last records may be missing"
            )
            summary.setdefault("warnings", []).append(line)
            log.warning("%s", line)


def pod_statuses(fetched: Fetched) -> dict[str, str]:
    """Pod name -> COMPLETED / FAILED from the objects' metadata, as `build` takes them."""
    return {
        stem: item.status
        for item in fetched.inputs
        if (stem := _stem(PurePosixPath(item.name).name)) is not None and item.status != "UNKNOWN"
    }


def in_source_terms(exc: InputError, local_root: Path, storage: Storage) -> InputError:
    """The same error naming objects by their URLs, not by temp copies deleted on exit."""
    message = str(exc).replace(f"{local_root}/", f"{storage.describe()}/")
    return type(exc)(message)


def name_inputs_by_source(
    stats: RunStats, summary: dict[str, Any], local_root: Path, storage: Storage
) -> None:
    """Name each input by its object's URL (`s3://b/run/pod-1.stats`), not by the temp copy."""

    def rename(path: str) -> str:
        local, hash_sign, rest = path.partition("#")
        try:
            relative = Path(local).relative_to(local_root).as_posix()
        except ValueError:
            return path
        return storage.describe(relative) + hash_sign + rest

    for info in stats.inputs:
        info.path = rename(info.path)
    for item in summary.get("inputs", []):
        item["path"] = rename(item["path"])
