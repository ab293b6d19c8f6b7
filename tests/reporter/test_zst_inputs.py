"""`.log.zst` inputs (the transferer's --compress zstd): the same statistics as the raw log, a
one-line error for a corrupt or cut stream (as for .gz), and never deleted by publish."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
import zstandard
from click.testing import CliRunner
from gatling_common.results.generators.generate import RunSpec, write_binary_log, write_text_log
from gatling_common.storage import ObjectInfo, open_storage
from gatling_reporter.agent import _stem, choose_inputs
from gatling_reporter.cli import main
from gatling_reporter.publish import is_input

from tests.support.emulators import Target

BIN = Path(sys.executable).parent


def _build(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["build", *args], env={})
    return result.exit_code, result.stdout, result.stderr


def _zst(data: bytes, path: Path, *, threads: int = 0) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    params = zstandard.ZstdCompressionParameters.from_level(
        5, threads=threads, write_checksum=True, write_content_size=True
    )
    path.write_bytes(zstandard.ZstdCompressor(compression_params=params).compress(data))
    return path


def _stats(out: Path) -> tuple[object, object]:
    return (
        json.loads((out / "js" / "stats.json").read_text()),
        json.loads((out / "js" / "global_stats.json").read_text()),
    )


@pytest.mark.parametrize("kind", ["text", "binary"])
def test_a_zst_log_gives_the_same_stats_as_the_raw_log(tmp_path: Path, kind: str) -> None:
    write = write_text_log if kind == "text" else write_binary_log
    (tmp_path / "raw").mkdir()
    raw = write(tmp_path / "raw" / "pod-0.log", RunSpec(requests=40_000, seed=3))
    # Several frames of ~1 MB (zstd's multithreaded jobs) and reads across their edges.
    packed = _zst(raw.read_bytes(), tmp_path / "zst" / "pod-0.log.zst", threads=2)
    assert packed.stat().st_size < raw.stat().st_size
    for source, out in ((raw, "o-raw"), (packed, "o-zst")):
        code, _, err = _build(str(source), "-o", str(tmp_path / out))
        assert (code, err) == (0, "")
    assert _stats(tmp_path / "o-zst") == _stats(tmp_path / "o-raw")
    summary = json.loads((tmp_path / "o-zst" / "summary.json").read_text())
    assert summary["skipped_total"] == 0
    assert summary["global"]["numberOfRequests"]["total"] == 40_000


def test_concatenated_frames_are_one_log(tmp_path: Path) -> None:
    raw = write_text_log(tmp_path / "raw.log", RunSpec(requests=3000, seed=4)).read_bytes()
    cut = raw.index(b"\n", len(raw) // 2) + 1
    first = _zst(raw[:cut], tmp_path / "a.zst").read_bytes()
    both = tmp_path / "pod-1.log.zst"
    both.write_bytes(first + _zst(raw[cut:], tmp_path / "b.zst").read_bytes())
    _build(str(tmp_path / "raw.log"), "-o", str(tmp_path / "o-raw"))
    code, _, err = _build(str(both), "-o", str(tmp_path / "o-zst"))
    assert (code, err) == (0, "")
    assert _stats(tmp_path / "o-zst") == _stats(tmp_path / "o-raw")


def _packed(tmp_path: Path, requests: int = 681) -> bytes:
    log = write_text_log(tmp_path / "plain.log", RunSpec(requests=requests, seed=5))
    return _zst(log.read_bytes(), tmp_path / "packed.zst").read_bytes()


def test_a_zst_log_with_a_checksum_error_is_refused(tmp_path: Path) -> None:
    packed = _packed(tmp_path)
    bad = tmp_path / "pod-0.log.zst"
    bad.write_bytes(packed[:-4] + bytes(b ^ 0xFF for b in packed[-4:]))  # the frame's checksum
    code, out, err = _build(str(bad), "-o", str(tmp_path / "report"))
    assert (code, out) == (2, "")
    assert re.fullmatch(
        rf"error: {re.escape(str(bad))}: corrupt zstd stream \(.*checksum.*\); its records "
        r"cannot be trusted \(accept damaged input to keep those read before the damage\)\n",
        err,
    )
    assert not (tmp_path / "report" / "index.html").exists()


def test_a_cut_zst_log_is_refused(tmp_path: Path) -> None:
    packed = _packed(tmp_path)
    cut = tmp_path / "pod-0.log.zst"
    cut.write_bytes(packed[: len(packed) * 2 // 3])
    code, out, err = _build(str(cut), "-o", str(tmp_path / "report"))
    assert (code, out) == (2, "")
    assert err == (
        f"error: {cut}: truncated zstd stream (the file ends inside a zstd frame); its records "
        "cannot be trusted (accept damaged input to keep those read before the damage)\n"
    )


@pytest.mark.parametrize("damage", ["truncated", "corrupt"])
def test_accepted_zst_damage_is_stated_in_the_report(tmp_path: Path, damage: str) -> None:
    """What was decompressed before the damage is kept (all but the last ~64 kB compressed)."""
    packed = _packed(tmp_path, requests=40_000)
    bad = tmp_path / "pod-0.log.zst"
    if damage == "truncated":
        bad.write_bytes(packed[: len(packed) * 2 // 3])
    else:
        bad.write_bytes(packed[:-4] + bytes(b ^ 0xFF for b in packed[-4:]))
    out_dir = tmp_path / "report"
    code, out, _ = _build(str(bad), "-o", str(out_dir), "--accept-damaged")
    assert code == 0
    summary = json.loads((out_dir / "summary.json").read_text())
    skipped = summary["skipped"]
    assert skipped.pop(f"{damage} zstd stream") == 1
    assert skipped in ({}, {"truncated record": 1})  # the last line read may be cut too
    assert f"> {damage} zstd stream " in out
    kept = summary["global"]["numberOfRequests"]["total"]
    assert (10_000 if damage == "truncated" else 30_000) < kept < 40_000


def test_zst_objects_are_pod_logs_and_never_published_over() -> None:
    assert _stem("runner-1.log.zst") == "runner-1"
    assert is_input("runner-1.log.zst") and is_input("run/runner-1.log.zst")
    objects = [ObjectInfo(n, 1) for n in ("a.log.zst", "a.stats", "b.log.gz", "c.log")]
    chosen, kind = choose_inputs(objects)
    assert (kind, [o.name for o in chosen]) == ("logs", ["a.log.zst", "b.log.gz", "c.log"])
    chosen, kind = choose_inputs([ObjectInfo(n, 1) for n in ("a.log.zst", "a.stats")])
    assert (kind, [o.name for o in chosen]) == ("shards", ["a.stats"])


def test_report_from_a_zstd_transfer(local_bucket: Target, tmp_path: Path) -> None:
    """Transferer --compress zstd, then `gatling-reporter report` on the same location."""
    results = tmp_path / "results"
    (results / "sim-1").mkdir(parents=True)
    log = write_text_log(results / "sim-1" / "simulation.log", RunSpec(requests=3000, seed=1))
    (results / "FAILED").touch()
    raw = tmp_path / "raw.log"  # the transferer removes what it uploaded
    raw.write_bytes(log.read_bytes())
    done = subprocess.run(
        [str(BIN / "gatling-transferer"), "--results-dir", str(results),
         "--destination", local_bucket.url, "--name", "runner-0", "--compress", "zstd",
         "--timeout", "30"],
        capture_output=True, text=True, check=False, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout == f"{local_bucket.url}/runner-0.log.zst\n"
    destination = local_bucket.url + "/report"
    done = subprocess.run(
        [str(BIN / "gatling-reporter"), "report", "--source", local_bucket.url,
         "--destination", destination],
        capture_output=True, text=True, check=False, timeout=240,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    store = open_storage(destination, local_bucket.settings)
    store.download_file("summary.json", tmp_path / "summary.json")
    summary = json.loads((tmp_path / "summary.json").read_text())
    (only,) = summary["inputs"]
    assert (only["path"], only["status"]) == (f"{local_bucket.url}/runner-0.log.zst", "FAILED")
    assert summary["global"]["numberOfRequests"]["total"] == 3000
    assert open_storage(local_bucket.url).exists("runner-0.log.zst")  # the input is kept
    code, _, err = _build(str(raw), "-o", str(tmp_path / "o-raw"))
    assert (code, err) == (0, "")
    store.download_file("js/stats.json", tmp_path / "stats.json")
    assert json.loads((tmp_path / "stats.json").read_text()) == _stats(tmp_path / "o-raw")[0]
