"""Chart data read off a Gatling report's own pages, for the baseline's overlay.

Only what the overlay draws: per page, the response-time percentiles over time (for groups: the
duration's) and the requests per second, in gatling-series/1 form (`percentiles` /
`duration_percentiles`: `[[t, [min, p25, ..., max] | null]]`, `requests`: `[[t, total, ok, ko]]`).
Each chart is found by the id of its container (`renderTo: '...'`); its data is
- 3.0-3.13: the `var X = unpack([[t, [...]], ...]);` written just before the chart (the packed
  requests are [total, KO, OK] up to 3.7, whose chart ids are `container*`, [total, OK, KO] from
  3.8);
- 3.14: plain series inside the chart, `name: 'min', data: [[t ms, v], ...]` (ten percentiles in
  order; the requests chart has the total only).
What cannot be read is left out (no overlay for that page), never guessed.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from typing import Any

PageKey = tuple[str, tuple[str, ...]]
PERCENTILE_CHARTS = {
    "container": "percentiles",  # 3.0-3.7
    "responsetimepercentilesovertimeokPercentilesContainer": "percentiles",  # 3.8+
    "durationContainer": "duration_percentiles",  # 3.0-3.7 group pages
    "groupdurationpercentilesovertimeokPercentilesContainer": "duration_percentiles",
}
REQUEST_CHARTS = {"container_requests": (2, 1), "requests": (1, 2)}  # (ok, ko) in the pack
_RENDER_TO = re.compile(r"renderTo:\s*'([A-Za-z_]+)'")
_PACKED = re.compile(r"var\s+\w+\s*=\s*unpack\((\[.*?\])\);", re.S)
_PLAIN = re.compile(r"name:\s*'([^']*)',\s*data:\s*(\[\[.*?\]\])", re.S)


def _json(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return None


def _charts(page: str) -> dict[str, tuple[str, str]]:
    """Chart id -> (the text before it since the previous chart, the chart's own text)."""
    marks = list(_RENDER_TO.finditer(page))
    out: dict[str, tuple[str, str]] = {}
    for i, mark in enumerate(marks):
        before = page[marks[i - 1].end() if i else 0 : mark.start()]
        own = page[mark.end() : marks[i + 1].start() if i + 1 < len(marks) else len(page)]
        out.setdefault(mark.group(1), (before, own))
    return out


def _packed(before: str) -> list[Any] | None:
    found = list(_PACKED.finditer(before))
    data = _json(found[-1].group(1)) if found else None
    return data if isinstance(data, list) else None


def _plain(own: str) -> list[list[Any]]:
    series = []
    for match in _PLAIN.finditer(own):
        data = _json(match.group(2))
        if isinstance(data, list):
            series.append(data)
    return series


def _percentiles(before: str, own: str) -> list[list[Any]] | None:
    packed = _packed(before)
    if packed is not None:
        return [[int(t), None if v is None else [int(x) for x in v]] for t, v in packed]
    series = _plain(own)[:10]
    if len(series) != 10 or len({len(s) for s in series}) != 1:
        return None
    points = []
    for column in zip(*series, strict=True):
        values = [v for _, v in column]
        t = int(column[0][0]) // 1000
        points.append([t, None if None in values else [int(v) for v in values]])
    return points


def _requests(chart: str, before: str, own: str) -> list[list[Any]] | None:
    packed = _packed(before)
    if packed is not None:
        ok, ko = REQUEST_CHARTS[chart]
        return [[int(t), int(v[0]), int(v[ok]), int(v[ko])] for t, v in packed]
    series = _plain(own)
    if not series:
        return None
    return [[int(t) // 1000, None if n is None else int(n), None, None] for t, n in series[0]]


def page_series(kind: str, path: tuple[str, ...], page: str) -> dict[str, Any] | None:
    """The page's overlay data, or None when none of its charts can be read."""
    out: dict[str, Any] = {"kind": kind, "path": list(path)}
    for chart, (before, own) in _charts(page).items():
        try:
            if chart in PERCENTILE_CHARTS:
                value = _percentiles(before, own)
                key = PERCENTILE_CHARTS[chart]
            elif chart in REQUEST_CHARTS and kind != "group":
                value, key = _requests(chart, before, own), "requests"
            else:
                continue
        except (TypeError, ValueError, IndexError):
            value = None  # not Gatling's shape: that chart is left out
        if value:
            out.setdefault(key, value)
    return out if len(out) > 2 else None


def series_from_pages(
    read: Callable[[str], bytes | None], files: Mapping[PageKey, str]
) -> dict[str, Any] | None:
    """A gatling-series/1 document of the pages that could be read (None: no page could)."""
    pages = []
    for (kind, path), name in {("global", ()): "index.html", **files}.items():
        raw = read(name)
        found = page_series(kind, path, raw.decode("utf-8", "replace")) if raw else None
        if found is not None:
            pages.append({**found, "file": name})
    if not pages:
        return None
    return {"schema": "gatling-series/1", "source": {"generator": "gatling"}, "pages": pages}


def stats_json_files(tree: Mapping[str, Any]) -> dict[PageKey, str]:
    """Each node's page in a Gatling report of 3.0-3.13: `<pathFormatted>.html`."""
    files: dict[PageKey, str] = {}

    def walk(node: Mapping[str, Any], path: tuple[str, ...]) -> None:
        contents = node.get("contents")
        for child in contents.values() if isinstance(contents, Mapping) else ():
            name, fmt = child.get("name"), child.get("pathFormatted")
            if not isinstance(name, str) or not isinstance(fmt, str):
                continue
            kind = "group" if child.get("type") == "GROUP" else "request"
            if re.fullmatch(r"[\w.-]+", fmt):  # a file name, never a path
                files[(kind, (*path, name))] = fmt + ".html"
            if kind == "group":
                walk(child, (*path, name))

    walk(tree, ())
    return files


__all__ = ["page_series", "series_from_pages", "stats_json_files"]
