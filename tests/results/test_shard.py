"""Shards: exact round trip, merge of shards == merge of raw statistics, refusal of strangers."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import numpy as np
import pytest
from gatling_common.errors import InputError
from gatling_common.results.generators.generate import RunSpec, write_text_log
from gatling_common.results.statistics.shard import (
    dump_shard,
    load_shard,
    parse_shard,
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


def _rewrite_header(data: bytes, **changes: object) -> bytes:
    archive = np.load(io.BytesIO(data), allow_pickle=False)
    arrays = {k: archive[k] for k in archive.files}
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
        f"{path}: unsupported gatling-fleet-shard version 7 (this reporter reads version 1)"
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


def test_retired_tables_are_written_empty_for_earlier_reporters() -> None:
    """An earlier release's reporter reads every table it knows: a shard of this release must
    still hold them (empty), or mixed versions in one run would fail as a damaged shard."""
    stats = stats_of(Records([(0, 1_700_000_000_000, 1_700_000_000_050, True, -1)], [], [], []))
    archive = np.load(io.BytesIO(dump_shard(stats)), allow_pickle=False)
    for name in ("req_start", "req_end", "req_ok_pct", "grp_ok_pct", "users"):
        columns = [archive[f"{name}.{i}"] for i in range(3)] + [archive[f"{name}.n"]]
        assert [len(c) for c in columns] == [0, 0, 0, 0]
    assert len(archive["req_rt.n"]) == 1  # the live tables are there, filled
