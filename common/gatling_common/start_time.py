"""A Gatling resource's `startTime`: parsed the same way by the controller and by the waiter.

The Go operator handed the text to `date -d` in the runner container (UTC), so in practice its users
wrote the documented `2022-01-01 12:00:00` but also `2022-01-01T12:00:00Z`, `2022-01-01 12:00` or an
offset. We accept those ISO 8601 shapes (not everything `date -d` guesses at, such as "tomorrow",
which would mean a different instant on every pod) and pass one normalised UTC form on.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

from gatling_common.errors import InputError

# The Go operator's documented form; what the controller hands to the waiter and the runner.
CANONICAL_FORMAT = "%Y-%m-%d %H:%M:%S"
EXAMPLE = "'2026-01-31 12:00:00' (UTC) or ISO 8601 like '2026-01-31T12:00:00Z'"

_SHAPE = re.compile(
    r"""(?P<date>\d{4}-\d{2}-\d{2})
        (?:[T ](?P<hm>\d{2}:\d{2})(?P<sec>:\d{2}(?:\.\d{1,9})?)?)?
        \s*(?P<zone>Z|UTC|[+-]\d{2}(?::?\d{2})?)?""",
    re.VERBOSE | re.IGNORECASE,
)


def parse_start_time(value: str) -> datetime:
    """The aware UTC instant `value` names; InputError saying what is expected otherwise."""
    match = _SHAPE.fullmatch(value.strip())
    if match is None:
        raise InputError(f"startTime {value!r} is not a time; expected {EXAMPLE}")
    seconds = match["sec"] or ":00"
    if "." in seconds:  # fromisoformat takes at most microseconds
        whole, fraction = seconds.split(".")
        seconds = f"{whole}.{fraction[:6]:0<6}"
    text = f"{match['date']}T{match['hm'] or '00:00'}{seconds}{_offset(match['zone'])}"
    try:
        return datetime.fromisoformat(text).astimezone(UTC)
    except ValueError as exc:  # 2026-02-30, 25:00, +99:00
        raise InputError(
            f"startTime {value!r} is not a valid time ({exc}); expected {EXAMPLE}"
        ) from None


def _offset(zone: str | None) -> str:
    if zone is None or zone.upper() in ("Z", "UTC"):
        return "+00:00"  # no zone: UTC, as `date -d` read it in the Go runner's container
    sign, digits = zone[0], zone[1:].replace(":", "")
    return f"{sign}{digits[:2]}:{digits[2:] or '00'}"


def format_start_time(instant: datetime) -> str:
    """The canonical UTC text (sub-second parts kept, which `date -d` reads too)."""
    text = instant.astimezone(UTC).strftime(CANONICAL_FORMAT)
    if instant.microsecond:
        text += f".{instant.microsecond:06d}".rstrip("0")
    return text
