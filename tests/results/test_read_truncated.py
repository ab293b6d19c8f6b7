"""Every fixture cut at random byte offsets: no crash, and the cut record counted exactly once."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from gatling_common.results.readers.reader import open_log

from tests.results.read_helpers import Records, read_records
from tests.results.test_read_fixtures import SUPPORTED
from tests.support.shared import gatling_fixture

CUTS_PER_FILE = 8
TEXT = [row[0] for row in SUPPORTED if not row[1].startswith("binary")]
BINARY = [row[0] for row in SUPPORTED if row[1].startswith("binary")]
NOT_RECORDS = (b"RUN\t", b"ASSERTION\t")


def _total(records: Records) -> int:
    return sum(len(rows) for rows in records.values())


def _assert_prefix(cut: Records, full: Records) -> None:
    """What a cut file gives is the start of what the whole file gives (a cut KO message aside)."""
    for kind, rows in cut.items():
        assert rows[:-1] == full[kind][: max(len(rows) - 1, 0)]
        if rows:
            last, whole = rows[-1], full[kind][len(rows) - 1]
            assert last[:-1] == whole[:-1] if kind == "REQUEST" else last == whole


def _cut(tmp_path: Path, data: bytes, at: int) -> Path:
    path = tmp_path / f"cut-{at}.log"
    path.write_bytes(data[:at])
    return path


@pytest.mark.shared
@pytest.mark.parametrize("name", TEXT)
def test_text_fixture_cut_anywhere(name: str, tmp_path: Path) -> None:
    source = gatling_fixture(*name.split("/"))
    data = source.read_bytes()
    full, _ = read_records(source)
    first_record = data.index(b"\n", data.index(b"RUN\t")) + 1
    rng = random.Random(f"{name}-cuts")
    for at in sorted(rng.randrange(first_record + 1, len(data)) for _ in range(CUTS_PER_FILE)):
        lines = data[:at].split(b"\n")
        complete, partial = lines[:-1], lines[-1]
        started = sum(1 for line in complete if line and not line.startswith(NOT_RECORDS))
        started += 1 if partial else 0
        records, skipped = read_records(_cut(tmp_path, data, at), batch_records=2000)
        assert set(skipped.counts) <= {"truncated record"}, (at, skipped.counts)
        assert skipped.total <= 1
        assert _total(records) + skipped.total == started, at
        if partial:
            whole_line = data[at - len(partial) :].split(b"\n", 1)[0]
            if partial.count(b"\t") < whole_line.count(b"\t") - 1:  # fields missing
                assert skipped.total == 1, (at, partial)
        _assert_prefix(records, full)


def _read_counts(path: Path) -> tuple[int, dict[str, int]]:
    with open_log(path) as reader:
        n = sum(
            len(b.req_key) + len(b.grp_path) + len(b.user_time) + len(b.err_time) for b in reader
        )
        return n, dict(reader.skipped.counts)


@pytest.mark.shared
@pytest.mark.parametrize("name", BINARY)
def test_binary_fixture_cut_at_every_byte(name: str, tmp_path: Path) -> None:
    """Exactly the cuts between records give no skip; any other cut skips one truncated record."""
    source = gatling_fixture(*name.split("/"))
    data = source.read_bytes()
    full, _ = read_records(source)
    total = _total(full)
    with open_log(source) as reader:
        header = reader.first_record_offset
    rng = random.Random(f"{name}-cuts")
    step = max(1, len(data) // 3000)  # the small fixtures: every byte; the larger: a sample
    cuts = (
        range(header, len(data) + 1, step)
        if step == 1
        else sorted({header, len(data), *(rng.randrange(header, len(data)) for _ in range(400))})
    )
    boundaries = 0
    previous = -1
    for at in cuts:
        n, skipped = _read_counts(_cut(tmp_path, data, at))
        assert set(skipped) <= {"truncated record"} and skipped.get("truncated record", 0) <= 1
        assert n >= previous
        previous = n
        boundaries += 0 if skipped else 1
    assert previous == total
    if step == 1:
        assert boundaries == total + 1  # before the first record, and after each one
    records, _ = read_records(_cut(tmp_path, data, (header + len(data)) // 2))
    _assert_prefix(records, full)
