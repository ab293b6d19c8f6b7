"""Loading a baseline: our folders, Gatling's, storage locations, and the errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from gatling_common.baseline import BaselineError, load_baseline
from gatling_common.errors import InputError

from tests.baseline.helpers import group, request, tree, write_report
from tests.support.shared import gatling_report


def sample_tree() -> dict:
    return tree(request("Home"), group("Shop", request("Pay", ("Shop",), mean=250)))


def test_loads_our_folder_with_paths_kinds_and_percentiles(tmp_path: Path):
    folder = write_report(tmp_path / "r", sample_tree(), percentiles=(50.0, 90.0, 99.0, 99.9))
    baseline = load_baseline(str(folder))
    assert baseline.kind == "ours"
    assert baseline.ref == str(folder)
    assert baseline.series is not None and baseline.series["schema"] == "gatling-series/1"
    assert [n.key for n in baseline.stats.nodes] == [
        ("global", ()),
        ("request", ("Home",)),
        ("group", ("Shop",)),
        ("request", ("Shop", "Pay")),
    ]
    assert baseline.stats.percentiles == (50.0, 90.0, 99.0, 99.9)
    pay = baseline.stats.get("request", ("Shop", "Pay"))
    assert pay is not None and pay.mean == 250 and pay.percentiles[99.9] == 180
    assert baseline.run == {
        "start": 1,
        "end": 2001,
        "duration_s": 2,
        "simulations": ["a.Sim"],
        "gatling_versions": ["3.10.5"],
    }


def test_a_folder_without_our_summary_is_gatlings_with_its_default_percentiles(tmp_path: Path):
    folder = write_report(tmp_path / "g", sample_tree(), ours=False)
    baseline = load_baseline(str(folder))
    assert (baseline.kind, baseline.series) == ("gatling", None)
    assert baseline.stats.percentiles == (50.0, 75.0, 95.0, 99.0)


def test_gatlings_percentile_ranks_come_from_its_table_headers(tmp_path: Path):
    folder = write_report(tmp_path / "g", sample_tree(), ours=False)
    headers = "".join(f"<th><span>{r}th pct</span></th>" for r in (50, 80, 90, 99.9))
    (folder / "index.html").write_text(f"<html><head></head><body>{headers}</body></html>")
    assert load_baseline(str(folder)).stats.percentiles == (50.0, 80.0, 90.0, 99.9)


@pytest.mark.shared
def test_loads_gatlings_own_report_folder():
    folder = gatling_report("v3.1.1-groups-jacksolirius")
    baseline = load_baseline(str(folder))
    assert baseline.kind == "gatling"
    assert baseline.stats.percentiles == (50.0, 75.0, 95.0, 99.0)
    assert baseline.stats.run.count == 30 and baseline.stats.run.ko == 3
    groups = [n for n in baseline.stats.nodes if n.kind == "group"]
    assert len(groups) == 4
    assert len([n for n in baseline.stats.nodes if n.kind == "request"]) == 10


def test_loads_a_storage_location_through_the_published_build(tmp_path: Path):
    """A published location: root copies plus _builds/<build>/, index.html pointing at it."""
    location = tmp_path / "bucket"
    write_report(location / "_builds" / "b2", tree(request("New")))
    write_report(location, tree(request("Stale root copy")))  # what the build is not
    (location / "index.html").write_text('<html><head>\n<base href="_builds/b2/"></head></html>')
    baseline = load_baseline(location.as_uri())
    assert baseline.kind == "ours"
    assert baseline.ref == location.as_uri()
    assert [n.path for n in baseline.stats.nodes] == [(), ("New",)]


def test_loads_a_flat_storage_location(tmp_path: Path):
    location = write_report(tmp_path / "flat", tree(request("Home")))
    assert [n.path for n in load_baseline(location.as_uri()).stats.nodes] == [(), ("Home",)]


def error_of(ref: str) -> str:
    with pytest.raises(BaselineError) as caught:
        load_baseline(ref)
    assert isinstance(caught.value, InputError)  # exit code 2, one line
    return str(caught.value)


def test_error_when_the_folder_does_not_exist(tmp_path: Path):
    ref = str(tmp_path / "nope")
    assert error_of(ref) == (
        f"--baseline {ref}: {ref}: does not exist; expected a report folder "
        "(with js/stats.json) or a storage URL"
    )


def test_error_when_stats_json_is_missing(tmp_path: Path):
    (tmp_path / "empty").mkdir()
    ref = str(tmp_path / "empty")
    assert error_of(ref) == (
        f"--baseline {ref}: {ref}/js/stats.json: missing; expected a report's statistics "
        "(ours, Gatling's; or a Gatling 3.14 index.html's table)"
    )


def test_error_when_stats_json_is_missing_in_storage(tmp_path: Path):
    (tmp_path / "empty").mkdir()
    ref = (tmp_path / "empty").as_uri()
    message = error_of(ref)
    assert message.startswith(f"--baseline {ref}: ")
    assert message.endswith(
        "js/stats.json: missing; expected a report's statistics "
        "(ours, Gatling's; or a Gatling 3.14 index.html's table)"
    )


def test_error_when_stats_json_is_not_json(tmp_path: Path):
    folder = write_report(tmp_path / "r", sample_tree())
    (folder / "js" / "stats.json").write_text("{oops")
    ref = str(folder)
    assert error_of(ref) == (
        f"--baseline {ref}: {ref}/js/stats.json: not valid JSON (Expecting property name "
        "enclosed in double quotes: line 1 column 2 (char 1)); expected Gatling's stats.json"
    )


def test_error_when_stats_json_has_the_wrong_shape(tmp_path: Path):
    broken = sample_tree()
    del broken["contents"]["k1"]["contents"]["k0"]["stats"]["meanResponseTime"]
    folder = write_report(tmp_path / "r", broken)
    ref = str(folder)
    assert error_of(ref) == (
        f"--baseline {ref}: {ref}/js/stats.json: Shop / Pay: expected meanResponseTime.total "
        "to be a number; expected Gatling's stats.json shape"
    )


def test_error_when_stats_json_is_not_a_tree(tmp_path: Path):
    folder = write_report(tmp_path / "r", sample_tree())
    (folder / "js" / "stats.json").write_text(json.dumps([1, 2]))
    ref = str(folder)
    assert error_of(ref) == (
        f'--baseline {ref}: {ref}/js/stats.json: the run: expected an object with "type": '
        '"GROUP" at the top; expected Gatling\'s stats.json shape'
    )


def test_error_when_series_has_another_schema(tmp_path: Path):
    folder = write_report(tmp_path / "r", sample_tree())
    (folder / "js" / "series.json").write_text(json.dumps({"schema": "other/2", "pages": []}))
    ref = str(folder)
    assert error_of(ref) == (
        f'--baseline {ref}: {ref}/js/series.json: schema "other/2"; expected chart data of '
        "schema gatling-series/1"
    )


def test_error_when_our_report_lacks_its_series(tmp_path: Path):
    folder = write_report(tmp_path / "r", sample_tree())
    (folder / "js" / "series.json").unlink()
    ref = str(folder)
    assert error_of(ref) == (
        f"--baseline {ref}: {ref}/js/series.json: missing; expected our chart data "
        "(schema gatling-series/1)"
    )


def test_error_when_summary_and_stats_disagree_on_percentiles(tmp_path: Path):
    folder = write_report(tmp_path / "r", sample_tree(), percentiles=(50.0, 99.0))
    ref = str(folder)
    assert error_of(ref) == (
        f"--baseline {ref}: {ref}/js/stats.json: the run: expected 2 percentiles "
        "(percentiles1..2), found 4; expected Gatling's stats.json shape"
    )


def test_error_when_gatlings_percentiles_cannot_be_named(tmp_path: Path):
    stats = sample_tree()
    stats["stats"]["percentiles5"] = {"total": 1, "ok": 1, "ko": 0}
    folder = write_report(tmp_path / "g", stats, ours=False)
    ref = str(folder)
    assert error_of(ref) == (
        f"--baseline {ref}: {ref}/index.html: stats.json has 5 percentiles and no page names "
        'them; expected the report\'s table headers naming its percentiles ("95th pct")'
    )


@pytest.mark.shared
def test_a_gatling_3_14_report_is_read_from_its_statistics_table():
    baseline = load_baseline(str(gatling_report("v3.14.3bin-store-daru1914")))
    assert baseline.kind == "gatling" and baseline.series is not None  # read off its pages
    run = baseline.stats.run
    assert (run.count, run.ok, run.ko, run.rps, run.mean) == (5200, 3900, 1300, 55.32, 122)
    assert baseline.stats.percentiles == (50.0, 75.0, 95.0, 99.0)
    assert [n.path for n in baseline.stats.nodes[1:]] == [
        ("List products",),
        ("View product detail",),
        ("Simulate order",),
        ("Broken endpoint",),
    ]
    broken = baseline.stats.get("request", ("Broken endpoint",))
    assert broken is not None and (broken.ok, broken.ko) == (0, 1300)


def _row(id_: str, parent: str | None, name: str, cells: list[str], group: bool) -> str:
    """A row as Gatling 3.14.9's GlobalStatsTableComponent writes it."""
    data_parent = f'data-parent="{parent}"' if parent else ""
    hidden = "" if group else "hidden"
    tds = "".join(f'<td class="value total col-{i}">{c}</td>' for i, c in enumerate(cells, start=2))
    return (
        f'<tr id="{id_}" {data_parent}><td class="total col-1"><div class="expandable-container">'
        f'<span id="{id_}" style="margin-left: 0px;" class="expand-button {hidden}">&nbsp;</span>'
        f'<a href="{id_}.html" class="withTooltip"><span class="table-cell-tooltip" '
        f'id="parent-stats-table-{id_}"><span id="stats-table-{id_}" class="ellipsed-name">'
        f'{name}</span></span></a><span class="value" style="display:none;">0</span></div></td>'
        f"{tds}</tr>"
    )


def _table_page(rows: list[str], pcts: str = "50th pct|75th pct|95th pct|99th pct") -> str:
    heads = "".join(f"<th><span>{h}</span></th>" for h in pcts.split("|"))
    return (
        f'<html><body><table id="container_statistics_head"><thead><tr>{heads}</tr></thead>'
        f"<tbody>{rows[0]}</tbody></table>"
        f'<table id="container_statistics_body"><tbody>{"".join(rows[1:])}</tbody></table>'
    )


CELLS = ["10", "9", "1", "10", "2.5", "3", "5", "6", "7", "8", "9", "5", "1"]


def test_a_3_14_table_with_groups_and_hostile_names(tmp_path: Path):
    folder = tmp_path / "g"
    folder.mkdir()
    hostile = "&lt;b&gt;Pay &amp;amp; &quot;go&quot;&lt;/b&gt;"
    page = _table_page(
        [
            _row("ROOT", None, "All Requests", CELLS, True),
            _row("group_shop-1", "ROOT", "Shop", CELLS, True),
            _row("req_pay-2", "group_shop-1", hostile, CELLS, False),
            _row("req_home-3", "ROOT", "Home", ["10", "10", "0", *CELLS[3:]], False),
        ],
        pcts="50th pct|90th pct|99th pct|99.9th pct",
    )
    (folder / "index.html").write_text(page)
    stats = load_baseline(str(folder)).stats
    assert [n.key for n in stats.nodes] == [
        ("global", ()),
        ("group", ("Shop",)),
        ("request", ("Shop", '<b>Pay &amp; "go"</b>')),
        ("request", ("Home",)),
    ]
    assert stats.percentiles == (50.0, 90.0, 99.0, 99.9)
    home = stats.get("request", ("Home",))
    assert home is not None and (home.ko, home.percentiles[99.9]) == (0, 8.0)


def test_error_for_a_3_14_table_whose_counts_do_not_add_up(tmp_path: Path):
    folder = tmp_path / "g"
    folder.mkdir()
    rows = [_row("ROOT", None, "All Requests", ["10", "9", "2", *CELLS[3:]], True)]
    (folder / "index.html").write_text(_table_page(rows))
    assert error_of(str(folder)) == (
        f"--baseline {folder}: {folder}/index.html: All Requests: OK 9 + KO 2 is not the total "
        "10; expected Gatling's statistics table"
    )
