"""Azure Blob Storage through azure-storage-blob.

Credentials, first match wins: a connection string; an account URL plus account key; an account
URL carrying a SAS token (`...?sv=...&sig=...`); an account URL alone with DefaultAzureCredential
(environment, AKS workload identity, managed identity, Azure CLI).

The account URL may name a container, as a container-level SAS URL does (the Go operator's
AZUREBLOB_SAS_URL, `https://acct.blob.core.windows.net/container?sv=...&sr=c&sig=...`): requests
then go to that container, which must be the location's own (a container SAS grants no other).

Integrity: the file's MD5 is computed first and sent as the blob's Content-MD5 (the service checks
it on a single-shot upload and keeps it for later downloads); every block also carries its own
MD5 (`validate_content`), checked on arrival. The upload is reported done only when the blob's
size and stored MD5 (re-read from the service) match the local file.

Which layer retries what: azure-core retries one HTTP request at most `_SDK_RETRIES` more times;
`retry_call` retries the whole operation `settings.retry.attempts` times.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import os
import tempfile
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, unquote, urlsplit

from azure.core.exceptions import (
    AzureError,
    ClientAuthenticationError,
    HttpResponseError,
    ServiceRequestError,
    ServiceResponseError,
)
from azure.storage.blob import (
    ContainerClient,
    ContentSettings,
    ExponentialRetry,
)

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

_SDK_RETRIES = 1  # extra tries of one HTTP request inside one operation attempt
_MAX_BLOCK = 4000 * 1024 * 1024  # the service's block size limit
_READ_BLOCK = 1024 * 1024
_MISSING_CONTAINER = {"ContainerNotFound"}
_DENIED = {
    "AuthenticationFailed",
    "AuthorizationFailure",
    "AuthorizationPermissionMismatch",
    "InsufficientAccountPermissions",
    "AccountIsDisabled",
}
_BUSY = {"ServerBusy", "OperationTimedOut", "InternalError"}


class AzureStorage(RemoteStorage):
    def __init__(self, location: Location, settings: StorageSettings) -> None:
        super().__init__(location, settings)
        self._container_cache: ContainerClient | None = None

    @property
    def _container(self) -> ContainerClient:
        if self._container_cache is None:
            if not (self.settings.azure_connection_string or self.settings.azure_account_url):
                raise PermanentStorageError(
                    f"no Azure account for container '{self.location.bucket}' "
                    f"({self.describe()}): give a connection string or an account URL "
                    "(with an account key, a SAS token, or workload identity)"
                )
            self._check_named_container()
            try:
                self._container_cache = _make_container(self.settings, self.location.bucket)
            except (ValueError, AzureError) as exc:
                raise self._translate(exc) from exc
        return self._container_cache

    def _check_named_container(self) -> None:
        """A container-level URL serves that container only: another one is a setup error."""
        if not self.settings.azure_account_url:
            return
        named = AccountUrl.parse(self.settings.azure_account_url).container
        if named is not None and named != self.location.bucket:
            raise PermanentStorageError(
                f"the Azure account URL is for container '{named}', not for "
                f"'{self.location.bucket}' ({self.describe()})"  # the URL itself: never shown
            )

    def _sdk_error(self, exc: Exception) -> Exception | None:
        return exc if isinstance(exc, AzureError) else None

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
        md5 = _md5(path)
        settings = ContentSettings(
            content_type=content_type or "application/octet-stream",
            content_encoding=content_encoding,
            content_md5=bytearray(md5),
        )
        blob = self._container.get_blob_client(self.location.key(name))
        hook = _progress_hook(progress)

        def put_and_verify() -> ObjectInfo:
            with path.open("rb") as fh:
                blob.upload_blob(
                    fh,
                    length=size,
                    overwrite=True,
                    metadata=meta,
                    content_settings=settings,
                    validate_content="md5",
                    max_concurrency=self.settings.max_concurrency,
                    progress_hook=hook(),
                )
            props = blob.get_blob_properties()
            stored = props.content_settings.content_md5
            if props.size != size:
                raise PermanentStorageError(
                    f"{where}: uploaded {size} bytes but the store holds {props.size}"
                )
            if stored is not None and bytes(stored) != md5:
                raise RetryableStorageError(
                    f"{where}: MD5 mismatch after upload (local {_b64(md5)}, "
                    f"store {_b64(bytes(stored))})"
                )
            return _info(name, props)

        return self._retry(f"upload {where}", name, put_and_verify)

    def download_file(self, name: str, path: Path, *, progress: Progress | None = None) -> None:
        blob = self._container.get_blob_client(self.location.key(name))
        hook = _progress_hook(progress)

        def fetch() -> None:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
            give_default_mode(fd)
            try:
                with os.fdopen(fd, "wb") as fh:
                    # decompress=False: the stored bytes, gzip stays gzip. No validate_content:
                    # with decompress=False the SDK's per-range check eats the body (an empty
                    # file, no error); the whole file is checked below instead.
                    stream = blob.download_blob(
                        max_concurrency=self.settings.max_concurrency,
                        decompress=False,
                        progress_hook=hook(),
                    )
                    stream.readinto(fh)
                self._check_download(name, Path(tmp), stream.properties)
                os.replace(tmp, path)
            finally:
                Path(tmp).unlink(missing_ok=True)

        self._retry(f"download {self.describe(name)}", name, fetch)

    def _check_download(self, name: str, tmp: Path, props: Any) -> None:
        """Size and, when the blob has one, Content-MD5 of what landed on disk."""
        got = tmp.stat().st_size
        if got != props.size:
            raise RetryableStorageError(
                f"{self.describe(name)}: downloaded {got} bytes of {props.size}"
            )
        stored = props.content_settings.content_md5
        if stored and _md5(tmp) != bytes(stored):
            raise RetryableStorageError(f"{self.describe(name)}: MD5 mismatch after download")

    def list(self, prefix: str = "") -> Iterator[ObjectInfo]:
        base = self.location.key(prefix) if prefix else self.location.prefix
        key_prefix = f"{base}/" if base else None
        strip = len(self.location.prefix) + 1 if self.location.prefix else 0
        blobs = self._retry(
            f"list {self.describe(prefix)}",
            prefix,
            lambda: list(self._container.list_blobs(name_starts_with=key_prefix)),
        )
        for blob in blobs:
            yield ObjectInfo(blob.name[strip:], int(blob.size))

    def head(self, name: str) -> ObjectInfo:
        blob = self._container.get_blob_client(self.location.key(name))
        props = self._retry(f"head {self.describe(name)}", name, blob.get_blob_properties)
        return _info(name, props)

    def delete(self, name: str) -> None:
        blob = self._container.get_blob_client(self.location.key(name))
        self._delete(name, blob.delete_blob)

    def public_url(self, name: str) -> str:
        container = quote(self.location.bucket, safe="")
        key = quote(self.location.key(name), safe="/~")
        return f"{self._public_base()}/{container}/{key}"

    def _public_base(self) -> str:
        """The account's URL without query (a SAS token is a credential, never part of a link)
        and without the container a container-level URL names (the caller adds it)."""
        if self.settings.azure_account_url:
            return AccountUrl.parse(self.settings.azure_account_url).base
        parts = urlsplit(str(self._container.url))
        return f"{parts.scheme}://{parts.netloc}{parts.path.rsplit('/', 1)[0]}"

    # --- errors -------------------------------------------------------------------------------

    def _translate(self, exc: BaseException, name: str = "") -> StorageError:
        """Map one Azure SDK exception to our hierarchy; never includes keys or SAS tokens."""
        where = self.describe(name)
        container = self.location.bucket
        if isinstance(exc, HttpResponseError) and exc.status_code:
            status = int(exc.status_code)
            raw_code = getattr(exc, "error_code", None) or ""
            code = str(getattr(raw_code, "value", raw_code))  # an enum member or a plain string
            cause = f"{code or 'HTTP'} {status}"
            if code in _MISSING_CONTAINER:
                return BucketNotFoundError(f"container '{container}' does not exist ({where})")
            if status == 404:
                return self._missing(name, where)
            if code in _DENIED or status in (401, 403):
                return PermanentStorageError(
                    f"access to container '{container}' denied ({cause}; {where})"
                )
            if code in _BUSY or status in (408, 429) or status >= 500:
                return RetryableStorageError(
                    f"{where}: {cause}", retry_after=_retry_after(exc.response)
                )
            return PermanentStorageError(f"{where}: {cause}")
        if isinstance(exc, ClientAuthenticationError):  # token credentials, before any request
            return PermanentStorageError(
                f"no usable Azure credentials for container '{container}' "
                f"({type(exc).__name__}; {where})"
            )
        if isinstance(exc, ServiceRequestError):  # nothing sent: refused, DNS, TLS
            endpoint = urlsplit(self._public_base()).netloc
            return RetryableStorageError(
                f"cannot reach the Azure endpoint {endpoint} for container '{container}' "
                f"({_reason(exc)}; {where})"
            )
        if isinstance(exc, ServiceResponseError):  # reset or cut off mid-response
            return RetryableStorageError(f"{where}: connection failed ({_reason(exc)})")
        if isinstance(exc, ValueError):
            return PermanentStorageError(
                f"Azure settings for container '{container}' are not usable "
                f"({type(exc).__name__}; {where})"
            )
        return PermanentStorageError(f"{where}: {type(exc).__name__}")

    def _missing(self, name: str, where: str) -> NotFoundError:
        """A bare 404 (HEAD has no body): tell a missing container from a missing blob."""
        try:
            if not self._container.exists():
                return BucketNotFoundError(
                    f"container '{self.location.bucket}' does not exist ({where})"
                )
        except AzureError:
            pass
        return NotFoundError(f"no such object {where}")


@dataclass(frozen=True)
class AccountUrl:
    """An Azure Blob account URL, split: what requests and printed links are built from."""

    base: str  # scheme://host[:port][/account], no container, no query
    account: str  # the storage account's name
    container: str | None  # the container a container-level URL names, else None
    query: str  # the SAS token, "" when none

    @classmethod
    def parse(cls, url: str) -> AccountUrl:
        """Split `https://acct.blob.core.windows.net[/container][?sas]`.

        Azure's hosts name the account (`<acct>.blob.<cloud suffix>`); other hosts, as emulators
        (Azurite: `http://127.0.0.1:10000/acct[/container]`, `http://azurite:10000/acct`), have it
        as the path's first segment. A SAS for one container (`sr=c`) ends with that container,
        whatever the host.
        """
        parts = urlsplit(url.strip())
        segments = [unquote(s) for s in parts.path.split("/") if s]
        host = parts.hostname or ""
        in_path = ".blob." not in host
        account_segments = 1 if in_path else 0
        if _container_sas(parts.query):
            account_segments = len(segments) - 1
        account_path = segments[:account_segments]
        named = segments[account_segments:]
        account = account_path[0] if in_path and account_path else host.split(".")[0]
        base = f"{parts.scheme}://{parts.netloc}" + "".join(
            f"/{quote(s, safe='')}" for s in account_path
        )
        return cls(base, account, "/".join(named) or None, parts.query)


def _container_sas(query: str) -> bool:
    return parse_qs(query).get("sr") == ["c"] and "sig" in parse_qs(query)


def _make_container(settings: StorageSettings, container: str) -> ContainerClient:
    options: dict[str, Any] = {
        # The SDK's default waits 15 s before its first retry; ours backs off above it anyway.
        "retry_policy": ExponentialRetry(
            initial_backoff=1, increment_base=2, retry_total=_SDK_RETRIES, random_jitter_range=1
        ),
        "max_single_put_size": settings.multipart_threshold,
        "max_block_size": min(settings.chunk_size, _MAX_BLOCK),
        "connection_timeout": 10,
        "read_timeout": 120,
    }
    if settings.azure_connection_string:
        return ContainerClient.from_connection_string(
            settings.azure_connection_string, container, **options
        )
    url = AccountUrl.parse(settings.azure_account_url or "")
    # One URL for both forms: the account's plus the container, so that a container-level URL
    # does not get its container twice (`.../container/container`).
    container_url = f"{url.base}/{quote(container, safe='')}"
    if settings.azure_account_key:
        from azure.core.credentials import AzureNamedKeyCredential

        credential = AzureNamedKeyCredential(url.account, settings.azure_account_key)
        return ContainerClient.from_container_url(container_url, credential, **options)
    if "sig" in parse_qs(url.query):
        return ContainerClient.from_container_url(f"{container_url}?{url.query}", **options)
    from azure.identity import DefaultAzureCredential

    return ContainerClient.from_container_url(
        container_url, credential=DefaultAzureCredential(), **options
    )


def _info(name: str, props: Any) -> ObjectInfo:
    content = props.content_settings
    return ObjectInfo(
        name,
        int(props.size),
        dict(props.metadata or {}),
        content_type=content.content_type,
        content_encoding=content.content_encoding,
    )


def _progress_hook(progress: Progress | None) -> Callable[[], Callable[[int, int | None], None]]:
    """The SDK reports bytes done so far; our callback wants bytes per step (fresh per attempt)."""

    def make() -> Callable[[int, int | None], None]:
        done = 0

        def hook(current: int, total: int | None) -> None:
            nonlocal done
            if progress and current > done:
                progress(current - done)
            done = max(done, current)

        return hook

    return make


def _retry_after(response: Any) -> float | None:
    value = getattr(response, "headers", {}).get("Retry-After") if response else None
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


def _reason(exc: BaseException) -> str:
    text = str(exc)
    for marker in ("Connection refused", "Name or service not known", "Connection reset"):
        if marker in text:
            return marker
    return type(exc).__name__


def _md5(path: Path) -> bytes:
    digest = hashlib.md5(usedforsecurity=False)
    with path.open("rb") as fh:
        while block := fh.read(_READ_BLOCK):
            digest.update(block)
    return digest.digest()


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()
