"""Every seconds option of every console script refuses inf and nan with a usage error.

inf made `--timeout` raise OverflowError deep in the waiter; nan compares false with every bound,
so it passed `min=0` and never timed out.
"""

from __future__ import annotations

import re

import click
import pytest
from click.testing import CliRunner
from gatling_controller.cli import main as controller
from gatling_transferer.cli import main as transferer
from gatling_waiter.cli import main as waiter

OPTIONS = [
    (waiter, "--timeout"),
    (waiter, "--settle"),
    (waiter, "--poll-interval"),
    (transferer, "--timeout"),
    (transferer, "--settle"),
    (transferer, "--settle-limit"),
    (controller, "--max-job-creation-wait-time"),
    (controller, "--max-job-run-wait-time"),
    (controller, "--requeue-interval"),
    (controller, "--resync-period"),
]


@pytest.mark.parametrize("value", ["inf", "-inf", "nan", "NaN", "Infinity"])
@pytest.mark.parametrize(("command", "option"), OPTIONS, ids=lambda x: getattr(x, "name", x))
def test_non_finite_seconds_are_a_usage_error(
    command: click.Command, option: str, value: str
) -> None:
    result = CliRunner().invoke(command, [option, value], env={})
    assert result.exit_code == 2
    assert re.search(
        rf"Error: Invalid value for '{option}'( \(env var: '[A-Z_]+'\))?: "
        rf"'?{re.escape(value)}'? is not (a finite number|in the range)",
        result.output,
    ), result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
