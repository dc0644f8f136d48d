"""The `mlb` command. Heavy libraries are imported inside the commands that use them, so
`mlb --help` starts in a fraction of a second."""

import argparse
import os
import signal
import sys
from collections.abc import Sequence
from datetime import UTC, date, datetime
from types import FrameType
from typing import TYPE_CHECKING, NoReturn

from mlbcore.cli import features
from mlbcore.errors import BackendError, MlbError
from mlbcore.masking import masked

if TYPE_CHECKING:
    from pathlib import Path

    from mlbcore.evaluation.evaluate import ScoredPart
    from mlbcore.importers.report import ImportReport


def _parse_date(text: str, flag: str) -> date:
    from mlbcore.training.windows import require_date_in_range

    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise MlbError(f"{flag} must be a date as YYYY-MM-DD, got {text!r}") from None
    require_date_in_range(day, flag)
    return day


def _train(args: argparse.Namespace) -> int:
    from mlbcore.cli import output
    from mlbcore.settings import load_settings
    from mlbcore.targets import parse_targets
    from mlbcore.training.pipeline import train_models

    settings = load_settings()
    targets = parse_targets(args.targets)
    if args.end_date and args.as_of:
        raise MlbError("give --end-date or --as-of, not both")
    end_date = _parse_date(args.end_date, "--end-date") if args.end_date else None
    run = train_models(
        settings,
        targets,
        days=args.days,
        end_date=end_date,
        data=args.data,
        progress=output.progress_printer(),
        as_of=_as_of(args),
    )
    output.print_training_run(run, as_json=args.json)
    rejected = [t for t in run.trained if t.rejected_reasons]
    return 3 if rejected and args.strict else 0


def _as_of(args: argparse.Namespace) -> "datetime | None":
    from mlbcore.evaluation.evaluate import parse_as_of

    return parse_as_of(args.as_of) if args.as_of else None


def _retrain(args: argparse.Namespace) -> int:
    from mlbcore.cli import output
    from mlbcore.evaluation.evaluate import parse_as_of
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
    import polars as pl

    from mlbcore.cli import output
    from mlbcore.lifecycle.replay import POLICIES, parse_policy, replay_season
    from mlbcore.prediction import output_format, write_predictions
    from mlbcore.settings import load_settings
    from mlbcore.targets import parse_targets

    settings = load_settings()
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
    )
    timeline = replay.timeline
    if out.suffix.lower() == ".csv":  # CSV holds no lists: the per-game columns stay out
        timeline = timeline.drop("game_ids", "predictions", "scored_by")
    write_predictions(timeline, out)
    with pl.Config(tbl_rows=20, tbl_cols=12, tbl_width_chars=160, float_precision=4):
        print(replay.summary.drop("market_games"))
    headline_out = out.with_name(f"{out.stem}_headline{out.suffix}")
    write_predictions(replay.headline, headline_out)
    print("headline (same games; 95 % date-block bootstrap interval; verdict from the interval):")
    for row in replay.headline.iter_rows(named=True):
        print(f"  {row['target']}: {row['text']}")
    print(f"headline written to {headline_out}")
    print(f"timeline ({replay.timeline.height} rows) written to {out}")
    print("seconds: " + ", ".join(f"{name} {value:.1f}" for name, value in replay.seconds.items()))
    return 0


def _report(args: argparse.Namespace) -> int:
    from mlbcore.evaluation.evaluate import parse_as_of
    from mlbcore.report import build_report
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


def _evaluate(args: argparse.Namespace) -> int:
    from mlbcore.evaluation.evaluate import evaluate, parse_as_of
    from mlbcore.settings import load_settings
    from mlbcore.targets import parse_targets

    target = parse_targets([args.target])[0]
    result = evaluate(
        load_settings(),
        target,
        args.days,
        parse_as_of(args.as_of),
        args.data,
        args.model,
        include_in_sample=args.include_in_sample,
    )
    print(
        f"{target}  {result.model_uri} (trained as of {result.trained_as_of:%Y-%m-%d %H:%M} UTC)"
        f"  window {result.start_utc:%Y-%m-%d %H:%M} to {result.as_of:%Y-%m-%d %H:%M} UTC"
        f"  MLflow run {result.run_id}"
    )
    for notice in result.notices:
        print(f"warning: {notice}")
    print(
        f"out of sample: {result.games} games, {result.market_games} of them priced by the "
        f"market; {result.out_of_sample.parts_text()}"
    )
    _print_metrics(result.metrics)
    # With the baselines fitted, the market's line is among theirs.
    if result.vs_market is not None and result.baselines is None:
        print(f"  model minus market on the {result.market_games} priced games:")
        print(f"    {result.vs_market.metric} {result.vs_market.text()}")
    if result.baselines is not None:
        print(f"  baselines {result.baselines.text()}, model minus each:")
        _print_baselines(result.out_of_sample)
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
        _print_metrics(part.metrics)
        if part.vs_baselines:
            print("  model minus each baseline, IN-SAMPLE (both were fitted on these games):")
            _print_baselines(part)
    return 0


def _print_baselines(part: "ScoredPart") -> None:
    """Model minus each baseline on the games both predicted, with interval and verdict."""
    from mlbcore.training.baselines import BASELINE_WORDS

    for name, interval in part.vs_baselines.items():
        print(f"    vs {BASELINE_WORDS[name]}: {interval.metric} {interval.text()}")


def _print_metrics(metrics: "dict[str, float]") -> None:
    """Model on every game, then model and market side by side on the priced games."""
    for name, value in metrics.items():
        if not name.startswith(("model_priced_", "market_")):
            print(f"  {name:<28} {value:.4f}")
    for name, value in metrics.items():
        if name.startswith("model_priced_"):
            metric = name.removeprefix("model_priced_")
            market = metrics[f"market_{metric}"]
            print(f"  {metric:<14} priced games: model {value:.4f}  market {market:.4f}")


def _drift(args: argparse.Namespace) -> int:
    from mlbcore.evaluation.drift import drift_report
    from mlbcore.evaluation.evaluate import parse_as_of
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
    start, end = _parse_date(args.start, "--start"), _parse_date(args.end, "--end")
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


def _status(args: argparse.Namespace) -> int:
    from mlbcore.evaluation.evaluate import parse_as_of
    from mlbcore.health import backend_health
    from mlbcore.lifecycle.status import target_statuses
    from mlbcore.settings import load_settings

    settings = load_settings()
    as_of = parse_as_of(args.as_of)  # a bad --as-of fails before any probe prints
    backends = backend_health(settings)
    for b in backends:
        state = b.state
        latency = f" {b.latency_ms:.1f} ms" if b.latency_ms is not None else ""
        version = f" v{b.version}" if b.version and args.detailed else ""
        detail = f" ({b.detail})" if b.detail else ""
        print(f"{b.name:<7} {b.kind:<11} {state}{latency}{version}  {b.address}{detail}")
    down = [b.name for b in backends if b.configured and not b.up]
    if not down:
        from mlbcore.training.pipeline import data_games_source

        source = data_games_source(settings)
        print(f"champions for {source} games as of {as_of:%Y-%m-%d %H:%M} UTC:")
        for t in target_statuses(settings, as_of, source):
            if t.version is None:
                from mlbcore.tracking import no_champion_message

                print(f"  {t.target:<21} {t.health:<9} {no_champion_message(t.target, source)}")
                continue
            assert t.trained_as_of_utc is not None and t.age_hours is not None
            print(
                f"  {t.target:<21} {t.health:<9} champion v{t.version}, trained as of "
                f"{t.trained_as_of_utc:%Y-%m-%d %H:%M} UTC ({t.age_hours:.0f} h old)"
            )
            if args.detailed:
                evaluated = ", ".join(
                    f"{k} {v:.4f}"
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


def _schedule(args: argparse.Namespace) -> int:
    from mlbcore.lifecycle.scheduler import save_schedule, schedule_overview
    from mlbcore.lifecycle.schedules import parse_day_of_week
    from mlbcore.lifecycle.state_store import StateStore
    from mlbcore.settings import load_settings

    settings = load_settings()
    store = StateStore(settings)
    now = datetime.now(UTC)
    if args.action == "list":
        schedules = schedule_overview(settings, now)
        if schedules.is_empty():
            print("no schedules; add one with `mlb schedule --schedule-type daily --hour 6`")
        for row in schedules.iter_rows(named=True):
            days = f" --days {row['days']}" if row["days"] else ""
            print(
                f"{row['id']:>3}  {row['when']}  {row['job']} {row['targets']} targets{days}  "
                f"next run {row['next_run_utc']:%Y-%m-%d %H:%M} UTC"
            )
        return 0
    if args.action == "history":
        runs = store.job_runs(args.limit)
        if runs.is_empty():
            print("no job has run yet")
        for row in runs.iter_rows(named=True):
            ended = f"{row['ended_at_utc']:%H:%M:%S}" if row["ended_at_utc"] else "-"
            print(
                f"{row['id']:>4}  schedule {row['schedule_id']}  {row['job']:<7} "
                f"{row['status']:<9} as of {row['as_of_utc']:%Y-%m-%d %H:%M}  "
                f"started {row['started_at_utc']:%Y-%m-%d %H:%M:%S} ended {ended}  "
                f"runs {row['mlflow_run_ids'] or '-'}"
                + (f"  attempt {row['attempt']}" if (row["attempt"] or 1) > 1 else "")
                + (f"\n      error: {row['error']}" if row["error"] else "")
            )
        return 0
    if args.action == "remove":
        if args.id is None:
            raise MlbError("say which schedule: mlb schedule remove ID (see `mlb schedule list`)")
        if not store.remove_schedule(args.id):
            raise MlbError(f"no schedule {args.id}; see `mlb schedule list`")
        print(f"removed schedule {args.id}")
        return 0
    if args.schedule_type is None or args.hour is None:
        raise MlbError("a schedule needs --schedule-type daily|weekly and --hour H (UTC)")
    new_id, first_run = save_schedule(
        settings,
        now,
        schedule_type=args.schedule_type,
        hour_utc=args.hour,
        day_of_week=parse_day_of_week(args.day_of_week),
        job=args.job,
        days=args.days,
        targets=args.targets or [],
    )
    print(f"schedule {new_id} saved in {store.address}; next run {first_run:%Y-%m-%d %H:%M} UTC")
    return 0


def _scheduler(args: argparse.Namespace) -> int:
    from mlbcore.cli import output
    from mlbcore.lifecycle import scheduler
    from mlbcore.settings import load_settings

    settings = load_settings()
    progress = output.progress_printer()
    if args.action == "tick":
        as_of = _as_of(args) or scheduler.wall_clock()
        results = scheduler.tick(settings, as_of, data=args.data, progress=progress)
        if not results:
            print(f"nothing due at {as_of:%Y-%m-%d %H:%M} UTC")
        for r in results:
            print(
                f"schedule {r.schedule_id} slot {r.slot_utc:%Y-%m-%d %H:%M}: {r.job} {r.status}"
                + (f" ({r.error})" if r.error else "")
            )
        return 1 if any(r.status == "failed" for r in results) else 0
    import threading

    stop = threading.Event()
    # SIGTERM lets the job in hand finish, then the loop ends: no half-written run.
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    scheduler.run_scheduler(settings, stop, args.poll_seconds, data=args.data, progress=progress)
    return 0


def _snapshot_demo(args: argparse.Namespace) -> int:
    from mlbcore.data.demo import write_demo_snapshot

    manifest = write_demo_snapshot(args.out, seed=args.seed, force=args.force)
    counts = ", ".join(f"{n} {t}" for t, n in manifest["row_counts"].items())  # type: ignore[union-attr]
    print(f"wrote {args.out}: {counts}; content hash {manifest['content_hash']}")
    return 0


def _print_report(report: "ImportReport", snapshot: "Path") -> None:
    from mlbcore.data.snapshot import read_manifest

    for line in report.lines():
        print(line)
    manifest = read_manifest(snapshot)
    counts = ", ".join(f"{n} {t}" for t, n in manifest["row_counts"].items())  # type: ignore[union-attr]
    print(f"snapshot {snapshot}: {counts}")
    for notice in manifest.get("notices", []):  # type: ignore[union-attr]
        print(notice)


def _import_retrosheet(args: argparse.Namespace) -> int:
    from mlbcore.importers.jobs import import_retrosheet

    report = import_retrosheet(
        args.paths, args.out, args.strict, args.allow_partial, args.replace, args.force
    )
    _print_report(report, args.out)
    return 0


def _import_pinnacle(args: argparse.Namespace) -> int:
    from mlbcore.importers.jobs import import_pinnacle

    report = import_pinnacle(
        args.data, args.games, args.lines, args.strict, args.allow_partial, args.replace
    )
    _print_report(report, args.data)
    return 0


def _import_sbr(args: argparse.Namespace) -> int:
    from mlbcore.importers.jobs import import_sbr

    _print_report(import_sbr(args.data, args.paths, args.strict, args.replace), args.data)
    return 0


def _import_retrosplits(args: argparse.Namespace) -> int:
    from mlbcore.importers.jobs import import_retrosplits

    report = import_retrosplits(
        args.data, args.paths, args.strict, args.allow_partial, args.replace
    )
    _print_report(report, args.data)
    return 0


def _seasons(text: str) -> tuple[int, ...]:
    """``--seasons 2015,2016``: the bench's seasons, each one the data has lines for."""
    try:
        seasons = tuple(sorted({int(part) for part in text.split(",")}))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a comma-separated list of years"
        ) from None
    if not seasons or not set(seasons) <= {2014, 2015, 2016}:
        raise argparse.ArgumentTypeError(f"{text!r}: seasons must be within 2014-2016")
    return seasons


def _bench_quality(args: argparse.Namespace) -> int:
    from mlbcore.evaluation.quality_bench import bench_quality
    from mlbcore.settings import PROJECT_ROOT

    shared = args.shared_data or PROJECT_ROOT.parent / "shared" / "data"
    if not (shared / "retrosheet").is_dir():
        raise MlbError(f"{shared} has no retrosheet/ folder; pass --shared-data DIR")
    bench_quality(shared, args.out, args.seasons, args.workers)
    return 0


def _db_migrate(args: argparse.Namespace) -> int:
    from mlbcore.db.jobs import run_migrate
    from mlbcore.settings import load_settings

    url, applied = run_migrate(load_settings(), args.url)
    done = ", ".join(map(str, applied)) if applied else "none pending"
    print(f"{url}: migrations applied: {done}")
    return 0


def _db_load(args: argparse.Namespace) -> int:
    import time

    from mlbcore.db.jobs import run_load
    from mlbcore.settings import load_settings

    started = time.perf_counter()
    url, counts = run_load(load_settings(), args.data, args.url)
    rows = ", ".join(f"{n} {t}" for t, n in counts.items())
    print(f"loaded {args.data} into {url}: {rows} in {time.perf_counter() - started:.1f} s")
    return 0


def _bench_store(args: argparse.Namespace) -> int:
    from mlbcore.settings import load_settings
    from mlbcore.store.bench_store import bench_store

    url = args.redis_url or load_settings().redis_url or "redis://127.0.0.1:6379/0"
    bench_store(url, data=args.data, slate_reads=args.slate_reads)
    return 0


def _bench_replay(args: argparse.Namespace) -> int:
    from mlbcore.bench import bench_replay

    bench_replay(args.season, args.repeat, args.data)
    return 0


def _bench_train(args: argparse.Namespace) -> int:
    from mlbcore.bench import bench_train

    bench_train(repeat=args.repeat, data=args.data, loaded=args.loaded)
    return 0


class _Parser(argparse.ArgumentParser):
    """A usage error is one line that points at the help, not the usage block."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see `{self.prog} --help`)\n")


def build_parser() -> argparse.ArgumentParser:
    from pathlib import Path

    parser = _Parser(
        prog="mlb",
        description="Train and track LightGBM models of MLB games for betting.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

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
        "were known then",
    )
    train.add_argument("--json", action="store_true", help="print the results as JSON")
    train.add_argument(
        "--strict",
        action="store_true",
        help="exit 3 when a model fails the promotion gate (default: say so and exit 0)",
    )
    train.set_defaults(handler=_train)

    retrain = commands.add_parser(
        "retrain",
        help="decide per target whether to retrain; promote a challenger only if clearly better",
        description="For each target, judged as of the split (--as-of minus "
        "RETRAINING__COMPARISON_DAYS): skip with too few new labelled games, else retrain when "
        "the champion degraded, is stale or the features drifted. The challenger, fitted as of "
        "the split, replaces the champion only when the bootstrap interval of challenger minus "
        "champion on the games after the split lies below zero.",
    )
    retrain.add_argument("--model", nargs="+", metavar="TARGET", help="default: all three")
    retrain.add_argument("--force", action="store_true", help="retrain whatever the checks say")
    retrain.add_argument(
        "--window-days", type=int, metavar="3..10", help="sliding window (default 7)"
    )
    retrain.add_argument("--as-of", metavar="DATETIME", help="ISO date or date-time, UTC")
    retrain.add_argument("--data", metavar="PATH|URL")
    retrain.set_defaults(handler=_retrain)

    report = commands.add_parser(
        "report", help="a self-contained HTML report of a champion: training, evaluation, drift"
    )
    report.add_argument("target", metavar="TARGET")
    report.add_argument("--out", type=Path, required=True, metavar="FILE.html")
    report.add_argument("--days", type=int, default=30, help="evaluation window (default 30)")
    report.add_argument("--as-of", metavar="DATETIME", help="ISO date or date-time, UTC")
    report.add_argument("--data", metavar="PATH|URL")
    report.add_argument(
        "--include-in-sample",
        action="store_true",
        help="also show the window's games inside the champion's training data, labelled in-sample",
    )
    report.set_defaults(handler=_report)

    replay = commands.add_parser(
        "replay",
        help="replay a season day by day under the retrain policy, against never and daily",
    )
    replay.add_argument("--season", type=int, required=True)
    replay.add_argument("--data", metavar="PATH|URL")
    replay.add_argument("--schedule", choices=["daily", "weekly"], default="daily")
    replay.add_argument(
        "--policy",
        action="append",
        metavar="KEY=VALUE",
        help="override a retraining setting, e.g. min_samples_for_retrain=50 (repeatable)",
    )
    replay.add_argument(
        "--policies",
        nargs="+",
        default=["policy", "never", "daily"],
        metavar="P",
        help="which to run: policy never daily (default: all three)",
    )
    replay.add_argument("--targets", nargs="+", metavar="T", help="default: all three")
    replay.add_argument("--out", type=Path, metavar="FILE.csv|FILE.parquet")
    replay.set_defaults(handler=_replay)

    evaluate = commands.add_parser(
        "evaluate", help="score a target's champion on the most recent window, with betting results"
    )
    evaluate.add_argument("target", metavar="TARGET")
    evaluate.add_argument("--days", type=int, default=7, help="window before --as-of (default 7)")
    evaluate.add_argument(
        "--as-of", metavar="DATETIME", help="ISO date or date-time, UTC (default: now)"
    )
    evaluate.add_argument("--data", metavar="PATH|URL")
    evaluate.add_argument("--model", default="champion", help="champion or an MLflow run id")
    evaluate.add_argument(
        "--include-in-sample",
        action="store_true",
        help="also score the window's games inside the model's training data, apart and "
        "labelled in-sample (never a result)",
    )
    evaluate.set_defaults(handler=_evaluate)

    drift = commands.add_parser("drift", help="importance and feature-distribution drift")
    drift.add_argument("target", metavar="TARGET")
    drift.add_argument("--days", type=int, default=7, help="recent window before --as-of")
    drift.add_argument("--as-of", metavar="DATETIME", help="ISO date or date-time, UTC")
    drift.add_argument("--data", metavar="PATH|URL")
    drift.set_defaults(handler=_drift)

    predict = commands.add_parser(
        "predict", help="score the games of a date range with the registered models"
    )
    predict.add_argument("--targets", nargs="+", metavar="T", help="default: all three")
    predict.add_argument("--start", required=True, metavar="YYYY-MM-DD")
    predict.add_argument("--end", required=True, metavar="YYYY-MM-DD")
    predict.add_argument("--data", metavar="PATH|URL", help="snapshot folder or postgresql:// URL")
    predict.add_argument(
        "--model",
        default="champion",
        help="champion (the alias, else the newest version) or an MLflow run id",
    )
    predict.add_argument("--out", type=Path, metavar="FILE.csv|FILE.parquet")
    predict.add_argument(
        "--to-db", action="store_true", help="also upsert into the PostgreSQL predictions table"
    )
    predict.set_defaults(handler=_predict)

    status = commands.add_parser(
        "status", help="health of each back end and each target's champion"
    )
    status.add_argument("--detailed", action="store_true", help="show versions too")
    status.add_argument(
        "--check", action="store_true", help="exit 1 when a configured back end is down"
    )
    status.add_argument("--as-of", metavar="DATETIME", help="ISO date or date-time, UTC")
    status.set_defaults(handler=_status)

    schedule = commands.add_parser(
        "schedule",
        help="save, list or remove schedules of train/retrain jobs; show the job history",
        description="`mlb schedule --schedule-type daily --hour 6` saves a schedule; "
        "`mlb schedule list`, `mlb schedule remove ID`, `mlb schedule history`.",
    )
    schedule.add_argument(
        "action", nargs="?", default="add", choices=["add", "list", "remove", "history"]
    )
    schedule.add_argument("id", nargs="?", type=int, help="schedule id, for remove")
    schedule.add_argument("--schedule-type", choices=["daily", "weekly"])
    schedule.add_argument("--hour", type=int, metavar="H", help="hour of the day, UTC (0-23)")
    schedule.add_argument("--day-of-week", metavar="D", help="weekly: mon..sun")
    schedule.add_argument("--job", choices=["train", "retrain"], default="retrain")
    schedule.add_argument(
        "--days", type=int, help="train: window (default 90); retrain: sliding window 3..10"
    )
    schedule.add_argument("--targets", nargs="+", metavar="T", help="default: all three")
    schedule.add_argument("--limit", type=int, default=20, help="history: how many runs")
    schedule.set_defaults(handler=_schedule)

    runner = commands.add_parser("scheduler", help="run scheduled jobs: tick once, or run")
    runner.add_argument("action", choices=["tick", "run"])
    runner.add_argument("--as-of", metavar="DATETIME", help="tick: run what is due then")
    runner.add_argument("--poll-seconds", type=float, default=60, help="run: time between ticks")
    runner.add_argument("--data", metavar="PATH|URL")
    runner.set_defaults(handler=_scheduler)

    snapshot = commands.add_parser("snapshot", help="create data snapshots")
    kinds = snapshot.add_subparsers(dest="kind", required=True, metavar="KIND")
    demo = kinds.add_parser("demo", help="generate the synthetic demo season")
    demo.add_argument("--seed", type=int, default=2016)
    demo.add_argument(
        "--out", type=Path, default=None, help="folder (default: data_snapshots/demo)"
    )
    demo.add_argument(
        "--force", action="store_true", help="replace a snapshot of other games at --out"
    )
    demo.set_defaults(handler=_snapshot_demo)

    imported = "data_snapshots/imported in the project"
    importer = commands.add_parser("import", help="import real data into a snapshot")
    sources = importer.add_subparsers(dest="source", required=True, metavar="SOURCE")
    retrosheet = sources.add_parser(
        "retrosheet",
        help="Retrosheet game logs (GLYYYY.TXT or glYYYY.zip) as a new snapshot",
    )
    retrosheet.add_argument("paths", nargs="+", type=Path, metavar="PATH")
    retrosheet.add_argument("--out", type=Path, help=f"snapshot folder (default {imported})")
    retrosheet.add_argument(
        "--strict", action="store_true", help="fail on the first malformed line"
    )
    retrosheet.add_argument(
        "--force", action="store_true", help="replace a snapshot of other games at --out"
    )
    retrosheet.set_defaults(handler=_import_retrosheet)
    retrosplits = sources.add_parser(
        "retrosplits",
        help="team game lines and platoon splits (teams-, pitching-platoon-, "
        "batting-platoon-YYYY.csv) into a snapshot's seasons",
    )
    retrosplits.add_argument("paths", nargs="+", type=Path, metavar="PATH")
    retrosplits.add_argument("--data", type=Path, help=f"snapshot folder (default {imported})")
    retrosplits.add_argument(
        "--strict", action="store_true", help="fail on the first malformed row"
    )
    retrosplits.set_defaults(handler=_import_retrosplits)
    odds = sources.add_parser("odds", help="attach betting lines to a snapshot's games")
    books = odds.add_subparsers(dest="book", required=True, metavar="BOOK")
    pinnacle = books.add_parser("pinnacle", help="Pinnacle's time-stamped line history")
    pinnacle.add_argument("games", type=Path, metavar="PATH_GAMES")
    pinnacle.add_argument("lines", type=Path, metavar="PATH_LINES")
    sbr = books.add_parser("sbr", help="sportsbookreviewsonline archive workbooks (.xlsx)")
    sbr.add_argument("paths", nargs="+", type=Path, metavar="PATH")
    for parser_ in (pinnacle, sbr):
        parser_.add_argument("--data", type=Path, help=f"snapshot folder (default {imported})")
        parser_.add_argument(
            "--strict", action="store_true", help="fail on the first malformed row"
        )
    # An import adds and updates; these say when it may do less or remove.
    for parser_ in (retrosheet, retrosplits, pinnacle):
        parser_.add_argument(
            "--allow-partial",
            action="store_true",
            help="import the complete lines of a truncated file (else exit 1)",
        )
    for parser_, covers in (
        (retrosheet, "the snapshot's games become the files' games"),
        (retrosplits, "a file's season replaces that season's rows"),
        (pinnacle, "this book's lines of the games in the files are the files' lines"),
        (sbr, "this book's lines of the games in the files are the files' lines"),
    ):
        parser_.add_argument(
            "--replace", action="store_true", help=f"remove what the files leave out: {covers}"
        )
    pinnacle.set_defaults(handler=_import_pinnacle)
    sbr.set_defaults(handler=_import_sbr)

    db = commands.add_parser("db", help="PostgreSQL: migrate the schema, load a snapshot")
    db_commands = db.add_subparsers(dest="db_command", required=True, metavar="ACTION")
    db_migrate = db_commands.add_parser("migrate", help="apply pending schema migrations")
    db_load = db_commands.add_parser("load", help="load a snapshot's tables (replacing them)")
    db_load.add_argument("--data", type=Path, required=True, metavar="SNAPSHOT")
    for parser_ in (db_migrate, db_load):
        parser_.add_argument("--url", help="postgresql:// URL (default: the DATABASE_* settings)")
    db_migrate.set_defaults(handler=_db_migrate)
    db_load.set_defaults(handler=_db_load)

    bench = commands.add_parser("bench", help="benchmarks that print numbers")
    benches = bench.add_subparsers(dest="bench", required=True, metavar="BENCH")
    bench_train = benches.add_parser("train", help="feature build and `mlb train` wall time")
    bench_train.add_argument("--repeat", type=int, default=5)
    bench_train.add_argument("--data", default=None, metavar="PATH|URL")
    bench_train.add_argument(
        "--loaded",
        action="store_true",
        help="also time it beside a second mlb train and print the ratio (goal <= 2x)",
    )
    bench_train.set_defaults(handler=_bench_train)
    bench_replay = benches.add_parser("replay", help="a full season's replay, each policy timed")
    bench_replay.add_argument("--season", type=int, default=2016)
    bench_replay.add_argument("--repeat", type=int, default=3)
    bench_replay.add_argument("--data", default=None, metavar="PATH|URL")
    bench_replay.set_defaults(handler=_bench_replay)
    bench_quality = benches.add_parser(
        "quality",
        help="walk-forward model quality on real 2014-2016 games, beside the market",
    )
    bench_quality.add_argument(
        "--shared-data",
        type=Path,
        default=None,
        metavar="DIR",
        help="folder with retrosheet/, retrosplits/, sbr/ and pinnacle/ (default ../shared/data)",
    )
    bench_quality.add_argument(
        "--seasons",
        type=_seasons,
        default=(2014, 2015, 2016),
        metavar="YEARS",
        help="seasons to walk through, comma-separated, within 2014-2016 (default all three)",
    )
    bench_quality.add_argument(
        "--out",
        type=Path,
        default=Path("quality-predictions.csv"),
        metavar="CSV",
        help="where every out-of-sample prediction is written (default ./quality-predictions.csv)",
    )
    bench_quality.add_argument("--workers", type=int, default=2, help="processes (default 2)")
    bench_quality.set_defaults(handler=_bench_quality)
    bench_store = benches.add_parser(
        "store", help="MessagePack vs JSON and Redis feature-cache reads on loopback"
    )
    bench_store.add_argument("--redis-url", default=None, help="default: REDIS_URL, else local")
    bench_store.add_argument(
        "--data", type=Path, default=None, metavar="DIR", help="snapshot (default: MLB_DATA)"
    )
    bench_store.add_argument("--slate-reads", type=int, default=200, metavar="N")
    bench_store.set_defaults(handler=_bench_store)
    features.register(commands)
    return parser


def _terminate(signum: int, frame: FrameType | None) -> None:
    # SIGTERM becomes an exception so open MLflow runs end as FAILED, not RUNNING.
    raise SystemExit(128 + signum)


def main(argv: Sequence[str] | None = None) -> int:
    signal.signal(signal.SIGTERM, _terminate)
    args = build_parser().parse_args(argv)
    if getattr(args, "kind", None) == "demo" and args.out is None:
        from mlbcore.settings import DEMO_SNAPSHOT

        args.out = DEMO_SNAPSHOT
    if args.command == "import":
        from mlbcore.settings import IMPORTED_SNAPSHOT

        for name in ("out", "data"):
            if hasattr(args, name) and getattr(args, name) is None:
                setattr(args, name, IMPORTED_SNAPSHOT)
    try:
        code: int = args.handler(args)
    except MlbError as error:
        print(f"mlb: error: {masked(str(error))}", file=sys.stderr)
        return error.exit_code
    except KeyboardInterrupt:
        print("mlb: interrupted", file=sys.stderr)
        return 130
    except Exception as error:
        if not _backend_failure(error) or os.environ.get("MLB_DEBUG"):
            raise
        print(f"mlb: error: {_one_line(error)}", file=sys.stderr)
        return BackendError.exit_code
    return code


# Modules whose exceptions mean a store or server failed, not a bug of ours. Checked by
# name so the CLI imports none of them to start.
_BACKEND_MODULES = ("sqlite3", "psycopg", "sqlalchemy", "redis", "mlflow.store.db")


def _backend_failure(error: BaseException) -> bool:
    """A file system, database or server refused: ``OSError`` (read-only, full disk,
    connection refused) or an exception of a database driver."""
    return isinstance(error, OSError) or any(
        kind.__module__.startswith(_BACKEND_MODULES) for kind in type(error).__mro__
    )


def _one_line(error: BaseException) -> str:
    """What failed, on one line: the error's first line (drivers append the SQL and
    links below it), and how to see the rest."""
    first = next((line for line in str(error).splitlines() if line.strip()), "")
    what = f"{type(error).__name__}: {first.strip()}" if first else type(error).__name__
    return f"{what[:300]} (a back end or the disk failed; MLB_DEBUG=1 shows the traceback)"


if __name__ == "__main__":
    sys.exit(main())
