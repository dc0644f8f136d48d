"""Argument values the commands share: dates and ``--as-of``."""

import argparse
from datetime import date, datetime

from mlbcore.clock import parse_as_of, require_date_in_range
from mlbcore.errors import MlbError


def parse_date(text: str, flag: str) -> date:
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise MlbError(f"{flag} must be a date as YYYY-MM-DD, got {text!r}") from None
    require_date_in_range(day, flag)
    return day


def as_of(args: argparse.Namespace) -> datetime | None:
    """``--as-of`` if given, else None (the command's own default)."""
    return parse_as_of(args.as_of) if args.as_of else None
