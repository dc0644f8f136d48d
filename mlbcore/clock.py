"""Time rules every command shares: what ``--as-of`` means, which dates and day counts a
command accepts. "Now" is read here only as a default for ``--as-of``; everything below
takes its instant as a parameter."""

from datetime import UTC, date, datetime, timedelta

from mlbcore.errors import MlbError

# Longer than all of baseball (1871 on), short enough that no date sum overflows.
MAX_WINDOW_DAYS = 100_000
# The instants and dates a command accepts: every season there is, and then some.
FIRST_DATE, LAST_DATE = date(1871, 1, 1), date(2199, 12, 31)


def require_positive_days(days: int) -> None:
    if days <= 0:
        raise MlbError(f"--days must be a positive number of days, got {days}")
    if days > MAX_WINDOW_DAYS:
        raise MlbError(f"--days must be at most {MAX_WINDOW_DAYS:,} days, got {days:,}")


def require_date_in_range(day: date, flag: str) -> None:
    """Refuse a date no game can have, before any arithmetic on it overflows."""
    if not FIRST_DATE <= day <= LAST_DATE:
        raise MlbError(f"{flag} must be between {FIRST_DATE} and {LAST_DATE}, got {day}")


def parse_as_of(text: str | None, now: datetime | None = None) -> datetime:
    """``--as-of``: an ISO date or date-time (UTC unless it says otherwise); default now.
    A bare date means the end of that day, UTC."""
    if text is None:
        return now or datetime.now(UTC)
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise MlbError(f"--as-of must be an ISO date or date-time, got {text!r}") from None
    require_date_in_range(parsed.date(), "--as-of")
    if len(text) == 10:
        parsed = parsed + timedelta(days=1) - timedelta(microseconds=1)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
