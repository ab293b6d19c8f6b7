"""A local folder used as a bucket: the embedded default, and what `make demo` runs on."""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path

from gatling_common.paths import unwritable
from gatling_common.storage.base import (
    NotFoundError,
    ObjectInfo,
    PermanentStorageError,
    Progress,
    Storage,
    give_default_mode,
    source_size,
    validate_metadata,
)

# Metadata lives beside each object, as S3 keeps it beside the bytes; the reporter reads it back.
META_SUFFIX = ".meta.json"
_COPY_CHUNK = 4 * 1024 * 1024


class LocalStorage(Storage):
    @property
    def root(self) -> Path:
        return Path(self.location.prefix)

    def _path(self, name: str) -> Path:
        return Path(self.location.child(name).prefix)

    def upload_file(
        self,
        path: Path,
        name: str,
        *,
        content_type: str | None = None,
        content_encoding: str | None = None,
        metadata: Mapping[str, str] | None = None,
        progress: Progress | None = None,
    ) -> ObjectInfo:
        target = self._path(name)
        meta = validate_metadata(metadata or {}, self.describe(name))
        source_size(path, self.describe(name))
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            digest = _copy_atomic(path, target, progress)
            if content_type:
                meta["content-type"] = content_type
            if content_encoding:
                meta["content-encoding"] = content_encoding
            meta_path = target.with_name(target.name + META_SUFFIX)
            meta_path.write_text(json.dumps(meta, sort_keys=True))
            # Verify as a remote store would: re-read what landed and compare digests.
            if _md5(target) != digest:
                raise PermanentStorageError(f"{self.describe(name)}: written bytes do not verify")
        except OSError as exc:
            msg = f"cannot write {self.describe(name)}: {exc.strerror}"
            raise PermanentStorageError(msg) from exc
        return self.head(name)

    def download_file(self, name: str, path: Path, *, progress: Progress | None = None) -> None:
        source = self._path(name)
        if not source.is_file():
            raise NotFoundError(f"{self.describe(name)}: no such object")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            _copy_atomic(source, path, progress)
        except OSError as exc:
            msg = f"cannot read {self.describe(name)}: {exc.strerror}"
            raise PermanentStorageError(msg) from exc

    def list(self, prefix: str = "") -> Iterator[ObjectInfo]:
        base = self._path(prefix) if prefix else self.root
        if not self.root.is_dir():
            raise NotFoundError(f"{self.describe()}: no such folder")
        if not base.exists():
            return
        for dirpath, dirnames, filenames in os.walk(base):
            dirnames.sort()
            for filename in sorted(filenames):
                if filename.endswith(META_SUFFIX) or filename.startswith(".tmp-"):
                    continue
                full = Path(dirpath, filename)
                rel = full.relative_to(self.root).as_posix()
                yield ObjectInfo(rel, full.stat().st_size)

    def head(self, name: str) -> ObjectInfo:
        target = self._path(name)
        if not target.is_file():
            raise NotFoundError(f"{self.describe(name)}: no such object")
        meta = self._metadata(target)
        content_type = meta.pop("content-type", None)
        content_encoding = meta.pop("content-encoding", None)
        return ObjectInfo(name, target.stat().st_size, meta, content_type, content_encoding)

    def delete(self, name: str) -> None:
        target = self._path(name)
        try:
            target.unlink(missing_ok=True)
            target.with_name(target.name + META_SUFFIX).unlink(missing_ok=True)
            self._prune_empty_parents(target.parent)
        except OSError as exc:
            msg = f"cannot delete {self.describe(name)}: {exc.strerror}"
            raise PermanentStorageError(msg) from exc

    def _prune_empty_parents(self, folder: Path) -> None:
        """An object store has no folders: an emptied one goes with its last object."""
        while folder != self.root and self.root in folder.parents:
            try:
                folder.rmdir()
            except OSError:
                return  # not empty (or already gone): done
            folder = folder.parent

    def public_url(self, name: str) -> str:
        return self._path(name).as_uri()

    def check_access(self) -> None:
        """The folder, or the nearest existing parent it would be made in, must be writable."""
        fault = unwritable(self.root)
        if fault is not None:
            raise PermanentStorageError(
                f"cannot write {self.describe()}: {fault[0]} is not a writable folder"
            )

    @staticmethod
    def _metadata(target: Path) -> dict[str, str]:
        meta_path = target.with_name(target.name + META_SUFFIX)
        if not meta_path.is_file():
            return {}
        loaded = json.loads(meta_path.read_text())
        return {str(k): str(v) for k, v in loaded.items()}


def _copy_atomic(source: Path, target: Path, progress: Progress | None) -> str:
    """Copy via a temp file in the target's folder and rename, so readers never see half a file."""
    digest = hashlib.md5(usedforsecurity=False)
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=target.parent)
    give_default_mode(fd)
    try:
        with source.open("rb") as src, os.fdopen(fd, "wb") as dst:
            while chunk := src.read(_COPY_CHUNK):
                dst.write(chunk)
                digest.update(chunk)
                if progress:
                    progress(len(chunk))
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return digest.hexdigest()


def _md5(path: Path) -> str:
    with path.open("rb") as fh:
        return hashlib.file_digest(fh, lambda: hashlib.md5(usedforsecurity=False)).hexdigest()
