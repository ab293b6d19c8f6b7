"""startTime as the Go operator's users wrote it (the runner fed it to `date -d`, in UTC)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from gatling_common.errors import InputError
from gatling_common.start_time import format_start_time, parse_start_time

NOON = datetime(2022, 1, 1, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    "text",
    [
        "2022-01-01 12:00:00",  # the Go operator's documented form
        "2022-01-01 12:00",
        "2022-01-01T12:00:00Z",
        "2022-01-01T12:00Z",
        "2022-01-01t12:00:00z",
        "2022-01-01T12:00:00+00:00",
        "2022-01-01T21:00:00+09:00",
        "2022-01-01T21:00:00+0900",
        "2022-01-01T21:00+09",
        "2022-01-01T07:00:00-05:00",
        "2022-01-01 12:00:00 UTC",
        " 2022-01-01 12:00:00\n",
    ],
)
def test_accepted_forms_name_the_same_instant(text: str) -> None:
    assert parse_start_time(text) == NOON


def test_a_date_alone_is_its_midnight_utc() -> None:
    assert parse_start_time("2022-01-01") == datetime(2022, 1, 1, tzinfo=UTC)


def test_fractions_are_kept_to_the_microsecond() -> None:
    moment = parse_start_time("2022-01-01T12:00:00.1234567Z")
    assert moment == NOON.replace(microsecond=123456)
    assert format_start_time(moment) == "2022-01-01 12:00:00.123456"
    assert format_start_time(NOON.replace(microsecond=500000)) == "2022-01-01 12:00:00.5"


def test_canonical_form_is_utc_with_seconds() -> None:
    assert format_start_time(parse_start_time("2022-01-01T21:00+09:00")) == "2022-01-01 12:00:00"


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("tomorrow", "is not a time"),
        ("", "is not a time"),
        ("2022-01-01 12", "is not a time"),
        ("01/01/2022 12:00", "is not a time"),
        ("2022-01-01 12:00:00 JST", "is not a time"),
        ("2022-01-01 12:00:00; rm -rf /", "is not a time"),
        ("2022-02-30 12:00:00", "is not a valid time (day is out of range for month)"),
        ("2022-01-01 25:00:00", "is not a valid time (hour must be in 0..23)"),
        ("2022-01-01T12:00:00+25:00", "is not a valid time"),
    ],
)
def test_anything_else_is_refused_naming_the_value(text: str, why: str) -> None:
    with pytest.raises(InputError) as err:
        parse_start_time(text)
    message = str(err.value)
    assert message.startswith(f"startTime {text!r} {why}")
    assert message.endswith(
        "expected '2026-01-31 12:00:00' (UTC) or ISO 8601 like '2026-01-31T12:00:00Z'"
    )
