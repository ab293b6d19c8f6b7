"""`gatling-reporter`: the only place that reads options and the environment."""

from __future__ import annotations

import logging
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
from gatling_common.cli import one_line_errors
from gatling_common.errors import InputError
from gatling_common.logs import setup_logging
from gatling_common.results.report.gatling_json import StatsSettings
from gatling_common.storage import StorageSettings, open_storage
from gatling_common.storage.options import settings_from_options, storage_options

from gatling_reporter.build import BuildSettings, build, check_output_folder, no_data_warnings
from gatling_reporter.console import render
from gatling_reporter.html.pages import (
    finish_report,
    parse_thresholds,
    threshold_lines,
    threshold_options,
)
from gatling_reporter.output import staged
from gatling_reporter.thresholds import Assertion, BaselineSource, bind_baseline, check

if TYPE_CHECKING:
    from gatling_common.baseline import Baseline

ENV = "GATLING_REPORTER_"
log = logging.getLogger("gatling_reporter")

BUILD_EPILOG = """\b
Writes DIR/js/stats.json and DIR/js/global_stats.json (Gatling's schema), DIR/summary.json
and the HTML report (DIR/index.html and its assets; it opens offline).
Shards (*.stats) are used when every pod has one, the raw logs otherwise.
Exit codes: 0 built; 2 bad input (not a Gatling log, Gatling 2.x, unknown shard version,
mixed simulation classes without --allow-mixed, a corrupt or cut .gz or an unframeable binary
record without --accept-damaged, no input, a malformed threshold or one naming an unknown
request, an unusable --baseline, or a threshold on `baseline` without one or naming what the
baseline lacks); 3 built, but a threshold failed.
"""


def parse_percentiles(ctx: click.Context, param: click.Parameter, value: str) -> tuple[float, ...]:
    try:
        ranks = tuple(float(v) for v in value.split(","))
    except ValueError:
        raise click.BadParameter(f"expected comma-separated numbers, got {value!r}") from None
    if not ranks or any(not 0 <= r <= 100 for r in ranks):
        raise click.BadParameter(f"each percentile must be between 0 and 100, got {value!r}")
    return ranks


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option("--log-level", envvar=f"{ENV}LOG_LEVEL", default="WARNING", show_default=True)
def main(log_level: str) -> None:
    """Merge Gatling simulation.logs (any number of pods) into Gatling's statistics."""
    setup_logging(log_level)


@main.command("build", epilog=BUILD_EPILOG)
@click.argument("inputs", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "-o",
    "--output",
    envvar=f"{ENV}OUTPUT",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Report folder to write.",
)
@click.option(
    "--lower-bound",
    envvar=f"{ENV}LOWER_BOUND",
    default=800,
    show_default=True,
    type=click.IntRange(min=0),
    help="Response-time range bound in ms (gatling.conf charting.indicators.lowerBound).",
)
@click.option(
    "--higher-bound",
    envvar=f"{ENV}HIGHER_BOUND",
    default=1200,
    show_default=True,
    type=click.IntRange(min=0),
    help="Response-time range bound in ms (charting.indicators.higherBound).",
)
@click.option(
    "--percentiles",
    envvar=f"{ENV}PERCENTILES",
    default="50,75,95,99",
    show_default=True,
    callback=parse_percentiles,
    help="Comma-separated percentiles (exact values).",
)
@click.option(
    "--allow-mixed",
    envvar=f"{ENV}ALLOW_MIXED",
    is_flag=True,
    help="Merge logs of different simulation classes.",
)
@click.option(
    "--accept-damaged",
    envvar=f"{ENV}ACCEPT_DAMAGED",
    is_flag=True,
    help="Report a log with a corrupt or cut gzip stream, or a binary record that cannot be "
    "framed, from the records before the damage (counted under Skipped records).",
)
@click.option(
    "--baseline",
    "baseline_ref",
    envvar=f"{ENV}BASELINE",
    default=None,
    metavar="REF",
    help="Compare with this report: a report folder of ours or of Gatling (its js/stats.json), "
    "or a storage URL of one of ours, or (`report` only) `previous`: the newest complete report "
    "beside --destination's run; thresholds may then say `baseline`, e.g. "
    "'global.p95 < baseline * 1.1', and summary.json gets a `comparison` section.",
)
@threshold_options
@one_line_errors
def build_command(
    inputs: tuple[Path, ...],
    output: Path,
    lower_bound: int,
    higher_bound: int,
    percentiles: tuple[float, ...],
    allow_mixed: bool,
    accept_damaged: bool,
    assertions: tuple[str, ...],
    assertion_files: tuple[Path, ...],
    junit: Path | None,
    baseline_ref: str | None,
) -> None:
    """Read INPUTS (logs, .log.gz, shards, folders) and write the statistics to -o DIR."""
    if higher_bound <= lower_bound:
        raise click.BadParameter(
            f"--higher-bound ({higher_bound}) must be greater than --lower-bound ({lower_bound})"
        )
    thresholds = parse_thresholds(assertions, assertion_files)  # fail before the long part
    baseline = None
    if baseline_ref:
        # lazy: only --baseline needs the baseline modules (about 25 ms to import)
        from gatling_common.baseline import load_baseline
        from gatling_common.baseline.previous import PREVIOUS

        if baseline_ref == PREVIOUS:
            raise click.BadParameter(
                "--baseline previous: only `report` can look for it (beside its --destination); "
                "give `build` a report folder or a storage URL"
            )
        baseline = load_baseline(baseline_ref)
    thresholds = bind_baseline(thresholds, BaselineSource(baseline.stats) if baseline else None)
    check_output_folder(output)
    with staged(output) as stage:  # built beside -o, swapped in once complete
        settings = BuildSettings(
            inputs=inputs,
            output=stage,
            stats=StatsSettings(lower_bound, higher_bound, percentiles),
            allow_mixed=allow_mixed,
            accept_damaged=accept_damaged,
        )
        result = build(settings)
        add_comparison(result.summary, baseline, result.stats_json, result.indicators)
        no_data_warnings(result.stats, result.summary)
        verdicts = finish_report(
            result.stats,
            result.summary,
            result.indicators,
            stage,
            thresholds,
            junit,
            result.series,
            stats_json=result.stats_json,
            baseline_series=baseline.series if baseline else None,
        )
    click.echo(render(result.summary), nl=False)
    click.echo(threshold_lines(verdicts), nl=False)
    click.echo(f"Report: {(output / 'index.html').resolve()}")
    check(verdicts)


def add_comparison(
    summary: dict[str, Any],
    baseline: Baseline | None,
    stats_json: dict[str, Any],
    indicators: StatsSettings,
) -> None:
    """summary.json's `comparison` section (the run against --baseline), when there is one."""
    if baseline is not None:
        from gatling_common.baseline import baseline_summary, report_stats  # lazy: --baseline

        current = report_stats(stats_json, indicators.percentiles)
        summary["comparison"] = baseline_summary(baseline, current)


def _previous(
    destination: str, settings: StorageSettings, thresholds: list[Assertion]
) -> tuple[str | None, list[Assertion]]:
    """`--baseline previous` as a URL; none yet (a first run): relative thresholds are left out,
    said, since there is nothing to be relative to."""
    from gatling_common.baseline.previous import previous_report  # lazy: as in report_command

    try:
        found = previous_report(destination, settings)
    except ValueError as exc:
        raise click.BadParameter(f"--baseline previous: {exc}") from None
    if found is not None:
        log.info("baseline previous: %s", found)
        return found, thresholds
    relative = [t for t in thresholds if t.relative is not None]
    log.warning(
        "baseline previous: no earlier complete report beside %s; %d threshold(s) on the "
        "baseline left out: %s",
        destination,
        len(relative),
        ", ".join(t.expression for t in relative) or "none",
    )
    return None, [t for t in thresholds if t.relative is None]


REPORT_EPILOG = """\b
Lists SOURCE (the per-pod <pod>.log, <pod>.log.gz and <pod>.stats the transferers wrote),
downloads what the report needs (the shards when every pod has one, else the logs), builds the
report as `build` does and uploads it (not the raw logs) to DESTINATION. The last line on
stdout is the report's URL (index.html).
Exit codes: 0 published; 1 a storage failure (a missing bucket, denied, still failing after
the retries); 2 bad input (no logs under SOURCE, a malformed threshold, ...); 3 published, but a
threshold failed.
"""
# The statistics options are `build`'s own (same names and env vars), shared, not redefined.
_SHARED_BUILD_OPTIONS = (
    "lower_bound", "higher_bound", "percentiles", "allow_mixed", "accept_damaged", "baseline_ref",
)  # fmt: skip


@main.command("report", epilog=REPORT_EPILOG)
@click.option(
    "--source",
    envvar=f"{ENV}SOURCE",
    required=True,
    metavar="URL",
    help="The run's storage location: s3://bucket/prefix, gs://, az://container/prefix, file:///dir.",
)
@click.option(
    "--destination",
    envvar=f"{ENV}DESTINATION",
    default=None,
    metavar="URL",
    help="Where the report goes (default: SOURCE).",
)
@click.option(
    "--workers",
    envvar=f"{ENV}WORKERS",
    type=click.IntRange(min=1, max=64),
    default=8,
    show_default=True,
    help="Files downloaded / uploaded in parallel.",
)
@click.option(
    "--progress-level",
    envvar=f"{ENV}PROGRESS_LEVEL",
    type=click.Choice(["DEBUG", "INFO", "WARNING", "ERROR"], case_sensitive=False),
    default="INFO",
    show_default=True,
    help="Log level of this agent's progress lines (files, bytes, phases) on stderr.",
)
@storage_options
@threshold_options
@one_line_errors
def report_command(
    source: str,
    destination: str | None,
    workers: int,
    progress_level: str,
    lower_bound: int,
    higher_bound: int,
    percentiles: tuple[float, ...],
    allow_mixed: bool,
    accept_damaged: bool,
    assertions: tuple[str, ...],
    assertion_files: tuple[Path, ...],
    junit: Path | None,
    baseline_ref: str | None,
    **storage: Any,
) -> None:
    """Build the report of the run at --source and publish it to --destination."""
    # lazy: only `report` fetches, publishes and looks for `--baseline previous`
    from gatling_common.baseline import load_baseline
    from gatling_common.baseline.previous import PREVIOUS

    from gatling_reporter.agent import (
        fetch_inputs,
        in_source_terms,
        incomplete_warnings,
        name_inputs_by_source,
        pod_statuses,
    )
    from gatling_reporter.publish import publish

    setup_logging(progress_level)
    if higher_bound <= lower_bound:
        raise click.BadParameter(
            f"--higher-bound ({higher_bound}) must be greater than --lower-bound ({lower_bound})"
        )
    thresholds = parse_thresholds(assertions, assertion_files)
    storage_settings = settings_from_options(storage)
    if baseline_ref == PREVIOUS:
        baseline_ref, thresholds = _previous(destination or source, storage_settings, thresholds)
    baseline = load_baseline(baseline_ref, storage_settings) if baseline_ref else None
    thresholds = bind_baseline(thresholds, BaselineSource(baseline.stats) if baseline else None)
    source_store = open_storage(source, storage_settings)
    target_store = open_storage(destination or source, storage_settings)
    with tempfile.TemporaryDirectory(prefix="gatling-reporter-") as tmp:
        fetched = fetch_inputs(source_store, Path(tmp, "inputs"), workers=workers)
        settings = BuildSettings(
            inputs=(Path(tmp, "inputs"),),
            output=Path(tmp, "report"),
            stats=StatsSettings(lower_bound, higher_bound, percentiles),
            allow_mixed=allow_mixed,
            accept_damaged=accept_damaged,
        )
        try:
            result = build(settings, statuses=pod_statuses(fetched))
        except InputError as exc:
            raise in_source_terms(exc, Path(tmp, "inputs"), source_store) from None
        name_inputs_by_source(result.stats, result.summary, Path(tmp, "inputs"), source_store)
        add_comparison(result.summary, baseline, result.stats_json, result.indicators)
        no_data_warnings(result.stats, result.summary)
        incomplete_warnings(fetched, source_store, result.summary)
        verdicts = finish_report(
            result.stats,
            result.summary,
            result.indicators,
            settings.output,
            thresholds,
            junit,
            result.series,
            stats_json=result.stats_json,
            baseline_series=baseline.series if baseline else None,
        )
        url = publish(settings.output, target_store, workers=workers).url
    click.echo(render(result.summary), nl=False)
    click.echo(threshold_lines(verdicts), nl=False)
    click.echo(url)
    check(verdicts)


for _param in build_command.params:
    if _param.name in _SHARED_BUILD_OPTIONS:
        report_command.params.append(_param)
