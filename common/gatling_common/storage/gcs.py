"""Google Cloud Storage through google-cloud-storage.

Credentials: application default credentials (GOOGLE_APPLICATION_CREDENTIALS, gcloud, the
metadata server, so GKE workload identity too). With `settings.gcs_endpoint_url` (an emulator,
the CLI's STORAGE_EMULATOR_HOST) the client talks to that endpoint with anonymous credentials.

Integrity: files above the multipart threshold go up as resumable uploads in `chunk_size`
pieces; the SDK computes the CRC32C while sending and compares it with the server's. A thread
computes the local file's CRC32C meanwhile, and the upload is reported done only when the
object's size and CRC32C (re-read from the server) match it.

Which layer retries what: the SDK retries nothing (`retry=None` on every call), so a failure
surfaces at once; `retry_call` retries the whole operation `settings.retry.attempts` times.
"""

from __future__ import annotations

import base64
import logging
import os
import tempfile
from collections.abc import Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any, BinaryIO
from urllib.parse import quote

import google_crc32c
import requests
from google.api_core import exceptions as gexc
from google.auth import exceptions as auth_exc
from google.auth.credentials import AnonymousCredentials
from google.cloud import storage
from google.resumable_media import DataCorruption, InvalidResponse

from gatling_common.storage.base import (
    BucketNotFoundError,
    NotFoundError,
    ObjectInfo,
    PermanentStorageError,
    Progress,
    RemoteStorage,
    RetryableStorageError,
    StorageError,
    StorageSettings,
    give_default_mode,
    source_size,
    validate_metadata,
)
from gatling_common.storage.location import Location

log = logging.getLogger(__name__)

PUBLIC_ENDPOINT = "https://storage.googleapis.com"
_TIMEOUT = (10.0, 120.0)  # connect, read
_CHUNK_UNIT = 256 * 1024  # resumable chunks must be multiples of 256 KiB
_READ_BLOCK = 1024 * 1024


class GCSStorage(RemoteStorage):
    def __init__(self, location: Location, settings: StorageSettings) -> None:
        super().__init__(location, settings)
        self._client_cache: storage.Client | None = None

    @property
    def _client(self) -> storage.Client:
        """Built on first use, so a credentials problem surfaces as a translated error."""
        if self._client_cache is None:
            endpoint = self.settings.gcs_endpoint_url
            try:
                if endpoint:
                    self._client_cache = storage.Client(
                        project=self.settings.gcs_project or "emulator",
                        credentials=AnonymousCredentials(),
                        client_options={"api_endpoint": endpoint},
                    )
                else:
                    self._client_cache = storage.Client(project=self.settings.gcs_project)
            except auth_exc.GoogleAuthError as exc:
                raise self._translate(exc) from exc
        return self._client_cache

    @property
    def _bucket(self) -> storage.Bucket:
        return self._client.bucket(self.location.bucket)

    def _sdk_error(self, exc: Exception) -> Exception | None:
        return exc if isinstance(exc, _SDK_ERRORS) else None

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
        where = self.describe(name)
        meta = validate_metadata(metadata or {}, where)
        size = source_size(path, where)
        key = self.location.key(name)
        chunked = size >= self.settings.multipart_threshold
        chunk = max(_CHUNK_UNIT, self.settings.chunk_size // _CHUNK_UNIT * _CHUNK_UNIT)

        def put_and_verify(expected: Future[str]) -> ObjectInfo:
            blob = self._bucket.blob(key, chunk_size=chunk if chunked else None)
            blob.metadata = meta or None
            blob.content_encoding = content_encoding
            with path.open("rb") as raw:
                blob.upload_from_file(
                    _ProgressReader(raw, progress),
                    size=size,
                    content_type=content_type or "application/octet-stream",
                    checksum="crc32c",
                    retry=None,
                    timeout=_TIMEOUT,
                )
            return self._verify(name, key, size, expected.result())

        with ThreadPoolExecutor(1, thread_name_prefix="crc32c") as pool:
            expected = pool.submit(_crc32c, path)  # overlaps the upload
            return self._retry(f"upload {where}", name, lambda: put_and_verify(expected))

    def _verify(self, name: str, key: str, size: int, crc32c: str) -> ObjectInfo:
        blob = self._bucket.get_blob(key, retry=None, timeout=_TIMEOUT)
        if blob is None:
            raise RetryableStorageError(f"{self.describe(name)}: missing right after upload")
        if blob.size != size:
            raise PermanentStorageError(
                f"{self.describe(name)}: uploaded {size} bytes but the store holds {blob.size}"
            )
        if blob.crc32c is not None and blob.crc32c != crc32c:
            raise RetryableStorageError(
                f"{self.describe(name)}: CRC32C mismatch after upload (local {crc32c}, "
                f"store {blob.crc32c})"
            )
        return self._info(name, blob)

    def download_file(self, name: str, path: Path, *, progress: Progress | None = None) -> None:
        key = self.location.key(name)

        def fetch() -> None:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
            give_default_mode(fd)
            os.close(fd)
            try:
                # raw_download: the stored bytes, never transcoded (gzip stays gzip); the SDK
                # checks them against the object's CRC32C.
                self._bucket.blob(key).download_to_filename(
                    tmp, raw_download=True, checksum="crc32c", retry=None, timeout=_TIMEOUT
                )
                os.replace(tmp, path)
            finally:
                Path(tmp).unlink(missing_ok=True)
            if progress:
                progress(path.stat().st_size)

        self._retry(f"download {self.describe(name)}", name, fetch)

    def list(self, prefix: str = "") -> Iterator[ObjectInfo]:
        base = self.location.key(prefix) if prefix else self.location.prefix
        key_prefix = f"{base}/" if base else ""
        strip = len(self.location.prefix) + 1 if self.location.prefix else 0
        blobs = self._retry(
            f"list {self.describe(prefix)}",
            prefix,
            lambda: list(
                self._client.list_blobs(
                    self.location.bucket, prefix=key_prefix, retry=None, timeout=_TIMEOUT
                )
            ),
        )
        for blob in blobs:
            yield ObjectInfo(blob.name[strip:], int(blob.size or 0))

    def head(self, name: str) -> ObjectInfo:
        key = self.location.key(name)

        def get() -> ObjectInfo:
            blob = self._bucket.blob(key)
            blob.reload(retry=None, timeout=_TIMEOUT)
            return self._info(name, blob)

        return self._retry(f"head {self.describe(name)}", name, get)

    def delete(self, name: str) -> None:
        blob = self._bucket.blob(self.location.key(name))
        self._delete(name, lambda: blob.delete(retry=None, timeout=_TIMEOUT))

    def public_url(self, name: str) -> str:
        base = (self.settings.gcs_endpoint_url or PUBLIC_ENDPOINT).rstrip("/")
        key = quote(self.location.key(name), safe="/~")
        return f"{base}/{quote(self.location.bucket, safe='')}/{key}"

    @staticmethod
    def _info(name: str, blob: storage.Blob) -> ObjectInfo:
        return ObjectInfo(
            name,
            int(blob.size or 0),
            dict(blob.metadata or {}),
            content_type=blob.content_type,
            content_encoding=blob.content_encoding,
        )

    # --- errors -------------------------------------------------------------------------------

    def _translate(self, exc: BaseException, name: str = "") -> StorageError:
        """Map one google-cloud-storage exception to our hierarchy; never includes credentials."""
        where = self.describe(name)
        bucket = self.location.bucket
        status, cause, retry_after = _status_of(exc)
        if isinstance(exc, auth_exc.GoogleAuthError):
            return PermanentStorageError(
                f"no usable GCS credentials for bucket '{bucket}' ({type(exc).__name__}; {where})"
            )
        if isinstance(exc, requests.ConnectionError | requests.Timeout):
            endpoint = self.settings.gcs_endpoint_url or PUBLIC_ENDPOINT
            return RetryableStorageError(
                f"cannot reach the GCS endpoint {endpoint} for bucket '{bucket}' "
                f"({_reason(exc)}; {where})"
            )
        if isinstance(exc, DataCorruption):
            return RetryableStorageError(f"{where}: checksum mismatch in transfer ({exc})")
        if status == 404:
            return self._missing(name, where)
        if status in (401, 403):
            return PermanentStorageError(f"access to bucket '{bucket}' denied ({cause}; {where})")
        if status in (408, 429) or status >= 500:
            return RetryableStorageError(f"{where}: {cause}", retry_after=retry_after)
        return PermanentStorageError(f"{where}: {cause}")

    def _missing(self, name: str, where: str) -> NotFoundError:
        """A 404 on an object call: tell a missing bucket from a missing object."""
        try:
            if not self._bucket.exists(retry=None, timeout=_TIMEOUT):
                return BucketNotFoundError(
                    f"bucket '{self.location.bucket}' does not exist ({where})"
                )
        except _SDK_ERRORS:
            pass
        return NotFoundError(f"no such object {where}")


_SDK_ERRORS = (
    gexc.GoogleAPIError,
    auth_exc.GoogleAuthError,
    requests.RequestException,
    DataCorruption,
    InvalidResponse,
)


class _ProgressReader:
    """A file the SDK reads (and seeks, to resend a chunk) that reports bytes read."""

    def __init__(self, raw: BinaryIO, progress: Progress | None) -> None:
        self._raw = raw
        self._progress = progress

    def read(self, size: int = -1) -> bytes:
        data = self._raw.read(size)
        if self._progress and data:
            self._progress(len(data))
        return data

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        return self._raw.seek(offset, whence)

    def tell(self) -> int:
        return self._raw.tell()


def _status_of(exc: BaseException) -> tuple[int, str, float | None]:
    """HTTP status, a short cause and Retry-After of an SDK error (0 when it has no status)."""
    response: Any = getattr(exc, "response", None)
    if isinstance(exc, gexc.GoogleAPICallError):
        status = int(exc.code or 0)
        cause = f"HTTP {status} {exc.message}"
    elif response is not None and hasattr(response, "status_code"):
        status = int(response.status_code)
        cause = f"HTTP {status}"
    else:
        return 0, f"{type(exc).__name__}: {exc}", None
    retry_after = None
    headers = getattr(response, "headers", None) or {}
    if headers.get("retry-after"):
        try:
            retry_after = float(headers["retry-after"])
        except ValueError:
            retry_after = None
    return status, cause, retry_after


def _reason(exc: BaseException) -> str:
    text = str(exc)
    for marker in ("Connection refused", "Name or service not known", "Connection reset"):
        if marker in text:
            return marker
    return type(exc).__name__


def _crc32c(path: Path) -> str:
    """Base64 of the big-endian CRC32C, as GCS reports it."""
    checksum = google_crc32c.Checksum()
    with path.open("rb") as fh:
        while block := fh.read(_READ_BLOCK):
            checksum.update(block)
    return base64.b64encode(checksum.digest()).decode()
