"""Amazon S3 and S3-compatible stores (MinIO, Ceph, moto) through boto3's managed transfer.

Credentials come from the AWS default chain (env, profile, IRSA/web identity, instance role).
The endpoint is `settings.endpoint_url` when given, else boto3's own (it honours
AWS_ENDPOINT_URL); a custom endpoint implies path-style addressing unless told otherwise.

Integrity: boto3 sends a CRC32 with every request (each part of a multipart upload), which S3
checks on arrival. While the upload runs, a thread computes the same CRC32 from the local file
(per part for multipart uploads, whose object checksum is the CRC32 of the part CRC32s, "-N");
the upload is reported done only when HEAD shows that checksum and the local size. A `Spool`
(a file still written, e.g. compressed while it goes up) is sent as a stream, part by part, and
checked the same way once whole.

Which layer retries what: botocore retries one HTTP request at most `_SDK_ATTEMPTS` times
(standard mode: 5xx, throttling, connection errors) and s3transfer re-reads a broken download
stream as often; `retry_call` retries the whole operation `settings.retry.attempts` times.
"""

from __future__ import annotations

import base64
import logging
import os
import tempfile
import threading
import zlib
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO
from urllib.parse import quote, urlsplit

import boto3
from boto3.s3.transfer import TransferConfig
from botocore.config import Config
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectionError,
    EndpointConnectionError,
    HTTPClientError,
    IncompleteReadError,
    NoCredentialsError,
    PartialCredentialsError,
)
from s3transfer.utils import ChunksizeAdjuster  # type: ignore[import-untyped]

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
from gatling_common.storage.spool import Spool

log = logging.getLogger(__name__)

_CLIENT_LOCK = threading.Lock()
_SDK_ATTEMPTS = 2  # per HTTP request, inside one operation attempt (see module docstring)
_READ_BLOCK = 1024 * 1024
_MISSING_BUCKET = {"NoSuchBucket"}
_MISSING_OBJECT = {"NoSuchKey", "404", "NotFound"}
_DENIED = {
    "AccessDenied",
    "InvalidAccessKeyId",
    "SignatureDoesNotMatch",
    "ExpiredToken",
    "InvalidToken",
    "AllAccessDisabled",
    "AccountProblem",
    "403",
}
_THROTTLED = {
    "SlowDown",
    "Throttling",
    "ThrottlingException",
    "RequestTimeout",
    "RequestLimitExceeded",
}


class S3Storage(RemoteStorage):
    def __init__(self, location: Location, settings: StorageSettings) -> None:
        super().__init__(location, settings)
        self._client = _make_client(settings)
        self._transfer = TransferConfig(
            multipart_threshold=settings.multipart_threshold,
            multipart_chunksize=settings.chunk_size,
            max_concurrency=settings.max_concurrency,
            num_download_attempts=_SDK_ATTEMPTS,
        )

    @property
    def bucket(self) -> str:
        return self.location.bucket

    def _sdk_error(self, exc: Exception) -> Exception | None:
        # boto3 wraps ClientError in S3UploadFailedError, RetriesExceededError, ...
        cause = _sdk_cause(exc)
        return cause if isinstance(cause, Exception) else None

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
        key = self.location.key(name)
        extra = self._extra_args(name, content_type, content_encoding, metadata)
        size = source_size(path, self.describe(name))
        part = self._part_size(size)
        with ThreadPoolExecutor(1, thread_name_prefix="crc32") as pool:
            # Overlaps the upload (zlib releases the GIL), so it costs no extra wall time.
            expected = pool.submit(_crc32_checksum, path, part)

            def put_and_verify() -> ObjectInfo:
                self._client.upload_file(
                    str(path),
                    self.bucket,
                    key,
                    ExtraArgs=extra,
                    Config=self._transfer,
                    Callback=progress,
                )
                return self._verify(name, key, size, expected.result)

            if part is None:  # a single PUT leaves nothing behind
                return self._retry(f"upload {self.describe(name)}", name, put_and_verify)
            try:
                return self._retry(f"upload {self.describe(name)}", name, put_and_verify)
            finally:
                self._abort_leftovers(key, name)

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
        """Parts go up while the writer still writes (s3transfer reads a non-seekable stream
        part by part); verified as `upload_file` is, from the whole file once written. A retry
        uploads the whole file as `upload_file` does."""
        key = self.location.key(name)
        extra = self._extra_args(name, content_type, content_encoding, metadata)
        streamed = False

        def stream_and_verify() -> ObjectInfo:
            nonlocal streamed
            if streamed:  # a retry: the file is whole (or its writer failed) by now
                size = spool.wait()
                part = self._part_size(size)
                self._client.upload_file(
                    str(spool.path),
                    self.bucket,
                    key,
                    ExtraArgs=extra,
                    Config=self._transfer,
                    Callback=progress,
                )
            else:
                streamed = True
                with spool.reader() as stream:
                    self._client.upload_fileobj(
                        stream,
                        self.bucket,
                        key,
                        ExtraArgs=extra,
                        Config=self._transfer,
                        Callback=progress,
                    )
                size = spool.wait()
                # A stream of unknown length: one PUT below the threshold, else parts of the
                # chunk size (s3transfer cannot adjust it to a size it does not know).
                part = (
                    None
                    if size < self.settings.multipart_threshold
                    else ChunksizeAdjuster().adjust_chunksize(self.settings.chunk_size)
                )
            return self._verify(name, key, size, lambda: _crc32_checksum(spool.path, part))

        try:
            return self._retry(f"upload {self.describe(name)}", name, stream_and_verify)
        finally:
            self._abort_leftovers(key, name)

    def _extra_args(
        self,
        name: str,
        content_type: str | None,
        content_encoding: str | None,
        metadata: Mapping[str, str] | None,
    ) -> dict[str, Any]:
        extra: dict[str, Any] = {"ChecksumAlgorithm": "CRC32"}
        if metadata:
            extra["Metadata"] = validate_metadata(metadata, self.describe(name))
        if content_type:
            extra["ContentType"] = content_type
        if content_encoding:
            extra["ContentEncoding"] = content_encoding
        return extra

    def _abort_leftovers(self, key: str, name: str) -> None:
        """Abort the multipart uploads of exactly `key` that are still open.

        s3transfer aborts a failed multipart upload itself, but when that abort fails too
        (the same outage) the parts stay, billed and invisible to listings, after our retry
        succeeded. Every upload of `key` is ours: each pod writes its own objects, and two
        writers of one key would already overwrite each other. (Not filtered by "Initiated":
        S3-compatible stores do not all report it truthfully.) Best effort: logged, not raised.
        """
        try:
            listed = self._client.list_multipart_uploads(Bucket=self.bucket, Prefix=key)
            for upload in listed.get("Uploads", []):
                if upload["Key"] == key:
                    self._client.abort_multipart_upload(
                        Bucket=self.bucket, Key=key, UploadId=upload["UploadId"]
                    )
                    log.info("aborted an interrupted multipart upload of %s", self.describe(name))
        except (ClientError, BotoCoreError) as exc:
            log.warning(
                "could not clean up interrupted multipart uploads of %s: %s",
                self.describe(name),
                _reason(exc),
            )

    def _part_size(self, size: int) -> int | None:
        """The part size s3transfer will use, or None for a single PUT."""
        if size < self.settings.multipart_threshold:
            return None
        chunk: int = ChunksizeAdjuster().adjust_chunksize(self.settings.chunk_size, size)
        return chunk

    def _verify(self, name: str, key: str, size: int, expected: Callable[[], _Crc32]) -> ObjectInfo:
        head = self._client.head_object(Bucket=self.bucket, Key=key, ChecksumMode="ENABLED")
        got_size = int(head["ContentLength"])
        got_crc = head.get("ChecksumCRC32")
        want_crc = expected()
        if got_size != size:
            raise PermanentStorageError(
                f"{self.describe(name)}: uploaded {size} bytes but the store holds {got_size}"
            )
        # Some S3-compatible stores do not report checksums; S3 itself always does here.
        if got_crc is not None and not want_crc.matches(got_crc):
            # Retryable: a re-upload may well fix bytes damaged on the way.
            raise RetryableStorageError(
                f"{self.describe(name)}: CRC32 mismatch after upload (local "
                f"{want_crc.composite or want_crc.full}, store {got_crc})"
            )
        return ObjectInfo(
            name,
            got_size,
            dict(head.get("Metadata", {})),
            content_type=head.get("ContentType"),
            content_encoding=head.get("ContentEncoding"),
        )

    def download_file(self, name: str, path: Path, *, progress: Progress | None = None) -> None:
        key = self.location.key(name)

        def fetch() -> None:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
            give_default_mode(fd)
            os.close(fd)
            try:
                self._client.download_file(
                    self.bucket, key, tmp, Config=self._transfer, Callback=progress
                )
                os.replace(tmp, path)
            finally:
                Path(tmp).unlink(missing_ok=True)

        self._retry(f"download {self.describe(name)}", name, fetch)

    def list(self, prefix: str = "") -> Iterator[ObjectInfo]:
        base = self.location.key(prefix) if prefix else self.location.prefix
        key_prefix = f"{base}/" if base else ""
        strip = len(self.location.prefix) + 1 if self.location.prefix else 0
        pages: list[dict[str, Any]] = self._retry(
            f"list {self.describe(prefix)}",
            prefix,
            lambda: list(
                self._client.get_paginator("list_objects_v2").paginate(
                    Bucket=self.bucket, Prefix=key_prefix
                )
            ),
        )
        for page in pages:
            for obj in page.get("Contents", []):
                yield ObjectInfo(obj["Key"][strip:], int(obj["Size"]))

    def head(self, name: str) -> ObjectInfo:
        key = self.location.key(name)
        head: dict[str, Any] = self._retry(
            f"head {self.describe(name)}",
            name,
            lambda: self._client.head_object(Bucket=self.bucket, Key=key),
        )
        return ObjectInfo(
            name,
            int(head["ContentLength"]),
            dict(head.get("Metadata", {})),
            content_type=head.get("ContentType"),
            content_encoding=head.get("ContentEncoding"),
        )

    def delete(self, name: str) -> None:
        key = self.location.key(name)
        # S3 answers 204 for a key that is not there: idempotent already.
        self._delete(name, lambda: self._client.delete_object(Bucket=self.bucket, Key=key))

    def public_url(self, name: str) -> str:
        key = quote(self.location.key(name), safe="/~")
        region = self.settings.region or self._client.meta.region_name or "us-east-1"
        endpoint = self.settings.endpoint_url
        if _path_style(self.settings):
            base = (endpoint or f"https://s3.{region}.amazonaws.com").rstrip("/")
            return f"{base}/{self.bucket}/{key}"
        if endpoint:
            parts = urlsplit(endpoint)
            return f"{parts.scheme}://{self.bucket}.{parts.netloc}{parts.path.rstrip('/')}/{key}"
        return f"https://{self.bucket}.s3.{region}.amazonaws.com/{key}"

    # --- errors -------------------------------------------------------------------------------

    def _translate(self, exc: Exception, name: str = "") -> StorageError:
        """Map one botocore/boto3 exception to our hierarchy; never includes credentials."""
        where = self.describe(name)
        bucket = self.bucket
        if isinstance(exc, ClientError):
            error = exc.response.get("Error", {})
            code = str(error.get("Code", ""))
            meta = exc.response.get("ResponseMetadata", {})
            status = int(meta.get("HTTPStatusCode") or 0)
            cause = f"{code}: {error.get('Message') or 'HTTP ' + str(status)}"
            if code in _MISSING_BUCKET:
                return BucketNotFoundError(f"bucket '{bucket}' does not exist ({where})")
            if code in _MISSING_OBJECT or status == 404:
                return self._missing(name, where)
            if code in _DENIED or status in (401, 403):
                return PermanentStorageError(
                    f"access to bucket '{bucket}' denied ({cause}; {where})"
                )
            if code in _THROTTLED or status == 429 or status >= 500:
                retry_after = _retry_after(meta.get("HTTPHeaders", {}))
                return RetryableStorageError(f"{where}: {cause}", retry_after=retry_after)
            return PermanentStorageError(f"{where}: {cause}")
        if isinstance(exc, EndpointConnectionError):
            endpoint = self.settings.endpoint_url or self._client.meta.endpoint_url
            return RetryableStorageError(
                f"cannot reach the S3 endpoint {endpoint} for bucket '{bucket}' "
                f"({_reason(exc)}; {where})"
            )
        if isinstance(exc, ConnectionError | HTTPClientError | IncompleteReadError):
            return RetryableStorageError(f"{where}: connection failed ({_reason(exc)})")
        if isinstance(exc, NoCredentialsError | PartialCredentialsError):
            return PermanentStorageError(
                f"no usable AWS credentials for bucket '{bucket}' ({type(exc).__name__}; {where})"
            )
        return PermanentStorageError(f"{where}: {type(exc).__name__}: {exc}")

    def _missing(self, name: str, where: str) -> NotFoundError:
        """A bare 404 (HEAD has no body): tell a missing bucket from a missing object."""
        try:
            self._client.head_bucket(Bucket=self.bucket)
        except ClientError as exc:
            if exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode") == 404:
                return BucketNotFoundError(f"bucket '{self.bucket}' does not exist ({where})")
        except BotoCoreError:
            pass
        return NotFoundError(f"no such object {where}")


def _make_client(settings: StorageSettings) -> Any:
    config = Config(
        retries={"mode": "standard", "total_max_attempts": _SDK_ATTEMPTS},
        s3={"addressing_style": "path" if _path_style(settings) else "auto"},
        max_pool_connections=max(10, settings.max_concurrency + 2),
        connect_timeout=10,
        read_timeout=60,
    )
    # boto3's default session: its loaded service models are shared by every client of the
    # process (a fresh Session would spend ~0.4 s loading them again for each storage).
    # Creating clients from one session is not thread-safe, hence the lock.
    with _CLIENT_LOCK:
        return boto3.client(
            "s3",
            endpoint_url=settings.endpoint_url,
            region_name=settings.region,
            config=config,
            **_keys(settings),
        )


def _keys(settings: StorageSettings) -> dict[str, str]:
    """Keys given by name; none (the AWS default chain: profile, IRSA...) unless both are."""
    if not (settings.s3_access_key_id and settings.s3_secret_access_key):
        return {}
    keys = {
        "aws_access_key_id": settings.s3_access_key_id,
        "aws_secret_access_key": settings.s3_secret_access_key,
    }
    if settings.s3_session_token:
        keys["aws_session_token"] = settings.s3_session_token
    return keys


def _path_style(settings: StorageSettings) -> bool:
    if settings.path_style is not None:
        return settings.path_style
    return settings.endpoint_url is not None


@dataclass(frozen=True)
class _Crc32:
    full: str  # CRC32 of the whole file (single PUT, or a FULL_OBJECT multipart checksum)
    composite: str | None  # "crc32(part crc32s)-N" of a COMPOSITE multipart checksum

    def matches(self, reported: str) -> bool:
        # S3 reports a composite as "<crc>-<parts>"; moto leaves out the part count.
        composite = self.composite.split("-")[0] if self.composite else None
        return reported.split("-")[0] in (self.full, composite)


def _crc32_checksum(path: Path, part_size: int | None) -> _Crc32:
    """One pass over the file: per-part CRC32s, combined into the whole file's CRC32 too."""
    part_crcs: list[int] = []
    full = 0
    with path.open("rb") as fh:
        while True:
            crc, length = _crc32_stream(fh, part_size)
            if length == 0 and part_crcs:
                break
            part_crcs.append(crc)
            full = _crc32_combine(full, crc, length)
            if part_size is None or length < part_size:
                break
    if part_size is None:
        return _Crc32(_b64(full), None)
    joined = b"".join(crc.to_bytes(4, "big") for crc in part_crcs)
    return _Crc32(_b64(full), f"{_b64(zlib.crc32(joined))}-{len(part_crcs)}")


def _crc32_stream(fh: BinaryIO, limit: int | None) -> tuple[int, int]:
    """CRC32 and length of the next `limit` bytes (all the rest when None)."""
    crc = 0
    read = 0
    while limit is None or read < limit:
        want = _READ_BLOCK if limit is None else min(_READ_BLOCK, limit - read)
        block = fh.read(want)
        if not block:
            break
        crc = zlib.crc32(block, crc)
        read += len(block)
    return crc, read


# CRC32 of A+B from crc(A), crc(B) and len(B), as zlib's crc32_combine (absent from Python's
# zlib): multiply crc(A) by x^(8*len(B)) modulo the CRC polynomial, bit-reflected.
_POLY = 0xEDB88320


def _multmodp(a: int, b: int) -> int:
    m = 1 << 31
    product = 0
    while True:
        if a & m:
            product ^= b
            if a & (m - 1) == 0:
                break
        m >>= 1
        b = (b >> 1) ^ _POLY if b & 1 else b >> 1
    return product


def _x2nmodp(n: int, k: int) -> int:
    """x^(n * 2^k) modulo the polynomial."""
    power = 1 << 31  # x^0
    square = 1 << 30  # x^1
    for _ in range(k):
        square = _multmodp(square, square)
    while n:
        if n & 1:
            power = _multmodp(square, power)
        n >>= 1
        square = _multmodp(square, square)
    return power


def _crc32_combine(crc1: int, crc2: int, len2: int) -> int:
    return _multmodp(_x2nmodp(len2, 3), crc1) ^ crc2


def _b64(crc: int) -> str:
    return base64.b64encode(crc.to_bytes(4, "big")).decode()


def _sdk_cause(exc: BaseException) -> ClientError | BotoCoreError | None:
    """The botocore error behind a boto3 wrapper (S3UploadFailedError, RetriesExceededError)."""
    seen = 0
    current: BaseException | None = exc
    while current is not None and seen < 10:
        if isinstance(current, ClientError | BotoCoreError):
            return current
        last = getattr(current, "last_exception", None)
        current = last or current.__cause__ or current.__context__
        seen += 1
    return None


def _retry_after(headers: Mapping[str, str]) -> float | None:
    value = headers.get("retry-after")
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


def _reason(exc: BaseException) -> str:
    """The innermost cause's text: 'Connection refused', 'Name or service not known'."""
    inner: BaseException = exc
    for _ in range(10):
        nxt = getattr(inner, "kwargs", {}).get("error") or inner.__cause__ or inner.__context__
        if nxt is None:
            break
        inner = nxt
    text = str(inner)
    for marker in ("Connection refused", "Name or service not known", "Connection reset"):
        if marker in text:
            return marker
    return type(inner).__name__
