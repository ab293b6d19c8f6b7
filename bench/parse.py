"""Benchmark: full statistics of generated Gatling logs vs a plain CPython loop, and peak RSS.

    .venv/bin/python bench/parse.py            # 1M-request logs; RSS at 1M, 5M, 10M requests
    .venv/bin/python bench/parse.py --quick    # small sizes, seconds

Prints records/s of the full statistics (read + fold, text 3.10 layout), of the baseline (a
streaming loop that splits each line and sums count/min/max per request name), their ratio
(goal >= 3x), records/s of the binary (3.13+) layout (goal >= 1.5M), and the peak RSS of the full
statistics of binary and text logs at several sizes, each measured in a fresh process (goal <= 450
MB at 10M, flat).
Timings are the best of several rounds taken in turns (see `speed`); the ratio also comes as the
median of per-round ratios.

First, what the user waits for: `gatling-reporter build LOG -o DIR` (pages included) against the
plain loop, both as fresh processes, in turns, on a 2M-request 40-name text log (goal >= 5x,
never below 3x), and the start-up: a fresh interpreter importing the reader (kernels loaded)
against one importing nothing (goal <= 0.3 s more).
"""

from __future__ import annotations

import argparse
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from gatling_common.results.generators.generate import RunSpec, write_binary_log, write_text_log
from gatling_common.results.readers.reader import open_log
from gatling_common.results.report.gatling_json import StatsSettings
from gatling_common.results.report.report_data import report_data
from gatling_common.results.statistics.stats import InputInfo, RunStats
from processes import as_installed, in_turns


def count_records(path: Path) -> int:
    with path.open("rb") as f:
        return sum(1 for line in f if not line.startswith((b"RUN\t", b"ASSERTION\t")))


def baseline(path: Path) -> dict[str, list[int]]:
    """The plain CPython way: one line at a time, count/min/max per request name."""
    per_name: dict[str, list[int]] = {}
    with path.open(encoding="utf-8") as f:
        for line in f:
            fields = line.split("\t")
            if fields[0] != "REQUEST":
                continue
            rt = int(fields[4]) - int(fields[3])
            found = per_name.get(fields[2])
            if found is None:
                per_name[fields[2]] = [1, rt, rt]
            else:
                found[0] += 1
                if rt < found[1]:
                    found[1] = rt
                if rt > found[2]:
                    found[2] = rt
    return per_name


def full_statistics(path: Path) -> dict[str, float]:
    """What `build` computes (read, fold, every output), with the seconds spent in each part."""
    spent = {"read": 0.0, "fold": 0.0, "outputs": 0.0}
    stats = RunStats()
    clock = time.perf_counter()
    with open_log(path) as reader:
        folder = stats.folder(reader.strings, stats.add_input(InputInfo(str(path))))
        batches = iter(reader)
        while True:
            batch = next(batches, None)
            now = time.perf_counter()
            spent["read"] += now - clock
            if batch is None:
                break
            folder.fold(batch)
            clock = time.perf_counter()
            spent["fold"] += clock - now
    now = time.perf_counter()
    report_data(stats, StatsSettings())
    spent["outputs"] = time.perf_counter() - now
    return spent


def fold_alone(path: Path) -> float:
    """Seconds to fold batches already in memory: the engine without the reader (the reader
    prefetches in a thread, so the read/fold split of `full_statistics` overlaps)."""
    with open_log(path) as reader:
        batches, strings = list(reader), reader.strings
    stats = RunStats()
    folder = stats.folder(strings, stats.add_input(InputInfo(str(path))))
    began = time.perf_counter()
    for batch in batches:
        folder.fold(batch)
    return time.perf_counter() - began


def peak_rss_mib() -> int:
    """This process's peak RSS. On Linux from VmHWM: ru_maxrss survives exec, so a child started
    from a big parent would report the parent's size (this bench's earlier figures did)."""
    status = Path("/proc/self/status")
    if status.exists():
        found = re.search(r"^VmHWM:\s+(\d+) kB", status.read_text(), re.MULTILINE)
        if found:
            return int(found.group(1)) // 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024  # KiB on Linux


def child_rss(path: str) -> None:
    full_statistics(Path(path))
    print(peak_rss_mib())


def generate(kind: str, requests: int, path: Path) -> None:
    """In a separate process, so the generator's memory never counts."""
    code = (
        "import sys; from pathlib import Path; "
        "from gatling_common.results.generators import generate as g; "
        f"g.write_{kind}_log(Path(sys.argv[1]), g.RunSpec(requests={requests}, "
        f"duration_s={max(60, requests // 2000)}))"
    )
    subprocess.run([sys.executable, "-c", code, str(path)], check=True)


def measure_rss(kind: str, requests: int, workdir: Path) -> int:
    path = workdir / f"rss-{requests}.log"
    generate(kind, requests, path)
    out = subprocess.run(
        [sys.executable, __file__, "--child-rss", str(path)],
        check=True,
        capture_output=True,
        text=True,
    )
    path.unlink()
    return int(out.stdout.strip())


def speed(requests: int, workdir: Path, rounds: int) -> None:
    """Best of `rounds` for each measurement, taken in turns (this machine is shared: a slow
    moment then hits every contender alike), after one warm-up of each."""
    spec = RunSpec(requests=requests, duration_s=max(60, requests // 2000))
    text, binary = workdir / "text.log", workdir / "binary.log"
    write_text_log(text, spec)
    write_binary_log(binary, spec)
    records = count_records(text)
    contenders: dict[str, Callable[[], object]] = {
        "baseline (CPython loop, count/min/max per name)": lambda: baseline(text),
        "full statistics, text 3.10": lambda: full_statistics(text),
        "full statistics, binary 3.13": lambda: full_statistics(binary),
    }
    for run in contenders.values():
        run()
    seconds: dict[str, list[float]] = {label: [] for label in contenders}
    parts: dict[str, list[dict[str, float]]] = {label: [] for label in contenders}
    for _ in range(rounds):
        for label, run in contenders.items():
            began = time.perf_counter()
            result = run()
            seconds[label].append(time.perf_counter() - began)
            if isinstance(result, dict) and "fold" in result:
                parts[label].append(result)
    print(f"{requests:,} requests, {records:,} records (text {text.stat().st_size >> 20} MiB)")
    print(f"  best of {rounds} rounds (median in brackets):")
    for label, times in seconds.items():
        best, median = min(times), statistics.median(times)
        print(f"  {label:<50} {records / best:>12,.0f} records/s  {best:.3f} s  [{median:.3f} s]")
        if parts[label]:
            fastest = parts[label][times.index(best)]
            shares = ", ".join(f"{k} {v:.3f} s" for k, v in fastest.items())
            print(f"      of which (the best round): {shares}")
    alone = fold_alone(text)
    print(f"  statistics engine alone (fold, batches in memory): {records / alone:,.0f} records/s")
    base, text_s, binary_s = (seconds[label] for label in contenders)
    ratio = min(base) / min(text_s)
    median_ratio = statistics.median(b / t for b, t in zip(base, text_s, strict=True))
    print(f"  ratio full text / baseline: {ratio:.2f}x best, {median_ratio:.2f}x median of rounds")
    print("  (goal >= 3x)")
    print(f"  binary: {records / min(binary_s) / 1e6:.2f}M records/s (goal >= 1.5M)")


def whole_process(requests: int, workdir: Path, rounds: int) -> None:
    """The command as the user runs it against the plain loop as a process of its own."""
    log, out = workdir / "names40" / "simulation.log", workdir / "report"
    code = (
        "import sys; from pathlib import Path; from gatling_common.results.generators import "
        "generate as g; g.write_text_log_with_names(Path(sys.argv[1]), "
        f"g.RunSpec(requests={requests}, duration_s=600), 40)"
    )
    log.parent.mkdir()
    subprocess.run([sys.executable, "-c", code, str(log)], check=True)
    reporter = str(Path(sys.executable).parent / "gatling-reporter")
    seconds = in_turns(
        {
            "plain loop (count/min/max per name), a process": [
                sys.executable,
                __file__,
                "--child-baseline",
                str(log),
            ],
            "gatling-reporter build LOG -o DIR (pages included)": [
                reporter,
                "build",
                str(log),
                "-o",
                str(out),
            ],
        },
        rounds,
    )
    print(f"whole command, {requests:,} requests, 40 names ({log.stat().st_size >> 20} MiB text)")
    print(f"  best of {rounds} rounds in turns (median in brackets):")
    for label, times in seconds.items():
        print(f"  {label:<55} {min(times):.2f} s  [{statistics.median(times):.2f} s]")
    base, build = seconds.values()
    median_ratio = statistics.median(b / c for b, c in zip(base, build, strict=True))
    print(f"  build vs plain loop: {min(base) / min(build):.2f}x best, {median_ratio:.2f}x median")
    print("  (goal >= 5x, never below 3x)")
    importing = "import gatling_common.results.readers.reader as r; print(r.text_kernel.BACKEND)"
    start = in_turns(
        {"bare": [sys.executable, "-c", "pass"], "reader": [sys.executable, "-c", importing]},
        rounds,
    )
    bare, reader = (min(v) for v in start.values())
    backend = subprocess.run(
        [sys.executable, "-c", importing], check=True, capture_output=True, text=True
    ).stdout.strip()
    print(
        f"start-up: reader imported, kernels loaded ({backend}): {reader - bare:.3f} s over a "
        f"bare interpreter ({bare:.3f} s); goal <= 0.3 s"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes")
    parser.add_argument("--rounds", type=int, default=5, help="rounds of each timing (best kept)")
    parser.add_argument("--child-rss", help=argparse.SUPPRESS)
    parser.add_argument("--child-baseline", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child_rss:
        child_rss(args.child_rss)
        return
    if args.child_baseline:
        baseline(Path(args.child_baseline))
        return
    as_installed()  # in the parent only: a child is a timed process
    sizes = [100_000, 200_000, 400_000] if args.quick else [1_000_000, 5_000_000, 10_000_000]
    with tempfile.TemporaryDirectory(prefix="bench-parse-") as tmp:
        work = Path(tmp)
        whole_process(200_000 if args.quick else 2_000_000, work, args.rounds)
        speed(sizes[0], work, args.rounds)
        print("peak RSS of the full statistics (fresh process each; goal <= 450 MB at 10M, flat):")
        print(f"  {'requests':>12}  {'binary':>10}  {'text':>10}")
        for n in sizes:
            binary, text = (measure_rss(kind, n, work) for kind in ("binary", "text"))
            print(f"  {n:>12,}  {binary:>6} MiB  {text:>6} MiB")


if __name__ == "__main__":
    main()
