"""Load a baseline: the report a run is compared with.

REF is one of
- a report folder of ours: `js/stats.json`, `js/series.json` (schema `gatling-series/1`) and
  `summary.json` (format `gatling-fleet-summary`, which tells it is ours and gives its
  percentiles);
- a storage location holding such a report (s3://, gs://, az://, file:///): the same files,
  downloaded with `gatling_common.storage` into a temporary folder;
- a report folder written by Gatling itself: its `js/stats.json` (no summary.json); the ranks of
  its percentiles1..4 are read from its index.html's table headers ("95th pct"), Gatling's
  defaults (50, 75, 95, 99) otherwise. Gatling 3.14 writes no js/*.json: its statistics are read
  from index.html's table (gatling_table.py; requests/s there are rounded to 2 decimals).
  Chart data is read from `js/series.json` when the folder has one, else what the overlay draws
  is read off Gatling's pages (gatling_pages.py; `series` is None when no page has it).

A published location (`_builds/<build>/` plus root copies, see gatling_reporter.publish) is read
from the build its index.html points at (`<base href="_builds/<build>/">`), so the statistics
and the chart data come from one build; a folder without that index.html is read as it is.

Every failure to read one is a `BaselineError` naming the file and what was expected.
"""

from __future__ import annotations

import json
import re
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from gatling_common.baseline.gatling_pages import series_from_pages, stats_json_files
from gatling_common.baseline.gatling_table import read_table
from gatling_common.baseline.stats import (
    DEFAULT_PERCENTILES,
    ReportStats,
    StatsFormatError,
    percentile_count,
    report_stats,
)
from gatling_common.errors import InputError
from gatling_common.storage import NotFoundError, StorageSettings, open_storage

BaselineKind = Literal["ours", "gatling"]
SERIES_SCHEMA = "gatling-series/1"
SUMMARY_FORMAT = "gatling-fleet-summary"
STATS = "js/stats.json"
SERIES = "js/series.json"
SUMMARY = "summary.json"
INDEX = "index.html"
_STORAGE_REF = re.compile(r"^(?:s3|gs|gcs|az|azure|file)://", re.IGNORECASE)
_BASE_HREF = re.compile(r"""<base\s+href=["'](_builds/[^"'/]+/)["']""", re.IGNORECASE)
_PCT_HEADER = re.compile(r">\s*(\d{1,3}(?:\.\d+)?)(?:st|nd|rd|th) pct\s*<")


class BaselineError(InputError):
    """The baseline cannot be used: `path` is the file at fault, `expected` what it should be."""

    def __init__(self, ref: str, path: str, expected: str, found: str = "") -> None:
        self.ref, self.path, self.expected = ref, path, expected
        head = f"{found}; expected" if found else "expected"
        super().__init__(f"--baseline {ref}: {path}: {head} {expected}")


@dataclass(frozen=True)
class Baseline:
    ref: str  # as given
    kind: BaselineKind
    stats: ReportStats
    series: dict[str, Any] | None  # js/series.json (gatling-series/1), when there is one
    run: dict[str, Any]  # what identifies the baseline run (summary.json's run and simulation)


Reader = Callable[[str], bytes | None]
"""A report file's bytes by its name relative to the report (None when absent)."""


def is_storage_ref(ref: str) -> bool:
    return bool(_STORAGE_REF.match(ref.strip()))


def load_baseline(ref: str, storage_settings: StorageSettings | None = None) -> Baseline:
    """The baseline REF (a folder, or a storage location); BaselineError when unusable."""
    if is_storage_ref(ref):
        return _load_from_storage(ref, storage_settings)
    folder = Path(ref)
    if not folder.is_dir():
        found = "not a folder" if folder.exists() else "does not exist"
        raise BaselineError(
            ref, ref, "a report folder (with js/stats.json) or a storage URL", found
        )

    def read(name: str) -> bytes | None:
        path = folder / name
        try:
            return path.read_bytes() if path.is_file() else None
        except OSError as exc:
            raise BaselineError(
                ref, str(path), "a readable file", exc.strerror or "unreadable"
            ) from exc

    return load_report(ref, read, lambda name: str(folder / name))


def _load_from_storage(ref: str, settings: StorageSettings | None) -> Baseline:
    store = open_storage(ref, settings)
    with tempfile.TemporaryDirectory(prefix="gatling-baseline-") as tmp:

        def read(name: str) -> bytes | None:
            local = Path(tmp, *name.split("/"))
            local.parent.mkdir(parents=True, exist_ok=True)
            try:
                store.download_file(name, local)
            except NotFoundError:
                return None
            return local.read_bytes()

        return load_report(ref, read, store.describe)


def load_report(ref: str, read: Reader, describe: Callable[[str], str]) -> Baseline:
    """A baseline from a report's files (`read` gives them by name); the build that a published
    location's index.html points at is read instead of the root."""
    index = read(INDEX)
    base = _BASE_HREF.search(index.decode("utf-8", "replace")) if index else None
    if base is not None:
        prefix = base.group(1)
        inner_index = read(prefix + INDEX)
        return _load_files(
            ref, lambda name: read(prefix + name), _prefixed(describe, prefix), inner_index
        )
    return _load_files(ref, read, describe, index)


def _prefixed(describe: Callable[[str], str], prefix: str) -> Callable[[str], str]:
    return lambda name: describe(prefix + name)


def _json(ref: str, raw: bytes, where: str, what: str) -> Any:
    try:
        return json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise BaselineError(ref, where, what, f"not valid JSON ({first})") from None


def _load_files(
    ref: str, read: Reader, describe: Callable[[str], str], index: bytes | None
) -> Baseline:
    raw_stats = read(STATS)
    if raw_stats is None and index is not None:
        from_table = _table_stats(ref, index, describe(INDEX))
        if from_table is not None:
            table, files = from_table
            drawn = series_from_pages(read, files)
            return Baseline(ref=ref, kind="gatling", stats=table, series=drawn, run=_run(None))
    if raw_stats is None:
        raise BaselineError(
            ref,
            describe(STATS),
            "a report's statistics (ours, Gatling's; or a Gatling 3.14 index.html's table)",
            "missing",
        )
    tree = _json(ref, raw_stats, describe(STATS), "Gatling's stats.json")
    raw_summary = read(SUMMARY)
    summary = (
        _json(ref, raw_summary, describe(SUMMARY), "our summary.json") if raw_summary else None
    )
    ours = isinstance(summary, dict) and summary.get("format") == SUMMARY_FORMAT
    if ours:
        assert isinstance(summary, dict)
        ranks = _summary_percentiles(ref, summary, describe(SUMMARY))
    else:
        found_ranks = _gatling_percentiles(index, tree)
        if found_ranks is None:
            raise BaselineError(
                ref,
                describe(INDEX),
                'the report\'s table headers naming its percentiles ("95th pct")',
                f"stats.json has {percentile_count(tree)} percentiles and no page names them",
            )
        ranks = found_ranks
    try:
        stats = report_stats(tree, ranks)
    except StatsFormatError as exc:
        raise BaselineError(ref, describe(STATS), "Gatling's stats.json shape", str(exc)) from None
    raw_series = read(SERIES)
    series: dict[str, Any] | None = None
    if raw_series is not None:
        series = _series(ref, raw_series, describe(SERIES))
    elif ours:
        raise BaselineError(
            ref, describe(SERIES), f"our chart data (schema {SERIES_SCHEMA})", "missing"
        )
    else:
        series = series_from_pages(read, stats_json_files(tree))
    return Baseline(
        ref=ref,
        kind="ours" if ours else "gatling",
        stats=stats,
        series=series,
        run=_run(summary if ours else None),
    )


def _table_stats(
    ref: str, index: bytes, where: str
) -> tuple[ReportStats, dict[tuple[str, tuple[str, ...]], str]] | None:
    page = index.decode("utf-8", "replace")
    ranks = tuple(float(m) for m in _PCT_HEADER.findall(page)) or DEFAULT_PERCENTILES
    try:
        return read_table(page, ranks)
    except StatsFormatError as exc:
        raise BaselineError(ref, where, "Gatling's statistics table", str(exc)) from None


def _summary_percentiles(ref: str, summary: dict[str, Any], where: str) -> tuple[float, ...]:
    settings = summary.get("settings")
    ranks = settings.get("percentiles") if isinstance(settings, dict) else None
    if not isinstance(ranks, list) or not all(
        isinstance(r, int | float) and not isinstance(r, bool) for r in ranks
    ):
        raise BaselineError(ref, where, "our summary.json", "no settings.percentiles list")
    return tuple(float(r) for r in ranks)


def _gatling_percentiles(index: bytes | None, tree: Any) -> tuple[float, ...] | None:
    """The ranks of Gatling's percentiles1..N: its table's headers, else Gatling's defaults."""
    count = percentile_count(tree) if isinstance(tree, dict) else 0
    if index is not None:
        found = tuple(float(m) for m in _PCT_HEADER.findall(index.decode("utf-8", "replace")))
        if found and len(found) == count:
            return found
    return DEFAULT_PERCENTILES if count == len(DEFAULT_PERCENTILES) else None


def _series(ref: str, raw: bytes, where: str) -> dict[str, Any]:
    what = f"chart data of schema {SERIES_SCHEMA}"
    doc = _json(ref, raw, where, what)
    if not isinstance(doc, dict) or doc.get("schema") != SERIES_SCHEMA:
        found = doc.get("schema") if isinstance(doc, dict) else None
        raise BaselineError(ref, where, what, f"schema {json.dumps(found)}")
    if not isinstance(doc.get("pages"), list):
        raise BaselineError(ref, where, what, "no 'pages' list")
    return doc


def _run(summary: dict[str, Any] | None) -> dict[str, Any]:
    if summary is None:
        return {
            "start": None,
            "end": None,
            "duration_s": None,
            "simulations": [],
            "gatling_versions": [],
        }
    run = summary.get("run") if isinstance(summary.get("run"), dict) else {}
    simulation = summary.get("simulation") if isinstance(summary.get("simulation"), dict) else {}
    assert isinstance(run, dict) and isinstance(simulation, dict)
    return {
        "start": run.get("start"),
        "end": run.get("end"),
        "duration_s": run.get("duration_s"),
        "simulations": list(simulation.get("classes") or []),
        "gatling_versions": list(simulation.get("gatling_versions") or []),
    }
