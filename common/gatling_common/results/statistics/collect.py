"""Statistics of log files: stream each file's batches through the engine (memory stays flat)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from gatling_common.results.readers.reader import open_log
from gatling_common.results.records import FileStrings, RecordBatch
from gatling_common.results.statistics.stats import InputInfo, RunStats, merge_all

BatchSink = Callable[[RecordBatch, FileStrings], None]


def stats_of_log(
    path: Path,
    *,
    status: str = "UNKNOWN",
    accept_damaged: bool = False,
    sink: BatchSink | None = None,
) -> RunStats:
    """The statistics of one log (text or binary, plain or .gz), as one input; `sink` sees
    every batch too (the chart data, read in the same pass)."""
    stats = RunStats()
    info = InputInfo(str(path), status=status)
    index = stats.add_input(info)
    with open_log(Path(path), accept_damaged=accept_damaged) as reader:
        folder = stats.folder(reader.strings, index)
        for batch in reader:
            folder.fold(batch)
            if sink is not None:
                sink(batch, reader.strings)
        info.run = reader.info
        info.skipped.update(reader.skipped.counts)
    return stats


def stats_of_logs(
    paths: Sequence[Path], *, status: str = "UNKNOWN", sink: BatchSink | None = None
) -> RunStats:
    return merge_all([stats_of_log(p, status=status, sink=sink) for p in paths])
