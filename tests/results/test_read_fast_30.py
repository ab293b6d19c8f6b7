"""3.0-3.3 text logs on the fast paths: the same records and skip counts as the general parser.

Every log is decoded three ways: by the general parser alone (`TextDecoder.fast = False`, the
reference), by the numpy fast path (text_fast) and by the compiled kernel (numba, if installed).
`TextDecoder.fast_records` counts the records the fast path decoded, so each test also checks
that the fast path was taken, not just that the general parser gave the answer twice.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from gatling_common.results.generators.generate import (
    RunSpec,
    write_text_log,
    write_text_log_with_names,
)
from gatling_common.results.readers import text_kernel
from gatling_common.results.readers.text_reader import TextDecoder, read_preamble
from gatling_common.results.records import (
    LAYOUT_TEXT_30,
    FileStrings,
    RecordBatch,
    RunInfo,
    SkipCounter,
)

from tests.results.read_helpers import Records, canonical, read_records
from tests.support.shared import gatling_fixture, gatling_report

MODES = ["numpy", "kernel"]
kernel_only = pytest.mark.skipif(not text_kernel.AVAILABLE, reason="numba is not installed")


def _mode(mode: str) -> object:
    marks = [kernel_only] if mode == "kernel" else []
    return pytest.param(mode, marks=marks, id=mode)


FAST_MODES = [_mode(m) for m in MODES]


def decode(
    data: bytes, mode: str, chunk_lines: int = 1 << 30
) -> tuple[Records, dict[str, int], int]:
    """(records, skip counts, records on the fast path) of a 3.0-3.3 log's lines."""
    info = RunInfo()
    info.layout = LAYOUT_TEXT_30
    strings, skipped = FileStrings(), SkipCounter()
    decoder = TextDecoder(strings, skipped, info)
    decoder.fast = mode != "general"
    decoder.compiled = mode == "kernel"
    assert decoder.scans_ahead == (mode == "kernel")
    lines = data.split(b"\n")
    batches: list[RecordBatch] = []
    for at in range(0, len(lines), chunk_lines):
        final = at + chunk_lines >= len(lines)
        chunk = b"\n".join(lines[at : at + chunk_lines]) + (b"" if final else b"\n")
        batches.append(decoder.decode(chunk, final=final))
    return canonical(batches, strings), dict(skipped.counts), decoder.fast_records


def same_as_general(data: bytes, mode: str, chunk_lines: int = 1 << 30) -> tuple[Records, int]:
    """The fast path's records, after checking they and the skips are the general parser's."""
    general = decode(data, "general", chunk_lines)
    assert general[2] == 0  # the reference really is the general parser alone
    fast = decode(data, mode, chunk_lines)
    assert fast[0] == general[0]
    assert fast[1] == general[1]
    return fast[0], fast[2]


def total(records: Records) -> int:
    return sum(len(rows) for rows in records.values())


def with_message(records: Records) -> int:
    """KO requests with a real message (the numpy fast path leaves those to the general one)."""
    return sum(1 for row in records["REQUEST"] if row[4] is not None)


# -- real logs of Gatling 3.0-3.3 ----------------------------------------------------------------

FIXTURES = [
    "nuxeo-format-samples/simulation-small-v3.log",
    "nuxeo-format-samples/simulation-small-v3.2.log",
    "nuxeo-format-samples/simulation-small-v3.3.log",
    "v3.1.2-game-practicads-2.7MB/simulation.log",
    "v3.3.1-karate-2vireddy/simulation.log",
]
REPORTS = ["v3.0.3-main-ostandsouza", "v3.1.1-groups-jacksolirius", "v3.3.1-etclaim-hmcts-2057s"]


def _fixture_logs() -> list[object]:
    logs = [pytest.param(("fixture", name), id=name.split("/")[0]) for name in FIXTURES]
    return logs + [pytest.param(("report", name), id=name) for name in REPORTS]


def _log(which: tuple[str, str]) -> Path:
    kind, name = which
    if kind == "fixture":
        return gatling_fixture(*name.split("/"))
    return gatling_report(name) / "simulation.log"


@pytest.mark.parametrize("mode", FAST_MODES)
@pytest.mark.parametrize("which", _fixture_logs())
def test_real_3_0_to_3_3_logs_take_the_fast_path_with_the_same_records(
    which: tuple[str, str], mode: str
) -> None:
    path = _log(which)
    data = path.read_bytes()
    info = RunInfo()
    read_preamble(data[: 1 << 20], info, path.name)
    assert info.layout == LAYOUT_TEXT_30
    records, fast = same_as_general(data, mode)
    assert total(records) > 0
    # Gatling's lines are all clean: the kernel decodes every one (but an unterminated last
    # line, the general parser's to judge), the numpy path all but the KO requests with a message
    unterminated = not data.endswith(b"\n")
    left = unterminated if mode == "kernel" else with_message(records)
    assert fast == total(records) - left


@pytest.mark.parametrize("which", _fixture_logs())
def test_the_reader_gives_the_general_parsers_records(which: tuple[str, str]) -> None:
    """open_log (its chunking and scan-ahead threads included) agrees with the reference."""
    path = _log(which)
    records, skipped = read_records(path, batch_records=1000)
    lines = path.read_bytes().split(b"\n", 1)[1]  # the records after the RUN line
    general = decode(lines, "general")
    assert records == general[0]
    assert dict(skipped.counts) == general[1]


# -- generated 3.0-3.3 logs ------------------------------------------------------------------------


@pytest.mark.parametrize("mode", FAST_MODES)
@pytest.mark.parametrize("version", ["3.0.2", "3.2.1", "3.3.1"])
def test_generated_old_layout_logs_take_the_fast_path(
    tmp_path: Path, version: str, mode: str
) -> None:
    path = write_text_log(tmp_path / "simulation.log", RunSpec(requests=20_000, version=version))
    data = path.read_bytes()
    info = RunInfo()
    read_preamble(data[:65536], info, "simulation.log")
    assert info.layout == LAYOUT_TEXT_30 and info.gatling_version == version
    records, fast = same_as_general(data.split(b"\n", 1)[1], mode, chunk_lines=4000)
    assert len(records["REQUEST"]) == 20_000 and records["GROUP"] and records["ERROR"]
    assert fast == total(records) - (0 if mode == "kernel" else with_message(records))


def test_the_old_layout_has_the_new_layouts_records(tmp_path: Path) -> None:
    """The generator writes the same run in both layouts: the reader sees the same records."""
    spec = RunSpec(requests=5000, duration_s=60)
    old = write_text_log(
        tmp_path / "old.log", RunSpec(requests=5000, duration_s=60, version="3.2.1")
    )
    new = write_text_log(tmp_path / "new.log", spec)
    assert b"\tSTART\t" in old.read_bytes() and old.read_bytes() != new.read_bytes()
    assert read_records(old) == read_records(new)


@pytest.mark.parametrize("mode", FAST_MODES)
def test_many_names_in_the_old_layout(tmp_path: Path, mode: str) -> None:
    path = tmp_path / "simulation.log"
    write_text_log_with_names(path, RunSpec(requests=30_000, version="3.1.2"), names=3000)
    records, fast = same_as_general(path.read_bytes().split(b"\n", 1)[1], mode, 10_000)
    assert len({row[0] for row in records["REQUEST"]}) > 2500
    assert fast > 0.9 * total(records)


# -- hostile lines ---------------------------------------------------------------------------------

T = 1_700_000_000_000
LINES_30 = [
    # clean shapes (the fast paths' own)
    f"REQUEST\t1\t\tGet home\t{T}\t{T + 12}\tOK\t ",
    f"REQUEST\t123456\tShop,Pay\tPost card\t{T}\t{T + 30}\tOK\t ",
    f"REQUEST\t7\t\tGet home\t{T}\t{T + 5}\tKO\t ",
    f"REQUEST\t7\t\tGet home\t{T}\t{T + 5}\tOK",
    f"REQUEST\t7\t\tGet home\t{T}\t{T + 5}\tKO",
    f"REQUEST\t\t\tempty user id\t{T}\t{T + 5}\tOK\t ",
    f"REQUEST\tnot a number\t\tGet home\t{T}\t{T + 5}\tOK\t ",
    f"REQUEST\t1\t\tSTART\t{T}\t{T + 5}\tOK\t ",
    f"REQUEST\t1\t\t\t{T}\t{T + 5}\tOK\t ",
    f"REQUEST\t1\tÜber,Grüße\tnaïve 名前\t{T}\t{T + 5}\tOK\t ",
    f"REQUEST\t1\t\tGet home\t{T}\t{T + 5}\tOK\t \r",
    f"USER\tBrowse\t1\tSTART\t{T}\t{T}",
    f"USER\tBrowse\t2\tEND\t{T}\t{T + 900}",
    f"USER\tBrowse\t2\tEND\t{T}\t{T + 900}\r",
    f"USER\t\t3\tSTART\t{T}\t{T}",
    f"USER\tBrowse\t\tEND\t{T}\t{T + 1}",
    f"USER\tSTART\t4\tEND\t{T}\t{T + 2}",
    f"USER\tBrowse\tEND\tSTART\t{T}\t{T + 3}",
    f"USER\tÜber scénario\t5\tSTART\t{T}\t{T}",
    f"GROUP\t1\tShop\t{T}\t{T + 40}\t3\tOK",
    f"GROUP\t22\tShop,Pay\t{T}\t{T + 40}\t12345678\tKO",
    f"GROUP\t\tShop\t{T}\t{T + 40}\t0\tOK",
    f"GROUP\t12345\t\t{T}\t{T + 40}\t5\tOK",
    f"GROUP\t1\tShop\t{T}\t{T + 40}\t3\tOK\r",
    f"ERROR\tboom\t{T}",
    f"ERROR\ta\tmessage\twith\ttabs\t{T}",
    # shapes left to the general parser (or skipped by both alike)
    f"REQUEST\t1\tShop,Pay\tPost card\t{T}\t{T + 30}\tKO\tstatus.find.is(200), but found 500",
    f"REQUEST\t1\t\tGet home\t{T}\t{T + 5}\tOK\tmessage of an OK request",
    f"REQUEST\t1\t\tGet home\t{T}\t{T + 5}\tKO\t  ",
    f"REQUEST\t1\t\tGet\thome\t{T}\t{T + 5}\tOK\t ",
    f"REQUEST\t1\tGet home\t{T}\t{T + 5}\tOK\t ",
    f"REQUEST\t\tGet home\t{T}\t{T + 5}\tOK\t ",
    f"REQUEST\t1\t2\t\tGet home\t{T}\t{T + 5}\tOK\t ",
    f"REQUEST\t1\t\tGet home\t{T + 9}\t{T}\tOK\t ",
    f"REQUEST\t1\t\tGet home\t-{T}\t{T}\tOK\t ",
    f"REQUEST\t1\t\tGet home\t{T // 10}\t{T}\tOK\t ",
    f"REQUEST\t1\t\tGet home\t{T}\t12345678901234567890\tOK\t ",
    f"REQUEST\t1\t\tGet home\t{T}\t{T}x\tOK\t ",
    f"REQUEST\t1\t\tGet home\t{T}\t{T}\tok\t ",
    f"REQUEST\t1\t\tGet home\t{T}\t{T}\tOK\t \textra",
    "REQUEST\t1\t\t\xff\xfe name\t1\t2\tOK\t ",
    f"REQUEST\t1\t\t\xff\xfe name\t{T}\t{T + 2}\tOK\t ",
    f"REQUEST\t1\t\xff\t\tname\t{T}\t{T + 2}\tOK\t ",
    f"REQUEST\t1\t\tGet home\t{T}\t{T + 1}\tKO\tbad \xff message",
    "REQUEST\t1\t\t\t\tOK\t ",
    "REQUEST\t",
    f"REQUEST\t\tGet home\t{T}\t{T + 12}\tOK\t ",  # a 3.4 line in a 3.0 log
    f"USER\tBrowse\tSTART\t{T}",
    f"USER\tBrowse\tEND\t{T}",
    f"USER\tBro\twse\t1\tSTART\t{T}\t{T}",
    f"USER\tBrowse\t1\tSTART\t{T}\tx",
    f"USER\tBrowse\t1\tEND\tx\t{T}",
    f"USER\tBrowse\t1\tEND\t{T // 10}\t{T}",
    f"USER\tBrowse\t1\tSTART\t{T}\t{T // 10}",
    f"USER\tBrowse\t1\tSTART\t{T}\t-{T}",
    f"USER\tBrowse\t1\tSTOP\t{T}\t{T}",
    f"USER\tBrowse\t1\tSTART\t{T}\t{T}\t1",
    f"USER\tBr\xffowse\t1\tSTART\t{T}\t{T}",
    "USER\t",
    f"GROUP\t1\tSh\top\t{T}\t{T + 40}\t3\tOK",
    f"GROUP\t1\tShop\t{T}\t{T + 40}\t3x\tOK",
    f"GROUP\t1\tShop\t{T // 10}\t{T + 40}\t3\tOK",
    f"GROUP\t1\tShop\t{T}\t{T + 40}\t123456789\tKO",
    f"GROUP\t1\tShop\t{T + 50}\t{T + 40}\t3\tKO",
    f"GROUP\t1\tShop\t{T}\t{T + 40}\t\tKO",
    f"GROUP\t1\tSh\xffop\t{T}\t{T + 40}\t1\tKO",
    f"GROUP\t1\tShop\t{T}\t{T + 40}\t1\tKO\t",
    f"GROUP\tShop\t{T}\t{T + 40}\t3\tOK",  # a 3.4 line in a 3.0 log
    "GROUP\t1\t\tOK",
    "ERROR\tno time\t",
    "ERROR\tonly one field",
    f"ERROR\t\xff\t{T}",
    "",
    "\r",
    "NOTATYPE\t1",
    "RUN\tx\ty\t1\t \t3.2.1",
    "ASSERTION\tAAAA",
]
CLEAN = 26  # LINES_30[:CLEAN]: shapes both fast paths decode


def encode(lines: list[str]) -> bytes:
    return "\n".join(lines).encode("utf-8", "surrogateescape").replace(b"\xc3\xbf", b"\xff")


@pytest.mark.parametrize("mode", FAST_MODES)
@pytest.mark.parametrize("chunk_lines", [1, 7, 1000])
def test_hostile_lines_decode_alike(mode: str, chunk_lines: int) -> None:
    rng = random.Random(30)
    lines = [rng.choice(LINES_30) for _ in range(4000)]
    records, fast = same_as_general(encode(lines) + b"\n", mode, chunk_lines)
    clean = sum(1 for line in lines if line in LINES_30[:CLEAN])
    assert fast >= clean  # every clean line, and (kernel) some others
    assert total(records) > fast + 100  # the general parser's share is there too


@pytest.mark.parametrize("mode", FAST_MODES)
@pytest.mark.parametrize("line", LINES_30[:CLEAN])
def test_each_clean_shape_is_on_the_fast_path(mode: str, line: str) -> None:
    records, fast = same_as_general(encode([line, line]) + b"\n", mode)
    assert total(records) == fast == 2


@pytest.mark.parametrize("mode", FAST_MODES)
@pytest.mark.parametrize(
    "last",
    [
        *LINES_30,
        f"REQUEST\t1\t\tGet home\t{T}\t{T + 1}\tO",
        f"USER\tBrowse\t1\tSTART\t{T}\t{T // 10}",
        f"USER\tBrowse\t1\tEND\t{T}\t{T // 10}",
        f"ERROR\tboom\t{T // 10}",
    ],
)
def test_the_unterminated_last_line_is_judged_alike(mode: str, last: str) -> None:
    same_as_general(encode([LINES_30[0], LINES_30[11], last]), mode)
