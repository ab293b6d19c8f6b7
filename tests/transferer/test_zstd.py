"""`--compress zstd`: <name>.log.zst, compressed while it uploads (S3: parts go up meanwhile)."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest
import zstandard
from gatling_common.storage import open_storage
from gatling_common.storage.manifest import read_manifest
from gatling_transferer.settings import TransfererSettings
from gatling_transferer.transfer import run

from tests.support.emulators import BACKEND_FIXTURES, Target, s3_client
from tests.transferer.support import LOG_310, invoke, write_log

MIB = 1024 * 1024


@pytest.fixture(params=["local", "s3"])
def target(request: pytest.FixtureRequest) -> Target:
    found: Target = request.getfixturevalue(BACKEND_FIXTURES[request.param])
    return found


def hard_log(results: Path, run_dir: str, size: int) -> Path:
    """A Gatling 3.10 text log of ~`size` bytes whose KO messages are random hex: it compresses
    only ~2x, so its .zst is above the tests' 5 MiB multipart threshold (real parts on S3)."""
    head, body = LOG_310.split("\n", 1)
    lines = [head + "\n"]
    written = len(lines[0])
    noise = os.urandom(size // 2).hex()
    at = 0
    while written < size:
        line = f"REQUEST\tCheckout\tPay\t1716789118000\t1716789118500\tKO\t{noise[at : at + 400]}\n"
        at += 400
        lines.append(line)
        written += len(line)
    lines.append(body)
    return write_log(results, run_dir, "".join(lines))


def test_zstd_round_trip_with_parts(target: Target, results_dir: Path, tmp_path: Path) -> None:
    first = hard_log(results_dir, "a-1", 13 * MIB)
    second = write_log(results_dir, "b-2", LOG_310 * 20_000)  # ~6 MB, compresses to kilobytes
    (results_dir / "COMPLETED").touch()
    settings = TransfererSettings(
        destination=target.url,
        name="pod-z",
        results_dir=results_dir,
        compress="zstd",
        run_id="run-7",
        storage=target.settings,
    )
    uploaded = run(settings)
    assert [u.name for u in uploaded] == ["pod-z.log.zst", "pod-z-2.log.zst"]
    assert [u.url for u in uploaded] == [f"{target.url}/{u.name}" for u in uploaded]
    assert uploaded[0].sent_bytes > 5 * MIB  # more than one part on S3
    assert uploaded[1].sent_bytes < uploaded[1].raw_bytes / 7
    store = open_storage(target.url, target.settings)
    assert sorted(o.name for o in store.list()) == [
        "pod-z-2.log.zst", "pod-z.log.zst", "pod-z.manifest.json"
    ]  # fmt: skip
    manifest = read_manifest(store, "pod-z.manifest.json")
    assert (manifest.run, manifest.done, manifest.status) == ("run-7", True, "COMPLETED")
    entries = {e.name: e for e in manifest.objects}
    for done, original in zip(uploaded, (first, second), strict=True):
        back = tmp_path / done.name
        store.download_file(done.name, back)
        data = back.read_bytes()
        assert zstandard.ZstdDecompressor().decompress(data) == original.read_bytes()
        assert (entries[done.name].size, entries[done.name].sha256) == (
            len(data),
            hashlib.sha256(data).hexdigest(),
        )
        assert done.raw_bytes == original.stat().st_size
        info = store.head(done.name)
        assert (info.content_type, info.content_encoding) == ("application/zstd", None)
        assert info.metadata["rawbytes"] == str(original.stat().st_size)
        assert info.metadata["status"] == "COMPLETED"
        assert info.metadata["complete"] == "true"
    if target.backend == "s3":  # the stream went up as a multipart upload, none left open
        head = s3_client(target.settings.endpoint_url or "").head_object(  # type: ignore[attr-defined]
            Bucket=target.bucket, Key="run1/pod-z.log.zst", ChecksumMode="ENABLED"
        )
        assert "-" in head["ETag"]
        listed = s3_client(target.settings.endpoint_url or "").list_multipart_uploads(  # type: ignore[attr-defined]
            Bucket=target.bucket
        )
        assert not listed.get("Uploads")


def test_zstd_frame_is_checked_and_deterministic(results_dir: Path, bucket: Path) -> None:
    """Content size and checksum in the frame (a cut or flipped byte is detected on reading);
    the same log always gives the same bytes (a re-upload is byte-identical)."""
    text = LOG_310 * 3000
    write_log(results_dir, text=text)
    (results_dir / "COMPLETED").touch()
    sizes = []
    for attempt in ("one", "two"):
        result = invoke(
            "--results-dir", str(results_dir), "--destination", f"file://{bucket}/{attempt}",
            "--name", "pod-d", "--compress", "zstd",
        )  # fmt: skip
        assert result.exit_code == 0, result.stderr
        sizes.append((bucket / attempt / "pod-d.log.zst").read_bytes())
    assert sizes[0] == sizes[1]
    frame = zstandard.get_frame_parameters(sizes[0])
    assert (frame.content_size, frame.has_checksum) == (len(text), True)


def test_cli_zstd_round_trip(results_dir: Path, bucket: Path, tmp_path: Path) -> None:
    text = LOG_310 * 2000
    log = write_log(results_dir, text=text)
    (results_dir / "COMPLETED").touch()
    result = invoke(
        "--results-dir", str(results_dir), "--destination", f"file://{bucket}/r",
        "--name", "pod-9", "--compress", "zstd",
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    assert result.stdout == f"file://{bucket}/r/pod-9.log.zst\n"
    store = open_storage(f"file://{bucket}/r")
    store.download_file("pod-9.log.zst", tmp_path / "back.zst")
    back = zstandard.ZstdDecompressor().decompress((tmp_path / "back.zst").read_bytes())
    assert back == log.read_bytes()
    info = store.head("pod-9.log.zst")
    assert (info.content_type, info.content_encoding) == ("application/zstd", None)
    assert info.metadata["rawbytes"] == str(len(text))
    assert info.size < len(text) / 7
    compressed = f"{len(text) / 1e6:.1f} MB -> {info.size / 1e6:.1f} MB"
    assert f"compressed basicsimulation-20240527055156696/simulation.log: {compressed}" in (
        result.stderr
    )


def test_compress_zstd_from_the_environment(results_dir: Path, bucket: Path) -> None:
    write_log(results_dir)
    (results_dir / "COMPLETED").touch()
    env = {
        "GATLING_TRANSFERER_RESULTS_DIR": str(results_dir),
        "GATLING_TRANSFERER_DESTINATION": f"file://{bucket}/env",
        "GATLING_TRANSFERER_NAME": "pod-env",
        "GATLING_TRANSFERER_COMPRESS": "zstd",
        "GATLING_TRANSFERER_LOG_LEVEL": "WARNING",
    }
    result = invoke(env=env)
    assert result.exit_code == 0, result.stderr
    assert result.stdout == f"file://{bucket}/env/pod-env.log.zst\n"
    assert result.stderr == ""


def test_help_names_the_three_compressions() -> None:
    result = invoke("--help")
    assert result.exit_code == 0
    flat = " ".join(result.stdout.split())
    assert "--compress [none|gzip|zstd]" in flat
    assert (
        "zstd: upload <name>.log.zst, compressed while it uploads (faster; the reporter reads "
        "both). [env var: GATLING_TRANSFERER_COMPRESS; default: none]"
    ) in flat


def test_an_unknown_compression_is_refused(results_dir: Path, bucket: Path) -> None:
    result = invoke(
        "--results-dir", str(results_dir), "--destination", f"file://{bucket}", "--name", "p",
        "--compress", "xz",
    )  # fmt: skip
    assert result.exit_code == 2
    assert "'xz' is not one of 'none', 'gzip', 'zstd'" in result.stderr
