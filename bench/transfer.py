"""Benchmark: the transferer's upload against plain boto3 on a local S3 emulator (moto).

Generates a Gatling 3.10 text log (~500 MB; `--quick`: ~50 MB), starts moto's server on
loopback, and uploads the log with the transferer's full code path (marker check, metadata,
CRC32-verified multipart upload) and with plain boto3 `upload_file` (default TransferConfig), in
rotating order, best of N. The same rounds time `--compress gzip` (compressed first, then uploaded)
and `--compress zstd` (compressed while it uploads): bytes sent, how many times fewer, and time
against the plain boto3 upload of the raw log. Goals (issue 14): transferer within 1.1x of boto3;
compressed >= 7x fewer bytes, zstd within 1.1x of the raw boto3 upload; `--shard` (the
statistics shard computed and uploaded too) at most 10% more than the upload alone.

    .venv/bin/python bench/transfer.py [--quick]
"""

from __future__ import annotations

import argparse
import logging
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import boto3
from gatling_common.results.generators.generate import RunSpec, write_text_log
from gatling_common.storage import StorageSettings
from gatling_transferer.compress import (
    GZIP_LEVEL,
    ZSTD_LEVEL,
    ZSTD_MIN_MATCH,
    ZSTD_SEARCH_LOG,
    ZSTD_THREADS,
    ZSTD_WINDOW_LOG,
    gzip_file,
    zstd_compressor,
)
from gatling_transferer.settings import Compression, TransfererSettings
from gatling_transferer.transfer import run

MB = 1_000_000
BYTES_PER_REQUEST = 81  # the generator's 3.10 text layout, measured (records included)
REGION = "us-east-1"
BUCKET = "bench"
SHARED_FIXTURES = Path(__file__).resolve().parents[2] / "shared" / "fixtures" / "gatling"


def generate_log(results: Path, size: int) -> Path:
    """<results>/<simulation>-<timestamp>/simulation.log plus the runner's COMPLETED marker.

    One hour of load (a soak test of one runner pod) at whatever rate fills `size` bytes.
    """
    spec = RunSpec(requests=size // BYTES_PER_REQUEST, duration_s=3600, seed=7)
    log = results / "fleetsimulation-20240527055156696" / "simulation.log"
    log.parent.mkdir(parents=True)
    write_text_log(log, spec)
    (results / "COMPLETED").touch()
    return log


@contextmanager
def moto_server() -> Iterator[str]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    exe = Path(sys.executable).with_name("moto_server")
    cmd = [str(exe), "-H", "127.0.0.1", "-p", str(port)]
    # A separate process: the server must not share this process's GIL with the client.
    server = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(url + "/moto-api/", timeout=2).close()
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise SystemExit(f"moto server did not start on {url}") from None
                time.sleep(0.2)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=30)


@dataclass(frozen=True)
class Sample:
    wall: float  # seconds
    cpu: float  # this process's CPU seconds (all threads): less sensitive to a busy machine
    sent: int  # bytes sent


def measure(upload: Callable[[str], int]) -> Sample:
    """One upload against a fresh moto server, so no run inherits another's server state."""
    with moto_server() as endpoint:
        session = boto3.session.Session()
        session.client("s3", endpoint_url=endpoint, region_name=REGION).create_bucket(Bucket=BUCKET)
        wall, cpu = time.perf_counter(), time.process_time()
        sent = upload(endpoint)
        return Sample(time.perf_counter() - wall, time.process_time() - cpu, sent)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="~50 MB instead of ~500 MB")
    parser.add_argument("--repeats", type=int, default=None, help="runs per method (best of)")
    args = parser.parse_args()
    size = (50 if args.quick else 500) * MB
    repeats = args.repeats or (2 if args.quick else 4)

    logging.basicConfig(level=logging.WARNING)
    os.environ.update(
        AWS_ACCESS_KEY_ID="bench", AWS_SECRET_ACCESS_KEY="bench", AWS_DEFAULT_REGION=REGION
    )
    os.environ.pop("AWS_ENDPOINT_URL", None)
    work = Path(tempfile.mkdtemp(prefix="bench-transfer-"))
    try:
        bench(work, size, repeats)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def bench(work: Path, size: int, repeats: int) -> None:
    results = work / "results"
    started = time.perf_counter()
    log = generate_log(results, size)
    raw = log.stat().st_size
    print(f"data: {raw / MB:.1f} MB Gatling 3.10 text log, generated in {timed_since(started)}")

    def transferer(endpoint: str, compress: Compression = "none", shard: bool = False) -> int:
        settings = TransfererSettings(
            destination=f"s3://{BUCKET}/run-1",
            name="pod",
            results_dir=results,
            compress=compress,
            shard=shard,
            storage=StorageSettings(endpoint_url=endpoint, region=REGION),
        )
        return sum(u.sent_bytes for u in run(settings))

    def plain(endpoint: str) -> int:
        # A fresh session, as the transferer's storage opens one: both pay the same set-up.
        client = boto3.session.Session().client("s3", endpoint_url=endpoint, region_name=REGION)
        client.upload_file(str(log), BUCKET, "run-1/pod.log")
        return raw

    methods: dict[str, Callable[[str], int]] = {
        "boto3": plain,
        "transferer": transferer,
        "gzip": partial(transferer, compress="gzip"),
        "zstd": partial(transferer, compress="zstd"),
        "shard": partial(transferer, shard=True),
    }
    samples: dict[str, list[Sample]] = {m: [] for m in methods}
    names = list(methods)
    for i in range(repeats):
        # Each round measures every method, starting one further on: a busy spell of the shared
        # machine hits them all alike.
        for method in names[i % len(names) :] + names[: i % len(names)]:
            samples[method].append(measure(methods[method]))
    best = {k: min(s.wall for s in v) for k, v in samples.items()}
    ratio = best["transferer"] / best["boto3"]
    print(f"upload of {raw / MB:.1f} MB to moto S3 (best of {repeats}, rotating order):")
    for method in ("boto3", "transferer"):
        label = "plain boto3 upload_file" if method == "boto3" else "gatling-transferer"
        walls = ", ".join(f"{s.wall:.2f}" for s in samples[method])
        cpu = min(s.cpu for s in samples[method])
        print(
            f"  {label:24s}: {best[method]:6.2f} s  {raw / MB / best[method]:6.1f} MB/s"
            f"  client CPU {cpu:5.2f} s  (runs: {walls} s)"
        )
    cpu_ratio = min(s.cpu for s in samples["transferer"]) / min(s.cpu for s in samples["boto3"])
    print(f"  ratio transferer/boto3   : {ratio:.2f}x  (goal <= 1.10x) {verdict(ratio <= 1.1)}")
    print(f"  client CPU ratio         : {cpu_ratio:.2f}x  (this process, all threads)")
    zstd_settings = (
        f"level {ZSTD_LEVEL}, window 2^{ZSTD_WINDOW_LOG}, search 2^{ZSTD_SEARCH_LOG}, "
        f"min match {ZSTD_MIN_MATCH}, {ZSTD_THREADS} threads"
    )
    codecs = (
        ("gzip", f"level {GZIP_LEVEL}", "compress, then upload"),
        ("zstd", zstd_settings, "compressed while uploading"),
    )
    for codec, settings, how in codecs:
        runs = samples[codec]
        sent_bytes = runs[0].sent
        fewer = raw / sent_bytes
        walls = ", ".join(f"{s.wall:.2f}" for s in runs)
        time_ratio = best[codec] / best["boto3"]
        goal = f"(goal <= 1.10x) {verdict(time_ratio <= 1.1)}" if codec == "zstd" else ""
        print(f"--compress {codec} ({settings}), best of {repeats}:")
        print(
            f"  bytes sent: {sent_bytes / MB:.1f} MB of {raw / MB:.1f} MB raw -> "
            f"{fewer:.2f}x fewer (goal >= 7x) {verdict(fewer >= 7)}"
        )
        print(
            f"  time: {best[codec]:.2f} s ({how}) = {time_ratio:.2f}x plain boto3 uncompressed "
            f"{goal}".rstrip()
        )
        print(
            f"        {best[codec] / best['transferer']:.2f}x the transferer uncompressed;"
            f"  client CPU {min(s.cpu for s in runs):5.2f} s  (runs: {walls} s)"
        )
    shard_cost = best["shard"] / best["transferer"] - 1
    print(f"--shard (the log's statistics shard too), best of {repeats}:")
    print(
        f"  time: {best['shard']:.2f} s = the upload + {shard_cost:.0%} "
        f"(goal <= 10%) {verdict(shard_cost <= 0.1)}"
    )
    real_logs(work)


def real_logs(work: Path) -> None:
    """The same compression on the team's real Gatling logs, when ../shared is there."""
    logs = sorted(SHARED_FIXTURES.glob("*/simulation.log")) if SHARED_FIXTURES.is_dir() else []
    logs = [p for p in logs if p.stat().st_size > 100_000 and not p.read_bytes()[:1].isdigit()]
    gz: list[float] = []
    zst: list[float] = []
    compressor = zstd_compressor()
    for i, path in enumerate(logs):
        done = gzip_file(path, work / f"real-{i}.gz", inner_name="simulation.log")
        gz.append(done.raw_bytes / done.compressed_bytes)
        data = path.read_bytes()
        zst.append(len(data) / len(compressor.compress(data)))
    if logs:
        print(f"real Gatling text logs ({len(logs)} shared fixtures > 100 kB), fewer bytes:")
        print(f"  gzip: {min(gz):.1f}x .. {max(gz):.1f}x")
        print(f"  zstd: {min(zst):.1f}x .. {max(zst):.1f}x")


def timed_since(started: float) -> str:
    return f"{time.perf_counter() - started:.1f}s"


def verdict(ok: bool) -> str:
    return "OK" if ok else "MISSED"


if __name__ == "__main__":
    main()
