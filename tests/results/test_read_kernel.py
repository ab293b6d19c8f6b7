"""The compiled text kernel gives exactly the records and skip counts of the numpy parser."""

from __future__ import annotations

import random

import numpy as np
import pytest
from gatling_common.results import text_kernel
from gatling_common.results.records import FileStrings, RecordBatch, RunInfo, SkipCounter
from gatling_common.results.text_reader import PAD, TextDecoder

from tests.results.read_helpers import Records, canonical

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
    assert len(records["REQUEST"]) > 500 and skipped.counts["invalid UTF-8"] > 50
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
