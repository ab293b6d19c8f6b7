"""Shards: exact round trip, merge of shards == merge of raw statistics, refusal of strangers."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import numpy as np
import pytest
import zstandard
from gatling_common.errors import InputError
from gatling_common.results.generators.generate import RunSpec, write_text_log
from gatling_common.results.statistics.shard import (
    dump_shard,
    load_shard,
    parse_shard,
    parse_shard_with_series,
    save_shard,
    write_shard,
)
from gatling_common.results.statistics.stats import merge_all
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.results.test_stats import Records, records, stats_of


@settings(max_examples=40, deadline=None)
@given(records(), records())
def test_shard_round_trip_is_exact(a: Records, b: Records) -> None:
    stats = stats_of(a).merged(stats_of(b))
    again = parse_shard(dump_shard(stats), "mem.stats")
    assert again == stats
    assert again.canonical() == stats.canonical()


@settings(max_examples=25, deadline=None)
@given(st.lists(records(25), min_size=1, max_size=4))
def test_merged_shards_equal_raw_merge(parts: list[Records]) -> None:
    raw = merge_all([stats_of(r) for r in parts])
    from_shards = merge_all([parse_shard(dump_shard(stats_of(r)), "x.stats") for r in parts])
    assert from_shards == raw


def _arrays(data: bytes) -> dict[str, np.ndarray]:
    archive = np.load(io.BytesIO(zstandard.ZstdDecompressor().decompress(data)))
    return {k: archive[k] for k in archive.files}


def _rewrite_header(data: bytes, **changes: object) -> bytes:
    """The shard's arrays with header fields changed, as a deflated .npz (no zstd frame)."""
    arrays = _arrays(data)
    header = json.loads(bytes(arrays["header"]).decode())
    header.update(changes)
    arrays["header"] = np.frombuffer(json.dumps(header).encode(), np.uint8)
    buf = io.BytesIO()
    np.savez_compressed(buf, **arrays)
    return buf.getvalue()


def test_unknown_version_is_refused_naming_file_and_version(tmp_path: Path) -> None:
    path = tmp_path / "pod-1.stats"
    path.write_bytes(_rewrite_header(dump_shard(stats_of(Records([], [], [], []))), version=7))
    with pytest.raises(InputError) as err:
        load_shard(path)
    assert str(err.value) == (
        f"{path}: unsupported gatling-fleet-shard version 7 (this reporter reads versions 1, 2)"
    )


def test_other_format_and_garbage_are_refused(tmp_path: Path) -> None:
    other = tmp_path / "a.stats"
    other.write_bytes(_rewrite_header(dump_shard(stats_of(Records([], [], [], []))), format="x"))
    with pytest.raises(
        InputError, match=r"a\.stats: not a gatling-fleet-shard file \(format 'x'\)"
    ):
        load_shard(other)
    garbage = tmp_path / "b.stats"
    garbage.write_bytes(b"REQUEST\tx\n")
    with pytest.raises(InputError, match=r"b\.stats: not a gatling-fleet-shard file"):
        load_shard(garbage)
    zipped = tmp_path / "c.stats"
    with zipfile.ZipFile(zipped, "w") as z:
        z.writestr("other.npy", b"")
    with pytest.raises(InputError, match=r"c\.stats: not a gatling-fleet-shard file"):
        load_shard(zipped)


def test_write_shard_from_logs_equals_their_statistics(tmp_path: Path) -> None:
    from gatling_common.results.statistics.collect import stats_of_logs

    logs = []
    for seed in (1, 2):
        log = tmp_path / f"pod-{seed}.log"
        write_text_log(log, RunSpec(requests=3000, seed=seed, duration_s=40))
        logs.append(log)
    out = tmp_path / "pods.stats"
    written = write_shard(logs, out, status="COMPLETED")
    loaded = load_shard(out)
    assert loaded == written == stats_of_logs(logs, status="COMPLETED")
    assert [i.status for i in loaded.inputs] == ["COMPLETED", "COMPLETED"]
    assert sum(i.requests for i in loaded.inputs) == 6000
    save_shard(loaded, tmp_path / "again.stats")
    assert load_shard(tmp_path / "again.stats") == loaded


def _version_1(data: bytes) -> bytes:
    """The same shard as version 1 wrote it: deflated members, no zstd frame."""
    arrays = _arrays(data)
    header = json.loads(bytes(arrays["header"]).decode())
    header["version"] = 1
    arrays["header"] = np.frombuffer(json.dumps(header).encode(), np.uint8)
    buf = io.BytesIO()
    np.savez_compressed(buf, **arrays)
    return buf.getvalue()


def test_version_1_shards_are_still_read(tmp_path: Path) -> None:
    """A transferer of an earlier release wrote version 1: its shard gives the same statistics
    and chart records as this release's."""
    log = tmp_path / "simulation.log"
    write_text_log(log, RunSpec(requests=500, seed=4))
    write_shard([log], tmp_path / "pod.stats")
    data = (tmp_path / "pod.stats").read_bytes()
    assert data.startswith(b"\x28\xb5\x2f\xfd")  # version 2: one zstd frame
    # with its checksum (v1's members had zip CRC32s): damage fails instead of decoding
    assert zstandard.get_frame_parameters(data).has_checksum
    now, old = parse_shard_with_series(data, "v2"), parse_shard_with_series(_version_1(data), "v1")
    assert old.stats == now.stats
    assert old.records is not None and now.records is not None
    assert old.records.to_arrays()[0] == now.records.to_arrays()[0]
    for name, column in now.records.to_arrays()[1].items():
        assert old.records.to_arrays()[1][name].tolist() == column.tolist(), name


def test_damaged_zstd_frames_are_refused(tmp_path: Path) -> None:
    data = dump_shard(stats_of(Records([], [], [], [])))
    cut = tmp_path / "cut.stats"
    cut.write_bytes(data[: len(data) // 2])
    with pytest.raises(InputError, match=r"cut\.stats: damaged gatling-fleet-shard file \(zstd"):
        load_shard(cut)
    # a frame header claiming 1 TB for a few bytes is refused, not allocated
    bomb = tmp_path / "bomb.stats"
    # frame header: single segment, an 8-byte content size of 2**40, then an empty block
    bomb.write_bytes(b"\x28\xb5\x2f\xfd\xe0" + (1 << 40).to_bytes(8, "little") + b"\x01\x00\x00")
    with pytest.raises(InputError, match=r"bomb\.stats: .* \(zstd frame of 1099511627776 bytes\)"):
        load_shard(bomb)
