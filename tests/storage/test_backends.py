"""The same behaviour on every backend: local folder, S3 (moto), GCS (fake-gcs-server), Azurite."""

from __future__ import annotations

import hashlib
import os
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path

import pytest
from gatling_common.errors import InputError
from gatling_common.storage import (
    BucketNotFoundError,
    NotFoundError,
    PermanentStorageError,
    Storage,
    open_storage,
)

from tests.support.emulators import Target, s3_client

BIG = 12 * 1024 * 1024 + 12345  # above the 5 MiB test threshold: three parts and a tail


def _open(target: Target) -> Storage:
    return open_storage(target.url, target.settings)


def _random_file(path: Path, size: int) -> Path:
    with path.open("wb") as fh:
        left = size
        while left:
            block = os.urandom(min(left, 1024 * 1024))
            fh.write(block)
            left -= len(block)
    return path


def _md5(path: Path) -> str:
    with path.open("rb") as fh:
        return hashlib.file_digest(fh, lambda: hashlib.md5(usedforsecurity=False)).hexdigest()


def test_multipart_round_trip_keeps_bytes_metadata_and_content_type(
    storage_target: Target, tmp_path: Path
) -> None:
    store = _open(storage_target)
    source = _random_file(tmp_path / "simulation.log", BIG)
    seen: list[int] = []
    meta = {"status": "FAILED", "pod": "runner-0"}

    info = store.upload_file(
        source, "pod-1.log", content_type="text/plain", metadata=meta, progress=seen.append
    )

    assert (info.name, info.size, dict(info.metadata)) == ("pod-1.log", BIG, meta)
    assert sum(seen) >= BIG
    head = store.head("pod-1.log")
    assert (head.size, dict(head.metadata), head.content_type) == (BIG, meta, "text/plain")
    back = tmp_path / "out" / "copy.log"
    store.download_file("pod-1.log", back)
    assert _md5(back) == _md5(source)
    assert sorted(p.name for p in back.parent.iterdir()) == ["copy.log"]  # no temp file left


def test_gzip_content_encoding_is_kept(storage_target: Target, tmp_path: Path) -> None:
    store = _open(storage_target)
    source = tmp_path / "a.log.gz"
    source.write_bytes(b"\x1f\x8b" + os.urandom(1000))
    store.upload_file(source, "a.log.gz", content_type="application/gzip", content_encoding="gzip")
    head = store.head("a.log.gz")
    assert (head.content_type, head.content_encoding) == ("application/gzip", "gzip")
    back = tmp_path / "back.gz"
    store.download_file("a.log.gz", back)
    assert back.read_bytes() == source.read_bytes()  # stored as is, never decompressed


def test_list_by_prefix_at_any_depth_names_relative(storage_target: Target, tmp_path: Path) -> None:
    store = _open(storage_target)
    small = tmp_path / "small"
    small.write_bytes(b"x" * 10)
    for name in ("a.log", "js/stats.json", "js/deep/more.json", "jsx.txt", "b.log"):
        store.upload_file(small, name)
    sibling = open_storage(storage_target.url + "-other", storage_target.settings)
    sibling.upload_file(small, "not-mine.log")  # run1-other/ must not show under run1/

    everything = sorted((o.name, o.size) for o in store.list())
    below_js = sorted(o.name for o in store.list("js"))

    assert everything == [
        ("a.log", 10),
        ("b.log", 10),
        ("js/deep/more.json", 10),
        ("js/stats.json", 10),
        ("jsx.txt", 10),
    ]
    assert below_js == ["js/deep/more.json", "js/stats.json"]
    assert list(store.list("nothing-here")) == []


def test_list_pages_through_many_objects(storage_target: Target, tmp_path: Path) -> None:
    if storage_target.backend != "s3":
        pytest.skip("paging is exercised with S3's 1000-key pages")
    client = s3_client(storage_target.settings.endpoint_url or "")
    bucket = storage_target.bucket

    def put(i: int) -> None:
        client.put_object(Bucket=bucket, Key=f"run1/many/{i:04d}", Body=b"")  # type: ignore[attr-defined]

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(put, range(1003)))
    names = [o.name for o in _open(storage_target).list("many")]
    assert names == [f"many/{i:04d}" for i in range(1003)]


def test_head_and_exists(storage_target: Target, tmp_path: Path) -> None:
    store = _open(storage_target)
    src = tmp_path / "f"
    src.write_bytes(b"hello")
    store.upload_file(src, "here.log")

    assert store.exists("here.log")
    assert not store.exists("missing.log")
    with pytest.raises(NotFoundError, match=r"missing\.log"):
        store.head("missing.log")
    with pytest.raises(NotFoundError, match=r"missing\.log"):
        store.download_file("missing.log", tmp_path / "x")
    assert not (tmp_path / "x").exists()


def test_delete_removes_one_object_and_an_absent_one_is_no_error(
    storage_target: Target, tmp_path: Path
) -> None:
    store = _open(storage_target)
    src = tmp_path / "f"
    src.write_bytes(b"hello")
    store.upload_file(src, "gone.log", metadata={"status": "COMPLETED"})
    store.upload_file(src, "kept.log")

    store.delete("gone.log")
    store.delete("gone.log")  # already gone: no error
    store.delete("never-there.log")

    assert [o.name for o in store.list()] == ["kept.log"]
    assert not store.exists("gone.log")
    store.upload_file(src, "gone.log")  # a new object of that name has no old metadata
    assert dict(store.head("gone.log").metadata) == {}


def test_delete_in_a_missing_bucket_names_the_bucket(storage_target: Target) -> None:
    if storage_target.backend == "local":
        pytest.skip("a local bucket is a folder: nothing to delete is nothing to do")
    missing = "missing-" + os.urandom(6).hex()
    scheme = {"s3": "s3", "gcs": "gs", "azure": "az"}[storage_target.backend]
    store = open_storage(f"{scheme}://{missing}/run1", storage_target.settings)

    with pytest.raises(BucketNotFoundError, match=missing):
        store.delete("pod.log")


def test_missing_bucket_names_the_bucket(storage_target: Target, tmp_path: Path) -> None:
    missing = "missing-" + os.urandom(6).hex()
    if storage_target.backend == "local":
        url = f"file://{tmp_path}/{missing}/run1"
    else:
        scheme = {"s3": "s3", "gcs": "gs", "azure": "az"}[storage_target.backend]
        url = f"{scheme}://{missing}/run1"
    store = open_storage(url, storage_target.settings)
    src = tmp_path / "f"
    src.write_bytes(b"x")

    with pytest.raises(NotFoundError, match=missing):
        store.head("pod.log")
    with pytest.raises(NotFoundError, match=missing):
        list(store.list())
    with pytest.raises(NotFoundError, match=missing):
        store.download_file("pod.log", tmp_path / "out")
    if storage_target.backend == "local":  # a local bucket is a folder we create
        assert not store.exists("pod.log")
        return
    does_not_exist = rf"^(bucket|container) '{missing}' does not exist \({url}/pod\.log\)$"
    with pytest.raises(BucketNotFoundError, match=does_not_exist):
        store.upload_file(src, "pod.log")
    with pytest.raises(BucketNotFoundError, match=does_not_exist):
        store.head("pod.log")
    with pytest.raises(BucketNotFoundError, match=does_not_exist):
        store.exists("pod.log")  # a misconfiguration, not an absent object


def test_bad_metadata_key_is_refused_before_upload(storage_target: Target, tmp_path: Path) -> None:
    store = _open(storage_target)
    src = tmp_path / "f"
    src.write_bytes(b"x")
    with pytest.raises(InputError, match="metadata key 'gatling-status'"):
        store.upload_file(src, "x.log", metadata={"gatling-status": "FAILED"})
    assert not store.exists("x.log")


def test_missing_source_file_is_a_permanent_error(storage_target: Target, tmp_path: Path) -> None:
    store = _open(storage_target)
    with pytest.raises(PermanentStorageError, match=r"cannot read .*nope\.log"):
        store.upload_file(tmp_path / "nope.log", "x.log")


def test_public_url_serves_the_object(storage_target: Target, tmp_path: Path) -> None:
    store = _open(storage_target)
    src = tmp_path / "f"
    src.write_bytes(b"<html>report</html>")
    store.upload_file(src, "report dir/index.html", content_type="text/html")
    url = store.public_url("report dir/index.html")

    assert "report%20dir/index.html" in url
    if storage_target.backend in ("local", "gcs"):  # readable without credentials
        with urllib.request.urlopen(url) as resp:
            assert resp.read() == b"<html>report</html>"


def test_wrong_settings_keep_the_bucket_name_in_messages(
    storage_target: Target, tmp_path: Path
) -> None:
    """Unwritable folder (local) or wrong credentials: permanent, names the bucket, no secret."""
    src = tmp_path / "f"
    src.write_bytes(b"x")
    backend = storage_target.backend
    if backend == "local":
        # A file where the folder should be: unwritable even for root (tests run as root here).
        blocker = Path(storage_target.bucket) / "run1"
        blocker.write_bytes(b"")
        with pytest.raises(PermanentStorageError, match=r"cannot write .*bucket/run1/pod\.log"):
            _open(storage_target).upload_file(src, "pod.log")
        return
    settings = storage_target.settings
    if backend == "s3":
        pytest.skip("see test_credentials.py: moto with auth checks keys")
    if backend == "gcs":
        pytest.skip("see test_credentials.py: fake-gcs-server accepts any key")
    wrong_key = "V3JvbmdLZXlXcm9uZ0tleVdyb25nS2V5"
    conn = settings.azure_connection_string or ""
    start = conn.index("AccountKey=") + len("AccountKey=")
    end = conn.index(";", start)
    bad = replace(settings, azure_connection_string=conn[:start] + wrong_key + conn[end:])
    with pytest.raises(PermanentStorageError, match=storage_target.bucket) as err:
        open_storage(storage_target.url, bad).upload_file(src, "pod.log")
    assert wrong_key not in str(err.value)
    assert "denied" in str(err.value)


def test_download_into_an_unwritable_place_is_permanent(
    storage_target: Target, tmp_path: Path
) -> None:
    store = _open(storage_target)
    src = tmp_path / "f"
    src.write_bytes(b"data")
    store.upload_file(src, "pod.log")
    blocker = tmp_path / "blocker"
    blocker.write_bytes(b"")  # a file where the download's folder should be

    with pytest.raises(PermanentStorageError, match=r"pod\.log"):
        store.download_file("pod.log", blocker / "out.log")
