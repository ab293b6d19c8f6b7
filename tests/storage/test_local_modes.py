"""file:// destinations get the process umask's modes, not mkstemp's 0600 (issue 13, case 11):
a web server or a reader under another uid must be able to read the logs and the report."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from tests.transferer.support import write_log

BIN = Path(sys.executable).parent


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.parametrize("umask", [0o022, 0o027])
def test_uploaded_logs_and_published_reports_follow_the_umask(tmp_path: Path, umask: int) -> None:
    results, bucket = tmp_path / "results", tmp_path / "bucket"
    results.mkdir()
    bucket.mkdir()
    write_log(results)
    (results / "COMPLETED").touch()

    def run(*argv: str) -> None:
        done = subprocess.run(
            [*argv], capture_output=True, text=True, timeout=300, preexec_fn=lambda: os.umask(umask)
        )
        assert done.returncode == 0, done.stderr[-2000:]

    run(str(BIN / "gatling-transferer"), "--results-dir", str(results),
        "--destination", f"file://{bucket}/run", "--name", "pod-0", "--settle", "0")  # fmt: skip
    run(str(BIN / "gatling-reporter"), "report", "--source", f"file://{bucket}/run")
    files = [p for p in (bucket / "run").rglob("*") if p.is_file()]
    assert {p.name for p in files} >= {"pod-0.log", "pod-0.log.meta.json", "index.html"}
    assert {oct(_mode(p)) for p in files} == {oct(0o666 & ~umask)}
    folders = [p for p in (bucket / "run").rglob("*") if p.is_dir()]
    assert {oct(_mode(p)) for p in folders} <= {oct(0o777 & ~umask)}
