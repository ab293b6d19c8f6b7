"""The console table's formatting rules, as Gatling's ConsoleTemplate / ConsoleErrorsWriter."""

from __future__ import annotations

from gatling_reporter.console import _error_line, printable_double, rank, sub_title


def test_printable_double_follows_gatlings_three_ranges() -> None:
    assert printable_double(0.7647058823529411) == "0.76"
    assert printable_double(10.8) == "10.80"
    assert printable_double(0.125) == "0.13"  # half up, not half even
    assert printable_double(123.45) == "123.5"
    assert printable_double(2500.5) == "2501"


def test_rank_suffixes() -> None:
    assert [rank(p) for p in (1, 2, 3, 11, 12, 13, 21, 50, 99, 99.9)] == [
        "1st",
        "2nd",
        "3rd",
        "11th",
        "12th",
        "13th",
        "21st",
        "50th",
        "99th",
        "99.9th",
    ]


def test_sub_title_is_80_wide() -> None:
    assert sub_title("Errors") == "---- Errors " + "-" * 68


def test_long_error_messages_wrap_like_gatling() -> None:
    message = "x" * 62 + "y" * 70
    lines = _error_line(message, 3, 42.857142, 7)
    assert lines == ["> " + "x" * 62 + "      3 (42.86%)", "y" * 62 + "..."]
    assert _error_line("boom", 7, 100.0, 7) == ["> " + "boom".ljust(62) + "      7 (100.0%)"]
