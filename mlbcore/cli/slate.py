"""`mlb slate`: what to bet on a date's games, as of each game's cutoff, and for a past
date how the bets did (heavy libraries load inside the command)."""

import argparse
import math
from collections.abc import Callable
from pathlib import Path

from mlbcore.cli.arguments import parse_date
from mlbcore.errors import MlbError
from mlbcore.targets import ALL_TARGETS, Target

DEFAULT_BANKROLL = 1000.0


def _number(flag: str) -> Callable[[str], float]:
    """A float from the command line; the error names ``flag``."""

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{flag} must be a number, got {text!r}") from None
        if math.isnan(value):
            raise argparse.ArgumentTypeError(f"{flag} must be a number, got {text!r}")
        return value

    return parse


def register(commands: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    """Add `mlb slate` to the CLI's sub-commands."""
    targets = ", ".join(t.value for t in ALL_TARGETS)
    slate = commands.add_parser(
        "slate",
        help="a date's games: prices, the champion's view and the bets, as of each cutoff",
        description="One row per game of --date: teams, first pitch, starters, the market's "
        "price and no-vig probability at the cutoff, the probability of the champion in place "
        "at that cutoff, the edge, the side to bet and its fractional-Kelly stake; for a past "
        "date, each bet's result and profit and the day's totals.",
    )
    slate.add_argument(
        "--date", metavar="YYYY-MM-DD", help="the slate's date (default: the data's latest date)"
    )
    slate.add_argument(
        "--target",
        default=Target.MONEYLINE_HOME_WIN.value,
        metavar="T",
        help=f"one of {targets} (default: moneyline_home_win)",
    )
    slate.add_argument(
        "--min-edge",
        type=_number("--min-edge"),
        default=None,
        metavar="X",
        help="bet only past this expected return per unit, in [0, 1) (default: the "
        "settings' betting.edge_threshold, 0.02)",
    )
    slate.add_argument(
        "--bankroll",
        type=_number("--bankroll"),
        default=DEFAULT_BANKROLL,
        metavar="B",
        help=f"money the Kelly stakes are a fraction of (default: {DEFAULT_BANKROLL:.0f})",
    )
    slate.add_argument(
        "--out", type=Path, metavar="FILE.csv", help="also write the slate as CSV (default: none)"
    )
    slate.add_argument(
        "--data",
        metavar="PATH|URL",
        help="snapshot folder or postgresql:// URL (default: PostgreSQL if DATABASE_HOST is "
        "set, else the demo season)",
    )
    slate.set_defaults(handler=_slate)


def _slate(args: argparse.Namespace) -> int:
    from mlbcore.lifecycle.slate import slate
    from mlbcore.lifecycle.slate_view import slate_text, write_slate_csv
    from mlbcore.settings import load_settings
    from mlbcore.targets import parse_targets

    target = parse_targets([args.target])[0]
    settings = load_settings()
    min_edge = settings.betting.edge_threshold if args.min_edge is None else args.min_edge
    if not 0 <= min_edge < 1:
        raise MlbError(f"--min-edge must be at least 0 and below 1, got {min_edge}")
    if not 0 <= args.bankroll < math.inf:
        raise MlbError(f"--bankroll must be a non-negative amount, got {args.bankroll}")
    if args.out is not None and args.out.suffix.lower() != ".csv":
        raise MlbError(f"--out must end in .csv, got {args.out.name}")
    day = parse_date(args.date, "--date") if args.date else None
    result = slate(settings, day, target, min_edge, args.bankroll, data=args.data)
    print(slate_text(result))
    if args.out is not None:
        write_slate_csv(result, args.out)
        print(f"wrote {result.frame.height} games to {args.out}")
    for notice in result.notices:
        print(notice)
    return 0
