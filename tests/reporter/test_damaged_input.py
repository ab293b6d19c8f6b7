"""Damaged input is an error naming the file, or, when accepted, stated in the report (issue 13,
case 4): a gzip log with a CRC error once gave 327 of 681 requests plus invented request names,
and 64 flipped bytes in a binary log lost half its requests under "Skipped records: 2"."""

from __future__ import annotations

import gzip
import json
import re
from pathlib import Path

from click.testing import CliRunner
from gatling_common.results.generators.generate import RunSpec, write_binary_log, write_text_log
from gatling_reporter.cli import main


def _flip(data: bytes, at: int, n: int) -> bytes:
    damaged = bytearray(data)
    for i in range(at, at + n):
        damaged[i] ^= 0xFF
    return bytes(damaged)


def _build(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["build", *args], env={})
    return result.exit_code, result.stdout, result.stderr


def _gz_with_bad_crc(tmp_path: Path) -> Path:
    log = write_text_log(tmp_path / "plain.log", RunSpec(requests=681, seed=5))
    packed = gzip.compress(log.read_bytes())
    bad = tmp_path / "pod-0.log.gz"
    bad.write_bytes(_flip(packed, len(packed) - 8, 4))  # the trailer's CRC32
    return bad


def test_a_gzip_log_with_a_crc_error_is_refused(tmp_path: Path) -> None:
    bad = _gz_with_bad_crc(tmp_path)
    code, out, err = _build(str(bad), "-o", str(tmp_path / "report"))
    assert (code, out) == (2, "")
    assert re.fullmatch(
        rf"error: {re.escape(str(bad))}: corrupt gzip stream \(CRC check failed .+\); its records "
        r"cannot be trusted \(accept damaged input to keep those read before the damage\)\n",
        err,
    )
    assert not (tmp_path / "report" / "index.html").exists()


def test_accepted_damage_is_stated_in_the_report(tmp_path: Path) -> None:
    bad = _gz_with_bad_crc(tmp_path)
    out_dir = tmp_path / "report"
    code, out, _ = _build(str(bad), "-o", str(out_dir), "--accept-damaged")
    assert code == 0
    summary = json.loads((out_dir / "summary.json").read_text())
    assert summary["skipped"] == {"corrupt gzip stream": 1}
    assert "> corrupt gzip stream " in out


def test_flipped_bytes_in_a_binary_log_are_refused(tmp_path: Path) -> None:
    log = write_binary_log(tmp_path / "pod-0.log", RunSpec(requests=2210, seed=9))
    data = log.read_bytes()
    log.write_bytes(_flip(data, len(data) // 2, 64))
    code, out, err = _build(str(log), "-o", str(tmp_path / "report"))
    assert (code, out) == (2, "")
    assert err.startswith(f"error: {log}: ")
    assert "the rest of the file cannot be decoded" in err and err.count("\n") == 1
