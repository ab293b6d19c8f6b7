"""Chart data through shards: a report from the pods' shards draws exactly what one from their
logs draws (the path of a run on Kubernetes, where the reporter reads shards)."""

from __future__ import annotations

import io
import json
import logging
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import zstandard
from gatling_common.errors import InputError
from gatling_common.results.generators.generate import RunSpec, write_binary_log, write_text_log
from gatling_common.results.readers.reader import open_log
from gatling_common.results.statistics.shard import dump_shard, load_shard, write_shard
from gatling_reporter.build import BuildSettings, build


def pods(folder: Path) -> list[Path]:
    """Three pods of one run, started 1.5 s apart; one writes a binary log."""
    folder.mkdir()
    specs = [RunSpec(requests=3000, seed=s, start_ms=1_700_000_000_000 + 1500 * s,
                     duration_s=90 + 7 * s) for s in range(3)]  # fmt: skip
    return [
        write_text_log(folder / "pod-0.log", specs[0]),
        write_text_log(folder / "pod-1.log", specs[1]),
        write_binary_log(folder / "pod-2.log", specs[2]),
    ]


def series_of(inputs: list[Path], out: Path) -> dict[str, Any]:
    build(BuildSettings(tuple(inputs), out))
    return json.loads((out / "js" / "series.json").read_text("utf-8"))


def test_series_from_shards_equal_series_from_logs(tmp_path: Path) -> None:
    logs = pods(tmp_path / "logs")
    shards = []
    for log in logs:
        shards.append(tmp_path / "shards" / (log.stem + ".stats"))
        shards[-1].parent.mkdir(exist_ok=True)
        write_shard([log], shards[-1])
    from_logs = series_of(logs, tmp_path / "a")
    from_shards = series_of(shards, tmp_path / "b")
    assert len(from_logs["pages"]) > 3
    assert from_shards == from_logs
    one_pod = series_of(logs[:1], tmp_path / "c")
    assert one_pod != from_logs  # the pods' data is really merged, not one pod's


def test_a_shard_without_chart_data_is_named(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """An older transferer's shard has statistics only: the build says the charts lack it."""
    (log,) = pods(tmp_path / "logs")[:1]
    old = tmp_path / "pod-0.stats"
    old.write_bytes(dump_shard(load_shard(_shard(log, tmp_path))))  # no records
    with caplog.at_level(logging.WARNING):
        series = series_of([old], tmp_path / "out")
    assert series["pages"] == []
    assert any(f"{old}: this shard has no chart data" in r.message for r in caplog.records)


def _shard(log: Path, tmp_path: Path) -> Path:
    path = tmp_path / "full.stats"
    write_shard([log], path)
    return path


def test_inconsistent_chart_data_in_a_shard_is_refused(tmp_path: Path) -> None:
    """A shard whose chart columns disagree is damaged: one error naming it, no numbers."""
    (log,) = pods(tmp_path / "logs")[:1]
    frame = _shard(log, tmp_path).read_bytes()
    good = np.load(io.BytesIO(zstandard.ZstdDecompressor().decompress(frame)))
    arrays = {name: good[name] for name in good.files}
    arrays["series.requests.key"] = arrays["series.requests.key"][:-1]
    buf = io.BytesIO()
    np.savez_compressed(buf, **arrays)
    bad = tmp_path / "bad" / "pod-0.stats"
    bad.parent.mkdir()
    bad.write_bytes(buf.getvalue())
    with pytest.raises(InputError, match=f"{bad}: damaged gatling-fleet-shard file"):
        series_of([bad], tmp_path / "out")


def test_pods_totals_are_exact_from_logs_and_from_shards(tmp_path: Path) -> None:
    """The pods page showed per-second quantized values (Max OK 888 where the log says 894)."""
    logs = pods(tmp_path / "logs")
    want = []
    for log in logs:
        with open_log(log) as reader:
            batches = list(reader)
        start = np.concatenate([b.req_start for b in batches])
        rt = np.concatenate([b.req_end for b in batches]) - start
        ok = np.concatenate([b.req_ok for b in batches])
        want.append((len(rt), int((~ok).sum()), int(rt[ok].max()), round(float(rt[ok].mean()))))
    shards = []
    for log in logs:
        shards.append(tmp_path / "shards" / (log.stem + ".stats"))
        shards[-1].parent.mkdir(exist_ok=True)
        write_shard([log], shards[-1])
    for inputs, out in ((logs, "a"), (shards, "b")):
        got = series_of(inputs, tmp_path / out)["pages"][0]["pods"]
        assert [(p["requests"], p["ko"], p["max"], p["mean"]) for p in got] == want
    assert any(m > 64 and m % 2 for *_, m, _ in want)  # above 64 ms quantizing would round
