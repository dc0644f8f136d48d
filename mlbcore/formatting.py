"""Numbers as people read them, in one place for the CLI, the notebooks and the reports:
rates and yields as percentages, other measures to 4 significant digits, counts as
integers. Pure functions of plain values; nothing here knows about a page or a terminal."""

import math
from datetime import UTC, datetime

SIGNIFICANT_DIGITS = 4


def is_missing(value: float | int | None) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def significant(value: float | int | None, digits: int = SIGNIFICANT_DIGITS) -> str:
    """``value`` to ``digits`` significant digits, never in scientific notation for
    numbers people meet here (0.6931, 8.512, 1234); "-" when there is none."""
    if is_missing(value):
        return "-"
    assert value is not None
    if value == 0:
        return "0"
    magnitude = math.floor(math.log10(abs(value)))
    decimals = max(0, digits - 1 - magnitude)
    return f"{round(value, decimals):.{decimals}f}"


def signed(value: float | None, decimals: int = 4) -> str:
    """A difference of metrics with its sign, to fixed decimals so a column of them lines
    up: "+0.0123", "-0.0045"."""
    return "-" if is_missing(value) else f"{value:+.{decimals}f}"


def signed_significant(value: float | None, digits: int = 3) -> str:
    """A difference with its sign to ``digits`` significant digits, never in scientific
    notation, so a tiny one still reads: 5.5e-05 -> "+0.0000550", -0.0123 -> "-0.0123"."""
    if is_missing(value):
        return "-"
    assert value is not None
    shown = significant(abs(value), digits)
    return shown if shown == "0" else ("-" if value < 0 else "+") + shown


# Below this a p-value reads "<0.001": more digits say nothing a reader acts on.
SMALLEST_P_SHOWN = 0.001


def p_value(value: float | None, digits: int = 3) -> str:
    """A p- or q-value to ``digits`` significant digits, "<0.001" below that:
    0.04567 -> "0.0457", 3e-12 -> "<0.001"."""
    if is_missing(value):
        return "-"
    assert value is not None
    return f"<{SMALLEST_P_SHOWN}" if value < SMALLEST_P_SHOWN else significant(value, digits)


def percent(value: float | None, decimals: int = 1, sign: bool = False) -> str:
    """A fraction as a percentage: 0.0553 -> "5.5 %" (with ``sign``, "+5.5 %")."""
    if is_missing(value):
        return "-"
    assert value is not None
    return f"{value * 100:{'+' if sign else ''}.{decimals}f} %"


def count(value: float | int | None) -> str:
    """A count as an integer: 133.0 -> "133"."""
    return "-" if is_missing(value) else f"{round(value or 0):d}"


def interval(
    low: float | None, high: float | None, as_percent: bool = False, sign: bool = True
) -> str:
    """A 95 % interval, "-0.0123 to +0.0045" or "-8.1 % to +2.3 %"; "-" when none."""
    if is_missing(low) or is_missing(high):
        return "-"
    if as_percent:
        return f"{percent(low, sign=sign)} to {percent(high, sign=sign)}"
    show = signed if sign else significant
    return f"{show(low)} to {show(high)}"


def instant(value: datetime | None) -> str:
    """An instant to the minute, in UTC and saying so: "2016-09-01 23:59 UTC"."""
    if value is None:
        return "-"
    shown = value.astimezone(UTC) if value.tzinfo is not None else value
    return f"{shown:%Y-%m-%d %H:%M}" + (" UTC" if value.tzinfo is not None else "")


def duration_text(seconds: float, ago: bool = False) -> str:
    """A duration or an age a person reads at a glance: "45 s", "12 min", "5 h",
    "3 days", "1.2 years". Each unit serves until two of the next ("119 s", then
    "2 min"; "47 h", then "2 days"), days until a year. Never negative: a duration below
    zero (a clock a little behind another) reads as none. With ``ago``, "12 min ago",
    and "just now" under a second."""
    seconds = max(seconds, 0.0)
    if ago:
        return "just now" if round(seconds) == 0 else f"{duration_text(seconds)} ago"
    for size, unit, next_size in ((1, "s", 60), (60, "min", 3600), (3600, "h", 86400)):
        if round(seconds / size) < 2 * next_size / size:
            return f"{round(seconds / size)} {unit}"
    days = seconds / 86400
    if days < 365:
        return f"{round(days)} days"
    return f"{days / 365.25:.1f} years"
