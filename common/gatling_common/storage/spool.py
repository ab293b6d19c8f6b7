"""A local file that one thread writes while an upload reads it: compress while uploading.

The writer (e.g. a compressor) appends to `path` and calls `wrote(n)` after each block, then
`finish()` (or `finish(error)`). `reader()` gives a non-seekable stream that returns the bytes
written so far and blocks for more until the writer finishes, so an SDK's multipart upload of a
stream of unknown length (boto3's `upload_fileobj`) sends parts while the file still grows. The
file stays whole on disk: a retry, the checksum check and the manifest's SHA-256 read it again
once `wait()` returned. `cancel()` tells the writer to stop (the upload failed for good).
"""

from __future__ import annotations

import io
import threading
from pathlib import Path
from types import TracebackType


class SpoolCancelledError(Exception):
    """Raised in the writer by `check()` after `cancel()`: nobody reads what it writes now."""


class Spool:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._cond = threading.Condition()
        self._size = 0
        self._done = False
        self._cancelled = False
        self._error: BaseException | None = None

    # --- the writer's side ----------------------------------------------------------------

    def wrote(self, nbytes: int) -> None:
        """`nbytes` more are in the file (written with an unbuffered write, or flushed)."""
        with self._cond:
            self._size += nbytes
            self._cond.notify_all()

    def finish(self, error: BaseException | None = None) -> None:
        """The file is whole, or (with `error`) will never be: readers and `wait()` raise it."""
        with self._cond:
            self._done = True
            self._error = error
            self._cond.notify_all()

    def check(self) -> None:
        """For the writer between blocks: `SpoolCancelledError` once the reader gave up."""
        if self._cancelled:
            raise SpoolCancelledError(f"{self.path}: nobody reads it any more")

    # --- the reader's side ----------------------------------------------------------------

    def cancel(self) -> None:
        with self._cond:
            self._cancelled = True
            self._cond.notify_all()

    def wait(self) -> int:
        """Block until the writer finished; the file's final size, or the writer's error."""
        with self._cond:
            self._cond.wait_for(lambda: self._done)
            if self._error is not None:
                raise self._error
            return self._size

    def _available(self, offset: int, wanted: int) -> int:
        """Bytes readable at `offset` now, blocking until `wanted` are or the file is whole."""
        with self._cond:
            self._cond.wait_for(lambda: self._done or self._size - offset >= wanted)
            if self._error is not None:
                raise self._error
            return min(self._size - offset, wanted)

    def reader(self) -> SpoolReader:
        return SpoolReader(self)

    def __enter__(self) -> Spool:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.cancel()


class SpoolReader(io.RawIOBase):
    """The spool's bytes in order; `read(n)` returns n bytes unless the file ended first."""

    def __init__(self, spool: Spool) -> None:
        super().__init__()
        self._spool = spool
        self._file = spool.path.open("rb")
        self._offset = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:  # what makes boto3 read it as a stream of unknown length
        return False

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        target = memoryview(buffer).cast("B")
        got = 0
        while got < len(target):
            ready = self._spool._available(self._offset, len(target) - got)
            if ready <= 0:
                break
            n = self._file.readinto(target[got : got + ready])
            if not n:  # cannot happen: the writer said those bytes were written
                raise OSError(f"{self._spool.path}: shorter than its writer said")
            got += n
            self._offset += n
        return got

    def read(self, size: int | None = -1) -> bytes:
        if size is None or size < 0:
            size = self._spool.wait() - self._offset
        buffer = bytearray(max(size, 0))
        n = self.readinto(memoryview(buffer))
        return bytes(buffer[:n])

    def close(self) -> None:
        self._file.close()
        super().close()
