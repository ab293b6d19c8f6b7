"""Progress lines: bytes, share and rate, at most one per interval (a fake clock, no sleeps)."""

from __future__ import annotations

import logging

import pytest
from gatling_transferer.progress import ProgressLog

from tests.support.fake_time import FakeTime


def test_one_line_per_interval_with_bytes_share_and_rate(caplog: pytest.LogCaptureFixture) -> None:
    clock = FakeTime(100.0)
    log = logging.getLogger("test.progress")
    progress = ProgressLog(
        "uploading s3://b/pod.log", 100_000_000, log=log, interval=5, clock=clock
    )
    with caplog.at_level(logging.INFO, logger="test.progress"):
        for second in range(1, 13):  # 8 MB each second for 12 s
            clock.now = 100.0 + second
            progress(8_000_000)
    assert [r.getMessage() for r in caplog.records] == [
        "uploading s3://b/pod.log: 40.0/100.0 MB (40%), 8.0 MB/s",
        "uploading s3://b/pod.log: 80.0/100.0 MB (80%), 8.0 MB/s",
    ]
    assert progress.done == 96_000_000
    assert progress.rate() == pytest.approx(8.0)


def test_an_empty_file_shows_as_complete(caplog: pytest.LogCaptureFixture) -> None:
    log = logging.getLogger("test.progress")
    progress = ProgressLog("uploading x", 0, log=log, interval=0, clock=FakeTime(100.0))
    with caplog.at_level(logging.INFO, logger="test.progress"):
        progress(0)
    assert [r.getMessage() for r in caplog.records] == ["uploading x: 0.0/0.0 MB (100%), 0.0 MB/s"]
