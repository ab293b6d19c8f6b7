"""Helpers for the agents' click CLIs: run a command body, print expected errors as one line."""

from __future__ import annotations

import functools
import logging
import math
from collections.abc import Callable
from typing import Any, ParamSpec, TypeVar

import click

from gatling_common.errors import FleetError

P = ParamSpec("P")
R = TypeVar("R")


def one_line_errors(fn: Callable[P, R]) -> Callable[P, R]:
    """Turn a `FleetError` into `error: <message>` on stderr and its exit code; no traceback."""

    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return fn(*args, **kwargs)
        except FleetError as exc:
            logging.getLogger(fn.__module__).debug("failed", exc_info=True)
            click.echo(f"error: {exc}", err=True)
            raise SystemExit(exc.exit_code) from None

    return wrapper


class FiniteFloatRange(click.FloatRange):
    """click's FloatRange without inf and nan: `--timeout inf` would never end, and nan compares
    false with every bound, so it would pass any range and never time out either."""

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        number = super().convert(value, param, ctx)
        if not math.isfinite(number):
            self.fail(f"{value!r} is not a finite number.", param, ctx)
        return number
