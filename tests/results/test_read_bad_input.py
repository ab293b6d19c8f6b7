"""Lenient and honest reading: bad records are skipped and counted by reason; damage that loses
everything after it (a corrupt gzip stream, an unframeable binary record) is an error unless
damaged input is accepted."""

from __future__ import annotations

import gzip
import random
import re
import struct
from pathlib import Path

import pytest
from gatling_common.errors import InputError
from gatling_common.results.readers.reader import DamagedLogError, open_log

from tests.results.read_helpers import counts, read_records

RUN = "RUN\tsim.Sim\tsim\t1700000000000\t \t3.10.5\n"
USER = "USER\tScn\tSTART\t1700000000001\n"
OK = "REQUEST\t\tHome\t1700000000010\t1700000000020\tOK\t \n"
KO = "REQUEST\tG1,G2\tPay\t1700000000030\t1700000000045\tKO\tstatus 500\n"
GROUP = "GROUP\tG1,G2\t1700000000030\t1700000000046\t15\tKO\n"
ERROR = "ERROR\tHome: crashed \t1700000000050\n"
END = "USER\tScn\tEND\t1700000000060\n"
GOOD = RUN + USER + OK + KO + GROUP + ERROR + END


def write(tmp_path: Path, data: bytes | str, name: str = "simulation.log") -> Path:
    path = tmp_path / name
    path.write_bytes(data.encode() if isinstance(data, str) else data)
    return path


def test_a_clean_text_log_reads_every_field(tmp_path: Path) -> None:
    records, skipped = read_records(write(tmp_path, GOOD))
    assert records == {
        "REQUEST": [
            ("\x1fHome", 1700000000010, 1700000000020, True, None),
            ("G1\x1eG2\x1fPay", 1700000000030, 1700000000045, False, "status 500"),
        ],
        "GROUP": [("G1\x1eG2", 1700000000030, 1700000000046, 15, False)],
        "USER": [("Scn", True, 1700000000001), ("Scn", False, 1700000000060)],
        "ERROR": [("Home: crashed ", 1700000000050)],
    }
    assert skipped.total == 0


def test_crlf_line_ends_and_missing_message_field(tmp_path: Path) -> None:
    text = GOOD.replace("\tOK\t \n", "\tOK\n").replace("\n", "\r\n")
    records, skipped = read_records(write(tmp_path, text))
    assert counts(records) == {"REQUEST": 2, "GROUP": 1, "USER": 2, "ERROR": 1}
    assert records["REQUEST"][1][4] == "status 500"
    assert skipped.total == 0


@pytest.mark.parametrize(
    ("bad_line", "reason"),
    [
        (b"REQUEST\t\tHome\t17000x0000010\t1700000000020\tOK\t \n", "malformed REQUEST"),
        (b"REQUEST\t\tHome\t1700000000010\t1700000000020\tMAYBE\t \n", "malformed REQUEST"),
        (b"REQUEST\t\tHome\t1700000000010\n", "malformed REQUEST"),
        (b"REQUEST\t\tHome\t1700000000030\t1700000000020\tOK\t \n", "end before start"),
        (b"GROUP\tG\t1700000000030\t1700000000020\t1\tOK\n", "end before start"),
        (b"GROUP\tG\t1700000000030\tsoon\t1\tOK\n", "malformed GROUP"),
        (b"USER\tScn\tPAUSE\t1700000000001\n", "malformed USER"),
        (b"ERROR\tno time\n", "malformed ERROR"),
        (b"REQUEST\t\tH\xffme\t1700000000010\t1700000000020\tOK\t \n", "invalid UTF-8"),
        (b"REQUEST\t\tHome\t1700000000010\t1700000000020\tKO\tbad \xc3\x28\n", "invalid UTF-8"),
        (b"USER\tSc\xe9n\tSTART\t1700000000001\n", "invalid UTF-8"),
        (b"BOGUS\tline\n", "unknown record type"),
        (b"\n", "empty line"),
    ],
)
def test_each_bad_line_is_skipped_and_counted(tmp_path: Path, bad_line: bytes, reason: str) -> None:
    data = (RUN + USER + OK).encode() + bad_line + (KO + END).encode()
    records, skipped = read_records(write(tmp_path, data))
    assert dict(skipped.counts) == {reason: 1}
    assert counts(records) == {"REQUEST": 2, "USER": 2}


def test_unterminated_last_line_whole_or_cut(tmp_path: Path) -> None:
    whole, skipped = read_records(write(tmp_path, GOOD.rstrip("\n")))
    assert counts(whole) == {"REQUEST": 2, "GROUP": 1, "USER": 2, "ERROR": 1}
    assert skipped.total == 0
    cut, skipped = read_records(write(tmp_path, GOOD[:-5]))  # USER END with 9 of 13 digits
    assert counts(cut) == {"REQUEST": 2, "GROUP": 1, "USER": 1, "ERROR": 1}
    assert dict(skipped.counts) == {"truncated record": 1}


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty file; expected a Gatling simulation.log"),
        (b"\n\n", "empty file; expected a Gatling simulation.log"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "not a Gatling simulation.log (starts with"),
        (b'{"stats": {"name": "All Requests"}}\n', "not a Gatling simulation.log (starts with"),
    ],
)
def test_not_a_gatling_log_is_an_input_error_naming_the_file(
    tmp_path: Path, content: bytes, message: str
) -> None:
    path = write(tmp_path, content, "weird.log")
    with pytest.raises(InputError, match=f"^{re.escape(str(path))}: {re.escape(message)}"):
        open_log(path)


def test_gzip_of_a_non_gatling_file_is_refused_too(tmp_path: Path) -> None:
    path = write(tmp_path, gzip.compress(b"hello\tworld\n"), "x.log.gz")
    with pytest.raises(InputError, match=r"not a Gatling simulation\.log"):
        open_log(path)


def test_a_cut_gzip_stream_is_an_error_or_keeps_what_was_readable(tmp_path: Path) -> None:
    packed = gzip.compress((GOOD * 200).encode())
    path = write(tmp_path, packed[: len(packed) - 20], "s.log.gz")
    with pytest.raises(DamagedLogError, match=r": truncated gzip stream \(Compressed file ended"):
        read_records(path)
    records, skipped = read_records(path, accept_damaged=True)
    assert skipped.counts["truncated gzip stream"] == 1
    assert 0 < len(records["REQUEST"]) <= 400


def _flip(data: bytes, at: int, n: int = 4) -> bytes:
    damaged = bytearray(data)
    for i in range(at, at + n):
        damaged[i] ^= 0xFF
    return bytes(damaged)


@pytest.mark.parametrize("where", ["middle", "crc"])
def test_a_corrupt_gzip_stream_is_an_error(tmp_path: Path, where: str) -> None:
    packed = gzip.compress((GOOD * 200).encode())
    at = len(packed) // 2 if where == "middle" else len(packed) - 8  # the trailer's CRC32
    path = write(tmp_path, _flip(packed, at), "s.log.gz")
    with pytest.raises(DamagedLogError) as err:
        read_records(path)
    assert re.fullmatch(
        rf"{re.escape(str(path))}: (corrupt|truncated) gzip stream \(.+\); its records cannot be "
        r"trusted "
        r"\(accept damaged input to keep those read before the damage\)",
        str(err.value),
    )


def test_a_corrupt_gzip_stream_accepted_is_counted(tmp_path: Path) -> None:
    packed = gzip.compress((GOOD * 200).encode())
    path = write(tmp_path, _flip(packed, len(packed) - 8), "s.log.gz")
    records, skipped = read_records(path, accept_damaged=True)
    assert dict(skipped.counts) == {"corrupt gzip stream": 1}
    assert len(records["REQUEST"]) == 400  # the CRC was hit: every record had been read


def _binary(*records: bytes) -> bytes:
    def s(v: str) -> bytes:
        return struct.pack(">i", len(v)) + v.encode("latin-1") + b"\x00" if v else b"\0\0\0\0"

    head = b"\x00" + s("3.14.3") + s("sim.Sim") + struct.pack(">q", 1_700_000_000_000)
    head += s("") + struct.pack(">i", 1) + s("Scn") + struct.pack(">i", 0)
    return head + b"".join(records)


def _user(start: bool, at: int) -> bytes:
    return b"\x02" + struct.pack(">i?i", 0, start, at)


def _request_new(index: int, name: str, start: int, end: int) -> bytes:
    raw = name.encode("latin-1")
    new_name = struct.pack(">ii", index, len(raw)) + raw + b"\x00"
    return (
        b"\x01" + struct.pack(">i", 0) + new_name + struct.pack(">ii?i", start, end, True, -index)
    )


def _request_cached(index: int, start: int, end: int, ok: bool) -> bytes:
    return b"\x01" + struct.pack(">iiii?i", 0, -index, start, end, ok, -index)


def test_binary_end_before_start_unknown_type_and_bad_reference(tmp_path: Path) -> None:
    data = _binary(
        _user(True, 1),
        _request_new(1, "Home", 10, 20),
        _request_cached(1, 30, 25, True),  # end before start
        _request_cached(7, 40, 50, True),  # string 7 was never defined
        _request_cached(1, 60, 70, False),
        b"\x09garbage",  # unknown type: the rest cannot be framed
        _user(False, 80),
    )
    path = write(tmp_path, data)
    records, skipped = read_records(path, accept_damaged=True)
    assert dict(skipped.counts) == {
        "end before start": 1,
        "bad string reference": 1,
        "unknown record type": 1,
    }
    garbage_at = len(data) - len(b"\x09garbage") - len(_user(False, 80))
    with pytest.raises(DamagedLogError) as err:
        read_records(path)
    assert str(err.value) == (
        f"{path}: unknown record type at byte {garbage_at}: the rest of the file cannot be "
        "decoded (binary records carry no length); accept damaged input to keep the records "
        "before it"
    )
    start = 1_700_000_000_000
    assert records["REQUEST"] == [
        ("\x1fHome", start + 10, start + 20, True, None),
        ("\x1fHome", start + 60, start + 70, False, "Home"),
    ]
    assert records["USER"] == [("Scn", True, start + 1)]


def test_binary_utf16_strings(tmp_path: Path) -> None:
    raw = "Café ☕".encode("utf-16-le")
    named = struct.pack(">ii", 1, len(raw)) + raw + b"\x01"
    req = b"\x01" + struct.pack(">i", 0) + named + struct.pack(">ii?i", 1, 2, True, -1)
    records, _ = read_records(write(tmp_path, _binary(req)))
    assert records["REQUEST"][0][0] == "\x1fCafé ☕"


def test_many_distinct_names_of_one_length_are_all_told_apart(tmp_path: Path) -> None:
    """Past a dozen distinct values per length, interning switches to fingerprints: still exact."""
    rng = random.Random(5)
    lines, expected = [RUN], []
    for i in range(3000):
        name, start = f"name-{rng.randrange(40):02d}", 1_700_000_000_000 + i
        ko = rng.random() < 0.3
        message = f"error {rng.randrange(30):02d}" if ko else None
        tail = f"KO\t{message}" if ko else "OK\t "
        lines.append(f"REQUEST\t\t{name}\t{start}\t{start + 5}\t{tail}\n")
        expected.append(("\x1f" + name, start, start + 5, not ko, message))
    records, skipped = read_records(write(tmp_path, "".join(lines)), batch_records=1000)
    assert records["REQUEST"] == expected
    assert skipped.total == 0
