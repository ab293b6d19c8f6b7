"""The generator: deterministic, realistic, and read back exactly by our readers."""

from __future__ import annotations

from pathlib import Path

import pytest
from gatling_common.results.generators.generate import (
    RunSpec,
    catalog_strings,
    generate,
    write_binary_log,
    write_text_log,
)

from tests.results.read_helpers import canonical, counts, read_records

SPEC = RunSpec(requests=4000, seed=3, ko_rate=0.1, error_rate=0.01, duration_s=60)


def expected_records(spec: RunSpec) -> dict[str, list[tuple[object, ...]]]:
    return canonical(generate(spec), catalog_strings())


@pytest.mark.parametrize("writer", [write_text_log, write_binary_log])
def test_logs_read_back_exactly(tmp_path: Path, writer: object) -> None:
    path = writer(tmp_path / "simulation.log", SPEC)  # type: ignore[operator]
    records, skipped = read_records(path, batch_records=1000)  # several reader batches
    expected = expected_records(SPEC)
    assert records == expected
    assert skipped.total == 0
    assert len(records["REQUEST"]) == SPEC.requests
    # realistic: nested groups, KOs with messages, ERRORs, several scenarios
    assert any(r[0].startswith("Checkout\x1ePayment\x1f") for r in records["REQUEST"])
    assert {g[0] for g in records["GROUP"]} == {
        "Catalog",
        "Checkout",
        "Checkout\x1ePayment",
        "Admin",
    }
    assert any(not r[3] and r[4] for r in records["REQUEST"])
    assert records["ERROR"] and all(m.endswith(" ") for m, _ in records["ERROR"])
    assert {u[0] for u in records["USER"]} == {"Browse", "Checkout", "Admin"}


def test_text_layout_is_gatling_3_10_5(tmp_path: Path) -> None:
    path = write_text_log(tmp_path / "simulation.log", SPEC)
    lines = path.read_text().splitlines()
    assert (
        lines[0]
        == "RUN\tcomputerdatabase.FleetSimulation\tfleetsimulation\t1700000000000\t \t3.10.5"
    )
    by_type = {line.split("\t")[0]: line for line in lines[1:]}
    assert by_type.keys() == {"USER", "REQUEST", "GROUP", "ERROR"}
    ok = next(line for line in lines if line.startswith("REQUEST") and "\tOK\t" in line)
    assert ok.endswith("\tOK\t ")
    assert any(line.startswith("REQUEST\tCheckout,Payment\tAuthorize\t") for line in lines)
    assert any(line.startswith("GROUP\tCheckout,Payment\t") for line in lines)
    error = next(line for line in lines if line.startswith("ERROR"))
    assert error.split("\t")[1].endswith(" ")


def test_binary_header_and_determinism(tmp_path: Path) -> None:
    a = write_binary_log(tmp_path / "a.log", SPEC)
    b = write_binary_log(tmp_path / "b.log", SPEC)
    c = write_binary_log(tmp_path / "c.log", RunSpec(requests=4000, seed=4))
    assert a.read_bytes() == b.read_bytes() != c.read_bytes()
    assert a.read_bytes()[:12] == b"\x00\x00\x00\x00\x063.13.4\x00"
    t1 = write_text_log(tmp_path / "t1.log", SPEC).read_bytes()
    assert t1 == write_text_log(tmp_path / "t2.log", SPEC).read_bytes()


def test_many_chunks_and_exact_request_count(tmp_path: Path) -> None:
    spec = RunSpec(requests=300_001, seed=9)  # more users than one generator chunk
    total = sum(len(b.req_key) for b in generate(spec))
    assert total == 300_001
    path = write_binary_log(tmp_path / "big.log", spec)
    records, skipped = read_records(path)
    assert counts(records)["REQUEST"] == 300_001 and skipped.total == 0
