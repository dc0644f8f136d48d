"""`mlb tune`: an Optuna study over a target's LightGBM settings.

The handler imports what the command needs when it runs, so `mlb --help` and the light
commands start without the heavy libraries (a test checks which load)."""

import argparse

from mlbcore.cli.arguments import DATA_HELP, TARGET_HELP


def _tune(args: argparse.Namespace) -> int:
    from mlbcore.cli import output
    from mlbcore.settings import load_settings
    from mlbcore.targets import parse_targets
    from mlbcore.tuning.report import apply_best, outcome_lines
    from mlbcore.tuning.run import TuneRequest, tune, validate

    target = parse_targets([args.target])[0]
    request = TuneRequest(
        target, args.trials, args.timeout, args.jobs, args.storage, args.study, args.data,
        args.seasons, args.allow_scored_seasons,
    )  # fmt: skip
    validate(request)  # before any data is read
    outcome = tune(load_settings(), request, output.progress_printer())
    print("\n".join(outcome_lines(outcome)), flush=True)
    if args.apply and not outcome.signal:
        print(apply_best(outcome))
    elif args.apply:
        print("not applied: the study was stopped; run the command again to finish it")
    return 128 + outcome.signal if outcome.signal else 0


def register(commands: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    """Add this group's commands to ``commands``."""
    tune = commands.add_parser(
        "tune",
        help="search a target's LightGBM settings with Optuna (walk-forward score)",
        description="An Optuna study (TPE, median pruner on months) of a target's LightGBM "
        "settings, scored walking forward month by month through seasons before any season "
        "the quality bench scores. The study lives in a journal file in the state folder, "
        "or in PostgreSQL (--storage, or the DATABASE_* settings), which the same command "
        "on other machines joins. Ctrl-C finishes the trials in hand; rerunning resumes.",
    )
    tune.add_argument("target", metavar="TARGET", help=TARGET_HELP)
    tune.add_argument("--trials", type=int, default=20, help="trials to add (over all --jobs)")
    tune.add_argument(
        "--timeout", type=float, default=None, metavar="S",
        help="stop starting trials after S seconds (default: no limit)",
    )  # fmt: skip
    tune.add_argument("--jobs", type=int, default=1, help="worker processes on this machine")
    tune.add_argument(
        "--storage", default=None, metavar="URL",
        help="postgresql://USER@HOST:PORT/DB, or a journal file path (default: PostgreSQL "
        "if the DATABASE_* settings name one, else MLB_STATE_DIR/optuna/STUDY.log)",
    )  # fmt: skip
    tune.add_argument(
        "--study", default=None, metavar="NAME",
        help="the study's name (default: mlb-TARGET-<first 12 of the data version>)",
    )  # fmt: skip
    tune.add_argument("--data", default=None, metavar="PATH|URL", help=DATA_HELP)
    tune.add_argument(
        "--seasons", type=int, nargs="+", default=None, metavar="YEAR",
        help="seasons to walk through (default: the three before 2014, the quality bench's "
        "first scored season: 2011-2013; the demo data's own season)",
    )  # fmt: skip
    tune.add_argument(
        "--allow-scored-seasons", action="store_true",
        help="allow --seasons the quality bench scores (2014-2016) on real games",
    )  # fmt: skip
    tune.add_argument(
        "--apply", action="store_true",
        help="write the best trial's settings into [models.TARGET] of mlb.toml "
        "(or MLB_CONFIG_FILE)",
    )  # fmt: skip
    tune.set_defaults(handler=_tune)
