"""`make demo`: the main job on the embedded default (a local folder as the bucket).

Three fake runner pods each get a results dir with a generated Gatling 3.10 log and the
runner's COMPLETED marker; the real `gatling-transferer` CLI uploads each pod's log and its
statistics shard into `demo-out/bucket/<run-id>`; the real reporter agent (`gatling-reporter
report`) merges the shards, publishes the HTML report beside them and the demo prints the path
of its index.html. Each step is one function.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from gatling_common.results.generators.generate import RunSpec, write_text_log

REPO_ROOT = Path(__file__).resolve().parents[1]
OUT = REPO_ROOT / "demo-out"
BIN = Path(sys.executable).parent  # the venv's bin dir: its console scripts sit beside python
PODS = ("demo-runner-0", "demo-runner-1", "demo-runner-2")
REQUESTS_PER_POD = 20_000


@dataclass(frozen=True)
class Demo:
    out: Path
    run_id: str

    @property
    def location(self) -> str:
        """The run's storage location: what the controller would put in the Gatling status."""
        return f"file://{self.out / 'bucket' / self.run_id}"

    def results_dir(self, pod: str) -> Path:
        """Stands in for the runner pod's shared emptyDir (/opt/gatling/results)."""
        return self.out / "pods" / pod / "results"


def fresh_out(out: Path = OUT) -> Demo:
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    return Demo(out, time.strftime("run-%Y%m%d-%H%M%S", time.gmtime()))


def fake_runner(demo: Demo, pod: str, seed: int) -> Path:
    """What a runner pod leaves behind: <results>/<simulation>-<timestamp>/simulation.log."""
    spec = RunSpec(requests=REQUESTS_PER_POD, seed=seed)
    stamp = time.strftime("%Y%m%d%H%M%S000", time.gmtime(spec.start_ms / 1000))
    log = demo.results_dir(pod) / f"{spec.simulation_id}-{stamp}" / "simulation.log"
    log.parent.mkdir(parents=True)
    write_text_log(log, spec)
    (demo.results_dir(pod) / "COMPLETED").touch()  # the runner's marker: Gatling exited 0
    return log


def upload_logs(demo: Demo, pod: str, *, shard: bool = False) -> list[str]:
    """Run the real transferer CLI for one pod; return the URLs it printed."""
    command = [
        str(BIN / "gatling-transferer"),
        "--results-dir", str(demo.results_dir(pod)),
        "--destination", demo.location,
        "--name", pod,
        "--timeout", "60",
        *(["--shard"] if shard else []),
    ]  # fmt: skip
    print(f"$ {' '.join(command)}", flush=True)
    result = subprocess.run(command, stdout=subprocess.PIPE, text=True, check=False)
    if result.returncode != 0:
        raise SystemExit(f"gatling-transferer for {pod} failed with exit code {result.returncode}")
    return result.stdout.split()


THRESHOLDS = ("global.p95 < 1500", "global.ko_percent <= 5")


def publish_report(demo: Demo) -> Path:
    """Run the real reporter agent on the run's location; return the index.html it published."""
    command = [str(BIN / "gatling-reporter"), "report", "--source", demo.location]
    for expression in THRESHOLDS:
        command += ["--assert", expression]
    print(f"$ {' '.join(command)}", flush=True)
    result = subprocess.run(command, stdout=subprocess.PIPE, text=True, check=False)
    print(result.stdout, end="")
    if result.returncode not in (0, 3):  # 3: published, but a threshold failed
        raise SystemExit(f"gatling-reporter failed with exit code {result.returncode}")
    return Path(result.stdout.strip().splitlines()[-1].removeprefix("file://"))


def main() -> None:
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]  # keep order with stderr
    demo = fresh_out()
    uploaded: list[str] = []
    for seed, pod in enumerate(PODS, start=1):
        log = fake_runner(demo, pod, seed)
        print(f"{pod}: generated {log.relative_to(REPO_ROOT)} ({log.stat().st_size:,} bytes)")
        uploaded += upload_logs(demo, pod, shard=True)
    print(f"\nThe run's logs are in {demo.location}:")
    for url in uploaded:
        path = Path(url.removeprefix("file://"))
        print(f"  {path.relative_to(REPO_ROOT)}  ({path.stat().st_size:,} bytes)")
    index = publish_report(demo)
    print(f"\nThe report: {index}")


if __name__ == "__main__":
    main()
