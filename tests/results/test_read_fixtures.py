"""Every real Gatling log in the shared fixtures reads right; Gatling 2.x logs are refused."""

from __future__ import annotations

import gzip
import re
from pathlib import Path

import pytest
from gatling_common.errors import InputError
from gatling_common.results.readers.reader import open_log

from tests.results.read_helpers import counts, read_records
from tests.support.shared import gatling_fixture

T30, T34, BIN = "text-3.0", "text-3.4", "binary-3.13"
# (fixture file, layout, Gatling version in the header, record counts from MANIFEST.md)
SUPPORTED = [
    (
        "gatling-testres-v3.10-known_stats-text/simulation_with_known_stats.log",
        T34,
        "2.0",
        {"REQUEST": 8, "USER": 2},
    ),
    (
        "gatling-testres-v3.13bin-known_stats/simulation.log",
        BIN,
        "3.12.1",
        {"REQUEST": 105, "USER": 24},
    ),
    ("nuxeo-format-samples/simulation-small-v3.2.log", T30, "3.2.1", {"REQUEST": 2, "USER": 2}),
    ("nuxeo-format-samples/simulation-small-v3.3.log", T30, "3.3.0", {"REQUEST": 2, "USER": 2}),
    ("nuxeo-format-samples/simulation-small-v3.4.log", T34, "3.4.0", {"REQUEST": 31, "USER": 20}),
    ("nuxeo-format-samples/simulation-small-v3.log", T30, "3.0", {"REQUEST": 2, "USER": 2}),
    ("v3.1.2-game-practicads-2.7MB/simulation.log", T30, "3.1.2", {"REQUEST": 46200, "USER": 600}),
    ("v3.10.5-basic-slawek-125k/simulation.log", T34, "3.10.5", {"REQUEST": 1696, "USER": 646}),
    ("v3.10.5-basic-slawek-1k/simulation.log", T34, "3.10.5", {"REQUEST": 13, "USER": 6}),
    ("v3.10.5-basic-slawek-50k/simulation.log", T34, "3.10.5", {"REQUEST": 681, "USER": 268}),
    (
        "v3.10.5-hard-zoladp-3.5MB/simulation.log",
        T34,
        "3.10.5",
        {"ERROR": 11755, "REQUEST": 23027, "USER": 13480},
    ),
    ("v3.11.5-pokemon-reflores/simulation.log", T34, "3.11.5", {"REQUEST": 186, "USER": 372}),
    ("v3.13.4bin-survey-gimesi/simulation.log", BIN, "3.13.4", {"USER": 4420, "REQUEST": 2210}),
    (
        "v3.14.3bin-tracker-teleivo-sample/simulation.log",
        BIN,
        "3.14.3",
        {"USER": 88, "REQUEST": 44},
    ),
    ("v3.3.1-karate-2vireddy/simulation.log", T30, "3.3.1", {"REQUEST": 8000, "USER": 2000}),
    (
        "v3.5.1-apicurio-45u-3.5MB/simulation.log",
        T34,
        "3.5.1",
        {"ERROR": 3603, "REQUEST": 50802, "USER": 90},
    ),
    ("v3.6.1-search-sqshq-1/simulation.log", T34, "3.6.1", {"REQUEST": 25000, "USER": 100}),
    ("v3.7.4-kotlin-savvagen/simulation.log", T34, "3.7.4", {"REQUEST": 3133, "USER": 733}),
    ("v3.9.5-cats-kztka/simulation.log", T34, "3.9.5", {"GROUP": 5, "REQUEST": 41, "USER": 50}),
]
REFUSED = [
    ("v2.x-burst-laszlo/simulation.log", "RUN record with 7 fields"),
    ("nuxeo-format-samples/simulation-v2.3.log", "RUN record with 7 fields"),
    ("nuxeo-format-samples/simulation-small.log", "RUN in the third column"),
]


@pytest.mark.shared
@pytest.mark.parametrize(("name", "layout", "version", "expected"), SUPPORTED)
def test_every_fixture_reads_with_the_manifest_counts(
    name: str, layout: str, version: str, expected: dict[str, int]
) -> None:
    path = gatling_fixture(*name.split("/"))
    with open_log(path, batch_records=4096) as reader:
        assert reader.info.layout == layout  # known before iterating
        assert reader.info.gatling_version == version
        found = {"REQUEST": 0, "GROUP": 0, "USER": 0, "ERROR": 0}
        for b in reader:
            found["REQUEST"] += len(b.req_key)
            found["GROUP"] += len(b.grp_path)
            found["USER"] += len(b.user_time)
            found["ERROR"] += len(b.err_time)
        assert {k: v for k, v in found.items() if v} == expected
        assert reader.skipped.total == 0


@pytest.mark.shared
@pytest.mark.parametrize(("name", "why"), REFUSED)
def test_gatling_2_logs_are_refused_naming_the_version(name: str, why: str) -> None:
    path = gatling_fixture(*name.split("/"))
    expected = f"{path}: Gatling 2.0 log layout ({why}); only Gatling 3.0 and later are supported"
    with pytest.raises(InputError, match=f"^{re.escape(expected)}$"):
        open_log(path)


@pytest.mark.shared
def test_layout_3_0_user_times_come_from_start_and_end_fields() -> None:
    records, skipped = read_records(
        gatling_fixture("nuxeo-format-samples", "simulation-small-v3.2.log")
    )
    assert records["USER"] == [
        ("ReindexAll", True, 1567181198480),
        ("ReindexAll", False, 1567181236239),
    ]
    # the hand-edited 3.3 sample has REQUEST lines without the message field: still read
    assert records["REQUEST"][0] == (
        "\x1fExport documents in CSV file",
        1567181198538,
        1567181198797,
        True,
        None,
    )
    assert skipped.total == 0


@pytest.mark.shared
def test_binary_header_groups_and_messages() -> None:
    path = gatling_fixture("gatling-testres-v3.13bin-known_stats", "simulation.log")
    with open_log(path) as reader:
        assert reader.info.simulation_class == "computerdatabase.ComputerDatabaseSimulation"
        assert reader.info.scenarios == ["Users", "Admins"]
        assert reader.info.run_start == 0x192F930176D
    records, _ = read_records(path)
    kos = [r for r in records["REQUEST"] if not r[3]]
    assert len(kos) == 1 and kos[0][4]  # one KO, with its message
    assert len({r[0] for r in records["REQUEST"]}) == 11
    assert records["REQUEST"][0][1] == 0x192F930176D + 0x28F


@pytest.mark.shared
@pytest.mark.parametrize(
    "name",
    [
        "v3.9.5-cats-kztka/simulation.log",
        "v3.13.4bin-survey-gimesi/simulation.log",
        "v3.1.2-game-practicads-2.7MB/simulation.log",
    ],
)
def test_gzip_is_transparent(name: str, tmp_path: Path) -> None:
    path = gatling_fixture(*name.split("/"))
    packed = tmp_path / "simulation.log.gz"
    packed.write_bytes(gzip.compress(path.read_bytes()))
    assert read_records(packed, 2000) == read_records(path)


@pytest.mark.shared
def test_small_batches_give_the_same_records_as_one_batch() -> None:
    for name in ("v3.10.5-hard-zoladp-3.5MB", "v3.13.4bin-survey-gimesi"):
        path = gatling_fixture(name, "simulation.log")
        small, _ = read_records(path, batch_records=1000)
        big, _ = read_records(path)
        assert small == big
        assert counts(small) == counts(big)


@pytest.mark.shared
def test_prefetching_thread_gives_the_same_batches_and_stops_early() -> None:
    path = gatling_fixture("v3.10.5-hard-zoladp-3.5MB", "simulation.log")
    with open_log(path, batch_records=4096, prefetch=False) as reader:
        plain = [len(b.req_key) for b in reader]
    with open_log(path, batch_records=4096) as reader:
        assert [len(b.req_key) for b in reader] == plain
    with open_log(path, batch_records=4096) as reader:
        for _ in reader:
            break  # the worker thread is stopped, the file closed, nothing hangs
    assert len(plain) > 3
