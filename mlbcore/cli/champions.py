"""`mlb promote` and `mlb rollback`: champion changes a person decides, with a reason.

Each handler imports what its command needs when it runs, so `mlb --help` starts without
the heavy libraries (a test checks which load)."""

import argparse

from mlbcore.errors import MlbError
from mlbcore.targets import ALL_TARGETS

TARGETS = ", ".join(t.value for t in ALL_TARGETS)


def _version(text: str) -> int:
    """A version as `mlb status` and the registry name it: ``3`` or ``v3``."""
    digits = text.removeprefix("v")
    if not digits.isdigit() or int(digits) < 1:
        raise MlbError(f"VERSION must be a registered version number such as 3, got {text!r}")
    return int(digits)


def _promote(args: argparse.Namespace) -> int:
    from mlbcore.lifecycle.champion_moves import promote_version
    from mlbcore.settings import load_settings
    from mlbcore.targets import parse_targets

    target = parse_targets([args.target])[0]
    version = _version(args.version)
    reason = args.reason or "promoted by hand with mlb promote"
    print(promote_version(load_settings(), target, version, reason, args.data).text())
    return 0


def _rollback(args: argparse.Namespace) -> int:
    from mlbcore.lifecycle.champion_moves import roll_back
    from mlbcore.settings import load_settings
    from mlbcore.targets import parse_targets

    target = parse_targets([args.target])[0]
    reason = args.reason or "rolled back by hand with mlb rollback"
    print(roll_back(load_settings(), target, reason, args.data).text())
    return 0


def register(commands: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    """Add this group's commands to ``commands``."""
    promote = commands.add_parser(
        "promote",
        help="make a registered version its target's champion, with a reason",
        description="Move the champion alias of TARGET (for the data's games) to VERSION; "
        "the champion it replaces keeps the previous_champion alias. A version whose "
        "artifacts are incomplete or whose run never finished is refused.",
    )
    promote.add_argument("target", metavar="TARGET", help=f"one of {TARGETS}")
    promote.add_argument("version", metavar="VERSION", help="registered version, e.g. 3")
    promote.add_argument(
        "--reason",
        metavar="TEXT",
        help="kept as a tag on the version (default: a line naming the move)",
    )
    promote.add_argument("--data", metavar="PATH|URL", help="whose games (default: configured)")
    promote.set_defaults(handler=_promote)

    rollback = commands.add_parser(
        "rollback",
        help="put back the champion before the current one, with a reason",
        description="Move the champion alias of TARGET back to the previous champion (the "
        "previous_champion alias, else the newest earlier champion not rolled back); the "
        "current one is tagged rolled_back_reason and is never again the champion of a "
        "past date.",
    )
    rollback.add_argument("target", metavar="TARGET", help=f"one of {TARGETS}")
    rollback.add_argument(
        "--reason",
        metavar="TEXT",
        help="kept as a tag on the version (default: a line naming the move)",
    )
    rollback.add_argument("--data", metavar="PATH|URL", help="whose games (default: configured)")
    rollback.set_defaults(handler=_rollback)
