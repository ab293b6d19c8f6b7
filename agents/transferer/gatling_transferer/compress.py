"""Compress a log into a temporary file, streaming, so memory stays flat whatever the log's size.

gzip: the whole file first, then the upload. zstd: a thread compresses into a `Spool` while the
storage backend uploads what is already written (S3: part by part), so the two overlap.
"""

from __future__ import annotations

import gzip
import hashlib
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gatling_common.errors import InputError
from gatling_common.storage import PermanentStorageError
from gatling_common.storage.spool import Spool

# Level 6 (zlib's default) meets the 7x goal: 7.7-13x fewer bytes on real Gatling logs (2.3-3.10)
# and ~7.0x on the benchmark's synthetic log, whose i.i.d. response times compress worst. Level 5
# lands just under 7x there, and level 1, though ~3x faster, leaves real logs at 5.7-6.1x.
GZIP_LEVEL = 6
_CHUNK = 1024 * 1024

# zstd level 6 (lazy matching) with a 512 KiB window, 2-deep search and 6-byte matches: ~7.7x
# fewer bytes on the benchmark's 500 MB log, at ~90 MB/s per core, ~3x gzip -6's speed (level 6
# itself: 7.9x at ~55 MB/s; level 5: 7.2x; level 3: 6.3x). Gatling lines repeat within a few
# kB, so a larger window buys nothing and costs cache misses. Two workers: the pod's two cores
# while the upload waits on the network. The output does not depend on the number of workers
# (zstd's multithreaded format is the same for any count >= 1): a re-upload is byte-identical.
ZSTD_LEVEL = 6
ZSTD_WINDOW_LOG = 19
ZSTD_HASH_LOG = 16
ZSTD_CHAIN_LOG = 16
ZSTD_SEARCH_LOG = 2
ZSTD_MIN_MATCH = 6
ZSTD_THREADS = 2
_ZSTD_BLOCK = 4 * 1024 * 1024  # read and handed to zstd at once: two of its 2 MiB jobs


@dataclass(frozen=True)
class Compressed:
    path: Path
    raw_bytes: int
    compressed_bytes: int


def gzip_file(source: Path, target: Path, *, inner_name: str) -> Compressed:
    """Write `source` gzipped to `target`; `inner_name` is the file name kept in the gzip header."""
    raw = 0
    # mtime=0: the same log always gives the same bytes (a re-upload is byte-identical).
    with (
        source.open("rb") as src,
        target.open("wb") as dst,
        gzip.GzipFile(inner_name, "wb", GZIP_LEVEL, dst, mtime=0) as gz,
    ):
        while chunk := src.read(_CHUNK):
            gz.write(chunk)
            raw += len(chunk)
    return Compressed(target, raw, target.stat().st_size)


def _zstandard() -> Any:
    """The transferer's extra; imported only when --compress zstd is used."""
    try:
        import zstandard
    except ImportError as exc:
        raise InputError(
            "--compress zstd needs the zstandard package (pip install gatling-fleet[transferer])"
        ) from exc
    return zstandard


def zstd_compressor() -> Any:
    """The transferer's zstd settings (a frame with its content checksum: cuts are detected)."""
    zstandard = _zstandard()
    params = zstandard.ZstdCompressionParameters.from_level(
        ZSTD_LEVEL,
        window_log=ZSTD_WINDOW_LOG,
        hash_log=ZSTD_HASH_LOG,
        chain_log=ZSTD_CHAIN_LOG,
        search_log=ZSTD_SEARCH_LOG,
        min_match=ZSTD_MIN_MATCH,
        threads=ZSTD_THREADS,
        write_checksum=True,
        write_content_size=True,
    )
    return zstandard.ZstdCompressor(compression_params=params)


@dataclass
class ZstdJob:
    """What the compressing thread did; read once the spool's `wait()` returned."""

    spool: Spool
    raw_bytes: int = 0
    compressed_bytes: int = 0
    sha256: str = ""  # of the compressed file, computed while it is written


class _SpoolSink:
    """The file zstd writes to: every write goes to disk unbuffered and is told to the spool."""

    def __init__(self, job: ZstdJob) -> None:
        self._job = job
        self._file = job.spool.path.open("wb", buffering=0)
        self._digest = hashlib.sha256()

    def write(self, data: bytes | memoryview) -> int:
        view = memoryview(data)
        while view:
            n = self._file.write(view) or 0
            view = view[n:]
        self._digest.update(data)
        self._job.compressed_bytes += len(data)
        self._job.spool.wrote(len(data))
        return len(data)

    def flush(self) -> None:
        pass

    def close(self) -> None:
        self._job.sha256 = self._digest.hexdigest()
        self._file.close()


@contextmanager
def zstd_spool(
    source: Path, target: Path, *, on_read: Callable[[int], None] | None = None
) -> Iterator[ZstdJob]:
    """Compress `source` to `target` in a thread while the caller uploads `job.spool`.

    `on_read(n)` hears of each block of the log compressed (progress). On exit the thread is
    stopped (when the upload failed) and joined; its error, if any, is raised by `spool.wait()`.
    """
    zstandard = _zstandard()
    compressor = zstd_compressor()  # before the thread: a missing zstandard fails here, plainly
    raw_bytes = source.stat().st_size
    job = ZstdJob(Spool(target))

    sink = _SpoolSink(job)  # the file exists before any reader opens it

    def work() -> None:
        error: BaseException | None = None
        try:
            try:
                # closefd=False: the sink's close() (below) finishes the digest after the frame.
                with (
                    compressor.stream_writer(
                        sink, size=raw_bytes, write_size=_ZSTD_BLOCK, closefd=False
                    ) as writer,
                    source.open("rb") as src,
                ):
                    while block := src.read(_ZSTD_BLOCK):
                        job.spool.check()
                        writer.write(block)
                        job.raw_bytes += len(block)
                        if on_read is not None:
                            on_read(len(block))
            finally:
                sink.close()
        except zstandard.ZstdError as exc:  # e.g. the log is not the size it had (changed)
            error = PermanentStorageError(f"{source}: zstd compression failed: {exc}")
        except BaseException as exc:  # told to the uploader through the spool, not lost
            error = exc  # SpoolCancelledError too: the upload failed, so nobody waits for it
        job.spool.finish(error)

    thread = threading.Thread(target=work, name="zstd", daemon=True)
    thread.start()
    try:
        yield job
    finally:
        job.spool.cancel()
        thread.join()
