"""`mlb schedule` and `mlb scheduler`: saving schedules of train/retrain jobs and running
what is due.

Each handler imports what its command needs when it runs, so `mlb --help` and the light
commands start without the heavy libraries (a test checks which load)."""

import argparse
import signal
from datetime import UTC, datetime

from mlbcore.cli.arguments import DATA_HELP, TARGETS_HELP, as_of
from mlbcore.errors import MlbError


def _schedule(args: argparse.Namespace) -> int:
    from mlbcore.lifecycle.schedule_rules import parse_day_of_week
    from mlbcore.lifecycle.scheduler import save_schedule, schedule_overview
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
        tick_at = as_of(args) or scheduler.wall_clock()
        results = scheduler.tick(settings, tick_at, data=args.data, progress=progress)
        if not results:
            print(f"nothing due at {tick_at:%Y-%m-%d %H:%M} UTC")
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


def register(commands: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    """Add this group's commands to ``commands``."""
    schedule = commands.add_parser(
        "schedule",
        help="save, list or remove schedules of train/retrain jobs; show the job history",
        description="`mlb schedule --schedule-type daily --hour 6` saves a schedule; "
        "`mlb schedule list`, `mlb schedule remove ID`, `mlb schedule history`.",
    )
    schedule.add_argument(
        "action",
        nargs="?",
        default="add",
        choices=["add", "list", "remove", "history"],
        help="add (the default), list, remove ID or history",
    )
    schedule.add_argument("id", nargs="?", type=int, help="schedule id, for remove")
    schedule.add_argument(
        "--schedule-type",
        choices=["daily", "weekly"],
        help="daily or weekly (no default: add needs it)",
    )
    schedule.add_argument(
        "--hour",
        type=int,
        metavar="H",
        help="hour of the day, UTC, 0-23 (no default: add needs it)",
    )
    schedule.add_argument(
        "--day-of-week", metavar="D", help="weekly: mon..sun (no default: weekly needs it)"
    )
    schedule.add_argument(
        "--job", choices=["train", "retrain"], default="retrain", help="train or retrain"
    )
    schedule.add_argument(
        "--days", type=int, help="train: window (default 90); retrain: sliding window 3..10"
    )
    schedule.add_argument("--targets", nargs="+", metavar="T", help=TARGETS_HELP)
    schedule.add_argument("--limit", type=int, default=20, help="history: how many runs")
    schedule.set_defaults(handler=_schedule)

    runner = commands.add_parser("scheduler", help="run scheduled jobs: tick once, or run")
    runner.add_argument(
        "action",
        choices=["tick", "run"],
        help="tick: run what is due once; run: tick until stopped",
    )
    runner.add_argument(
        "--as-of", metavar="DATETIME", help="tick: run what is due then (default: now)"
    )
    runner.add_argument("--poll-seconds", type=float, default=60, help="run: time between ticks")
    runner.add_argument("--data", metavar="PATH|URL", help=DATA_HELP)
    runner.set_defaults(handler=_scheduler)
