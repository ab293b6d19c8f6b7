"""The transferer CLI against a local-folder bucket: markers, logs, names, errors, gzip, env."""

from __future__ import annotations

import gzip
import os
from importlib.metadata import version
from pathlib import Path

import pytest
from gatling_common.storage import open_storage

from tests.transferer.support import LOG_310, invoke, last_line, read_until, spawn, write_log

WAITING = "waiting for COMPLETED or FAILED in"


def meta(bucket: Path, name: str) -> dict[str, str]:
    return open_storage(f"file://{bucket}").head(name).metadata


def test_marker_already_present_uploads_at_once(results_dir: Path, bucket: Path) -> None:
    log = write_log(results_dir)
    (results_dir / "COMPLETED").touch()
    result = invoke(
        "--results-dir",
        str(results_dir),
        "--destination",
        f"file://{bucket}/run1",
        "--name",
        "pod-0",
        "--timeout",
        "5",
    )
    assert result.exit_code == 0, result.stderr
    assert result.stdout == f"file://{bucket}/run1/pod-0.log\n"
    assert (bucket / "run1" / "pod-0.log").read_bytes() == log.read_bytes()
    assert meta(bucket, "run1/pod-0.log") == {
        "complete": "true",
        "status": "COMPLETED",
        "fleetversion": version("gatling-fleet"),
        "sourcepath": "basicsimulation-20240527055156696/simulation.log",
        "rawbytes": str(len(LOG_310)),
        "pod": "pod-0",
    }
    info = open_storage(f"file://{bucket}/run1").head("pod-0.log")
    assert info.content_type == "text/plain; charset=utf-8"


@pytest.mark.parametrize("how", ["created", "renamed into place"])
def test_marker_arriving_after_start_wakes_the_agent(
    results_dir: Path, bucket: Path, how: str
) -> None:
    process = spawn(
        "--results-dir",
        str(results_dir),
        "--destination",
        f"file://{bucket}",
        "--name",
        "pod-1",
        "--timeout",
        "60",
    )
    try:
        waiting = read_until(process, WAITING)
        assert "(inotify, timeout 60s)" in waiting[-1]
        log = write_log(results_dir)
        if how == "created":
            (results_dir / "COMPLETED").write_text("")
        else:
            (results_dir / ".marker.tmp").write_text("")
            (results_dir / ".marker.tmp").rename(results_dir / "COMPLETED")
        stdout, stderr = process.communicate(timeout=60)
    finally:
        process.kill()
    assert process.returncode == 0, stderr
    assert stdout == f"file://{bucket}/pod-1.log\n"
    assert (bucket / "pod-1.log").read_bytes() == log.read_bytes()


def test_missing_results_dir_falls_back_to_polling(tmp_path: Path, bucket: Path) -> None:
    results = tmp_path / "not-yet"
    process = spawn(
        "--results-dir",
        str(results),
        "--destination",
        f"file://{bucket}",
        "--name",
        "pod-2",
        "--timeout",
        "60",
    )
    try:
        lines = read_until(process, WAITING)
        assert (
            f"cannot watch {results} with inotify (No such file or directory); polling instead"
            in "".join(lines)
        )
        assert "(polling every 1s, timeout 60s)" in lines[-1]
        write_log(results)
        (results / "FAILED").touch()
        stdout, stderr = process.communicate(timeout=60)
    finally:
        process.kill()
    assert process.returncode == 0, stderr
    assert stdout == f"file://{bucket}/pod-2.log\n"
    assert meta(bucket, "pod-2.log")["status"] == "FAILED"


def test_failed_marker_still_uploads_and_says_failed(results_dir: Path, bucket: Path) -> None:
    write_log(results_dir)
    (results_dir / "FAILED").touch()
    result = invoke(
        "--results-dir", str(results_dir), "--destination", f"file://{bucket}", "--name", "pod-3"
    )
    assert result.exit_code == 0
    assert result.stdout == f"file://{bucket}/pod-3.log\n"
    assert meta(bucket, "pod-3.log")["status"] == "FAILED"
    assert last_line(result.stderr).endswith(
        "WARNING gatling_transferer.transfer: the run FAILED; its log is uploaded and marked "
        "status=FAILED"
    )


def test_both_markers_with_equal_times_count_as_failed(results_dir: Path, bucket: Path) -> None:
    write_log(results_dir)
    for marker in ("COMPLETED", "FAILED"):
        (results_dir / marker).touch()
        os.utime(results_dir / marker, ns=(1_000_000_000, 1_000_000_000))
    result = invoke(
        "--results-dir", str(results_dir), "--destination", f"file://{bucket}", "--name", "pod-4"
    )
    assert result.exit_code == 0
    assert meta(bucket, "pod-4.log")["status"] == "FAILED"


def test_no_marker_times_out_with_one_line(results_dir: Path, bucket: Path) -> None:
    write_log(results_dir)
    result = invoke(
        "--results-dir",
        str(results_dir),
        "--destination",
        f"file://{bucket}",
        "--name",
        "pod-5",
        "--timeout",
        "0.3",
    )
    assert result.exit_code == 3
    assert result.stdout == ""
    assert last_line(result.stderr) == (
        f"error: no COMPLETED or FAILED marker in {results_dir} after 0.3s"
    )
    assert "Traceback" not in result.stderr
    assert list(bucket.iterdir()) == []


def test_no_log_fails_with_one_line(results_dir: Path, bucket: Path) -> None:
    (results_dir / "COMPLETED").touch()
    result = invoke(
        "--results-dir", str(results_dir), "--destination", f"file://{bucket}", "--name", "pod-6"
    )
    assert result.exit_code == 4
    assert result.stdout == ""
    assert last_line(result.stderr) == f"error: no simulation.log below {results_dir}"


def test_two_logs_get_distinct_names_in_path_order(results_dir: Path, bucket: Path) -> None:
    second = write_log(results_dir, "basicsimulation-20240527070000000", LOG_310 + LOG_310)
    first = write_log(results_dir, "basicsimulation-20240527060000000")
    (results_dir / "COMPLETED").touch()
    result = invoke(
        "--results-dir", str(results_dir), "--destination", f"file://{bucket}", "--name", "pod-7"
    )
    assert result.exit_code == 0, result.stderr
    assert result.stdout == f"file://{bucket}/pod-7.log\nfile://{bucket}/pod-7-2.log\n"
    assert (bucket / "pod-7.log").read_bytes() == first.read_bytes()
    assert (bucket / "pod-7-2.log").read_bytes() == second.read_bytes()
    assert meta(bucket, "pod-7-2.log")["sourcepath"] == (
        "basicsimulation-20240527070000000/simulation.log"
    )
    assert (
        f"2 simulation.log files below {results_dir}; uploading them as "
        "basicsimulation-20240527060000000/simulation.log -> pod-7.log, "
        "basicsimulation-20240527070000000/simulation.log -> pod-7-2.log"
    ) in result.stderr


def _make_directory(path: Path) -> str:
    path.mkdir(parents=True)
    return "is a directory, expected a file"


def _make_broken_link(path: Path) -> str:
    path.parent.mkdir(parents=True)
    path.symlink_to(path.parent / "gone.log")
    return "broken symbolic link"


def _make_unreadable(path: Path) -> str:
    if os.geteuid() == 0:
        pytest.skip("root reads a chmod 000 file anyway; the other variants cover unreadable logs")
    path.parent.mkdir(parents=True)
    path.write_text(LOG_310)
    path.chmod(0)
    return "Permission denied"


@pytest.mark.parametrize("make", [_make_directory, _make_broken_link, _make_unreadable])
def test_unreadable_log_fails_after_uploading_the_readable_one(
    results_dir: Path, bucket: Path, make: object
) -> None:
    good = write_log(results_dir, "a-sim-1")
    bad = results_dir / "b-sim-2" / "simulation.log"
    reason = make(bad)  # type: ignore[operator]
    (results_dir / "COMPLETED").touch()
    result = invoke(
        "--results-dir", str(results_dir), "--destination", f"file://{bucket}", "--name", "pod-8"
    )
    assert result.exit_code == 5
    assert result.stdout == f"file://{bucket}/pod-8.log\n"  # the evidence that can be kept is
    assert (bucket / "pod-8.log").read_bytes() == good.read_bytes()
    assert not (bucket / "pod-8-2.log").exists()
    assert last_line(result.stderr) == f"error: cannot read {bad}: {reason}"


def test_gzip_round_trip(results_dir: Path, bucket: Path, tmp_path: Path) -> None:
    text = LOG_310 * 2000
    log = write_log(results_dir, text=text)
    (results_dir / "COMPLETED").touch()
    result = invoke(
        "--results-dir",
        str(results_dir),
        "--destination",
        f"file://{bucket}/r",
        "--name",
        "pod-9",
        "--compress",
        "gzip",
    )
    assert result.exit_code == 0, result.stderr
    assert result.stdout == f"file://{bucket}/r/pod-9.log.gz\n"
    store = open_storage(f"file://{bucket}/r")
    store.download_file("pod-9.log.gz", tmp_path / "back.gz")
    assert gzip.decompress((tmp_path / "back.gz").read_bytes()) == log.read_bytes()
    info = store.head("pod-9.log.gz")
    assert info.content_type == "application/gzip"
    assert info.content_encoding is None
    assert info.metadata["rawbytes"] == str(len(text))
    assert info.size < len(text) / 7
    compressed = f"{len(text) / 1e6:.1f} MB -> {info.size / 1e6:.1f} MB"
    assert f"compressed basicsimulation-20240527055156696/simulation.log: {compressed}" in (
        result.stderr
    )


def test_every_option_reads_its_environment_variable(results_dir: Path, bucket: Path) -> None:
    write_log(results_dir)
    (results_dir / "COMPLETED").touch()
    env = {
        "GATLING_TRANSFERER_RESULTS_DIR": str(results_dir),
        "GATLING_TRANSFERER_DESTINATION": f"file://{bucket}/env",
        "GATLING_TRANSFERER_NAME": "pod-env",
        "GATLING_TRANSFERER_TIMEOUT": "5",
        "GATLING_TRANSFERER_COMPRESS": "gzip",
        "GATLING_TRANSFERER_LOG_LEVEL": "WARNING",
    }
    result = invoke(env=env)
    assert result.exit_code == 0, result.stderr
    assert result.stdout == f"file://{bucket}/env/pod-env.log.gz\n"
    assert result.stderr == ""  # WARNING level: no progress lines


def test_name_defaults_to_hostname(results_dir: Path, bucket: Path) -> None:
    write_log(results_dir)
    (results_dir / "COMPLETED").touch()
    result = invoke(
        "--results-dir",
        str(results_dir),
        "--destination",
        f"file://{bucket}",
        env={"HOSTNAME": "runner-abc12"},
    )
    assert result.exit_code == 0, result.stderr
    assert result.stdout == f"file://{bucket}/runner-abc12.log\n"


@pytest.mark.parametrize("name", ["a/b", "..", ""])
def test_a_name_must_be_one_path_segment(results_dir: Path, bucket: Path, name: str) -> None:
    result = invoke(
        "--results-dir", str(results_dir), "--destination", f"file://{bucket}", "--name", name
    )
    assert result.exit_code == 2
    assert result.stderr == f"error: --name {name!r}: expected one path segment (the pod's name)\n"


def test_bad_destination_fails_before_waiting(results_dir: Path) -> None:
    result = invoke("--results-dir", str(results_dir), "--destination", "ftp://x/y", "--name", "p")
    assert result.exit_code == 2
    assert result.stderr == (
        "error: storage location 'ftp://x/y': expected s3://bucket/prefix, gs://bucket/prefix, "
        "az://container/prefix or file:///dir\n"
    )


def test_upload_failure_ends_non_zero_with_one_line(results_dir: Path, tmp_path: Path) -> None:
    write_log(results_dir)
    (results_dir / "COMPLETED").touch()
    blocker = tmp_path / "blocker"
    blocker.write_text("a file where the bucket folder should be")
    result = invoke(
        "--results-dir",
        str(results_dir),
        "--destination",
        f"file://{blocker}/run",
        "--name",
        "pod-x",
        "--no-check-destination",  # else refused at start (test_backends.py)
    )
    assert result.exit_code == 1
    assert result.stdout == ""
    assert (
        last_line(result.stderr)
        == f"error: cannot write file://{blocker}/run/pod-x.manifest.json: Not a directory"
    )
    assert "Traceback" not in result.stderr


def test_help_lists_options_env_and_exit_codes() -> None:
    result = invoke("--help")
    assert result.exit_code == 0
    out = result.stdout
    for option in (
        "--results-dir",
        "--destination",
        "--name",
        "--timeout",
        "--compress",
        "--shard / --no-shard",
        "--endpoint-url",
        "--azure-connection-string",
    ):
        assert f"  {option} " in out
    assert "GATLING_TRANSFERER_<OPTION>" in out
    assert "0  every log uploaded and verified; also when the run FAILED" in out
    assert "3  no COMPLETED or FAILED marker within --timeout" in out
    flat = " ".join(out.split())
    assert "[env var: GATLING_TRANSFERER_RESULTS_DIR; default: /opt/gatling/results]" in flat
    for name in ("DESTINATION", "NAME", "TIMEOUT", "COMPRESS", "SHARD", "LOG_LEVEL"):
        assert f"[env var: GATLING_TRANSFERER_{name}" in flat
