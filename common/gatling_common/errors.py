"""The exception hierarchy at our external boundaries.

Every expected failure is a `FleetError` whose message is one line naming the thing (file, bucket,
field) and what was expected; CLIs print it without a traceback and exit non-zero.
"""

from __future__ import annotations


class FleetError(Exception):
    """An expected failure with a one-line message for the user."""

    exit_code = 1


class RetryableError(FleetError):
    """A failure that may pass on its own (5xx, throttling, connection reset)."""

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class PermanentError(FleetError):
    """A failure that will not pass by retrying (denied, missing, malformed)."""


class InputError(PermanentError):
    """Bad input from the user: a file, an option, a field."""

    exit_code = 2
