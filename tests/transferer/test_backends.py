"""The transferer end to end on real storage servers (moto for S3) and the local folder."""

from __future__ import annotations

import gzip
import os
import subprocess
from pathlib import Path

import pytest
from gatling_common.storage import open_storage
from gatling_common.storage.manifest import read_manifest
from gatling_transferer.errors import DestinationError
from gatling_transferer.settings import TransfererSettings
from gatling_transferer.transfer import run

from tests.support.emulators import BACKEND_FIXTURES, Target
from tests.transferer.support import LOG_310, TRANSFERER, write_log

# Every backend, each on its real emulator (tests/support/emulators.py).
BACKENDS = ["local", "s3", "gcs", "azure"]


@pytest.fixture(params=BACKENDS)
def target(request: pytest.FixtureRequest) -> Target:
    found: Target = request.getfixturevalue(BACKEND_FIXTURES[request.param])
    return found


def big_log(results: Path, run_dir: str = "fleetsimulation-20240527055156696") -> Path:
    """Above the test multipart threshold (5 MiB): a real multipart upload on S3."""
    return write_log(results, run_dir, LOG_310 * 20_000)  # ~6.2 MB


def test_uploads_a_multipart_log_with_its_status(
    target: Target, results_dir: Path, tmp_path: Path
) -> None:
    log = big_log(results_dir)
    (results_dir / "FAILED").touch()
    settings = TransfererSettings(
        destination=target.url, name="pod-0", results_dir=results_dir, storage=target.settings
    )
    uploaded = run(settings)
    assert [(u.name, u.url, u.status) for u in uploaded] == [
        ("pod-0.log", f"{target.url}/pod-0.log", "FAILED")
    ]
    store = open_storage(target.url, target.settings)
    store.download_file("pod-0.log", tmp_path / "back.log")
    assert (tmp_path / "back.log").read_bytes() == log.read_bytes()
    info = store.head("pod-0.log")
    assert info.metadata["status"] == "FAILED"
    assert info.metadata["rawbytes"] == str(log.stat().st_size)
    assert info.content_type == "text/plain; charset=utf-8"


def test_gzip_and_two_logs(target: Target, results_dir: Path, tmp_path: Path) -> None:
    first = big_log(results_dir, "a-1")
    second = write_log(results_dir, "b-2")
    (results_dir / "COMPLETED").touch()
    settings = TransfererSettings(
        destination=target.url,
        name="pod-1",
        results_dir=results_dir,
        compress="gzip",
        storage=target.settings,
    )
    uploaded = run(settings)
    assert [u.name for u in uploaded] == ["pod-1.log.gz", "pod-1-2.log.gz"]
    assert uploaded[0].sent_bytes < uploaded[0].raw_bytes / 7
    store = open_storage(target.url, target.settings)
    assert sorted(o.name for o in store.list()) == [
        "pod-1-2.log.gz", "pod-1.log.gz", "pod-1.manifest.json"
    ]  # fmt: skip
    manifest = read_manifest(store, "pod-1.manifest.json")
    assert (manifest.pod, manifest.run, manifest.done, manifest.status) == (
        "pod-1",
        None,
        True,
        "COMPLETED",
    )
    assert [(e.name, e.size) for e in manifest.objects] == [
        (u.name, u.sent_bytes) for u in uploaded
    ]
    for name, original in (("pod-1.log.gz", first), ("pod-1-2.log.gz", second)):
        store.download_file(name, tmp_path / name)
        assert gzip.decompress((tmp_path / name).read_bytes()) == original.read_bytes()
        info = store.head(name)
        assert (info.content_type, info.content_encoding) == ("application/gzip", None)
        assert info.metadata["status"] == "COMPLETED"


def test_cli_on_s3_with_endpoint_option(
    s3_bucket: Target, s3_server: str, results_dir: Path
) -> None:
    log = write_log(results_dir)
    (results_dir / "COMPLETED").touch()
    result = subprocess.run(
        [
            str(TRANSFERER),
            "--results-dir",
            str(results_dir),
            "--destination",
            s3_bucket.url,
            "--name",
            "pod-2",
            "--endpoint-url",
            s3_server,
            "--timeout",
            "30",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"{s3_bucket.url}/pod-2.log\n"
    store = open_storage(s3_bucket.url, s3_bucket.settings)
    assert store.head("pod-2.log").size == log.stat().st_size


def _missing_bucket_run(
    s3_server: str, results_dir: Path, *extra: str
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            str(TRANSFERER),
            "--results-dir", str(results_dir),
            "--destination", "s3://no-such-bucket-4711/run",
            "--name", "pod-3",
            "--endpoint-url", s3_server,
            "--storage-attempts", "2",
            "--timeout", "30",
            *extra,
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )  # fmt: skip


def test_a_missing_bucket_fails_before_the_run_ends(s3_server: str, results_dir: Path) -> None:
    write_log(results_dir)  # no marker: the run is still going; we must not wait for it
    result = _missing_bucket_run(s3_server, results_dir)
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr.splitlines()[-1] == (
        "error: bucket 'no-such-bucket-4711' does not exist (s3://no-such-bucket-4711/run) "
        "(checked before the run; --no-check-destination skips this)"
    )
    assert "waiting for COMPLETED" not in result.stderr
    assert "Traceback" not in result.stderr


def test_without_the_check_a_missing_bucket_ends_with_one_line(
    s3_server: str, results_dir: Path
) -> None:
    write_log(results_dir)
    (results_dir / "COMPLETED").touch()
    result = _missing_bucket_run(s3_server, results_dir, "--no-check-destination")
    assert result.returncode == 1
    assert result.stdout == ""
    last = result.stderr.strip().splitlines()[-1]
    # The wording is the storage layer's; the transferer's part is one line naming bucket and key.
    assert last.startswith("error: ")
    # The first object written after the marker is the pod's manifest (manifest.py).
    assert "s3://no-such-bucket-4711/run/pod-3.manifest.json" in last
    assert [line for line in result.stderr.splitlines() if line.startswith("error:")] == [last]
    assert "Traceback" not in result.stderr


def test_a_destination_folder_that_cannot_be_written_fails_at_once(
    results_dir: Path, tmp_path: Path
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    settings = TransfererSettings(destination=f"file://{blocker}/run", name="pod-0",
                                  results_dir=results_dir, timeout=30)  # fmt: skip
    with pytest.raises(DestinationError) as err:
        run(settings)
    assert str(err.value) == (
        f"cannot write file://{blocker}/run: {blocker} is not a writable folder "
        "(checked before the run; --no-check-destination skips this)"
    )


def test_refused_credentials_fail_before_the_run_ends(
    s3_auth_server: str, results_dir: Path, tmp_path: Path
) -> None:
    write_log(results_dir)  # no marker yet
    env = {
        "AWS_ACCESS_KEY_ID": "AKIAWRONGWRONGWRONG1",
        "AWS_SECRET_ACCESS_KEY": "not-the-secret-0123456789",
    }
    result = subprocess.run(
        [
            str(TRANSFERER),
            "--results-dir", str(results_dir),
            "--destination", "s3://reports-bucket/run1",
            "--name", "pod-0",
            "--endpoint-url", s3_auth_server,
            "--timeout", "30",
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
        env={**os.environ, **env},
    )  # fmt: skip
    assert (result.returncode, result.stdout) == (2, "")
    last = result.stderr.splitlines()[-1]
    assert last.startswith("error: access to bucket 'reports-bucket' denied (InvalidAccessKeyId")
    assert last.endswith("(checked before the run; --no-check-destination skips this)")
    assert "not-the-secret" not in result.stderr
