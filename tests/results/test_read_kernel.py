"""The compiled text kernel gives exactly the records and skip counts of the numpy parser."""

from __future__ import annotations

import random
import threading
from pathlib import Path

import numpy as np
import pytest
from gatling_common.results.generators.generate import RunSpec, write_binary_log, write_text_log
from gatling_common.results.readers import text_kernel
from gatling_common.results.readers.binary_reader import BinaryDecoder, read_header
from gatling_common.results.readers.reader import open_log
from gatling_common.results.readers.text_reader import PAD, TextDecoder
from gatling_common.results.records import FileStrings, RecordBatch, RunInfo, SkipCounter

from tests.results.read_helpers import Records, canonical, read_records
from tests.results.test_read_bad_input import _binary, _request_cached, _request_new, _user

pytestmark = pytest.mark.skipif(not text_kernel.AVAILABLE, reason="numba is not installed")

T = 1_700_000_000_000
ODD_LINES = [
    f"REQUEST\t\tGet home\t{T}\t{T + 12}\tOK\t ",
    f"REQUEST\tShop,Pay\tPost card\t{T}\t{T + 30}\tKO\tstatus.find.is(200), but found 500",
    f"REQUEST\t\tGet home\t{T}\t{T + 5}\tKO\t  ",
    f"REQUEST\t\tGet home\t{T}\t{T + 5}\tKO",
    f"REQUEST\t\tGet home\t{T}\t{T + 5}\tOK\tmessage of an OK request",
    f"REQUEST\t\tGet home\t{T}\t{T + 5}\tOK\r",
    f"REQUEST\t\tGet home\t{T + 9}\t{T}\tOK\t ",
    f"REQUEST\t\tGet home\t-{T}\t{T}\tOK\t ",
    f"REQUEST\t\tGet home\t{T}\t12345678901234567890\tOK\t ",
    f"REQUEST\t\tGet home\t{T}\t{T}x\tOK\t ",
    f"REQUEST\t\tGet home\t{T}\t{T}\tok\t ",
    f"REQUEST\t\tGet home\t{T}\t{T}\tOK\t \textra",
    f"REQUEST\tGet home\t{T}\t{T}\tOK",
    # Shapes the kernel's fixed-width tail checks must leave to the general parser (or agree on).
    f"REQUEST\tGet home\t{T}\t{T}\tOK\t ",
    f"REQUEST\ta\tb\tc\t{T}\t{T + 1}\tOK\t ",
    f"REQUEST\ta\tb\tc\t{T}\t{T + 1}\tKO",
    f"REQUEST\t\tGet home\t{T // 10}\t{T}\tOK\t ",
    f"REQUEST\t\tGet home\t{T}\t{T}\tKO\t ",
    "REQUEST\t\t\t\tOK\t ",
    "REQUEST\t",
    f"USER\tBro\twse\tSTART\t{T}",
    f"USER\t\tSTART\t{T}",
    f"USER\tBrowse\tEND\t{T // 10}",
    "USER\t",
    f"GROUP\tSh\top\t{T}\t{T + 40}\t3\tOK",
    f"GROUP\tShop\t{T}\t{T + 40}\t3x\tOK",
    f"GROUP\tShop\t{T // 10}\t{T + 40}\t3\tOK",
    f"GROUP\t\t{T}\t{T + 40}\t12345678\tKO",
    "GROUP\t\tOK",
    "REQUEST\t\t\xff\xfe name\t1\t2\tOK\t ",
    f"REQUEST\t\tGet home\t{T}\t{T + 1}\tKO\tbad \xff message",
    f"GROUP\tShop,Pay\t{T}\t{T + 40}\t35\tOK",
    f"GROUP\tShop\t{T}\t{T + 40}\t123456789\tKO",
    f"GROUP\tShop\t{T + 50}\t{T + 40}\t3\tKO",
    f"GROUP\tShop\t{T}\t{T + 40}\t\tKO",
    f"GROUP\tSh\xffop\t{T}\t{T + 40}\t1\tKO",
    f"GROUP\tShop\t{T}\t{T + 40}\t1\tKO\t",
    f"USER\tBrowse\tSTART\t{T}",
    f"USER\tBrowse\tEND\t{T + 100}\r",
    f"USER\tBrowse\tSTOP\t{T}",
    f"USER\tBrowse\tSTART\t{T}\t1",
    f"USER\tBr\xffowse\tSTART\t{T}",
    f"ERROR\tboom\t{T}",
    f"ERROR\ta\tmessage\twith\tmany\tmore\ttabs\tthan\tseven\t{T}",
    "ERROR\tno time\t",
    "ERROR\tonly one field",
    f"ERROR\t\xff\t{T}",
    "",
    "\r",
    "NOTATYPE\t1",
    "REQUESTX\t1",
    "USER",
    "RUN\tx\ty\t1\t \t3.10",
    "ASSERTION\tAAAA",
]


def decode(data: bytes, *, compiled: bool, chunk_lines: int) -> tuple[Records, SkipCounter]:
    strings, skipped = FileStrings(), SkipCounter()
    decoder = TextDecoder(strings, skipped, RunInfo())
    decoder.compiled = compiled
    lines = data.split(b"\n")
    batches: list[RecordBatch] = []
    for at in range(0, len(lines), chunk_lines):
        part = lines[at : at + chunk_lines]
        final = at + chunk_lines >= len(lines)
        chunk = b"\n".join(part) + (b"" if final else b"\n")
        batches.append(decoder.decode(chunk, final=final))
    return canonical(batches, strings), skipped


def both(data: bytes, chunk_lines: int = 1 << 20) -> tuple[Records, SkipCounter]:
    fast = decode(data, compiled=True, chunk_lines=chunk_lines)
    plain = decode(data, compiled=False, chunk_lines=chunk_lines)
    assert fast[0] == plain[0]
    assert fast[1].counts == plain[1].counts
    return fast


def encode(lines: list[str]) -> bytes:
    return "\n".join(lines).encode("utf-8", "surrogateescape").replace(b"\xc3\xbf", b"\xff")


@pytest.mark.parametrize("chunk_lines", [1, 7, 1000])
def test_odd_and_clean_lines_decode_alike(chunk_lines: int) -> None:
    rng = random.Random(3)
    lines = [rng.choice(ODD_LINES) for _ in range(3000)]
    data = encode(lines) + b"\n"
    records, skipped = both(data, chunk_lines)
    found = text_kernel.scan(np.frombuffer(data + PAD, np.uint8), len(data), True)
    assert 1000 < int(np.count_nonzero(~found.slow)) < 2500  # both paths are exercised
    assert len(records["REQUEST"]) > 400 and skipped.counts["invalid UTF-8"] > 50
    assert skipped.counts["end before start"] > 50


@pytest.mark.parametrize("last", [*ODD_LINES[:30], f"REQUEST\t\tGet home\t{T}\t{T + 1}\tO"])
def test_the_unterminated_last_line_is_judged_alike(last: str) -> None:
    both(encode([ODD_LINES[0], ODD_LINES[21], last]))


def test_more_distinct_strings_than_the_kernel_table_holds() -> None:
    n = text_kernel.MAX_STRINGS + 500
    lines = [f"ERROR\tfailure number {i}\t{T + i}" for i in range(n)]
    lines += [f"REQUEST\t\tname {i}\t{T}\t{T + i}\tOK\t " for i in range(n)]
    records, _ = both(encode(lines) + b"\n")
    assert len(records["ERROR"]) == n and len(set(records["REQUEST"])) == n
    assert records["ERROR"][-1] == (f"failure number {n - 1}", T + n - 1)


def decode_binary(data: bytes, *, compiled: bool, step: int) -> tuple[Records, SkipCounter]:
    strings, skipped, info = FileStrings(), SkipCounter(), RunInfo()
    pos = read_header(data, info)
    decoder = BinaryDecoder(strings, skipped, info)
    decoder.compiled = compiled
    batches, buf, read = [], data[:pos], pos
    while not decoder.stopped:  # fed `step` bytes at a time, as the reader does
        eof = read >= len(data)
        buf, read = buf[pos:] + data[read : read + step], read + step
        before, pos = 0, 0
        batch, pos = decoder.decode(buf, pos, eof=eof)
        batches.append(batch)
        if eof and (pos >= len(buf) or pos == before):
            break
    return canonical(batches, strings), skipped


@pytest.mark.parametrize("cut", [None, -1, -7, -5000])
def test_binary_records_decode_alike(tmp_path: Path, cut: int | None) -> None:
    path = tmp_path / "simulation.log"
    write_binary_log(path, RunSpec(requests=3000, duration_s=60))
    data = path.read_bytes()[:cut]
    for step in (1000, 1 << 20):
        fast = decode_binary(data, compiled=True, step=step)
        plain = decode_binary(data, compiled=False, step=step)
        assert fast[0] == plain[0] and len(fast[0]["REQUEST"]) > 2000
        assert fast[1].counts == plain[1].counts == ({} if cut is None else {"truncated record": 1})


def test_binary_unknown_type_stops_alike(tmp_path: Path) -> None:
    path = tmp_path / "simulation.log"
    write_binary_log(path, RunSpec(requests=3000, duration_s=60))
    data = bytearray(path.read_bytes())
    data[len(data) // 2 :] = b"\x09" + bytes(data[len(data) // 2 + 1 :])
    fast = decode_binary(bytes(data), compiled=True, step=1 << 20)
    plain = decode_binary(bytes(data), compiled=False, step=1 << 20)
    assert fast[0] == plain[0] and fast[1].counts == plain[1].counts


def test_a_binary_record_longer_than_a_read_chunk_is_read_whole(tmp_path: Path) -> None:
    long_name = "n" * 3_000_000  # more than the first 1 MiB read and the 64 KiB chunks after it
    data = _binary(
        _user(True, 5),
        _request_new(1, long_name, 10, 20),
        *[_request_cached(1, 30 + i, 40 + i, True) for i in range(3000)],
    )
    path = tmp_path / "simulation.log"
    path.write_bytes(data)
    records, skipped = read_records(path, batch_records=1000)
    assert len(records["REQUEST"]) == 3001 and skipped.total == 0
    assert records["REQUEST"][0][0].endswith("\x1f" + long_name)


def _scan_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith("gatling-fleet-scan")]


@pytest.mark.parametrize("prefetch", [True, False])
def test_chunks_scanned_ahead_read_like_one_chunk_and_stop_cleanly(
    tmp_path: Path, prefetch: bool
) -> None:
    """The kernel scans the next chunks in a second thread, into a ring of reused buffers: with
    many small chunks every buffer is reused many times, and the records must not change."""
    path = tmp_path / "simulation.log"
    write_text_log(path, RunSpec(requests=60_000, duration_s=60))
    one, _ = read_records(path)
    with open_log(path, batch_records=700, prefetch=prefetch) as reader:
        batches = list(reader)
        assert canonical(batches, reader.strings) == one
    assert len(batches) > 20
    with open_log(path, batch_records=700, prefetch=prefetch) as reader:
        for _ in reader:
            break
    assert _scan_threads() == []
