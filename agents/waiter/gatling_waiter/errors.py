"""The waiter's expected failures, each a one-line message for the pod's log."""

from __future__ import annotations

from gatling_common.errors import FleetError, InputError, PermanentError


class PermissionDenied(PermanentError):
    """401/403 on a call the waiter cannot do without: names the missing permission."""

    exit_code = 4


class WaitTimeout(FleetError):
    """Fewer than N peers registered within --timeout."""

    exit_code = 3


class StartBeyondTimeout(InputError):
    """The start time lies further away than the timeout: waiting for it would outlast it."""


class WatchGone(Exception):
    """The watch's resourceVersion is too old (410): list again."""


class WatchForbidden(Exception):
    """The ServiceAccount may list but not watch pods: poll instead."""
