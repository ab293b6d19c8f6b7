"""`make demo` end to end: three pods' logs and shards, the reporter agent, the report's path."""

from __future__ import annotations

import json
from pathlib import Path

from tools import demo


def test_demo_publishes_a_report_of_three_pods(tmp_path: Path) -> None:
    run = demo.fresh_out(tmp_path / "demo-out")
    for seed, pod in enumerate(demo.PODS, start=1):
        demo.fake_runner(run, pod, seed)
        urls = demo.upload_logs(run, pod, shard=True)
        assert [Path(u).name for u in urls] == [f"{pod}.log"]
    bucket = tmp_path / "demo-out" / "bucket" / run.run_id
    assert sorted(p.name for p in bucket.glob("*.stats")) == [f"{p}.stats" for p in demo.PODS]
    index = demo.publish_report(run)
    assert index == bucket / "index.html"
    assert index.read_text().startswith("<!doctype html>")
    summary = json.loads((bucket / "summary.json").read_text())
    assert [i["path"] for i in summary["inputs"]] == [
        f"{run.location}/{pod}.stats" for pod in demo.PODS
    ]
    assert [t["passed"] for t in summary["thresholds"]] == [True, True]
    (build,) = (bucket / "_builds").iterdir()  # the report's pages, beside the logs
    assert (build / "pods.html").is_file()
