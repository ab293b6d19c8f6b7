"""Reading speed of the simulation.log readers (text and binary) against a plain CPython loop.

    .venv/bin/python bench/parse_read.py [--quick] [--requests N ...]

Generates the logs with the project's generator, then prints records/s of `open_log` (every
record decoded into columnar batches) and of the baseline: a plain streaming CPython loop that
splits each text line and sums count/min/max per request name. The ratio is measured in the same
run, so it holds on any machine. "cpu ratio" compares CPU seconds (all threads) instead of wall
seconds: steadier on a busy machine, and it shows the work saved, not the second core used.
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from gatling_common.results.generators.generate import RunSpec, write_binary_log, write_text_log
from gatling_common.results.readers.reader import open_log


def read_all(path: Path) -> int:
    """Every record of the file through our reader; the number of records."""
    n = 0
    with open_log(path) as reader:
        for b in reader:
            n += len(b.req_key) + len(b.grp_path) + len(b.user_time) + len(b.err_time)
    return n


def baseline(path: Path) -> int:
    """The plain CPython loop: split each line, count/min/max per request."""
    stats: dict[str, list[int]] = {}
    n = 0
    with path.open("rb") as f:
        for raw in f:
            fields = raw.split(b"\t")
            n += 1
            if fields[0] != b"REQUEST":
                continue
            rt = int(fields[4]) - int(fields[3])
            name = fields[2].decode()
            s = stats.get(name)
            if s is None:
                stats[name] = [1, rt, rt]
            else:
                s[0] += 1
                s[1] = min(s[1], rt)
                s[2] = max(s[2], rt)
    return n - 1  # the RUN line


def timed(fn: Callable[[Path], int], path: Path) -> tuple[int, float, float]:
    """Records, wall seconds, CPU seconds (all threads of this process)."""
    wall, cpu = time.perf_counter(), time.process_time()
    n = fn(path)
    return n, time.perf_counter() - wall, time.process_time() - cpu


def best_of(runs: int, fn: Callable[[Path], int], path: Path) -> tuple[int, float, float]:
    """The fastest of a few runs: the machine is shared, the minimum is the least disturbed."""
    results = [timed(fn, path) for _ in range(runs)]
    return results[0][0], min(r[1] for r in results), min(r[2] for r in results)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one small run (200k requests)")
    parser.add_argument("--requests", type=int, nargs="*", default=[1_000_000])
    args = parser.parse_args()
    sizes = [200_000] if args.quick else args.requests
    print(
        f"{'requests':>10} {'kind':>7} {'records':>10} {'ours rec/s':>12} "
        f"{'baseline rec/s':>15} {'ratio':>6} {'cpu ratio':>10}"
    )
    with tempfile.TemporaryDirectory() as tmp:
        for size in sizes:
            spec = RunSpec(requests=size, seed=7)
            text = write_text_log(Path(tmp) / "text.log", spec)
            binary = write_binary_log(Path(tmp) / "binary.log", spec)
            runs = 3 if size <= 2_000_000 else 1
            base_n, base_t, base_cpu = best_of(runs, baseline, text)
            for kind, path in (("text", text), ("binary", binary)):
                n, t, cpu = best_of(runs, read_all, path)
                assert n == base_n, (n, base_n)
                print(
                    f"{size:>10} {kind:>7} {n:>10} {n / t:>12,.0f} {base_n / base_t:>15,.0f} "
                    f"{base_t / t:>6.2f} {base_cpu / cpu:>10.2f}"
                )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS of this process: {peak:.0f} MB")


if __name__ == "__main__":
    main()
