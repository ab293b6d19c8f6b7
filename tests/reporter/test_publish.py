"""Publishing is atomic for a reader (issue 13, case 2): one build under `_builds/<build>/`, the
root index.html switched last, older reports removed after success only, and a failed switch
puts the previous root files back. On a folder and on the moto S3 server through a fault proxy."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from gatling_common.retry import RetryPolicy
from gatling_common.storage import Storage, open_storage
from gatling_reporter.publish import publish, report_files

from tests.reporter.report_builders import generated_run, render
from tests.support.browser import Browser, chromium_path
from tests.support.emulators import Target
from tests.support.faultproxy import Fault, FaultProxy
from tests.support.shared import REPO_ROOT

PAGE = '<!doctype html>\n<html><head>\n<meta charset="utf-8"><title>{run}</title></head>\n</html>'


def _report(folder: Path, run: str, *, pages: tuple[str, ...] = ("req_a.html",)) -> Path:
    (folder / "js").mkdir(parents=True)
    (folder / "style").mkdir()
    (folder / "index.html").write_text(PAGE.format(run=run))
    for name in (*pages, "pods.html"):
        (folder / name).write_text(f"{run} {name}")
    for name in ("js/stats.json", "js/global_stats.json", "summary.json"):
        (folder / name).write_text(f'{{"run": "{run}"}}')
    (folder / "style" / "report.css").write_text(f"/* {run} */")
    (folder / "pod-1.log").write_text("an input, not a report file")
    return folder


def _text(store: Storage, name: str, tmp: Path) -> str:
    local = tmp / "read" / name.replace("/", "_")
    local.parent.mkdir(exist_ok=True)
    store.download_file(name, local)
    return local.read_text()


def _names(store: Storage) -> set[str]:
    return {o.name for o in store.list()}


def test_the_report_goes_under_one_build_and_index_html_points_into_it(tmp_path: Path) -> None:
    report = _report(tmp_path / "A", "A")
    assert "pod-1.log" not in {p.name for p in report_files(report)}
    store = open_storage(f"file://{tmp_path}/bucket/run/report")
    (tmp_path / "bucket").mkdir()
    done = publish(report, store, workers=2, build="b1")
    assert done.url == (tmp_path / "bucket/run/report/index.html").as_uri()
    assert (done.build, done.removed) == ("b1", 0)
    build = {f"_builds/b1/{n}" for n in ("index.html", "pods.html", "req_a.html", "summary.json")}
    build |= {f"_builds/b1/{n}" for n in ("js/stats.json", "js/global_stats.json")}
    build.add("_builds/b1/style/report.css")
    root = {"index.html", "summary.json", "js/stats.json", "js/global_stats.json"}
    assert _names(store) == build | root
    entry = _text(store, "index.html", tmp_path)
    assert entry == PAGE.format(run="A").replace("<head>", '<head>\n<base href="_builds/b1/">', 1)
    assert store.head("index.html").content_type == "text/html; charset=utf-8"


def test_a_new_publish_removes_older_reports_but_never_inputs(tmp_path: Path) -> None:
    bucket = tmp_path / "bucket"
    # The flat layout of earlier versions, with the run's inputs and a file of the user's.
    flat = _report(tmp_path / "flat", "flat", pages=("req_old.html", "group_old.html"))
    (flat / "js" / "assertions.json").write_text("[]")
    store = open_storage(f"file://{bucket}")
    bucket.mkdir()
    for path in flat.rglob("*"):
        if path.is_file():
            store.upload_file(path, path.relative_to(flat).as_posix())
    (bucket / "pod-1.manifest.json").write_text("{}")
    (bucket / "notes.txt").write_text("the user's")
    publish(_report(tmp_path / "A", "A"), store, workers=1, build="a")
    done = publish(_report(tmp_path / "B", "B"), store, workers=1, build="b")
    assert done.removed == 7  # build a's 7 objects; the flat pages went with build a's publish
    kept = {n for n in _names(store) if not n.startswith("_builds/b/")}
    root = {"index.html", "summary.json", "js/stats.json", "js/global_stats.json"}
    assert kept == root | {"pod-1.log", "pod-1.manifest.json", "notes.txt"}
    assert _text(store, "summary.json", tmp_path) == '{"run": "B"}'
    assert not (bucket / "_builds" / "a").exists()  # emptied folders go too


def test_a_failed_switch_leaves_the_previous_report_whole(s3_bucket: Target, tmp_path: Path):
    location = s3_bucket.url + "/report"
    store = open_storage(location, s3_bucket.settings)
    publish(_report(tmp_path / "A", "A"), store, workers=2, build="a")
    before = {n: _text(store, n, tmp_path) for n in _names(store)}
    # Every PUT of the root js/stats.json is refused: the switch fails half-way, after the
    # root summary.json was already replaced (ROOT_DATA order).
    endpoint = s3_bucket.settings.endpoint_url or ""
    with FaultProxy(
        endpoint, [Fault.status_code(403, times=None)], methods={"PUT"}, path=r"/report/js/stats"
    ) as proxy:
        settings = replace(
            s3_bucket.settings,
            endpoint_url=proxy.url,
            retry=RetryPolicy(attempts=2, base_delay=0.01, max_delay=0.02),
        )
        failing = open_storage(location, settings)
        with pytest.raises(Exception, match=r"js/stats\.json"):
            publish(_report(tmp_path / "B", "B"), failing, workers=2, build="b")
        assert proxy.injected >= 1
    after = {n: _text(store, n, tmp_path) for n in _names(store) if not n.startswith("_builds/b/")}
    assert after == before
    assert before["summary.json"] == '{"run": "A"}'
    # The next publish that succeeds clears the failed one's orphaned build.
    publish(_report(tmp_path / "C", "C"), store, workers=2, build="c")
    assert {n.split("/")[1] for n in _names(store) if n.startswith("_builds/")} == {"c"}


@pytest.mark.skipif(chromium_path() is None, reason="chromium not installed")
def test_the_published_entry_page_renders_from_its_build_in_chromium(tmp_path: Path) -> None:
    report = tmp_path / "report"
    render(generated_run(), report, [])
    store = open_storage(f"file://{tmp_path}/site")
    (tmp_path / "site").mkdir()
    done = publish(report, store, workers=2)
    with Browser() as browser:
        browser.open(done.url)
        browser.wait_for('document.body.getAttribute("data-charts-ready") === "1"')
        assert browser.events.problems() == []
        link = browser.evaluate("document.querySelector('a[href^=\"req_\"]').href")
        assert link.startswith((tmp_path / "site" / "_builds" / done.build).as_uri() + "/req_")
        browser.screenshot(REPO_ROOT / "test-artifacts" / "report-published-entry.png")
