"""`mlb report`: a champion's self-contained HTML report.

Each handler imports what its command needs when it runs, so `mlb --help` and the light
commands start without the heavy libraries (a test checks which load)."""

import argparse
from pathlib import Path

from mlbcore.cli.arguments import AS_OF_HELP, DATA_HELP, TARGET_HELP


def _report(args: argparse.Namespace) -> int:
    from mlbcore.clock import parse_as_of
    from mlbcore.html_report import build_report
    from mlbcore.settings import load_settings
    from mlbcore.targets import parse_targets

    target = parse_targets([args.target])[0]
    report = build_report(
        load_settings(),
        target,
        args.out,
        parse_as_of(args.as_of),
        args.days,
        args.data,
        include_in_sample=args.include_in_sample,
    )
    print(f"wrote {report.path} ({len(report.charts)} charts: {', '.join(report.charts)})")
    return 0


def register(commands: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    """Add this group's commands to ``commands``."""
    report = commands.add_parser(
        "report", help="a self-contained HTML report of a champion: training, evaluation, drift"
    )
    report.add_argument("target", metavar="TARGET", help=TARGET_HELP)
    report.add_argument(
        "--out", type=Path, required=True, metavar="FILE.html", help="the report file to write"
    )
    report.add_argument("--days", type=int, default=30, help="evaluation window (default 30)")
    report.add_argument("--as-of", metavar="DATETIME", help=AS_OF_HELP)
    report.add_argument("--data", metavar="PATH|URL", help=DATA_HELP)
    report.add_argument(
        "--include-in-sample",
        action="store_true",
        help="also show the window's games inside the champion's training data, labelled in-sample",
    )
    report.set_defaults(handler=_report)
