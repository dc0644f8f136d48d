"""Running scheduled jobs: `mlb scheduler tick` runs whatever is due once and exits (for
cron or CI); `mlb scheduler run` ticks until SIGTERM, finishing the job in hand first.

A job is due when its schedule's latest slot at the as-of instant is newer than the last
slot it ran for (and not older than the schedule itself), so a runner that was down for
three days runs the job once. Claiming the slot is an insert that only one runner wins.

A running job holds a lease, renewed by a heartbeat thread while it runs. A tick first
marks ``abandoned`` every running job whose process is gone (on this host) or whose lease
ran out (a runner elsewhere stopped renewing it), and then runs such a slot once more
(attempt 2), never a third time.
"""

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl

from mlbcore.errors import MlbError
from mlbcore.faults import pause_point
from mlbcore.lifecycle.runners import BEAT_SECONDS, runner_heartbeat
from mlbcore.lifecycle.schedule_rules import DAYS_OF_WEEK, latest_slot, next_slot, schedule_spec
from mlbcore.lifecycle.state_store import StateStore
from mlbcore.masking import masked
from mlbcore.processes import ProcessId, is_gone, repeating, this_process
from mlbcore.settings import Settings
from mlbcore.targets import parse_targets

if TYPE_CHECKING:
    from mlbcore.lifecycle.train_job import Progress

Clock = Callable[[], datetime]

# A job's lease runs this long past its last heartbeat; the heartbeat comes four times a
# lease, so a busy store or a slow beat never loses a live job its lease.
LEASE_SECONDS = 120.0
MAX_ATTEMPTS = 2  # an abandoned slot runs once more, never a third time


def wall_clock() -> datetime:
    return datetime.now(UTC)


@dataclass
class JobResult:
    schedule_id: int
    slot_utc: datetime | None  # None: run by hand, outside the schedule's slots
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


def due(store: StateStore, as_of: datetime) -> list[tuple[dict[str, Any], datetime, int]]:
    """Each schedule due at ``as_of`` with the slot it is due for and the attempt: 1, or 2
    for a slot whose first attempt was abandoned."""
    last = store.last_attempts()
    found = []
    for schedule in store.schedules().iter_rows(named=True):
        slot = latest_slot(
            schedule["schedule_type"], schedule["hour_utc"], schedule["day_of_week"], as_of
        )
        if slot < schedule["created_at_utc"]:
            continue
        ran = last.get(schedule["id"])
        if ran is None or slot > ran[0]:
            found.append((schedule, slot, 1))
        elif slot == ran[0] and ran[2] == "abandoned" and ran[1] < MAX_ATTEMPTS:
            found.append((schedule, slot, ran[1] + 1))
    return found


def expire_leases(
    store: StateStore, now: datetime, lease_seconds: float = LEASE_SECONDS
) -> list[JobResult]:
    """Mark ``abandoned`` each running job whose process is gone (judged on this host) or
    whose lease ran out at ``now`` (its runner stopped renewing it; a live process on this
    host is never judged by its lease alone)."""
    abandoned, host = [], this_process().host
    for row in store.running().iter_rows(named=True):
        owner = ProcessId.from_tags(
            {"host": row["host"] or "", "pid": str(row["pid"] or ""),
             "pid_started": row["pid_started"] or ""}
        )  # fmt: skip
        # Runs claimed before leases existed have none: their start plus one lease.
        lease_end = row["lease_expires_at_utc"] or row["started_at_utc"] + timedelta(
            seconds=lease_seconds
        )
        if owner is not None and is_gone(owner):
            why = f"its process {owner.pid} on {owner.host} ended without finishing it"
        elif lease_end < now and (owner is None or owner.host != host):
            why = f"its lease ran out at {lease_end:%Y-%m-%d %H:%M:%S} UTC (no heartbeat)"
        else:
            continue
        if store.abandon(row["id"], now, why):
            abandoned.append(
                JobResult(row["schedule_id"], row["slot_utc"], row["job"], "abandoned", [], why)
            )
    return abandoned


@contextmanager
def heartbeat(
    store: StateStore, job_run_id: int, clock: Clock, lease_seconds: float
) -> Iterator[None]:
    """Renew the job's lease every quarter lease while the block runs (a failed beat is
    retried at the next one; the lease has room for three)."""

    def renew() -> None:
        now = clock()
        store.renew(job_run_id, now, now + timedelta(seconds=lease_seconds))

    with repeating(lease_seconds / 4, renew, f"lease-{job_run_id}"):
        yield


def run_job(
    settings: Settings, schedule: dict[str, Any], as_of: datetime, job_run_id: int,
    data: Path | str | None, progress: "Progress",
) -> list[str]:  # fmt: skip
    """Run one scheduled job as of ``as_of``; return the MLflow run ids it made."""
    # The jobs load LightGBM: only when one runs, not for `mlb schedule list`.
    from mlbcore.lifecycle.retrain import retrain
    from mlbcore.lifecycle.train_job import train_models

    targets = parse_targets(schedule["targets"].split() or None)
    if schedule["job"] == "train":
        run = train_models(
            settings, targets, days=schedule["days"], data=data, progress=progress, as_of=as_of
        )
        return [t.run_id for t in run.trained]
    outcomes = retrain(
        settings, targets, as_of, schedule["days"], data=data, progress=progress,
        job_run_id=job_run_id,
    )  # fmt: skip
    return [o.challenger_run_id or o.decision_run_id for o in outcomes]


def _run_claimed(
    settings: Settings, store: StateStore, schedule: dict[str, Any], slot: datetime | None,
    as_of: datetime, job_run_id: int, clock: Clock, data: Path | str | None,
    progress: "Progress", lease_seconds: float,
) -> JobResult:  # fmt: skip
    """Run a claimed job under its lease and record how it ended."""
    try:
        with heartbeat(store, job_run_id, clock, lease_seconds):
            pause_point("scheduled-job")  # a test kills the runner here, its job claimed
            run_ids = run_job(settings, schedule, as_of, job_run_id, data, progress)
    except MlbError as error:
        why = masked(str(error))  # kept in the state store and shown: no passwords
        store.finish(job_run_id, "failed", clock(), [], why)
        return JobResult(schedule["id"], slot, schedule["job"], "failed", [], why)
    except BaseException as error:
        # Interrupted or crashed: MLflow has ended its run as FAILED; say so here too.
        store.finish(job_run_id, "abandoned", clock(), [], masked(repr(error))[:500])
        raise
    store.finish(job_run_id, "succeeded", clock(), run_ids)
    return JobResult(schedule["id"], slot, schedule["job"], "succeeded", run_ids)


def run_now(
    settings: Settings, schedule_id: int, as_of: datetime, clock: Clock = wall_clock,
    data: Path | str | None = None, progress: "Progress" = lambda _: None,
    lease_seconds: float = LEASE_SECONDS,
) -> JobResult:  # fmt: skip
    """Run schedule ``schedule_id``'s job once now, as of ``as_of``, outside its slots:
    recorded in the job history with no slot, so the schedule's next slot still runs."""
    store = StateStore(settings)
    found = store.schedules().filter(pl.col("id") == schedule_id)
    if found.is_empty():
        raise MlbError(f"no schedule {schedule_id}: it may have been deleted; refresh the list")
    schedule = found.row(0, named=True)
    started = clock()
    job_run_id = store.claim(
        schedule_id, None, schedule["job"], as_of, started, 1,
        started + timedelta(seconds=lease_seconds),
    )  # fmt: skip
    assert job_run_id is not None  # no slot: nothing to collide with
    return _run_claimed(
        settings, store, schedule, None, as_of, job_run_id, clock, data, progress, lease_seconds
    )


def delete_schedule(settings: Settings, schedule_id: int) -> None:
    """Remove a schedule; its past job runs stay in the history."""
    if not StateStore(settings).remove_schedule(schedule_id):
        raise MlbError(f"no schedule {schedule_id}: it may have been deleted already")


def tick(
    settings: Settings,
    as_of: datetime,
    clock: Clock = wall_clock,
    data: Path | str | None = None,
    progress: "Progress" = lambda _: None,
    lease_seconds: float = LEASE_SECONDS,
) -> list[JobResult]:
    """Run every job due at ``as_of`` once; a slot another runner claimed is left to it.
    Jobs abandoned by killed runners are reported first, and their slot run again once."""
    store = StateStore(settings)
    results = expire_leases(store, clock(), lease_seconds)
    for schedule, slot, attempt in due(store, as_of):
        started = clock()
        job_run_id = store.claim(
            schedule["id"], slot, schedule["job"], as_of, started, attempt,
            started + timedelta(seconds=lease_seconds),
        )  # fmt: skip
        if job_run_id is None:
            results.append(
                JobResult(schedule["id"], slot, schedule["job"], "claimed_elsewhere", [])
            )
            continue
        again = f" (attempt {attempt})" if attempt > 1 else ""
        progress(
            f"schedule {schedule['id']}: {schedule['job']} for slot {slot:%Y-%m-%d %H:%M}{again}"
        )
        results.append(
            _run_claimed(
                settings, store, schedule, slot, as_of, job_run_id, clock, data, progress,
                lease_seconds,
            )
        )  # fmt: skip
    return results


def run_scheduler(
    settings: Settings,
    stop: threading.Event,
    poll_seconds: float = 60,
    clock: Clock = wall_clock,
    data: Path | str | None = None,
    progress: "Progress" = lambda _: None,
) -> int:
    """Tick every ``poll_seconds`` until ``stop`` is set; a job in hand is finished first.
    Returns how many jobs ran."""
    ran = 0
    store = StateStore(settings)
    progress(f"scheduler started; state in {store.address}")
    with runner_heartbeat(store, clock, min(BEAT_SECONDS, max(poll_seconds, 1.0))):
        while not stop.is_set():
            for result in tick(settings, clock(), clock, data, progress):
                ran += 1
                progress(f"schedule {result.schedule_id}: {result.status}")
            stop.wait(poll_seconds)
    progress("scheduler stopped")
    return ran
