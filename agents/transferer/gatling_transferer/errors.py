"""The transferer's expected failures, each with its own exit code (listed in `--help`)."""

from __future__ import annotations

from gatling_common.errors import FleetError, InputError


class MarkerTimeoutError(FleetError):
    """The runner never wrote COMPLETED or FAILED within the timeout."""

    exit_code = 3


class NoLogError(FleetError):
    """The marker came but no simulation.log exists below the results dir."""

    exit_code = 4


class UnreadableLogError(InputError):
    """A simulation.log exists but cannot be read (a directory, a broken link, no permission)."""

    exit_code = 5


class DestinationError(InputError):
    """The destination refused us before the run ended: missing bucket, refused credentials."""
