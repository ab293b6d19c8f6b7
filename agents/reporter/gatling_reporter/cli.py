"""`gatling-reporter`: the only place that reads options and the environment."""

from __future__ import annotations

from pathlib import Path

import click
from gatling_common.cli import one_line_errors
from gatling_common.logs import setup_logging
from gatling_common.results.gatling_json import StatsSettings

from gatling_reporter.build import BuildSettings, build
from gatling_reporter.console import render

ENV = "GATLING_REPORTER_"

BUILD_EPILOG = """\b
Writes DIR/js/stats.json and DIR/js/global_stats.json (Gatling's schema) and DIR/summary.json.
Shards (*.stats) are used when every pod has one, the raw logs otherwise.
Exit codes: 0 built; 2 bad input (not a Gatling log, Gatling 2.x, unknown shard version,
mixed simulation classes without --allow-mixed, no input).
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
@one_line_errors
def build_command(
    inputs: tuple[Path, ...],
    output: Path,
    lower_bound: int,
    higher_bound: int,
    percentiles: tuple[float, ...],
    allow_mixed: bool,
) -> None:
    """Read INPUTS (logs, .log.gz, shards, folders) and write the statistics to -o DIR."""
    if higher_bound <= lower_bound:
        raise click.BadParameter(
            f"--higher-bound ({higher_bound}) must be greater than --lower-bound ({lower_bound})"
        )
    settings = BuildSettings(
        inputs=inputs,
        output=output,
        stats=StatsSettings(lower_bound, higher_bound, percentiles),
        allow_mixed=allow_mixed,
    )
    result = build(settings)
    click.echo(render(result.summary), nl=False)
