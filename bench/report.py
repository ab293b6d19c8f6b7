"""Benchmark: what the HTML report adds to `gatling-reporter build`, and how fast its page opens.

    .venv/bin/python bench/report.py            # 5M requests; a one-hour, 50-request-name run
    .venv/bin/python bench/report.py --quick    # 200k requests; seconds

1. Build time for a generated Gatling 3.10 text log: the statistics alone (read, merge, the JSON
   files: the baseline) vs the full build (the same + thresholds + report data + HTML pages).
   Goal: the pages add <= 20 % to the statistics time. Also the report's size on disk.
2. The global page of a one-hour run with 50 request names (1000 time points per series) opened
   from disk in headless Chromium: time from navigation to every chart drawn, in a fresh profile
   (cold) and reloaded (warm), against the baseline of a page that only loads echarts.min.js.
   Goal: < 2 s.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))  # tests.support.browser: the same Chromium harness as tests

from gatling_common.results.gatling_json import StatsSettings  # noqa: E402
from gatling_common.results.generate import (  # noqa: E402
    RunSpec,
    catalog_strings,
    generate,
    write_text_log,
)
from gatling_common.results.records import request_key  # noqa: E402
from gatling_common.results.stats import InputInfo, RunStats, stats_of_batches  # noqa: E402
from gatling_reporter.build import BuildSettings, build  # noqa: E402
from gatling_reporter.html.pages import finish_report, parse_thresholds  # noqa: E402
from gatling_reporter.html.render import copy_assets  # noqa: E402

from tests.support.browser import Browser  # noqa: E402

FIRST_PAINT = (
    "(performance.getEntriesByName('first-contentful-paint')[0] || {startTime: NaN}).startTime"
)
THRESHOLDS = ["global.p95 < 800", "global.ko_percent <= 5", 'request("Home").p99.9 < 5000']


def build_times(requests: int, work: Path, rounds: int) -> None:
    log = work / "bench" / "simulation.log"
    log.parent.mkdir(parents=True)
    began = time.perf_counter()
    write_text_log(log, RunSpec(requests=requests, seed=3, duration_s=1800))
    print(
        f"generated {requests:,} requests: {log.stat().st_size / 1e6:.0f} MB "
        f"in {time.perf_counter() - began:.1f}s"
    )
    # Warm-up: the same build once, so every timed run reads the log from the page cache.
    build(BuildSettings(inputs=(log,), output=work / "warm-up"))
    alone: list[float] = []
    parts: list[tuple[float, float]] = []  # (statistics, thresholds + pages) of the full build
    for i in range(rounds):  # in turns: a slow moment of this shared machine hits both alike
        settings = BuildSettings(inputs=(log,), output=work / f"stats-only-{i}")
        began = time.perf_counter()
        build(settings)
        alone.append(time.perf_counter() - began)
        full_settings = BuildSettings(inputs=(log,), output=work / f"full-{i}")
        began = time.perf_counter()
        result = build(full_settings)
        mid = time.perf_counter()
        finish_report(
            result.stats,
            result.summary,
            full_settings.stats,
            full_settings.output,
            parse_thresholds(THRESHOLDS, []),
        )
        parts.append((mid - began, time.perf_counter() - mid))
    stats_only = min(alone)
    stats_part, pages = min(parts, key=sum)  # the fastest full build, and its split
    full = stats_part + pages
    print(f"best of {rounds} rounds:")
    print(f"{'statistics alone (baseline)':<34} {stats_only:8.2f} s")
    print(f"{'full build (statistics + pages)':<34} {full:8.2f} s")
    print(f"{'  of which statistics':<34} {stats_part:8.2f} s")
    print(f"{'  of which thresholds + pages':<34} {pages:8.2f} s")
    print(f"{'ratio full / its statistics part':<34} {full / stats_part:8.3f}  (goal <= 1.20)")
    print(f"{'ratio full / statistics alone':<34} {full / stats_only:8.3f}")
    size = sum(p.stat().st_size for p in full_settings.output.rglob("*") if p.is_file())
    library = (full_settings.output / "js" / "echarts.min.js").stat().st_size
    print(
        f"report size: {size / 1e6:.1f} MB in {sum(1 for _ in full_settings.output.rglob('*'))} "
        f"entries (echarts.min.js {library / 1e6:.1f} MB)"
    )


def fifty_name_run(hours: float, requests: int) -> RunStats:
    """A generated run re-labelled to 50 request names (10 of them in 5 groups)."""
    strings = catalog_strings()
    keys = [
        strings.request_keys.intern(
            request_key((f"Flow {i % 5}",) if i < 10 else (), f"Endpoint {i:02d}")
        )
        for i in range(50)
    ]
    lookup = np.array(keys, np.int32)
    batches = list(generate(RunSpec(requests=requests, seed=5, duration_s=int(hours * 3600))))
    for batch in batches:
        batch.req_key = lookup[np.arange(len(batch.req_key)) % 50]
    return stats_of_batches(batches, strings, InputInfo("/bench/pod-0.log"))


def page_times(work: Path, requests: int, rounds: int) -> None:
    stats = fifty_name_run(1.0, requests)
    out = work / "hour"
    settings = StatsSettings()
    from gatling_common.results.summary import summary_json

    began = time.perf_counter()
    finish_report(stats, summary_json(stats, settings), settings, out, [])
    print(f"one-hour 50-name run: pages written in {time.perf_counter() - began:.2f}s")
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
    requests = 200_000 if args.quick else 5_000_000
    with tempfile.TemporaryDirectory(prefix="bench-report-") as tmp:
        work = Path(tmp)
        build_times(requests, work, 1 if args.quick else 3)
        page_times(work, 100_000 if args.quick else 1_000_000, 1 if args.quick else 3)


if __name__ == "__main__":
    main()
