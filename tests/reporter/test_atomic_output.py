"""`build -o DIR` is built beside DIR and swapped in: old or new report, never a mix."""

from __future__ import annotations

import gzip
import hashlib
from pathlib import Path

from click.testing import CliRunner
from gatling_common.results.generators.generate import RunSpec, write_text_log_with_names
from gatling_reporter.cli import main


def build(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["build", *args])
    return result.exit_code, result.output


def snapshot(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def log_with(tmp_path: Path, names: int) -> Path:
    return write_text_log_with_names(
        tmp_path / f"{names}.log", RunSpec(requests=300, duration_s=20), names
    )


def test_a_new_report_leaves_none_of_the_old_ones_pages(tmp_path: Path) -> None:
    out = tmp_path / "report"
    assert build(str(log_with(tmp_path, 6)), "-o", str(out))[0] == 0
    assert len(list(out.glob("req_*.html"))) == 6
    assert build(str(log_with(tmp_path, 2)), "-o", str(out))[0] == 0
    assert len(list(out.glob("req_*.html"))) == 2  # the 4 others were an older run's
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_a_failed_build_leaves_the_previous_report_intact(tmp_path: Path) -> None:
    out = tmp_path / "report"
    assert build(str(log_with(tmp_path, 3)), "-o", str(out))[0] == 0
    before = snapshot(out)
    damaged = tmp_path / "damaged.log.gz"
    data = gzip.compress(log_with(tmp_path, 4).read_bytes())
    damaged.write_bytes(data[: len(data) // 2])  # cut mid-stream
    code, output = build(str(damaged), "-o", str(out))
    assert code == 2 and output.startswith("error: "), output
    assert snapshot(out) == before
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_a_folder_that_is_not_a_report_is_never_replaced(tmp_path: Path) -> None:
    """-o onto the results folder itself (or a home folder) must not move it away."""
    results = tmp_path / "results"
    results.mkdir()
    log = log_with(results, 2)
    code, output = build(str(log), "-o", str(results))
    assert code == 2
    assert output == (
        f"error: -o {results}: exists and is not a report of ours (no gatling-fleet "
        "summary.json); expected an empty folder, a new path or an earlier report\n"
    )
    assert sorted(p.name for p in results.iterdir()) == ["2.log"]


def test_the_swap_is_one_atomic_exchange_on_linux(tmp_path: Path) -> None:
    """renameat2(RENAME_EXCHANGE) from the process's own libc: both names exist throughout."""
    from gatling_reporter.output import _exchange

    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    b.mkdir()
    (a / "from-a").touch()
    (b / "from-b").touch()
    assert _exchange(a, b) is True
    assert [p.name for p in a.iterdir()] == ["from-b"]
    assert [p.name for p in b.iterdir()] == ["from-a"]
