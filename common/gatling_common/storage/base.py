"""The storage interface every backend implements, bound to one `Location`.

Names passed to a `Storage` are relative to its location's prefix ("pod-1.log"), so agents never
build keys by hand. Which layer retries what:
- the SDK retries a single HTTP request for transient faults (its own standard policy, kept small);
- `retry_call` in this package retries a whole operation (e.g. a complete upload) when the SDK gave
  up with a retryable error, a bounded number of times. Backends translate every SDK exception in
  one place (`_translate`) into `RetryableStorageError` or `PermanentStorageError`.
So every method below already retries: callers must not wrap them in `retry_call` again (the
attempts would multiply). A `Progress` callback may be called from the SDK's worker threads.
"""

from __future__ import annotations

import abc
import logging
import os
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from gatling_common.errors import InputError, PermanentError, RetryableError
from gatling_common.retry import RetryPolicy, retry_call
from gatling_common.storage.location import Location
from gatling_common.storage.spool import Spool

Progress = Callable[[int], None]
"""Called with the number of bytes just transferred."""

_log = logging.getLogger("gatling_common.storage")


class StorageError(Exception):
    """Marker base for storage failures (always also a Retryable- or PermanentError)."""


class RetryableStorageError(StorageError, RetryableError):
    pass


class PermanentStorageError(StorageError, PermanentError):
    pass


class NotFoundError(PermanentStorageError):
    """The object, or the bucket, does not exist."""


class BucketNotFoundError(NotFoundError):
    """The bucket (container) itself does not exist: a configuration error, never "absent"."""


@dataclass(frozen=True)
class ObjectInfo:
    name: str  # relative to the storage's location
    size: int
    metadata: Mapping[str, str] = field(default_factory=dict)  # user metadata; empty from list()
    content_type: str | None = None  # from head() only
    content_encoding: str | None = None  # from head() only


# The one key form every provider keeps unchanged: S3 lowercases x-amz-meta-* names, Azure needs
# C# identifiers (no hyphens), some proxies drop headers with underscores in them.
_META_KEY = re.compile(r"[a-z][a-z0-9]*\Z")
_META_VALUE = re.compile(r"[\x20-\x7e]*\Z")  # printable ASCII: S3 sends values as HTTP headers


def local_file_error(exc: OSError, where: str) -> PermanentStorageError:
    """A local file that vanished or cannot be written during a transfer of `where`."""
    return PermanentStorageError(
        f"{where}: local file {exc.filename or '?'}: {exc.strerror or type(exc).__name__}"
    )


def source_size(path: Path, where: str) -> int:
    """Size of a file about to be uploaded to `where`; a clear error when it cannot be read."""
    try:
        with path.open("rb"):
            return path.stat().st_size
    except OSError as exc:
        raise PermanentStorageError(f"cannot read {path} for {where}: {exc.strerror}") from exc


def validate_metadata(metadata: Mapping[str, str], where: str) -> dict[str, str]:
    """Check user metadata against what every backend keeps intact; `InputError` otherwise."""
    for key, value in metadata.items():
        if not _META_KEY.match(key):
            raise InputError(f"{where}: metadata key {key!r} must be lowercase letters and digits")
        if not _META_VALUE.match(value):
            raise InputError(f"{where}: metadata value of {key!r} must be printable ASCII")
    return dict(metadata)


@dataclass(frozen=True)
class StorageSettings:
    """Settings for every backend; only CLIs fill it from the environment.

    Credentials not listed here come from each platform's default chain (AWS env/profile/IRSA,
    GCS application default credentials / workload identity, Azure DefaultAzureCredential).
    """

    endpoint_url: str | None = None  # S3-compatible stores, emulators (also AWS_ENDPOINT_URL)
    region: str | None = None
    path_style: bool | None = None  # None: path style when endpoint_url is set
    # S3 keys given by name (ours or the Go operator's); None: the AWS default chain. Never shown.
    s3_access_key_id: str | None = field(default=None, repr=False)
    s3_secret_access_key: str | None = field(default=None, repr=False)
    s3_session_token: str | None = field(default=None, repr=False)
    gcs_endpoint_url: str | None = None  # fake-gcs-server etc. (STORAGE_EMULATOR_HOST); anonymous
    gcs_project: str | None = None  # None: from application default credentials
    azure_connection_string: str | None = field(default=None, repr=False)  # holds the key
    # https://<account>.blob.core.windows.net, or a SAS URL (a secret: its token)
    azure_account_url: str | None = field(default=None, repr=False)
    azure_account_key: str | None = field(default=None, repr=False)
    multipart_threshold: int = 8 * 1024 * 1024
    chunk_size: int = 8 * 1024 * 1024
    max_concurrency: int = 10  # boto3's default: the transferer must keep up with plain boto3
    retry: RetryPolicy = field(default_factory=RetryPolicy)


class Storage(abc.ABC):
    """One bucket/container/folder plus prefix."""

    def __init__(self, location: Location, settings: StorageSettings) -> None:
        self.location = location
        self.settings = settings

    @abc.abstractmethod
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
        """Upload with the provider's integrity check; return only once the object is verified."""

    def upload_spool(
        self,
        spool: Spool,
        name: str,
        *,
        content_type: str | None = None,
        content_encoding: str | None = None,
        metadata: Mapping[str, str] | None = None,
        progress: Progress | None = None,
    ) -> ObjectInfo:
        """Upload a file another thread still writes (`Spool`), verified as `upload_file` is.

        Here: once the writer finished, `upload_file` of the whole file. A backend that can send
        parts of a stream of unknown length (S3) overrides it to upload while the file grows.
        """
        try:
            spool.wait()
        except OSError as exc:  # the writer's: the file it reads or writes
            raise local_file_error(exc, self.describe(name)) from exc
        return self.upload_file(
            spool.path,
            name,
            content_type=content_type,
            content_encoding=content_encoding,
            metadata=metadata,
            progress=progress,
        )

    @abc.abstractmethod
    def download_file(self, name: str, path: Path, *, progress: Progress | None = None) -> None:
        """Download `name` to `path` (written atomically: a temp file renamed at the end)."""

    @abc.abstractmethod
    def list(self, prefix: str = "") -> Iterator[ObjectInfo]:
        """Objects below the folder `<location>/<prefix>`, names relative to the location.

        Yields names and sizes; metadata and content type come from `head()` (S3 lists no
        metadata, so no backend returns it here).
        """

    @abc.abstractmethod
    def head(self, name: str) -> ObjectInfo:
        """Size and metadata of one object; `NotFoundError` when it is missing."""

    @abc.abstractmethod
    def delete(self, name: str) -> None:
        """Remove one object. One already gone is no error: a retried delete may find it so, and
        callers delete what should not be there. A missing bucket raises `BucketNotFoundError`."""

    def check_access(self) -> None:
        """Fail now when the bucket is missing or the credentials are refused: a listing of the
        location's first page (an upload needs the same bucket and credentials)."""
        for _ in self.list():
            break

    def exists(self, name: str) -> bool:
        """Whether the object exists; a missing bucket raises `BucketNotFoundError`."""
        try:
            self.head(name)
        except BucketNotFoundError:
            raise
        except NotFoundError:
            return False
        return True

    @abc.abstractmethod
    def public_url(self, name: str) -> str:
        """Where a browser finds the object (meaningful when the bucket is readable)."""

    def describe(self, name: str = "") -> str:
        """`s3://bucket/prefix/name` for messages; never includes credentials."""
        return self.location.child(name).url if name else self.location.url


T = TypeVar("T")


def _read_umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


# Read once, at import: os.umask can only be read by setting it, process-wide, so doing it per
# file would race with other threads creating files.
UMASK = _read_umask()


def give_default_mode(fd: int) -> None:
    """mkstemp makes 0600 files; give the mode open() would (0666 minus the umask), so that a
    web server or a reader under another uid can read a report written to a folder."""
    os.fchmod(fd, 0o666 & ~UMASK)


class RemoteStorage(Storage):
    """A cloud backend: every SDK call runs through `_retry`, which translates and retries.

    Layers: the SDK retries one HTTP request (its own small policy); `_retry` retries the whole
    operation `settings.retry.attempts` times on `RetryableStorageError`; callers never add a
    third loop. Each backend says which exceptions are its SDK's (`_sdk_error`) and maps them to
    our hierarchy in one place (`_translate`).
    """

    @abc.abstractmethod
    def _sdk_error(self, exc: Exception) -> Exception | None:
        """The SDK's exception behind `exc` (itself, or one a wrapper hides), else None."""

    @abc.abstractmethod
    def _translate(self, exc: Exception, name: str = "") -> StorageError:
        """The SDK's exception as a Retryable-/PermanentStorageError naming bucket and key."""

    def _retry(self, what: str, name: str, fn: Callable[[], T]) -> T:
        def attempt() -> T:
            try:
                return fn()
            except StorageError:
                raise
            except Exception as exc:
                sdk = self._sdk_error(exc)
                if sdk is not None:
                    raise self._translate(sdk, name) from exc
                if isinstance(exc, OSError):  # the local file, read or written meanwhile
                    raise local_file_error(exc, self.describe(name)) from exc
                raise

        return retry_call(attempt, what=what, policy=self.settings.retry, log=_log)

    def _delete(self, name: str, fn: Callable[[], object]) -> None:
        """`delete` for every remote backend: their SDKs say 404 for an object already gone."""
        try:
            self._retry(f"delete {self.describe(name)}", name, fn)
        except BucketNotFoundError:
            raise
        except NotFoundError:
            return
