"""`mlb train`, `evaluate`, `drift` and `predict`: a model's life before the lifecycle.

Each handler imports what its command needs when it runs, so `mlb --help` and the light
commands start without the heavy libraries (a test checks which load)."""

import argparse
from pathlib import Path

from mlbcore.cli.arguments import (
    AS_OF_HELP,
    DATA_HELP,
    TARGET_HELP,
    TARGETS_HELP,
    as_of,
    parse_date,
)
from mlbcore.errors import MlbError


def _train(args: argparse.Namespace) -> int:
    from mlbcore.cli import output
    from mlbcore.lifecycle.train_job import train_models
    from mlbcore.settings import load_settings
    from mlbcore.targets import parse_targets

    settings = load_settings()
    targets = parse_targets(args.targets)
    if args.end_date and args.as_of:
        raise MlbError("give --end-date or --as-of, not both")
    end_date = parse_date(args.end_date, "--end-date") if args.end_date else None
    run = train_models(
        settings,
        targets,
        days=args.days,
        end_date=end_date,
        data=args.data,
        progress=output.progress_printer(),
        as_of=as_of(args),
        promote=not args.no_promote,
    )
    output.print_training_run(run, as_json=args.json)
    rejected = [t for t in run.trained if t.rejected_reasons]
    return 3 if rejected and args.strict else 0


def _evaluate(args: argparse.Namespace) -> int:
    from mlbcore.cli import output
    from mlbcore.clock import parse_as_of
    from mlbcore.evaluation.evaluate import evaluate
    from mlbcore.evaluation.evaluation_files import check_evaluation_out, write_evaluation
    from mlbcore.settings import load_settings
    from mlbcore.targets import parse_targets

    target = parse_targets([args.target])[0]
    out = Path(args.out) if args.out is not None else None
    if out is not None:
        check_evaluation_out(out)  # refused before any work
    result = evaluate(
        load_settings(),
        target,
        args.days,
        parse_as_of(args.as_of),
        args.data,
        args.model,
        include_in_sample=args.include_in_sample,
        log=not args.no_log,
    )
    from mlbcore.evaluation.evaluation_card import evaluation_card

    print("\n".join(evaluation_card(result).lines()) + "\n")
    print(
        f"{target}  {result.model_uri} (trained as of {result.trained_as_of:%Y-%m-%d %H:%M} UTC)"
        f"  window {result.start_utc:%Y-%m-%d %H:%M} to {result.as_of:%Y-%m-%d %H:%M} UTC"
        f"  MLflow run {result.run_id or 'not logged (--no-log)'}"
    )
    for notice in result.notices:
        print(f"warning: {notice}")
    print(
        f"out of sample: {result.games} games, {result.market_games} of them priced by the "
        f"market; {result.out_of_sample.parts_text()}"
    )
    output.print_metrics(result.metrics)
    # With the baselines fitted, the market's line is among theirs.
    if result.vs_market is not None and result.baselines is None:
        print(f"  model minus market on the {result.market_games} priced games:")
        print(f"    {result.vs_market.metric} {result.vs_market.text()}")
    if result.baselines is not None:
        print(f"  baselines {result.baselines.text()}, model minus each:")
        output.print_baselines(result.out_of_sample)
    for line in result.betting.lines() if result.betting else []:
        print(f"  betting {line}")
    if result.games:
        print("calibration (predicted vs observed by bin):")
    for row in result.calibration.iter_rows(named=True):
        print(
            f"  bin {row['bin']:>2}  predicted {row['mean_predicted']:.3f}"
            f"  observed {row['mean_observed']:.3f}  games {row['games']}"
        )
    if result.in_sample is not None:
        part = result.in_sample
        print(
            f"IN-SAMPLE (the model was trained on these; not a result): {part.games} games, "
            f"{part.market_games} priced"
        )
        output.print_metrics(part.metrics)
        if part.vs_baselines:
            print("  model minus each baseline, IN-SAMPLE (both were fitted on these games):")
            output.print_baselines(part)
    for line in write_evaluation(result, out) if out is not None else []:
        print(line)
    return 0


def _drift(args: argparse.Namespace) -> int:
    from mlbcore.clock import parse_as_of
    from mlbcore.evaluation.drift import drift_report
    from mlbcore.settings import load_settings
    from mlbcore.targets import parse_targets

    target = parse_targets([args.target])[0]
    report = drift_report(load_settings(), target, parse_as_of(args.as_of), args.days, args.data)
    if report.importance:
        summary = ", ".join(f"{k} {v:.3f}" for k, v in report.importance.items())
        print(f"importance drift (champion vs {report.reference}): {summary}")
        for row in report.importance_changes.head(5).iter_rows(named=True):
            print(f"  {row['feature']:<36} share {row['old_share']:.3f} -> {row['new_share']:.3f}")
    print(
        "distribution drift, training window vs recent window "
        "(top 10 by KS p-value; q: Benjamini-Hochberg):"
    )
    for row in report.distributions.head(10).iter_rows(named=True):
        print(
            f"  {row['feature']:<36} KS p {row['ks_p']:.4f}  q {row['bh_q']:.4f}  "
            f"PSI {row['psi']:.3f}  Wasserstein {row['wasserstein_std']:.3f} sd  {row['level']}"
        )
    print(f"verdict: {report.verdict}" + "".join(f"\n  - {r}" for r in report.reasons))
    return 0


def _predict(args: argparse.Namespace) -> int:
    from mlbcore.prediction import output_format, predict_games, write_predictions
    from mlbcore.settings import load_settings
    from mlbcore.targets import parse_targets

    if args.out is None and not args.to_db:
        raise MlbError("say where predictions go: --out FILE.csv|FILE.parquet and/or --to-db")
    if args.out is not None:
        output_format(args.out)
    settings = load_settings()
    start, end = parse_date(args.start, "--start"), parse_date(args.end, "--end")
    predictions = predict_games(
        settings, parse_targets(args.targets), start, end, data=args.data, model=args.model
    )
    frame = predictions.frame
    if args.out is not None:
        write_predictions(frame, args.out)
        print(f"wrote {frame.height} games from {start} to {end} to {args.out}")
    for target, counts in predictions.games_by_part().items():
        print(
            f"{target}: {counts.get('market', 0)} games scored by the market part, "
            f"{counts.get('market_free', 0)} by the market-free part (no price at the cutoff)"
        )
    if args.to_db:
        from mlbcore.db.jobs import save_predictions_to_db

        url, rows = save_predictions_to_db(settings, frame, predictions.columns_by_target())
        print(f"saved {rows} predictions to {url}")
    for notice in predictions.notices:
        print(notice)
    return 0


def register(commands: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    """Add this group's commands to ``commands``."""
    train = commands.add_parser(
        "train",
        help="train the models on a window of games and log them to MLflow",
        description="Train each target on the --days calendar days ending at --end-date, "
        "with time-series CV, and log runs and models to MLflow.",
    )
    train.add_argument(
        "--targets",
        nargs="+",
        metavar="T",
        help="moneyline_home_win, total_over_under, run_total_regression (default: all)",
    )
    train.add_argument("--days", type=int, help="training window in days (default: 90)")
    train.add_argument(
        "--end-date",
        metavar="YYYY-MM-DD",
        help="last day of the window (default: the data's last date)",
    )
    train.add_argument(
        "--data",
        metavar="PATH|URL",
        help="snapshot folder or postgresql:// URL (default: PostgreSQL if DATABASE_HOST is "
        "set, else the demo season)",
    )
    train.add_argument(
        "--as-of",
        metavar="DATETIME",
        help="train as of this instant (ISO, UTC): the last --days game dates whose results "
        "were known then (default: none; the window ends at --end-date)",
    )
    train.add_argument("--json", action="store_true", help="print the results as JSON")
    train.add_argument(
        "--strict",
        action="store_true",
        help="exit 3 when a model fails the promotion gate (default: say so and exit 0)",
    )
    train.add_argument(
        "--no-promote",
        action="store_true",
        help="log and register the models but leave the champions as they are (default: "
        "each model that passes the promotion gate becomes its target's champion; "
        "`mlb promote` does it later)",
    )
    train.set_defaults(handler=_train)

    evaluate = commands.add_parser(
        "evaluate", help="score a target's champion on the most recent window, with betting results"
    )
    evaluate.add_argument("target", metavar="TARGET", help=TARGET_HELP)
    evaluate.add_argument("--days", type=int, default=7, help="window before --as-of (default 7)")
    evaluate.add_argument(
        "--as-of", metavar="DATETIME", help="ISO date or date-time, UTC (default: now)"
    )
    evaluate.add_argument("--data", metavar="PATH|URL", help=DATA_HELP)
    evaluate.add_argument("--model", default="champion", help="champion or an MLflow run id")
    evaluate.add_argument(
        "--include-in-sample",
        action="store_true",
        help="also score the window's games inside the model's training data, apart and "
        "labelled in-sample (never a result)",
    )
    evaluate.add_argument(
        "--no-log",
        action="store_true",
        help="do not record the evaluation in MLflow (default: log it as an evaluation run)",
    )
    evaluate.add_argument(
        "--out",
        metavar="FILE.csv",
        help="write the bets (one row per bet: teams, side, price, stake, result, profit) "
        "here, and the metrics beside it as FILE_metrics.csv (default: none)",
    )
    evaluate.set_defaults(handler=_evaluate)

    drift = commands.add_parser("drift", help="importance and feature-distribution drift")
    drift.add_argument("target", metavar="TARGET", help=TARGET_HELP)
    drift.add_argument("--days", type=int, default=7, help="recent window before --as-of")
    drift.add_argument("--as-of", metavar="DATETIME", help=AS_OF_HELP)
    drift.add_argument("--data", metavar="PATH|URL", help=DATA_HELP)
    drift.set_defaults(handler=_drift)

    predict = commands.add_parser(
        "predict", help="score the games of a date range with the registered models"
    )
    predict.add_argument("--targets", nargs="+", metavar="T", help=TARGETS_HELP)
    predict.add_argument("--start", required=True, metavar="YYYY-MM-DD", help="first game date")
    predict.add_argument("--end", required=True, metavar="YYYY-MM-DD", help="last game date")
    predict.add_argument("--data", metavar="PATH|URL", help=DATA_HELP)
    predict.add_argument(
        "--model",
        default="champion",
        help="champion (the alias, else the newest version) or an MLflow run id",
    )
    predict.add_argument(
        "--out",
        type=Path,
        metavar="FILE.csv|FILE.parquet",
        help="where the predictions go (default: none; give --out and/or --to-db)",
    )
    predict.add_argument(
        "--to-db", action="store_true", help="also upsert into the PostgreSQL predictions table"
    )
    predict.set_defaults(handler=_predict)
