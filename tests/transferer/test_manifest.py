"""The pod's transfer manifest: written last, listing what was uploaded; a re-run replaces it."""

from __future__ import annotations

import hashlib
import logging
from dataclasses import replace
from pathlib import Path

import pytest
from gatling_common.storage import PermanentStorageError, open_storage
from gatling_common.storage.manifest import read_manifest
from gatling_transferer.errors import NoLogError
from gatling_transferer.settings import TransfererSettings
from gatling_transferer.transfer import run

from tests.support.emulators import Target
from tests.support.faultproxy import Fault, FaultProxy
from tests.transferer.support import LOG_310, write_log


def _settings(target: Target, results: Path, **extra: object) -> TransfererSettings:
    return replace(
        TransfererSettings(
            destination=target.url, name="pod-0", results_dir=results, storage=target.settings
        ),
        settle=0.0,
        **extra,
    )


def _sha256(target: Target, name: str, tmp_path: Path) -> str:
    open_storage(target.url, target.settings).download_file(name, tmp_path / name)
    return hashlib.sha256((tmp_path / name).read_bytes()).hexdigest()


def test_the_manifest_lists_every_object_with_its_size_and_digest(
    storage_target: Target, results_dir: Path, tmp_path: Path
) -> None:
    write_log(results_dir, "a-1")
    write_log(results_dir, "b-2", LOG_310 * 3)
    (results_dir / "FAILED").touch()

    uploaded = run(_settings(storage_target, results_dir, run_id="job-uid-1", shard=True))

    store = open_storage(storage_target.url, storage_target.settings)
    manifest = read_manifest(store, "pod-0.manifest.json")
    assert (manifest.pod, manifest.run, manifest.done, manifest.status) == (
        "pod-0",
        "job-uid-1",
        True,
        "FAILED",
    )
    names = ["pod-0.log", "pod-0.stats", "pod-0-2.log", "pod-0-2.stats"]
    assert [e.name for e in manifest.objects] == names
    assert [e.name for u in uploaded for e in u.objects] == names
    for entry in manifest.objects:
        assert entry.size == store.head(entry.name).size
        assert entry.sha256 == _sha256(storage_target, entry.name, tmp_path)


def test_a_rerun_deletes_what_only_the_earlier_manifest_listed(
    storage_target: Target, tmp_path: Path
) -> None:
    first, second = tmp_path / "first", tmp_path / "second"
    write_log(first, "a-1")
    write_log(first, "b-2")
    (first / "COMPLETED").touch()
    run(_settings(storage_target, first, compress="gzip"))
    write_log(second, "c-3", LOG_310 * 2)
    (second / "COMPLETED").touch()

    run(_settings(storage_target, second))

    store = open_storage(storage_target.url, storage_target.settings)
    assert sorted(o.name for o in store.list()) == ["pod-0.log", "pod-0.manifest.json"]
    assert [e.name for e in read_manifest(store, "pod-0.manifest.json").objects] == ["pod-0.log"]


def test_an_object_changed_since_the_earlier_manifest_is_not_deleted(
    local_bucket: Target, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    first, second = tmp_path / "first", tmp_path / "second"
    write_log(first, "a-1")
    write_log(first, "b-2")
    (first / "COMPLETED").touch()
    run(_settings(local_bucket, first))
    store = open_storage(local_bucket.url, local_bucket.settings)
    other = tmp_path / "other.log"
    other.write_text("someone else's, of another size\n")
    store.upload_file(other, "pod-0-2.log")
    write_log(second, "c-3")
    (second / "COMPLETED").touch()

    with caplog.at_level(logging.INFO, logger="gatling_transferer"):
        run(_settings(local_bucket, second))

    assert store.head("pod-0-2.log").size == other.stat().st_size
    assert f"kept {local_bucket.url}/pod-0-2.log: changed since" in caplog.text


def test_a_rerun_that_finds_no_log_leaves_its_earlier_objects_unlisted(
    local_bucket: Target, tmp_path: Path
) -> None:
    first, second = tmp_path / "first", tmp_path / "second"
    write_log(first)
    (first / "COMPLETED").touch()
    run(_settings(local_bucket, first, run_id="run-1"))
    second.mkdir()
    (second / "COMPLETED").touch()

    with pytest.raises(NoLogError):
        run(_settings(local_bucket, second, run_id="run-2"))

    manifest = read_manifest(
        open_storage(local_bucket.url, local_bucket.settings), "pod-0.manifest.json"
    )
    assert (manifest.run, manifest.done, manifest.objects) == ("run-2", False, ())


def test_a_failed_upload_leaves_a_manifest_that_lists_nothing(
    s3_bucket: Target, tmp_path: Path
) -> None:
    """Written last: an object whose upload failed is never listed."""
    results = tmp_path / "results"
    write_log(results, text=LOG_310 * 20_000)  # above the 5 MiB threshold: a multipart POST
    (results / "COMPLETED").touch()
    endpoint = s3_bucket.settings.endpoint_url or ""
    with FaultProxy(endpoint, [Fault.status_code(403, times=None)], methods={"POST"}) as proxy:
        settings = _settings(s3_bucket, results)
        settings = replace(settings, storage=replace(settings.storage, endpoint_url=proxy.url))
        with pytest.raises(PermanentStorageError, match=r"pod-0\.log"):
            run(settings)
        assert proxy.injected >= 1

    store = open_storage(s3_bucket.url, s3_bucket.settings)
    manifest = read_manifest(store, "pod-0.manifest.json")
    assert (manifest.done, manifest.objects) == (False, ())


def test_a_damaged_earlier_manifest_is_named_and_replaced(
    local_bucket: Target, results_dir: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    store = open_storage(local_bucket.url, local_bucket.settings)
    damaged = tmp_path / "damaged.json"
    damaged.write_text('{"format": "gatling-fleet-manifest/1", "pod": ')
    store.upload_file(damaged, "pod-0.manifest.json")
    write_log(results_dir)
    (results_dir / "COMPLETED").touch()

    run(_settings(local_bucket, results_dir))

    assert read_manifest(store, "pod-0.manifest.json").done
    assert (
        f"cannot read the earlier pod-0.manifest.json; its objects are not deleted: "
        f"{local_bucket.url}/pod-0.manifest.json: not a transfer manifest (not JSON"
    ) in caplog.text
