"""Benchmark: the report as the user waits for it, `gatling-reporter build` as a fresh process.

    .venv/bin/python bench/report.py            # 2M requests; 1,000 names; a one-hour run's page
    .venv/bin/python bench/report.py --quick    # 200k requests; seconds

1. Whole command, cold process, pages included: `gatling-reporter build LOG -o DIR` against the
   baseline of the same build without pages (`build()` writing only the JSON files, also a fresh
   process), in turns, best and median of rounds; the ratio is what the pages cost.
2. 1,000 request names: the same command's time and the report's size (goals: <= 5 s, <= 15 MB).
   The size grows with names x time buckets (js/series.json holds every bucket of every page),
   so a 1-minute and a 10-minute run are measured.
3. The global page of a one-hour run with 50 request names (1000 time points per series) opened
   from disk in headless Chromium: time from navigation to every chart drawn, cold and warm,
   against a page that only loads echarts.min.js. Goal: < 2 s.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))  # tests.support.browser: the same Chromium harness as tests

from gatling_common.results.generators.generate import (  # noqa: E402
    RunSpec,
    write_text_log,
    write_text_log_with_names,
)
from gatling_reporter.html.render import copy_assets  # noqa: E402
from processes import as_installed  # noqa: E402
from processes import seconds as run  # noqa: E402

from tests.support.browser import Browser  # noqa: E402

FIRST_PAINT = (
    "(performance.getEntriesByName('first-contentful-paint')[0] || {startTime: NaN}).startTime"
)
CLI = str(Path(sys.executable).with_name("gatling-reporter"))
STATS_ONLY = (  # the baseline: the same build, JSON files only, as its own process
    "import sys; from pathlib import Path; from gatling_reporter.build import BuildSettings, build;"
    "build(BuildSettings(inputs=(Path(sys.argv[1]),), output=Path(sys.argv[2])))"
)


def command_times(log: Path, work: Path, rounds: int) -> tuple[list[float], list[float]]:
    """(full command, baseline) seconds per round, run in turns."""
    full: list[float] = []
    base: list[float] = []
    for i in range(rounds):
        base.append(run([sys.executable, "-c", STATS_ONLY, str(log), str(work / f"json-{i}")]))
        full.append(run([CLI, "build", str(log), "-o", str(work / f"full-{i}")]))
    return full, base


def report_size(folder: Path) -> tuple[float, float]:
    files = [p for p in folder.rglob("*") if p.is_file()]
    total = sum(p.stat().st_size for p in files)
    return total / 1e6, (folder / "js" / "series.json").stat().st_size / 1e6


def print_pair(name: str, times: list[float], base_name: str, base: list[float]) -> None:
    print(f"{'':<34} {'best':>8} {'median':>8}")
    print(f"{name:<34} {min(times):7.2f}s {statistics.median(times):7.2f}s")
    print(f"{base_name:<34} {min(base):7.2f}s {statistics.median(base):7.2f}s")
    best, median = min(times) / min(base), statistics.median(times) / statistics.median(base)
    print(f"{'ratio':<34} {best:7.2f}x {median:7.2f}x")


def whole_command(requests: int, work: Path, rounds: int) -> None:
    log = work / "bench" / "simulation.log"
    log.parent.mkdir(parents=True)
    write_text_log(log, RunSpec(requests=requests, seed=3, duration_s=1800))
    print(f"== whole command: {requests:,} requests, {log.stat().st_size / 1e6:.0f} MB log")
    run([CLI, "build", str(log), "-o", str(work / "warm-up")])  # the log in the page cache
    full, base = command_times(log, log.parent, rounds)
    print_pair("gatling-reporter build (pages)", full, "build() JSON only (baseline)", base)
    size, series = report_size(log.parent / "full-0")
    print(f"report: {size:.1f} MB (js/series.json {series:.1f} MB)")


def many_names(names: int, requests: int, duration_s: int, work: Path, rounds: int) -> None:
    log = work / f"names-{names}-{duration_s}" / "simulation.log"
    log.parent.mkdir(parents=True)
    write_text_log_with_names(log, RunSpec(requests=requests, duration_s=duration_s), names)
    print(f"== {names:,} request names, {requests:,} requests over {duration_s} s")
    full, base = command_times(log, log.parent, rounds)
    print_pair("gatling-reporter build (pages)", full, "build() JSON only (baseline)", base)
    size, series = report_size(log.parent / "full-0")
    pages = len(list((log.parent / "full-0").glob("*.html")))
    print(
        f"report: {size:.1f} MB in {pages} pages (js/series.json {series:.1f} MB); "
        f"goals: <= 5 s (best {min(full):.1f} s), <= 15 MB ({size:.1f} MB)"
    )


def page_times(work: Path, requests: int, rounds: int) -> None:
    log = work / "hour" / "simulation.log"
    log.parent.mkdir(parents=True)
    write_text_log_with_names(log, RunSpec(requests=requests, seed=5, duration_s=3600), 50)
    out = work / "hour" / "report"
    elapsed = run([CLI, "build", str(log), "-o", str(out)])
    print(f"== one-hour 50-name run: report built in {elapsed:.2f}s (whole command)")
    index = out / "index.html"
    print(f"  index.html {index.stat().st_size / 1e3:.0f} kB")
    baseline = work / "baseline"
    copy_assets(baseline)
    (baseline / "index.html").write_text(
        '<!doctype html><html><body><script src="js/echarts.min.js"></script><script>'
        "window.__reportReadyAt = performance.now();</script></body></html>"
    )
    rows = []
    paint = []
    for name, page in (("echarts.min.js only (baseline)", baseline), ("global page", out)):
        cold: list[float] = []
        warm: list[float] = []
        for _ in range(rounds):
            with Browser() as b:
                for target in (cold, warm):
                    b.open((page / "index.html").as_uri())
                    b.wait_for("window.__reportReadyAt !== undefined", timeout=60)
                    target.append(b.evaluate("window.__reportReadyAt") / 1000)
                    assert b.events.problems() == [], b.events.problems()
                    if page is out and target is cold:
                        paint.append(b.evaluate(FIRST_PAINT) / 1000)
        rows.append((name, statistics.median(cold), statistics.median(warm)))
    print(f"{'page (median of ' + str(rounds) + ')':<34} {'cold':>8} {'warm':>8}")
    for name, cold_s, warm_s in rows:
        print(f"{name:<34} {cold_s:7.2f}s {warm_s:7.2f}s")
    print(f"{'global page: first contentful paint':<34} {statistics.median(paint):7.2f}s (cold)")
    (_, base_cold, base_warm), (_, page_cold, page_warm) = rows
    print(
        f"{'ratio page / baseline':<34} {page_cold / base_cold:7.2f}x {page_warm / base_warm:7.2f}x"
        "   (goal: global page < 2 s)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes (seconds)")
    args = parser.parse_args()
    as_installed()
    rounds = 1 if args.quick else 3
    with tempfile.TemporaryDirectory(prefix="bench-report-") as tmp:
        work = Path(tmp)
        whole_command(200_000 if args.quick else 2_000_000, work, rounds)
        for duration_s in (60, 600):
            many_names(1000, 100_000 if args.quick else 300_000, duration_s, work, rounds)
        page_times(work, 100_000 if args.quick else 1_000_000, rounds)


if __name__ == "__main__":
    main()
