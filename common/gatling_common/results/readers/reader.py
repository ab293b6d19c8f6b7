"""Open any Gatling simulation.log (text 3.0-3.12, binary 3.13+, gzip, zstd or not) as batches.

    with open_log(path) as reader:
        reader.info          # RunInfo: filled by open_log, before iteration (RUN header/line)
        for batch in reader: # RecordBatch of up to ~batch_records records, file order per type
            ...              # ids in the batch index reader.strings (it grows while iterating)
        reader.skipped       # SkipCounter: records skipped, by reason (final after iteration)

One pass, streaming: memory stays flat whatever the file size. The kind of file is read from its
content: gzip and zstd by their magic bytes, binary by its RUN header, the text layout (3.0-3.3
or 3.4-3.12) by the shape of its records (the RUN line's version is unreliable).
"""

from __future__ import annotations

import gzip
import io
import queue
import threading
import zlib
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from types import TracebackType
from typing import Any, BinaryIO, cast

import numpy as np

from gatling_common.errors import InputError
from gatling_common.results.readers import text_kernel
from gatling_common.results.readers.binary_reader import (
    BinaryDecoder,
    Incomplete,
    Unreadable,
    looks_binary,
    read_header,
)
from gatling_common.results.readers.columnar import U8
from gatling_common.results.readers.text_reader import PAD, TextDecoder, read_preamble
from gatling_common.results.readers.window import RunWindow
from gatling_common.results.records import FileStrings, RecordBatch, RunInfo, SkipCounter

# Small enough that each chunk's buffers are reused from the heap rather than mapped afresh
# (fresh pages cost more than the decoding), large enough that per-batch overhead is small.
DEFAULT_BATCH_RECORDS = 128 * 1024
SCAN_AHEAD = 2  # text chunks whose kernel pass runs ahead of decoding, each in its own thread
HEAD_BYTES = 1 << 20
GZIP_MAGIC = b"\x1f\x8b"
ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"  # a zstd frame (RFC 8878), as `--compress zstd` writes
_ZSTD_READ = 1 << 20  # compressed bytes read at once
_ZSTD_SLICE = 64 << 10  # and fed to the decompressor at once (a damaged slice's output is lost)


class CorruptStreamError(Exception):
    """A compressed stream whose data does not decode (a bad block, a checksum mismatch)."""


class EmptyLogError(InputError):
    """The file holds nothing (a runner that died before Gatling wrote its first line)."""


class DamagedLogError(InputError):
    """The file is corrupt past one record: what follows cannot be framed or trusted."""


class LogReader:
    """One simulation.log, read once in batches. Use `open_log`."""

    def __init__(
        self,
        path: Path,
        *,
        batch_records: int = DEFAULT_BATCH_RECORDS,
        prefetch: bool = True,
        accept_damaged: bool = False,
    ) -> None:
        self.path = path
        self._accept_damaged = accept_damaged
        self._prefetch = prefetch
        self._worker: _Prefetch | None = None
        self.info = RunInfo()
        self.strings = FileStrings()
        self.skipped = SkipCounter()
        self._batch_records = max(1, batch_records)
        self._file: BinaryIO = path.open("rb")
        self._eof = False
        self._codec = "gzip"  # named in the damage messages; set by _open_stream
        self.first_record_offset = 0  # bytes of the binary RUN header (0 for text logs)
        try:
            self._stream: BinaryIO = self._open_stream()
            self._head = self._read(HEAD_BYTES)
            self._binary = self._detect()
        except BaseException:
            self._file.close()
            raise

    def _open_stream(self) -> BinaryIO:
        magic = self._file.read(len(ZSTD_MAGIC))
        self._file.seek(0)
        if magic.startswith(GZIP_MAGIC):
            return gzip.GzipFile(fileobj=self._file, mode="rb")  # type: ignore[return-value]
        if magic == ZSTD_MAGIC:
            self._codec = "zstd"
            raw = _ZstdStream(self._file, self.path)
            return io.BufferedReader(raw, buffer_size=_ZSTD_READ)
        return self._file

    def _read(self, size: int) -> bytes:
        """Up to `size` bytes (fewer only at the end); a cut gzip stream ends the data, counted."""
        parts: list[bytes] = []
        wanted = size
        while wanted > 0 and not self._eof:
            try:  # read1: a cut gzip or zstd stream raises after what it could decompress
                data = cast(io.BufferedIOBase, self._stream).read1(wanted)
            except EOFError as exc:
                self._damaged_gzip("truncated", exc)
                data = b""
            except (gzip.BadGzipFile, zlib.error, CorruptStreamError) as exc:
                self._damaged_gzip("corrupt", exc)
                data = b""
            if not data:
                self._eof = True
            parts.append(data)
            wanted -= len(data)
        return b"".join(parts)

    def _detect(self) -> bool:
        head = self._head
        if not head.strip():
            raise EmptyLogError(f"{self.path}: empty file; expected a Gatling simulation.log")
        if looks_binary(head):
            try:
                self.first_record_offset = read_header(head, self.info)
            except (Incomplete, Unreadable) as bad:
                raise InputError(
                    f"{self.path}: unreadable binary RUN header ({type(bad).__name__.lower()}); "
                    "expected a Gatling 3.13+ simulation.log"
                ) from None
            return True
        read_preamble(head, self.info, str(self.path))
        self.first_record_offset = 0
        return False

    @property
    def _chunk_bytes(self) -> int:
        per_record = 28 if self._binary else 64
        return min(max(self._batch_records * per_record, 1 << 16), 64 << 20)

    def __iter__(self) -> Iterator[RecordBatch]:
        decoded = self._binary_batches() if self._binary else self._text_batches()
        window = RunWindow(self.skipped)
        batches = (window.apply(b) for b in decoded)
        if not self._prefetch:
            yield from batches
            return
        self._worker = _Prefetch(batches)
        try:
            yield from self._worker
        finally:
            self._worker.stop()

    def _text_batches(self) -> Iterator[RecordBatch]:
        """Decoded chunks, in order. The compiled kernel's passes over the next chunks run in
        other threads (it releases the GIL) while this one finishes the current chunk."""
        decoder = TextDecoder(self.strings, self.skipped, self.info)
        if not decoder.scans_ahead:
            for arr, n, final in self._text_chunks(ring=1):
                yield decoder.decode_array(arr, n, final=final)
            return
        # At most SCAN_AHEAD chunks wait in `ahead` while the next one is read: SCAN_AHEAD + 1
        # buffers are never refilled while in use.
        chunks = self._text_chunks(ring=SCAN_AHEAD + 1)
        ahead: deque[tuple[U8, int, bool, Future[text_kernel.Scan]]] = deque()
        with ThreadPoolExecutor(SCAN_AHEAD, thread_name_prefix="gatling-fleet-scan") as pool:
            try:
                for arr, n, final in chunks:
                    ahead.append((arr, n, final, pool.submit(decoder.scan, arr, n, final=final)))
                    if len(ahead) > SCAN_AHEAD:
                        arr, n, final, found = ahead.popleft()
                        yield decoder.decode_array(arr, n, final=final, found=found.result())
                while ahead:
                    arr, n, final, found = ahead.popleft()
                    yield decoder.decode_array(arr, n, final=final, found=found.result())
            finally:
                for *_, found in ahead:
                    found.cancel()

    def _text_chunks(self, ring: int) -> Iterator[tuple[U8, int, bool]]:
        """(array, length, final): chunks of whole lines, each read straight into a padded
        array (one copy). The arrays come from a ring of `ring` buffers (no page faults per
        chunk): a chunk's array is refilled `ring` chunks later."""
        pending, self._head = self._head, b""
        size = self._chunk_bytes
        buffers = [np.empty(0, np.uint8) for _ in range(ring)]
        slot = 0
        while True:
            arr = buffers[slot]
            if len(arr) < len(pending) + size + len(PAD):
                arr = buffers[slot] = np.empty(len(pending) + size + len(PAD), np.uint8)
            arr[: len(pending)] = np.frombuffer(pending, np.uint8)
            view = memoryview(arr.data)[len(pending) : len(pending) + size]
            total = len(pending) + self._fill(view)
            if self._eof:
                arr[total : total + len(PAD)] = 0
                if total:
                    yield arr, total, True
                return
            tail = arr[max(0, total - (1 << 20)) : total]
            newlines = np.flatnonzero(tail == 10)
            if len(newlines) == 0:  # a line longer than 1 MB: read on with a bigger chunk
                pending, size = arr[:total].tobytes(), size * 2
                continue
            end = total - len(tail) + int(newlines[-1]) + 1
            pending = arr[end:total].tobytes()
            arr[end : end + len(PAD)] = 0
            yield arr, end, False
            slot = (slot + 1) % ring

    def _fill(self, target: memoryview) -> int:
        """Read into target until it is full or the data ends; the number of bytes read."""
        got = 0
        while got < len(target) and not self._eof:
            try:  # readinto1: a cut gzip or zstd stream raises after what it could decompress
                n = cast(io.BufferedIOBase, self._stream).readinto1(target[got:])
            except EOFError as exc:
                self._damaged_gzip("truncated", exc)
                n = 0
            except (gzip.BadGzipFile, zlib.error, CorruptStreamError) as exc:
                self._damaged_gzip("corrupt", exc)
                n = 0
            if not n:
                self._eof = True
            got += n
        return got

    def _damaged_gzip(self, kind: str, exc: Exception) -> None:
        """A gzip or zstd stream without its proper end (cut, or a flipped bit that ends the
        deflate data early; the two look alike) or with a CRC, checksum or block error: what was
        decompressed before may already be garbage (invented request names), so it is an error
        unless damaged input is accepted. Our transferer compresses only whole logs: a cut .gz
        or .zst lost data."""
        if not self._accept_damaged:
            raise DamagedLogError(
                f"{self.path}: {kind} {self._codec} stream ({exc}); its records cannot be "
                "trusted (accept damaged input to keep those read before the damage)"
            ) from None
        self.skipped.add(f"{kind} {self._codec} stream")

    def _binary_batches(self) -> Iterator[RecordBatch]:
        decoder = BinaryDecoder(self.strings, self.skipped, self.info)
        buf, pos, self._head = self._head, self.first_record_offset, b""
        base = 0  # file offset (after decompression) of buf[0]
        stuck = False  # the last decode made no progress: a record longer than the buffer
        while not decoder.stopped:
            if not self._eof and (stuck or len(buf) - pos < self._chunk_bytes):
                base += pos
                buf = buf[pos:] + self._read(self._chunk_bytes)
                pos = 0
            before = pos
            batch, pos = decoder.decode(buf, pos, eof=self._eof)
            stuck = pos == before
            if decoder.stopped and not self._accept_damaged:
                raise DamagedLogError(
                    f"{self.path}: {decoder.stop_reason} at byte {base + decoder.stop_pos}: the "
                    "rest of the file cannot be decoded (binary records carry no length); accept "
                    "damaged input to keep the records before it"
                )
            yield batch
            if self._eof and (pos >= len(buf) or pos == before):
                return

    def close(self) -> None:
        if self._worker is not None:
            self._worker.stop()
        self._stream.close()
        self._file.close()

    def __enter__(self) -> LogReader:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


class _ZstdStream(io.RawIOBase):
    """The decompressed bytes of a file of zstd frames, read as a stream (flat memory).

    zstandard's own stream reader ends quietly where a cut file ends; here a file that ends
    inside a frame raises EOFError (as gzip does) and undecodable data `CorruptStreamError`.
    """

    def __init__(self, file: BinaryIO, path: Path) -> None:
        super().__init__()
        try:
            import zstandard  # the reporter's and the transferer's extra; needed for .zst only
        except ImportError:
            raise InputError(
                f"{path}: a zstd-compressed log needs the zstandard package "
                "(pip install gatling-fleet[reporter])"
            ) from None
        self._zstd: Any = zstandard
        self._file = file
        self._decompressor = zstandard.ZstdDecompressor()
        self._frame: Any = None  # the decompressor of the frame being read, None between frames
        self._out = b""
        self._at = 0
        self._error: CorruptStreamError | None = None

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        target = memoryview(buffer).cast("B")
        while self._at >= len(self._out):
            if self._error is not None:  # after what was decompressed before the damage
                raise self._error
            data = self._file.read(_ZSTD_READ)
            if not data:
                if self._frame is not None:
                    raise EOFError("the file ends inside a zstd frame")
                return 0
            self._out, self._at = self._decompress(data), 0
        n = min(len(target), len(self._out) - self._at)
        target[:n] = self._out[self._at : self._at + n]
        self._at += n
        return n

    def _decompress(self, data: bytes) -> bytes:
        """Fed in slices: an error loses the output of its slice only, the rest is given first."""
        parts: list[bytes] = []
        view = memoryview(data)
        try:
            for at in range(0, len(view), _ZSTD_SLICE):
                piece = view[at : at + _ZSTD_SLICE]
                while piece:
                    if self._frame is None:
                        self._frame = self._decompressor.decompressobj()
                    parts.append(self._frame.decompress(piece))
                    if not self._frame.eof:
                        break
                    piece, self._frame = memoryview(self._frame.unused_data), None  # next frame
        except self._zstd.ZstdError as exc:
            self._error = CorruptStreamError(str(exc))
        return b"".join(parts)


def open_log(
    path: Path,
    *,
    batch_records: int = DEFAULT_BATCH_RECORDS,
    prefetch: bool = True,
    accept_damaged: bool = False,
) -> LogReader:
    """Open a simulation.log; its RunInfo is read now (InputError if it is no Gatling 3 log).

    With `prefetch` (the default), one background thread reads and decodes the next batch while
    the caller folds the current one (numpy releases the GIL, so both cores work). Only that
    thread touches the file, `strings` and `skipped`; `skipped` is final once iteration ends.

    A corrupt gzip or zstd stream, or a binary record that cannot be framed (all later ones are
    lost), raises DamagedLogError unless `accept_damaged`: then what was read before is kept and the
    damage counted in `skipped`. Single bad records are always skipped and counted.
    """
    return LogReader(
        path, batch_records=batch_records, prefetch=prefetch, accept_damaged=accept_damaged
    )


class _Failed:
    def __init__(self, error: BaseException) -> None:
        self.error = error


_DONE = object()


class _Prefetch:
    """Runs a batch iterator in a worker thread, at most two batches ahead of the consumer."""

    def __init__(self, batches: Iterator[RecordBatch]) -> None:
        self._queue: queue.Queue[object] = queue.Queue(maxsize=2)
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(batches,), daemon=True)
        self._thread.start()

    def _run(self, batches: Iterator[RecordBatch]) -> None:
        try:
            for batch in batches:
                if not self._put(batch):
                    return
            self._put(_DONE)
        except BaseException as error:  # handed to the consumer, raised there
            self._put(_Failed(error))
        finally:  # a consumer that stopped early: end the generator (and its threads) here
            close = getattr(batches, "close", None)
            if close is not None:
                close()

    def _put(self, item: object) -> bool:
        while not self._stopping.is_set():
            try:
                self._queue.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def __iter__(self) -> Iterator[RecordBatch]:
        while True:
            item = self._queue.get()
            if item is _DONE:
                self._thread.join()
                return
            if isinstance(item, _Failed):
                self._thread.join()
                raise item.error
            yield item  # type: ignore[misc]

    def stop(self) -> None:
        """Let the worker end (the consumer stopped early or the reader is closed)."""
        self._stopping.set()
        if self._thread is not threading.current_thread():
            self._thread.join()
