"""Transfer manifests: which objects of a run location each pod's transferer wrote, for which run.

A location may hold more than one run's objects (a transfer re-run into it, files placed by
hand); object names alone cannot tell them apart. So each pod's transferer keeps
`<pod>.manifest.json` beside its objects:
- when it starts uploading, it overwrites its manifest with one that lists nothing
  (`done: false`): from then on, that pod's earlier objects are no longer listed anywhere;
- after every object is uploaded and verified, it writes the manifest listing them (`done: true`),
  last, so a listed object is always complete;
- then it deletes the objects its previous manifest listed and the new one does not.
The reporter merges only objects listed by the manifests of one run (see `gatling_reporter.agent`).

The format is JSON, versioned by `format`; unknown fields are ignored so that a newer transferer's
manifest still reads. Sizes and SHA-256 digests are of the stored bytes (a .log.gz: the gzip file).
"""

from __future__ import annotations

import hashlib
import json
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from gatling_common.errors import InputError
from gatling_common.storage.base import Storage

MANIFEST_SUFFIX = ".manifest.json"
FORMAT = "gatling-fleet-manifest/1"
CONTENT_TYPE = "application/json"
_READ_BLOCK = 1024 * 1024


@dataclass(frozen=True)
class ManifestEntry:
    """One object a pod uploaded: its name relative to the run location, size and digest."""

    name: str
    size: int
    sha256: str


@dataclass(frozen=True)
class Manifest:
    pod: str
    run: str | None  # the run id the transferer was given; None when it was given none
    done: bool  # False: written when the upload started, lists nothing yet
    written: datetime  # UTC, the transferer's clock: which manifest is newest
    status: str = ""  # COMPLETED or FAILED, the runner's marker
    objects: tuple[ManifestEntry, ...] = ()
    fleet_version: str = "unknown"

    @property
    def name(self) -> str:
        return manifest_name(self.pod)

    def to_json(self) -> str:
        body = {
            "format": FORMAT,
            "pod": self.pod,
            "run": self.run,
            "done": self.done,
            "written": self.written.astimezone(UTC).isoformat(timespec="milliseconds"),
            "status": self.status,
            "fleetVersion": self.fleet_version,
            "objects": [{"name": e.name, "size": e.size, "sha256": e.sha256} for e in self.objects],
        }
        return json.dumps(body, indent=2) + "\n"

    @classmethod
    def from_json(cls, text: str, where: str) -> Manifest:
        """Parse and check a manifest; `InputError` naming `where` when it is not one."""
        try:
            raw = json.loads(text)
        except ValueError as exc:
            raise InputError(f"{where}: not a transfer manifest (not JSON: {exc})") from None
        if not isinstance(raw, dict) or raw.get("format") != FORMAT:
            found = raw.get("format") if isinstance(raw, dict) else type(raw).__name__
            raise InputError(f"{where}: not a transfer manifest (format {found!r}, not {FORMAT})")
        try:
            return cls(
                pod=_text(raw, "pod"),
                run=_optional_text(raw, "run"),
                done=_flag(raw, "done"),
                written=_time(raw, "written"),
                status=str(raw.get("status") or ""),
                objects=tuple(_entry(item) for item in _list(raw, "objects")),
                fleet_version=str(raw.get("fleetVersion") or "unknown"),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise InputError(f"{where}: damaged transfer manifest ({exc})") from None


def manifest_name(pod: str) -> str:
    return f"{pod}{MANIFEST_SUFFIX}"


def is_manifest(name: str) -> bool:
    """Manifests sit at the top of the run location, one per pod."""
    return "/" not in name and name.endswith(MANIFEST_SUFFIX) and len(name) > len(MANIFEST_SUFFIX)


def now() -> datetime:
    return datetime.now(UTC)


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while block := fh.read(_READ_BLOCK):
            digest.update(block)
    return digest.hexdigest()


def entry_for(path: Path, name: str) -> ManifestEntry:
    """The entry of the local file just uploaded as `name`."""
    return ManifestEntry(name, path.stat().st_size, sha256_file(path))


def read_manifest(storage: Storage, name: str) -> Manifest:
    """Download and parse one manifest; `NotFoundError` when absent, `InputError` when damaged."""
    with tempfile.TemporaryDirectory(prefix="manifest-") as tmp:
        local = Path(tmp, "manifest.json")
        storage.download_file(name, local)
        text = local.read_text(encoding="utf-8", errors="replace")
    return Manifest.from_json(text, storage.describe(name))


def write_manifest(storage: Storage, manifest: Manifest) -> None:
    with tempfile.TemporaryDirectory(prefix="manifest-") as tmp:
        local = Path(tmp, manifest.name)
        local.write_text(manifest.to_json(), encoding="utf-8")
        storage.upload_file(local, manifest.name, content_type=CONTENT_TYPE)


def _text(raw: dict[str, Any], key: str) -> str:
    value = raw[key]
    if not isinstance(value, str) or not value:
        raise ValueError(f"{key!r} must be a non-empty string")
    return value


def _optional_text(raw: dict[str, Any], key: str) -> str | None:
    return None if raw.get(key) in (None, "") else _text(raw, key)


def _flag(raw: dict[str, Any], key: str) -> bool:
    value = raw[key]
    if not isinstance(value, bool):
        raise ValueError(f"{key!r} must be true or false")
    return value


def _time(raw: dict[str, Any], key: str) -> datetime:
    value = datetime.fromisoformat(_text(raw, key))
    if value.tzinfo is None:
        raise ValueError(f"{key!r} must carry a time zone")
    return value.astimezone(UTC)


def _list(raw: dict[str, Any], key: str) -> list[Any]:
    value = raw.get(key, [])
    if not isinstance(value, list):
        raise ValueError(f"{key!r} must be a list")
    return value


def _entry(item: Any) -> ManifestEntry:
    if not isinstance(item, dict):
        raise ValueError("each object must be a JSON object")
    size = item["size"]
    if not isinstance(size, int) or isinstance(size, bool) or size < 0:
        raise ValueError(f"object {item.get('name')!r}: size must be a whole number >= 0")
    name, sha = _text(item, "name"), _text(item, "sha256")
    if len(sha) != 64 or any(c not in "0123456789abcdef" for c in sha):
        raise ValueError(f"object {name!r}: sha256 must be 64 lowercase hex digits")
    return ManifestEntry(name, size, sha)
