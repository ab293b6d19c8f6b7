"""`--shard`: the log's statistics shard uploaded beside it, `<name>.stats`, one per log."""

from __future__ import annotations

from pathlib import Path

from gatling_common.results.statistics.collect import stats_of_log
from gatling_common.results.statistics.shard import dump_shard, load_shard
from gatling_common.storage import open_storage
from gatling_common.storage.manifest import read_manifest

from tests.transferer.support import LOG_310, invoke, write_log


def test_shard_beside_each_log_equals_the_logs_statistics(
    results_dir: Path, bucket: Path, tmp_path: Path
) -> None:
    first = write_log(results_dir, "a-1")
    second = write_log(results_dir, "b-2", LOG_310.replace("\tOK\t", "\tKO\tboom"))
    (results_dir / "FAILED").touch()
    result = invoke("--results-dir", str(results_dir), "--destination", f"file://{bucket}",
                    "--name", "pod-s", "--shard", "--compress", "gzip")  # fmt: skip
    assert result.exit_code == 0, result.stderr
    assert result.stdout == f"file://{bucket}/pod-s.log.gz\nfile://{bucket}/pod-s-2.log.gz\n"
    store = open_storage(f"file://{bucket}")
    assert sorted(o.name for o in store.list()) == [
        "pod-s-2.log.gz", "pod-s-2.stats", "pod-s.log.gz", "pod-s.manifest.json", "pod-s.stats"
    ]  # fmt: skip
    listed = [e.name for e in read_manifest(store, "pod-s.manifest.json").objects]
    assert listed == ["pod-s.log.gz", "pod-s.stats", "pod-s-2.log.gz", "pod-s-2.stats"]
    for name, log in (("pod-s.stats", first), ("pod-s-2.stats", second)):
        store.download_file(name, tmp_path / name)
        shard = load_shard(tmp_path / name)
        assert dump_shard(shard) == dump_shard(stats_of_log(log, status="FAILED"))
        assert [(i.status, i.requests) for i in shard.inputs] == [("FAILED", 2)]
        info = store.head(name)
        assert info.metadata["status"] == "FAILED"
        assert info.metadata["sourcepath"] == log.relative_to(results_dir).as_posix()


def test_shard_option_reads_its_environment_variable(results_dir: Path, bucket: Path) -> None:
    write_log(results_dir)
    (results_dir / "COMPLETED").touch()
    result = invoke("--results-dir", str(results_dir), "--destination", f"file://{bucket}",
                    "--name", "pod-e", env={"GATLING_TRANSFERER_SHARD": "true"})  # fmt: skip
    assert result.exit_code == 0, result.stderr
    assert (bucket / "pod-e.stats").is_file()


def test_no_shard_by_default(results_dir: Path, bucket: Path) -> None:
    write_log(results_dir)
    (results_dir / "COMPLETED").touch()
    result = invoke("--results-dir", str(results_dir), "--destination", f"file://{bucket}",
                    "--name", "pod-n")  # fmt: skip
    assert result.exit_code == 0, result.stderr
    assert not (bucket / "pod-n.stats").exists()


def test_a_log_the_reader_refuses_is_uploaded_without_shard(
    results_dir: Path, bucket: Path
) -> None:
    """Gatling 2 logs are not supported: the log still goes up; the reporter explains later."""
    log = write_log(results_dir, text="RUN\tsim\tsimid\t1700000000000\t \t2.0\tx\n")
    (results_dir / "COMPLETED").touch()
    result = invoke("--results-dir", str(results_dir), "--destination", f"file://{bucket}",
                    "--name", "pod-2x", "--shard")  # fmt: skip
    assert result.exit_code == 0, result.stderr
    assert result.stdout == f"file://{bucket}/pod-2x.log\n"
    assert not (bucket / "pod-2x.stats").exists()
    warning = next(line for line in result.stderr.splitlines() if "WARNING" in line)
    # After the colon: the statistics reader's own reason (its wording, not the transferer's).
    assert warning.split(" ", 2)[2] == (
        "WARNING gatling_transferer.shard: no statistics shard for "
        f"basicsimulation-20240527055156696/simulation.log: {log}: "
        + warning.split(f"{log}: ", 1)[1]
    )
    assert warning.endswith("only Gatling 3.0 and later are supported")
