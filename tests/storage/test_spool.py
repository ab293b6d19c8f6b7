"""`Storage.upload_spool`: a file uploaded while another thread still writes it (the
transferer's --compress zstd). S3 sends parts meanwhile; every backend verifies as upload_file."""

from __future__ import annotations

import os
import threading
import time
from dataclasses import replace
from pathlib import Path

import pytest
from gatling_common.retry import RetryPolicy
from gatling_common.storage import PermanentStorageError, open_storage
from gatling_common.storage.spool import Spool, SpoolCancelledError

from tests.support.emulators import BACKEND_FIXTURES, Target, s3_client
from tests.support.faultproxy import Fault, FaultProxy

MIB = 1024 * 1024
BIG = 11 * MIB + 4321  # three parts of the 5 MiB test chunk size


@pytest.fixture(params=["local", "s3"])
def target(request: pytest.FixtureRequest) -> Target:
    found: Target = request.getfixturevalue(BACKEND_FIXTURES[request.param])
    return found


class Writer:
    """Writes `data` into the spool in 1 MiB blocks, `pause` s apart (a slow compressor)."""

    def __init__(self, spool: Spool, data: bytes, *, pause: float = 0.0, fail_at: int = -1):
        self.spool = spool
        self.data = data
        self.pause = pause
        self.fail_at = fail_at
        self.finished_at = 0.0
        self.thread = threading.Thread(target=self._run, daemon=True)
        spool.path.write_bytes(b"")

    def _run(self) -> None:
        error: BaseException | None = None
        try:
            with self.spool.path.open("ab", buffering=0) as fh:
                for i, at in enumerate(range(0, len(self.data), MIB)):
                    self.spool.check()
                    if i == self.fail_at:
                        raise OSError(5, "Input/output error", "source.log")
                    fh.write(self.data[at : at + MIB])
                    self.spool.wrote(len(self.data[at : at + MIB]))
                    time.sleep(self.pause)
        except BaseException as exc:
            error = exc
        self.finished_at = time.monotonic()
        self.spool.finish(error)

    def __enter__(self) -> Writer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.spool.cancel()
        self.thread.join()


def _pending_uploads(target: Target) -> list[str]:
    client = s3_client(target.settings.endpoint_url or "")
    found = client.list_multipart_uploads(Bucket=target.bucket).get("Uploads", [])  # type: ignore[attr-defined]
    return [str(u["Key"]) for u in found]


def test_the_reader_follows_the_writer(tmp_path: Path) -> None:
    data = os.urandom(3 * MIB + 17)
    spool = Spool(tmp_path / "f")
    with Writer(spool, data, pause=0.01), spool.reader() as reader:
        got = [reader.read(MIB) for _ in range(3)]
        assert [len(g) for g in got] == [MIB] * 3  # whole blocks, never a short read mid-file
        assert reader.read() == data[3 * MIB :]
        assert reader.read(10) == b""
    assert b"".join(got) == data[: 3 * MIB]
    assert spool.wait() == len(data)
    assert not reader.seekable()


def test_a_cancelled_writer_stops(tmp_path: Path) -> None:
    spool = Spool(tmp_path / "f")
    spool.cancel()
    with pytest.raises(SpoolCancelledError):
        spool.check()


def test_upload_while_written(target: Target, tmp_path: Path) -> None:
    data = os.urandom(BIG)
    spool = Spool(tmp_path / "big.zst")
    store = open_storage(target.url, target.settings)
    sent: list[float] = []
    with Writer(spool, data, pause=0.05) as writer:
        info = store.upload_spool(
            spool,
            "pod.log.zst",
            content_type="application/zstd",
            metadata={"rawbytes": "123", "status": "COMPLETED"},
            progress=lambda n: sent.append(time.monotonic()),
        )
    assert info.size == BIG
    back = tmp_path / "back"
    store.download_file("pod.log.zst", back)
    assert back.read_bytes() == data
    head = store.head("pod.log.zst")
    assert (head.content_type, head.metadata) == (
        "application/zstd",
        {"rawbytes": "123", "status": "COMPLETED"},
    )
    if target.backend == "s3":
        assert min(sent) < writer.finished_at  # parts went up before the file was whole
        assert _pending_uploads(target) == []


def test_a_writer_error_fails_the_upload(target: Target, tmp_path: Path) -> None:
    spool = Spool(tmp_path / "big.zst")
    store = open_storage(target.url, target.settings)
    with (
        pytest.raises(PermanentStorageError, match=r"local file source.log: Input/output error"),
        Writer(spool, os.urandom(BIG), pause=0.01, fail_at=7),
    ):
        store.upload_spool(spool, "pod.log.zst")
    assert not store.exists("pod.log.zst")
    if target.backend == "s3":
        assert _pending_uploads(target) == []


def test_a_failed_stream_is_retried_from_the_whole_file(s3_bucket: Target, tmp_path: Path) -> None:
    data = os.urandom(BIG)
    proxy = FaultProxy(
        s3_bucket.settings.endpoint_url or "", [Fault.reset(times=4)], methods={"PUT"}
    ).start()
    try:
        settings = replace(
            s3_bucket.settings,
            endpoint_url=proxy.url,
            retry=RetryPolicy(attempts=6, base_delay=0.01, max_delay=0.05),
        )
        spool = Spool(tmp_path / "big.zst")
        with Writer(spool, data):
            info = open_storage(s3_bucket.url, settings).upload_spool(spool, "big.zst")
    finally:
        proxy.stop()
    assert info.size == BIG
    assert proxy.injected == 4
    store = open_storage(s3_bucket.url, s3_bucket.settings)
    store.download_file("big.zst", tmp_path / "back")
    assert (tmp_path / "back").read_bytes() == data
    assert _pending_uploads(s3_bucket) == []
