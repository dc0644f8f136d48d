"""Running scheduled jobs: `mlb scheduler tick` runs whatever is due once and exits (for
cron or CI); `mlb scheduler run` ticks until SIGTERM, finishing the job in hand first.

A job is due when its schedule's latest slot at the as-of instant is newer than the last
slot it ran for (and not older than the schedule itself), so a runner that was down for
three days runs the job once. Claiming the slot is an insert that only one runner wins.
"""

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import polars as pl

from mlbcore.errors import MlbError
from mlbcore.lifecycle.schedules import DAYS_OF_WEEK, latest_slot, next_slot, schedule_spec
from mlbcore.lifecycle.state_store import StateStore
from mlbcore.masking import masked
from mlbcore.settings import Settings
from mlbcore.targets import parse_targets
from mlbcore.training.pipeline import Progress

Clock = Callable[[], datetime]


def wall_clock() -> datetime:
    return datetime.now(UTC)


@dataclass
class JobResult:
    schedule_id: int
    slot_utc: datetime
    job: str
    status: str  # succeeded, failed, abandoned, claimed_elsewhere
    mlflow_run_ids: list[str]
    error: str | None = None


def save_schedule(settings: Settings, now: datetime, **values: Any) -> tuple[int, datetime]:
    """Validate and store a schedule; return its id and its first run time."""
    spec = schedule_spec(**values)
    new_id = StateStore(settings).add_schedule(
        spec.schedule_type, spec.hour_utc, spec.day_of_week, spec.job, spec.days, spec.targets,
        now,
    )  # fmt: skip
    return new_id, next_slot(spec.schedule_type, spec.hour_utc, spec.day_of_week, now)


def schedule_overview(settings: Settings, now: datetime) -> pl.DataFrame:
    """Every schedule with a readable "when" and its next run after ``now``."""
    schedules = StateStore(settings).schedules()
    when, next_runs = [], []
    for row in schedules.iter_rows(named=True):
        day = f"{DAYS_OF_WEEK[row['day_of_week']]} " if row["day_of_week"] is not None else ""
        when.append(f"{row['schedule_type']} {day}{row['hour_utc']:02d}:00 UTC")
        next_runs.append(next_slot(row["schedule_type"], row["hour_utc"], row["day_of_week"], now))
    return schedules.select(
        "id",
        pl.Series("when", when, dtype=pl.String),
        "job",
        pl.col("targets").replace("", "all"),
        "days",
        pl.Series("next_run_utc", next_runs, dtype=pl.Datetime("us", "UTC")),
        "created_at_utc",
    )


def due(store: StateStore, as_of: datetime) -> list[tuple[dict[str, Any], datetime]]:
    """Each schedule due at ``as_of`` with the slot it is due for."""
    last = store.last_slots()
    found = []
    for schedule in store.schedules().iter_rows(named=True):
        slot = latest_slot(
            schedule["schedule_type"], schedule["hour_utc"], schedule["day_of_week"], as_of
        )
        ran = last.get(schedule["id"])
        if slot >= schedule["created_at_utc"] and (ran is None or slot > ran):
            found.append((schedule, slot))
    return found


def run_job(
    settings: Settings, schedule: dict[str, Any], as_of: datetime, job_run_id: int,
    data: Path | str | None, progress: Progress,
) -> list[str]:  # fmt: skip
    """Run one scheduled job as of ``as_of``; return the MLflow run ids it made."""
    targets = parse_targets(schedule["targets"].split() or None)
    if schedule["job"] == "train":
        from mlbcore.training.pipeline import train_models

        run = train_models(
            settings, targets, days=schedule["days"], data=data, progress=progress, as_of=as_of
        )
        return [t.run_id for t in run.trained]
    from mlbcore.lifecycle.retrain import retrain

    outcomes = retrain(
        settings, targets, as_of, schedule["days"], data=data, progress=progress,
        job_run_id=job_run_id,
    )  # fmt: skip
    return [o.challenger_run_id or o.decision_run_id for o in outcomes]


def tick(
    settings: Settings,
    as_of: datetime,
    clock: Clock = wall_clock,
    data: Path | str | None = None,
    progress: Progress = lambda _: None,
) -> list[JobResult]:
    """Run every job due at ``as_of`` once; a slot another runner claimed is left to it."""
    store = StateStore(settings)
    results = []
    for schedule, slot in due(store, as_of):
        job_run_id = store.claim(schedule["id"], slot, schedule["job"], as_of, clock())
        if job_run_id is None:
            results.append(
                JobResult(schedule["id"], slot, schedule["job"], "claimed_elsewhere", [])
            )
            continue
        progress(f"schedule {schedule['id']}: {schedule['job']} for slot {slot:%Y-%m-%d %H:%M}")
        try:
            run_ids = run_job(settings, schedule, as_of, job_run_id, data, progress)
        except MlbError as error:
            why = masked(str(error))  # kept in the state store and shown: no passwords
            store.finish(job_run_id, "failed", clock(), [], why)
            results.append(JobResult(schedule["id"], slot, schedule["job"], "failed", [], why))
            continue
        except BaseException as error:
            # Interrupted or crashed: MLflow has ended its run as FAILED; say so here too.
            store.finish(job_run_id, "abandoned", clock(), [], masked(repr(error))[:500])
            raise
        store.finish(job_run_id, "succeeded", clock(), run_ids)
        results.append(JobResult(schedule["id"], slot, schedule["job"], "succeeded", run_ids))
    return results


def run_scheduler(
    settings: Settings,
    stop: threading.Event,
    poll_seconds: float = 60,
    clock: Clock = wall_clock,
    data: Path | str | None = None,
    progress: Progress = lambda _: None,
) -> int:
    """Tick every ``poll_seconds`` until ``stop`` is set; a job in hand is finished first.
    Returns how many jobs ran."""
    ran = 0
    progress(f"scheduler started; state in {StateStore(settings).address}")
    while not stop.is_set():
        for result in tick(settings, clock(), clock, data, progress):
            ran += 1
            progress(f"schedule {result.schedule_id}: {result.status}")
        stop.wait(poll_seconds)
    progress("scheduler stopped")
    return ran
