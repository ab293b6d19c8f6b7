"""The simulation's own assertions (ASSERTION records) against Gatling's js/assertions.json and
.xml for the same logs, and the decoder on records of every pickler layout."""

from __future__ import annotations

import json
import struct
from pathlib import Path
from xml.sax import saxutils

import pytest
from click.testing import CliRunner
from gatling_common.errors import InputError
from gatling_common.results.readers.assertions import decode_assertion
from gatling_reporter.cli import main
from gatling_reporter.simulation_assertions import escape, quoteattr
from hypothesis import given
from hypothesis import strategies as st

from tests.support.shared import gatling_report, require_shared

WITH_ASSERTIONS = [  # (fixture folder, under fixtures/): Gatling wrote js/assertions.json
    ("gatling-reports", "v3.0.3-main-ostandsouza"),  # 2 assertions, 1 failed (3.0 layout)
    ("gatling-reports", "v3.9.5-groups-islombek"),  # none
    ("gatling", "v3.7.4-kotlin-savvagen"),  # 2 (3.4+ layout)
    ("gatling", "v3.1.2-game-practicads-2.7MB"),
    ("gatling", "v3.3.1-karate-2vireddy"),
]


def build(log: Path, out: Path) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["build", str(log), "-o", str(out)])
    return result.exit_code, result.output


@pytest.mark.shared
@pytest.mark.parametrize(("kind", "name"), WITH_ASSERTIONS)
def test_assertions_equal_gatlings(kind: str, name: str, tmp_path: Path) -> None:
    folder = require_shared() / "fixtures" / kind / name
    expected = json.loads((folder / "js" / "assertions.json").read_text("utf-8"))
    code, output = build(folder / "simulation.log", tmp_path)
    ours = json.loads((tmp_path / "js" / "assertions.json").read_text("utf-8"))
    assert ours["assertions"] == expected["assertions"]
    assert (ours["simulation"], ours["scenarios"]) == (
        expected["simulation"],
        expected["scenarios"],
    )
    failed = [a for a in expected["assertions"] if not a["result"]]
    assert code == (3 if failed else 0), output
    for a in expected["assertions"]:
        assert a["message"] in output  # the console's threshold block lists them
    if (folder / "js" / "assertions.xml").is_file():
        xml = (folder / "js" / "assertions.xml").read_text("utf-8").strip()
        assert (tmp_path / "js" / "assertions.xml").read_text("utf-8").strip() == xml


@pytest.mark.shared
def test_simulation_assertions_share_the_threshold_table(tmp_path: Path) -> None:
    """Gatling's assertions and ours in one list: summary.json, the page and the exit code."""
    log = gatling_report("v3.0.3-main-ostandsouza") / "simulation.log"
    args = ["build", str(log), "-o", str(tmp_path), "--assert", "global.count >= 1"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 3
    summary = json.loads((tmp_path / "summary.json").read_text("utf-8"))
    assert [(t["expression"], t["passed"]) for t in summary["thresholds"]] == [
        ("Global: max of response time is less than 500.0", False),
        ("Global: percentage of successful requests is greater than 99.0", True),
        ("global.count >= 1", True),
    ]
    page = (tmp_path / "index.html").read_text("utf-8")
    assert "Global: max of response time is less than 500.0" in page
    assert "No thresholds were set" not in page


def _payload(*parts: bytes | int | float) -> bytes:
    out = b""
    for p in parts:
        out += (
            bytes([p])
            if isinstance(p, int)
            else p
            if isinstance(p, bytes)
            else struct.pack("<d", p)
        )
    return out


def test_details_between_in_and_percentiles_decode() -> None:
    # 3.4+: Details(["Shop", "Buy"]) 95th percentile of response time between 10 and 20 inclusive
    payload = _payload(0, 3, 0, 2, 4, b"Shop", 3, b"Buy", 3, 0, 1, 5, 0, 95.0, 6, 0, 10.0, 20.0, 1)
    a = decode_assertion(payload, (3, 10), "x")
    assert a.message(a.path_text(), (3, 10)) == (
        "Shop / Buy: 95th percentile of response time is between inclusive 10.0 and 20.0"
    )
    # 3.0 (alphabetical members): ForAll, count of failed requests is in (0, 1)
    payload = _payload(0, 2, 1, 0, 2, 4, 0, 2, 0.0, 1.0)
    a = decode_assertion(payload, (3, 0), "x")
    assert a.message(a.path_text(), (3, 0)) == (
        "For all requests: count of failed requests is in List(0.0, 1.0)"
    )


@pytest.mark.parametrize(
    "payload", ["", "0001", "00010300010201000000", "0009", "00010300010201" + "00" * 10]
)
def test_a_damaged_record_is_an_error_naming_it(payload: str) -> None:
    with pytest.raises(
        InputError, match=rf"log\.gz: ASSERTION record {payload} is no Gatling 3\.7"
    ):
        decode_assertion(bytes.fromhex(payload), (3, 7), "log.gz")


@pytest.mark.shared
def test_an_unreadable_assertion_fails_the_build(tmp_path: Path) -> None:
    """A condition that could not be checked must not let a CI gate pass."""
    source = gatling_report("v3.10.3-basic-anarefin") / "simulation.log"
    log = tmp_path / "simulation.log"
    log.write_bytes(b"ASSERTION\tAAk=\n" + source.read_bytes())  # member index 9 of 3
    code, output = build(log, tmp_path / "out")
    assert code == 3, output
    assert f"{log}: ASSERTION record 0009 is no Gatling 3.10 assertion" in output


@given(st.text(alphabet=st.sampled_from("ab&<>\"'\n\r\t é;#")))
def test_xml_escaping_is_saxutils(text: str) -> None:
    """assertions.xml escapes as xml.sax.saxutils does (its functions, written out)."""
    assert escape(text) == saxutils.escape(text)
    assert quoteattr(text) == saxutils.quoteattr(text)
