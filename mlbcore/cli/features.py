"""`mlb features warm`: fill the Redis feature cache with one date's slate, for a job that
runs before the games (heavy libraries load inside the command)."""

import argparse
from datetime import date

from mlbcore.errors import MlbError


def register(commands: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    """Add `mlb features ...` to the CLI's sub-commands."""
    features = commands.add_parser("features", help="the feature cache: warm a date's slate")
    actions = features.add_subparsers(dest="action", required=True, metavar="ACTION")
    warm = actions.add_parser(
        "warm",
        help="compute and cache the feature rows of a date's games (only those not cached)",
    )
    warm.add_argument("--date", required=True, metavar="YYYY-MM-DD", help="the slate's date")
    warm.add_argument(
        "--data",
        metavar="PATH|URL",
        help="snapshot folder or postgresql:// URL (default: PostgreSQL if DATABASE_HOST is "
        "set, else the demo season)",
    )
    warm.set_defaults(handler=_warm)


def _warm(args: argparse.Namespace) -> int:
    from mlbcore.data.source import load_data
    from mlbcore.feature_cache.cached_features import cache_to_warm, warm_slate
    from mlbcore.masking import masked
    from mlbcore.settings import load_settings

    try:
        day = date.fromisoformat(args.date)
    except ValueError:
        raise MlbError(f"--date must be a date as YYYY-MM-DD, got {args.date!r}") from None
    settings = load_settings()
    secret = cache_to_warm(settings)  # before the data: a cache that is off fails at once
    snapshot = load_data(settings, args.data)
    games, stats = warm_slate(snapshot, settings, day, secret)
    where = masked(snapshot.source, drop_credentials=True)
    if not games:
        print(f"no games on {day} in {where}; nothing to warm")
        return 0
    print(
        f"warmed {games} games of {day} in {masked(settings.redis_url or '')}: "
        f"{stats.hits} already cached, {stats.misses} computed"
        + (f" ({stats.rejected} rejected values overwritten)" if stats.rejected else "")
    )
    return 0
