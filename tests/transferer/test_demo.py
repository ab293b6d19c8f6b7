"""`make demo`'s steps: a fake runner pod's results, uploaded by the real CLI to a local bucket."""

from __future__ import annotations

import json
from pathlib import Path

from tools import demo


def test_demo_steps_upload_each_pods_log(tmp_path: Path) -> None:
    run = demo.fresh_out(tmp_path / "demo-out")
    log = demo.fake_runner(run, "pod-a", seed=3)
    assert log.read_text().startswith("RUN\tcomputerdatabase.FleetSimulation\tfleetsimulation\t")
    assert (run.results_dir("pod-a") / "COMPLETED").exists()
    urls = demo.upload_logs(run, "pod-a")
    target = tmp_path / "demo-out" / "bucket" / run.run_id / "pod-a.log"
    assert urls == [f"file://{target}"]
    assert target.read_bytes() == log.read_bytes()
    assert json.loads(target.with_name("pod-a.log.meta.json").read_text())["status"] == "COMPLETED"


def test_fresh_out_starts_empty(tmp_path: Path) -> None:
    out = tmp_path / "demo-out"
    (out / "old").mkdir(parents=True)
    demo.fresh_out(out)
    assert list(out.iterdir()) == []
