"""Argument values and help texts the commands share: dates, ``--as-of``, targets, data,
and the help formatter that says every default."""

import argparse
from datetime import date, datetime

from mlbcore.clock import parse_as_of, require_date_in_range
from mlbcore.errors import MlbError
from mlbcore.targets import ALL_TARGETS

TARGET_NAMES = ", ".join(t.value for t in ALL_TARGETS)
TARGET_HELP = f"one of {TARGET_NAMES}"
TARGETS_HELP = f"one or more of {TARGET_NAMES} (default: all three)"
DATA_HELP = (
    "snapshot folder or postgresql:// URL (default: PostgreSQL if the DATABASE_* settings "
    "name one, else MLB_DATA, the demo season unless set)"
)
JOBS_HELP = (
    "tasks run at once, each a process with its share of the cores; with "
    "MLB_PARALLEL_BACKEND=dask, on the cluster at DASK_SCHEDULER_ADDRESS (default: MLB_JOBS, "
    "else the core count; 1 runs them one after another in this process)"
)
AS_OF_HELP = "ISO date or date-time, UTC; a bare date is the end of that day (default: now)"


class HelpFormatter(argparse.HelpFormatter):
    """argparse's help, with "(default: X)" after every option whose help does not
    already say its default."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        text = action.help or ""
        default = action.default
        if (
            not action.option_strings
            or "default" in text
            or default in (None, False, argparse.SUPPRESS)
        ):
            return text
        shown = " ".join(map(str, default)) if isinstance(default, list | tuple) else default
        return f"{text} (default: {shown})".strip()


def jobs(text: str) -> int:
    """``--jobs N``: a whole number of tasks at once, at least 1."""
    try:
        count = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if count < 1:
        raise argparse.ArgumentTypeError(f"{count}: give at least 1 (1 runs in this process)")
    return count


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
