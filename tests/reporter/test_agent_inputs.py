"""The agent's choices: which objects to fetch, what to upload, with which content type."""

from __future__ import annotations

from pathlib import Path

import pytest
from gatling_common.storage import ObjectInfo, open_storage
from gatling_reporter.agent import choose_inputs, content_type, publish, report_files
from gatling_reporter.html.adapter import pod_name


def objects(*names: str) -> list[ObjectInfo]:
    return [ObjectInfo(name, 10) for name in names]


@pytest.mark.parametrize(
    ("names", "chosen", "kind"),
    [
        # every pod has a shard: only the shards are fetched
        (("a.log", "a.stats", "b.log.gz", "b.stats"), ["a.stats", "b.stats"], "shards"),
        # one pod lacks its shard: every raw log
        (("a.log", "a.stats", "b.log"), ["a.log", "b.log"], "logs"),
        # a pod whose log is gone still counts through its shard
        (("a.log", "b.stats", "c.log.gz"), ["a.log", "c.log.gz", "b.stats"], "logs"),
        # the report itself, metadata and strays are never inputs
        (("a.log", "index.html", "js/stats.json", "summary.json", ".log"), ["a.log"], "logs"),
        (("index.html",), [], "logs"),
    ],
)
def test_choose_inputs(names, chosen, kind):
    found, found_kind = choose_inputs(objects(*names))
    assert [o.name for o in found] == chosen
    assert found_kind == kind


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("index.html", "text/html; charset=utf-8"),
        ("js/echarts.min.js", "application/javascript"),
        ("js/stats.json", "application/json"),
        ("style/report.css", "text/css"),
        ("junit.xml", "application/xml"),
        ("shot.png", "image/png"),
        ("blob.unknownext", "application/octet-stream"),
    ],
)
def test_content_types(name: str, expected: str):
    assert content_type(Path(name)) == expected


def test_publish_uploads_everything_but_inputs(tmp_path: Path):
    report = tmp_path / "report"
    (report / "js").mkdir(parents=True)
    for name in ("index.html", "pods.html", "js/stats.json", "pod-1.log", "pod-1.stats"):
        (report / name).write_text(name)
    assert [p.relative_to(report).as_posix() for p in report_files(report)] == [
        "index.html",
        "js/stats.json",
        "pods.html",
    ]
    (tmp_path / "bucket").mkdir()
    store = open_storage(f"file://{tmp_path}/bucket/run")
    url = publish(report, store, workers=2)
    assert url == (tmp_path / "bucket" / "run" / "index.html").as_uri()
    assert sorted(o.name for o in store.list()) == ["index.html", "js/stats.json", "pods.html"]
    assert store.head("index.html").content_type == "text/html; charset=utf-8"


def test_publish_refuses_a_report_without_index(tmp_path: Path):
    (tmp_path / "report").mkdir()
    (tmp_path / "report" / "summary.json").write_text("{}")
    store = open_storage(f"file://{tmp_path}/bucket")
    with pytest.raises(Exception, match=r"the build wrote no index\.html"):
        publish(tmp_path / "report", store, workers=1)


@pytest.mark.parametrize(
    ("path", "pod"),
    [
        ("/tmp/x/runner-1.log.gz", "runner-1"),
        ("s3://b/run/runner-2.stats", "runner-2"),
        ("/fixtures/v3.14-sample/simulation.log", "v3.14-sample"),
        ("plain-name", "plain-name"),
    ],
)
def test_pod_names(path: str, pod: str):
    assert pod_name(path) == pod
