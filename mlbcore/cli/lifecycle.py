"""`mlb retrain`, `replay` and `status`: keeping models fit (`schedule` and `scheduler`
are in ``cli.schedules``).

Each handler imports what its command needs when it runs, so `mlb --help` and the light
commands start without the heavy libraries (a test checks which load)."""

import argparse
from pathlib import Path

from mlbcore.cli.arguments import AS_OF_HELP, DATA_HELP, JOBS_HELP, TARGETS_HELP, as_of, jobs
from mlbcore.errors import MlbError


def _retrain(args: argparse.Namespace) -> int:
    from mlbcore.cli import output
    from mlbcore.clock import parse_as_of
    from mlbcore.lifecycle.retrain import retrain, retraining_policy
    from mlbcore.settings import load_settings
    from mlbcore.targets import parse_targets

    settings = load_settings()
    retraining_policy(settings, args.window_days)  # a bad --window-days fails before any work
    outcomes = retrain(
        settings,
        parse_targets(args.model),
        parse_as_of(args.as_of),
        args.window_days,
        args.force,
        args.data,
        output.progress_printer(),
    )
    output.print_retrain_outcomes(outcomes)
    return 0


def _replay(args: argparse.Namespace) -> int:
    from mlbcore.cli import output
    from mlbcore.cli.tables import print_table
    from mlbcore.lifecycle.replay import POLICIES, parse_policy, replay_season
    from mlbcore.parallel import check_backend
    from mlbcore.prediction import output_format, write_predictions
    from mlbcore.settings import load_settings
    from mlbcore.targets import parse_targets

    settings = load_settings()
    check_backend(settings)
    policy = parse_policy(settings.retraining, args.policy or [])
    unknown = set(args.policies) - set(POLICIES)
    if unknown:
        raise MlbError(f"--policies takes {', '.join(POLICIES)}; got {', '.join(unknown)}")
    out = args.out or settings.mlb_state_dir / "replays" / f"replay_{args.season}.csv"
    output_format(out)
    replay = replay_season(
        settings,
        args.season,
        args.schedule,
        policy,
        parse_targets(args.targets),
        args.data,
        tuple(args.policies),
        output.progress_printer(),
        jobs=args.jobs,
    )
    timeline = replay.timeline
    if out.suffix.lower() == ".csv":  # CSV holds no lists: the per-game columns stay out
        timeline = timeline.drop("game_ids", "predictions", "scored_by")
    write_predictions(timeline, out)
    print_table(replay.summary.drop("market_games"))
    headline_out = out.with_name(f"{out.stem}_headline{out.suffix}")
    write_predictions(replay.headline, headline_out)
    print("headline (same games; 95 % date-block bootstrap interval; verdict from the interval):")
    for row in replay.headline.iter_rows(named=True):
        print(f"  {row['target']}: {row['text']}")
    print(f"headline written to {headline_out}")
    print(f"timeline ({replay.timeline.height} rows) written to {out}")
    print("seconds: " + ", ".join(f"{name} {value:.1f}" for name, value in replay.seconds.items()))
    return 0


def _status(args: argparse.Namespace) -> int:
    from mlbcore.cli.tables import metric_text
    from mlbcore.formatting import duration_text
    from mlbcore.health import backend_health
    from mlbcore.lifecycle.status import status_as_of, target_statuses
    from mlbcore.settings import load_settings

    settings = load_settings()
    given = as_of(args)  # a bad --as-of fails before any probe prints
    backends = backend_health(settings)
    for b in backends:
        state = b.state
        latency = f" {b.latency_ms:.1f} ms" if b.latency_ms is not None else ""
        version = f" v{b.version}" if b.version and args.detailed else ""
        detail = f" ({b.detail})" if b.detail else ""
        print(f"{b.name:<7} {b.kind:<11} {state}{latency}{version}  {b.address}{detail}")
    down = [b.name for b in backends if b.configured and not b.up]
    if not down:
        from mlbcore.data.source import data_games_source

        source = data_games_source(settings)
        # Ages in the data's time: its last result unless --as-of names another instant.
        instant = status_as_of(settings, given)
        print(f"champions for {source} games as of {instant.basis}:")
        for t in target_statuses(settings, source=source, instant=instant):
            if t.version is None:
                from mlbcore.tracking import no_champion_message

                why = t.note or no_champion_message(t.target, source)
                print(f"  {t.target:<21} {t.health:<9} {why}")
                continue
            assert t.trained_as_of_utc is not None and t.age_hours is not None
            print(
                f"  {t.target:<21} {t.health:<9} champion v{t.version}, trained as of "
                f"{t.trained_as_of_utc:%Y-%m-%d %H:%M} UTC "
                f"({duration_text(t.age_hours * 3600)} old)"
            )
            if args.detailed:
                evaluated = ", ".join(
                    f"{k} {metric_text(k, v)}"
                    for k, v in t.last_evaluation.items()
                    if not k.startswith(
                        ("market_", "betting_", "vs_", "baseline_", "model_priced_")
                    )
                )
                print(f"    at training: {t.metric_at_training:.4f}")
                print(f"    last evaluation: {evaluated or 'none'}")
            if t.last_decision:
                print(f"    last decision: {t.last_decision}")
                for reason in t.last_decision_reasons if args.detailed else []:
                    print(f"      - {reason}")
    return 1 if args.check and down else 0


def register(commands: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    """Add this group's commands to ``commands``."""
    retrain = commands.add_parser(
        "retrain",
        help="decide per target whether to retrain; promote a challenger only if clearly better",
        description="For each target, judged as of the split (--as-of minus "
        "RETRAINING__COMPARISON_DAYS): skip with too few new labelled games, else retrain when "
        "the champion degraded, is stale, the features drifted or the data source changed (a "
        "new book pricing the games, a feed appearing or gone: its own reason, not drift; "
        "RETRAINING__RETRAIN_ON_SOURCE_CHANGE). The challenger, fitted as of "
        "the split, replaces the champion only when the bootstrap interval of challenger minus "
        "champion on the games after the split lies below zero.",
    )
    retrain.add_argument("--model", nargs="+", metavar="TARGET", help=TARGETS_HELP)
    retrain.add_argument("--force", action="store_true", help="retrain whatever the checks say")
    retrain.add_argument(
        "--window-days", type=int, metavar="3..10", help="sliding window (default 7)"
    )
    retrain.add_argument("--as-of", metavar="DATETIME", help=AS_OF_HELP)
    retrain.add_argument("--data", metavar="PATH|URL", help=DATA_HELP)
    retrain.set_defaults(handler=_retrain)

    replay = commands.add_parser(
        "replay",
        help="replay a season day by day under the retrain policy, against never and daily",
    )
    replay.add_argument("--season", type=int, required=True, help="the season to replay, e.g. 2016")
    replay.add_argument("--data", metavar="PATH|URL", help=DATA_HELP)
    replay.add_argument(
        "--schedule",
        choices=["daily", "weekly"],
        default="daily",
        help="how often the policy checks: daily or weekly (Mondays)",
    )
    replay.add_argument(
        "--policy",
        action="append",
        metavar="KEY=VALUE",
        help="override a retraining setting, e.g. min_samples_for_retrain=50 (repeatable; "
        "default: the RETRAINING__* settings)",
    )
    replay.add_argument(
        "--policies",
        nargs="+",
        default=["policy", "never", "daily"],
        metavar="P",
        help="which to run: policy never daily (default: all three)",
    )
    replay.add_argument("--targets", nargs="+", metavar="T", help=TARGETS_HELP)
    replay.add_argument("--jobs", type=jobs, metavar="N", help=JOBS_HELP)
    replay.add_argument(
        "--out",
        type=Path,
        metavar="FILE.csv|FILE.parquet",
        help="the day-by-day timeline (default: MLB_STATE_DIR/replays/replay_SEASON.csv)",
    )
    replay.set_defaults(handler=_replay)

    status = commands.add_parser(
        "status", help="health of each back end and each target's champion"
    )
    status.add_argument("--detailed", action="store_true", help="show versions too")
    status.add_argument(
        "--check", action="store_true", help="exit 1 when a configured back end is down"
    )
    status.add_argument(
        "--as-of",
        metavar="DATETIME",
        help="judge champions, ages and health as of this instant (ISO date or date-time, "
        "UTC; default: when the data's last result became known, not the wall clock)",
    )
    status.set_defaults(handler=_status)
