"""A Gatling 3.14 report's statistics, read from its index.html's table (3.14 writes no js/*.json).

Gatling writes one row per node (`GlobalStatsTableComponent`): the run (`ROOT`), then groups and
requests, each row naming its parent in `data-parent` and its kind by the expand button (hidden
for requests). Cells are Gatling's DecimalFormat("###.##") text: counts exact, the mean and the
percentiles whole ms, requests/s rounded to 2 decimals. An empty count is "-" (3.14.3) or "0"
(later); an empty statistic is "-".
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

from gatling_common.baseline.stats import NodeKind, NodeStats, ReportStats, StatsFormatError

_TABLES = ("container_statistics_head", "container_statistics_body")
_PCT_COLUMNS = (8, 9, 10, 11)  # col-8..col-11: percentiles1..4
_FILE_ID = re.compile(r"[\w.-]+")  # a row id names its page: a file name, never a path


@dataclass
class _Row:
    id: str = ""
    parent: str | None = None
    group: bool = False
    name: str = ""
    cells: dict[int, str] = field(default_factory=dict)


class _TableParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.rows: list[_Row] = []
        self._in_table = 0
        self._row: _Row | None = None
        self._text: list[str] | None = None
        self._cell: int | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        classes = a.get("class", "").split()
        if tag == "table" and a.get("id") in _TABLES:
            self._in_table += 1
        elif not self._in_table:
            return
        elif tag == "tr":
            self._row = _Row(parent=a.get("data-parent"))
        elif self._row is None:
            return
        elif tag == "span" and "expand-button" in classes:
            self._row.id, self._row.group = a.get("id", ""), "hidden" not in classes
        elif tag == "span" and "ellipsed-name" in classes:
            self._text = []
        elif tag == "td" and "value" in classes:
            col = next((c for c in classes if c.startswith("col-")), "")
            self._cell, self._text = (int(col[4:]) if col[4:].isdigit() else None), []

    def handle_data(self, data: str) -> None:
        if self._text is not None:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if not self._in_table:
            return
        if tag == "table":
            self._in_table -= 1
        elif self._row is None:
            return
        elif tag == "span" and self._text is not None and self._cell is None:
            self._row.name, self._text = "".join(self._text).strip(), None
        elif tag == "td" and self._cell is not None and self._text is not None:
            self._row.cells[self._cell] = "".join(self._text).strip()
            self._cell, self._text = None, None
        elif tag == "tr":
            if self._row.id:
                self.rows.append(self._row)
            self._row = None


def _count(row: _Row, col: int) -> int:
    text = row.cells.get(col, "")
    if text in ("-", ""):
        return 0
    if not text.isdigit():
        where = row.name or row.id
        raise StatsFormatError(f"{where}: column {col}: expected a count, found {text!r}")
    return int(text)


def _value(row: _Row, col: int) -> float:
    text = row.cells.get(col, "")
    if text == "-":
        return 0.0  # no response of that kind: Gatling shows "-", its stats.json 0
    try:
        return float(text)
    except ValueError:
        raise StatsFormatError(
            f"{row.name or row.id}: column {col}: expected a number, found {text!r}"
        ) from None


def _node(row: _Row, kind: NodeKind, path: tuple[str, ...], ranks: tuple[float, ...]) -> NodeStats:
    count, ok, ko = _count(row, 2), _count(row, 3), _count(row, 4)
    if ok + ko != count:
        raise StatsFormatError(f"{row.name or row.id}: OK {ok} + KO {ko} is not the total {count}")
    return NodeStats(
        kind=kind,
        path=path,
        count=count,
        ok=ok,
        ko=ko,
        min=_value(row, 7),
        max=_value(row, 12),
        mean=_value(row, 13),
        stddev=_value(row, 14),
        rps=_value(row, 6),
        percentiles={r: _value(row, c) for r, c in zip(ranks, _PCT_COLUMNS, strict=True)},
    )


def read_table(
    page: str, ranks: tuple[float, ...]
) -> tuple[ReportStats, dict[tuple[str, tuple[str, ...]], str]] | None:
    """The nodes of Gatling's statistics table in `page` (None when it has none), and each
    node's page file; `ranks` are its four percentile columns' ranks. StatsFormatError when a
    row is not Gatling's."""
    parser = _TableParser()
    parser.feed(page)
    rows = parser.rows
    if not rows or rows[0].id != "ROOT":
        return None
    if len(ranks) != len(_PCT_COLUMNS):
        raise StatsFormatError(f"the table: expected 4 percentile columns, found {len(ranks)}")
    paths: dict[str, tuple[str, ...]] = {"ROOT": ()}
    nodes = [_node(rows[0], "global", (), ranks)]
    files: dict[tuple[str, tuple[str, ...]], str] = {}
    for row in rows[1:]:
        parent = paths.get(row.parent or "ROOT")
        if parent is None:
            raise StatsFormatError(f"{row.name}: its parent {row.parent!r} comes after it")
        path = (*parent, row.name)  # the parser has unescaped it
        paths[row.id] = path
        kind: NodeKind = "group" if row.group else "request"
        nodes.append(_node(row, kind, path, ranks))
        if _FILE_ID.fullmatch(row.id):
            files[(kind, path)] = row.id + ".html"
    return ReportStats(tuple(nodes), ranks), files


__all__ = ["read_table"]
