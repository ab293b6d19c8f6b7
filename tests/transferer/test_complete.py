"""A log is uploaded closed and whole, or marked complete=false saying why (issue 13, case 3).

The marker is written before the log is finished here, as a wrapper script or a restarted
container can do; without the check the transferer uploaded half a log, cut mid-line.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
import time
from pathlib import Path

import pytest
from gatling_common.results.generators.generate import RunSpec, write_binary_log
from gatling_common.results.statistics.shard import load_shard
from gatling_common.storage import open_storage
from gatling_transferer.complete import wait_until_complete
from gatling_transferer.settings import TransfererSettings
from gatling_transferer.transfer import run

from tests.support.fake_time import FakeTime
from tests.transferer.support import LOG_310, write_log

LINE = "REQUEST\t\tHome\t1716789117320\t1716789117940\tOK\t \n"


def _settings(results: Path, bucket: Path, **changes: object) -> TransfererSettings:
    base = TransfererSettings(
        destination=f"file://{bucket}/run", name="pod-0", results_dir=results, poll_interval=0.05
    )
    return dataclasses.replace(base, **{"settle": 0.3, "settle_limit": 20.0, **changes})


def _writer(path: Path, chunks: list[str], pause: float) -> threading.Thread:
    def write() -> None:
        with path.open("a") as fh:
            for chunk in chunks:
                time.sleep(pause)
                fh.write(chunk)
                fh.flush()

    thread = threading.Thread(target=write, daemon=True)
    thread.start()
    return thread


def test_a_log_still_written_after_the_marker_is_uploaded_once_finished(
    results_dir: Path, bucket: Path
) -> None:
    log = write_log(results_dir, text=LOG_310 + "REQUEST\t\tHo")  # cut mid-line, for now
    (results_dir / "COMPLETED").touch()
    rest = ["me\t1716789117320\t1716789117940\tOK\t \n", *[LINE] * 5]
    writer = _writer(log, rest, pause=0.1)
    [done] = run(_settings(results_dir, bucket))
    writer.join()
    stored = open_storage(f"file://{bucket}/run")
    assert (bucket / "run" / "pod-0.log").read_bytes() == log.read_bytes()
    assert log.read_text().endswith(LINE) and done.complete
    assert stored.head("pod-0.log").metadata["complete"] == "true"


def test_a_log_that_keeps_growing_is_uploaded_marked_incomplete(
    results_dir: Path, bucket: Path, caplog: pytest.LogCaptureFixture
) -> None:
    log = write_log(results_dir)
    (results_dir / "COMPLETED").touch()
    writer = _writer(log, [LINE] * 40, pause=0.05)  # 2s of writing, past the 1s limit
    with caplog.at_level(logging.WARNING):
        [done] = run(_settings(results_dir, bucket, settle_limit=1.0))
    writer.join()
    meta = open_storage(f"file://{bucket}/run").head("pod-0.log").metadata
    assert (done.complete, meta["complete"]) == (False, "false")
    uploaded = (bucket / "run" / "pod-0.log").read_bytes()
    assert len(LOG_310) < len(uploaded) < log.stat().st_size  # one fixed snapshot, size checked
    assert meta["rawbytes"] == str(len(uploaded))
    [warning] = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert warning.startswith(
        "basicsimulation-20240527055156696/simulation.log is still being written after 1s ("
    )
    assert warning.endswith(" bytes so far); uploading it as it is, marked complete=false")


def test_a_cut_last_line_that_never_ends_is_named(
    results_dir: Path, bucket: Path, caplog: pytest.LogCaptureFixture
) -> None:
    write_log(results_dir, text=LOG_310 + "REQUEST\t\tHo")
    (results_dir / "FAILED").touch()  # Gatling killed mid-write
    with caplog.at_level(logging.WARNING):
        [done] = run(_settings(results_dir, bucket, settle_limit=0.5))
    assert not done.complete
    size = len(LOG_310) + len("REQUEST\t\tHo")
    assert (
        "basicsimulation-20240527055156696/simulation.log is cut at its end (no line end at byte "
        f"{size}); uploading it as it is, marked complete=false"
    ) in caplog.text


def test_a_closed_whole_log_waits_only_the_settle_time(tmp_path: Path) -> None:
    log = tmp_path / "simulation.log"
    log.write_text(LOG_310)
    fake = FakeTime()
    got = wait_until_complete(log, settle=1.0, limit=60, clock=fake.clock, sleep=fake.sleep)
    assert got.complete and 1.0 <= fake.now < 1.2


def test_a_binary_log_cut_mid_record_is_not_complete(tmp_path: Path) -> None:
    """Binary (3.13+): the last record must decode whole, as a text log's last line must end."""
    whole = write_binary_log(tmp_path / "whole.log", RunSpec(requests=200, duration_s=10))
    cut = tmp_path / "cut.log"
    cut.write_bytes(whole.read_bytes()[:-3])
    fake = FakeTime()
    assert wait_until_complete(
        whole, settle=0.5, limit=5, clock=fake.clock, sleep=fake.sleep
    ).complete
    got = wait_until_complete(cut, settle=0.5, limit=5, clock=fake.clock, sleep=fake.sleep)
    assert not got.complete
    assert got.reason == f"cut at its end (no whole last record at byte {cut.stat().st_size})"


@pytest.mark.parametrize("content", [b"", b"\x00\x01not a Gatling log"])
def test_empty_and_unreadable_logs_are_taken_as_they_are(tmp_path: Path, content: bytes) -> None:
    log = tmp_path / "simulation.log"
    log.write_bytes(content)
    fake = FakeTime()
    assert wait_until_complete(
        log, settle=0.5, limit=5, clock=fake.clock, sleep=fake.sleep
    ).complete


def test_the_shard_of_a_snapshot_counts_what_was_uploaded(results_dir: Path, bucket: Path) -> None:
    """A log still growing is uploaded from a snapshot: its shard is of that snapshot, not of
    the live file, and says complete=false too."""
    log = write_log(results_dir)
    (results_dir / "COMPLETED").touch()
    writer = _writer(log, [LINE] * 40, pause=0.05)
    run(_settings(results_dir, bucket, settle_limit=1.0, shard=True))
    writer.join()
    store = open_storage(f"file://{bucket}/run")
    assert store.head("pod-0.stats").metadata["complete"] == "false"
    uploaded = (bucket / "run" / "pod-0.log").read_bytes()
    shard = load_shard(bucket / "run" / "pod-0.stats")
    assert shard.inputs[0].requests == uploaded.count(b"\nREQUEST\t")
    assert uploaded.count(b"\nREQUEST\t") < log.read_bytes().count(b"\nREQUEST\t")
