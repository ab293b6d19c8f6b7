"""The agent's choices: which objects to fetch, what to upload, with which content type."""

from __future__ import annotations

from pathlib import Path

import pytest
from gatling_common.storage import ObjectInfo, open_storage
from gatling_reporter.agent import choose_inputs
from gatling_reporter.html.adapter import pod_name
from gatling_reporter.publish import content_type


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


def _transferred(store, tmp_path: Path, pod: str, run: str | None, *, done: bool = True) -> None:
    """What a transferer leaves: `<pod>.log` and, last, its manifest."""
    from gatling_common.storage.manifest import Manifest, entry_for, now, write_manifest

    log = tmp_path / f"{pod}.log"
    log.write_text(f"RUN\tSim\tsim\t1700000000000\t \t3.10.5\n# {pod}\n")
    store.upload_file(log, f"{pod}.log", metadata={"status": "COMPLETED"})
    objects = (entry_for(log, f"{pod}.log"),) if done else ()
    write_manifest(store, Manifest(pod, run, done, now(), "COMPLETED", objects))


def test_fetch_keeps_the_newest_runs_listed_objects_and_names_the_rest(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
):
    from gatling_reporter.agent import fetch_inputs

    (tmp_path / "bucket").mkdir()
    store = open_storage(f"file://{tmp_path}/bucket/run")
    _transferred(store, tmp_path, "old-0", "run-1")
    _transferred(store, tmp_path, "new-0", "run-2")
    _transferred(store, tmp_path, "new-1", "run-2", done=False)  # its transfer never finished
    _transferred(store, tmp_path, "new-2", "run-2")
    (tmp_path / "bad.json").write_text("[]")
    store.upload_file(tmp_path / "bad.json", "new-2.manifest.json")  # damaged since

    fetched = fetch_inputs(store, tmp_path / "inputs", workers=2)

    assert [i.name for i in fetched.inputs] == ["new-0.log"]
    base = f"file://{tmp_path}/bucket/run"
    messages = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert messages == [
        f"ignored {base}/new-2.manifest.json: not a transfer manifest (format 'list', not "
        "gatling-fleet-manifest/1)",
        f"left out pod new-1: its transfer did not finish ({base}/new-1.manifest.json lists no "
        "object yet)",
        f"left out pod old-0: {base}/old-0.manifest.json is of run 'run-1', not of the newest "
        "run 'run-2'",
        f"left out {base}/new-1.log: listed in no manifest of this run (an earlier run's, or not "
        "written by a transferer)",
        f"left out {base}/new-2.log: listed in no manifest of this run (an earlier run's, or not "
        "written by a transferer)",
        f"left out {base}/old-0.log: listed in no manifest of this run (an earlier run's, or not "
        "written by a transferer)",
    ]


def test_fetch_with_manifests_but_nothing_listed_says_so(tmp_path: Path):
    from gatling_common.errors import InputError
    from gatling_reporter.agent import fetch_inputs

    (tmp_path / "bucket").mkdir()
    store = open_storage(f"file://{tmp_path}/bucket/run")
    _transferred(store, tmp_path, "pod-0", "run-1")
    _transferred(store, tmp_path, "pod-1", "run-2", done=False)

    with pytest.raises(InputError) as err:
        fetch_inputs(store, tmp_path / "inputs", workers=1)

    assert str(err.value) == (
        f"file://{tmp_path}/bucket/run: none of its 2 logs and shards is listed by a manifest "
        "of the newest run (see the warnings above)"
    )
