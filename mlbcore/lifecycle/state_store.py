"""The lifecycle's state: schedules, the history of job runs, and retrain decisions.

A SQLite file in the state folder by default; the PostgreSQL database when the
``DATABASE_*`` settings name one. Both take their tables from ``db.migrations`` (3, 7, 8),
and the same SQL serves both. A job run's ``(schedule_id, slot_utc, attempt)`` is unique,
so the insert that claims a slot's attempt is the lock: of two schedulers, only one gets
it. A running job holds a lease that its process renews (heartbeat); a job whose lease ran
out or whose process is gone is ``abandoned``, and its slot may be claimed once more, as
attempt 2.
"""

import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import polars as pl
from psycopg import sql

from mlbcore.db.connection import connect, database_url, masked
from mlbcore.db.migrations import SQLITE_LATEST, ensure_migrated, migrate_sqlite, sqlite_version
from mlbcore.files import writable_folder
from mlbcore.processes import ProcessId, this_process
from mlbcore.settings import Settings

TIME_COLUMNS = (
    "created_at_utc", "slot_utc", "as_of_utc", "started_at_utc", "ended_at_utc",
    "heartbeat_at_utc", "lease_expires_at_utc", "last_seen_utc", "stopped_at_utc",
)  # fmt: skip
REASON_SEPARATOR = "\n"


@dataclass(frozen=True)
class DecisionRecord:
    target: str
    as_of_utc: datetime
    action: str  # train, retrain, skip
    reasons: list[str]
    champion_version: int | None
    challenger_version: int | None
    promoted: bool
    mlflow_run_id: str | None = None


class StateStore:
    """Schedules, job runs and decisions in SQLite or PostgreSQL."""

    def __init__(self, settings: Settings) -> None:
        self._url = database_url(settings)
        self._schema = settings.database_schema
        self._path = settings.mlb_state_dir / "state.db"
        self.address = masked(self._url) if self._url else str(self._path)
        self.kind = "postgresql" if self._url else "sqlite"

    @contextmanager
    def _connection(self) -> Iterator[Any]:
        """A connection in a transaction, committed on success, rolled back on error."""
        if self._url:
            with connect(self._url) as conn:
                ensure_migrated(conn, self._schema, f"PostgreSQL at {self.address}")
                conn.execute(sql.SQL("SET search_path TO {}").format(sql.Identifier(self._schema)))
                yield conn
            return
        writable_folder(Path(self._path).parent, "MLB_STATE_DIR")
        # A writer waits for another's transaction rather than failing at once.
        conn = sqlite3.connect(self._path, timeout=30, isolation_level=None)
        try:
            conn.execute("BEGIN IMMEDIATE")
            if sqlite_version(conn) < SQLITE_LATEST:  # a fresh file, or one of an older version
                migrate_sqlite(conn)
            yield conn
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        finally:
            conn.close()

    def _execute(self, conn: Any, query: str, params: Sequence[Any] = ()) -> Any:
        if self._url:
            return conn.execute(query, params)
        values = [v.astimezone(UTC).isoformat() if isinstance(v, datetime) else v for v in params]
        return conn.execute(query.replace("%s", "?"), values)

    def _frame(self, query: str, params: Sequence[Any] = ()) -> pl.DataFrame:
        with self._connection() as conn:
            cursor = self._execute(conn, query, params)
            names = [d[0] for d in cursor.description]
            rows = cursor.fetchall()
        frame = pl.DataFrame(rows, schema=names, orient="row", infer_schema_length=None)
        # An empty or all-null column has no type; text is the one every query can compare.
        frame = frame.with_columns(pl.col(pl.Null).cast(pl.String))
        return frame.with_columns(
            pl.col(c).cast(pl.String).str.to_datetime(time_zone="UTC", time_unit="us")
            if frame[c].dtype == pl.String
            else pl.col(c).dt.convert_time_zone("UTC")
            for c in frame.columns
            if c in TIME_COLUMNS
        )

    # Schedules

    def add_schedule(
        self,
        schedule_type: str,
        hour_utc: int,
        day_of_week: int | None,
        job: str,
        days: int | None,
        targets: list[str],
        created_at: datetime,
    ) -> int:
        with self._connection() as conn:
            row = self._execute(
                conn,
                "INSERT INTO schedules (schedule_type, hour_utc, day_of_week, job, days, "
                "targets, created_at_utc) VALUES (%s, %s, %s, %s, %s, %s, %s) RETURNING id",
                (schedule_type, hour_utc, day_of_week, job, days, " ".join(targets), created_at),
            ).fetchone()
        return int(row[0])

    def schedules(self) -> pl.DataFrame:
        return self._frame(
            "SELECT id, schedule_type, hour_utc, day_of_week, job, days, targets, "
            "created_at_utc FROM schedules ORDER BY id"
        )

    def remove_schedule(self, schedule_id: int) -> bool:
        with self._connection() as conn:
            removed = self._execute(
                conn, "DELETE FROM schedules WHERE id = %s", (schedule_id,)
            ).rowcount
        return bool(removed)

    # Job runs

    def claim(
        self, schedule_id: int | None, slot: datetime | None, job: str, as_of: datetime,
        started_at: datetime, attempt: int = 1, lease_until: datetime | None = None,
        process: ProcessId | None = None,
    ) -> int | None:  # fmt: skip
        """Record a job as running, held by ``process`` until ``lease_until``; None when
        another runner already claimed this attempt at the slot."""
        owner = process or this_process()
        with self._connection() as conn:
            row = self._execute(
                conn,
                "INSERT INTO job_runs (schedule_id, slot_utc, attempt, job, as_of_utc, "
                "started_at_utc, status, heartbeat_at_utc, lease_expires_at_utc, host, pid, "
                "pid_started) VALUES (%s, %s, %s, %s, %s, %s, 'running', %s, %s, %s, %s, %s) "
                "ON CONFLICT (schedule_id, slot_utc, attempt) DO NOTHING RETURNING id",
                (
                    schedule_id, slot, attempt, job, as_of, started_at, started_at,
                    lease_until, owner.host, owner.pid, owner.started,
                ),
            ).fetchone()  # fmt: skip
        return int(row[0]) if row else None

    def renew(self, run_id: int, now: datetime, lease_until: datetime) -> bool:
        """The heartbeat: extend a running job's lease; False when it is no longer
        running (another runner abandoned it)."""
        with self._connection() as conn:
            renewed = self._execute(
                conn,
                "UPDATE job_runs SET heartbeat_at_utc = %s, lease_expires_at_utc = %s "
                "WHERE id = %s AND status = 'running'",
                (now, lease_until, run_id),
            ).rowcount
        return bool(renewed)

    def running(self) -> pl.DataFrame:
        """Every job run still marked running, with its lease and its process."""
        return self._frame(
            "SELECT id, schedule_id, slot_utc, attempt, job, started_at_utc, "
            "heartbeat_at_utc, lease_expires_at_utc, host, pid, pid_started FROM job_runs "
            "WHERE status = 'running' ORDER BY id"
        )

    def abandon(self, run_id: int, ended_at: datetime, why: str) -> bool:
        """Mark a running job abandoned; False when it was no longer running."""
        with self._connection() as conn:
            done = self._execute(
                conn,
                "UPDATE job_runs SET status = 'abandoned', ended_at_utc = %s, error = %s "
                "WHERE id = %s AND status = 'running'",
                (ended_at, why, run_id),
            ).rowcount
        return bool(done)

    def finish(
        self, run_id: int, status: str, ended_at: datetime, mlflow_run_ids: list[str],
        error: str | None = None,
    ) -> None:  # fmt: skip
        with self._connection() as conn:
            self._execute(
                conn,
                "UPDATE job_runs SET status = %s, ended_at_utc = %s, mlflow_run_ids = %s, "
                "error = %s WHERE id = %s",
                (status, ended_at, " ".join(mlflow_run_ids), error, run_id),
            )

    def job_runs(self, limit: int = 50) -> pl.DataFrame:
        return self._frame(
            "SELECT id, schedule_id, slot_utc, attempt, job, as_of_utc, started_at_utc, "
            "ended_at_utc, status, mlflow_run_ids, error FROM job_runs "
            "ORDER BY id DESC LIMIT %s",
            (limit,),
        )

    def last_slots(self) -> dict[int, datetime]:
        """Each schedule's latest claimed slot."""
        return {k: v[0] for k, v in self.last_attempts().items()}

    def last_attempts(self) -> dict[int, tuple[datetime, int, str]]:
        """Each schedule's latest claimed slot, with its latest attempt and that
        attempt's status."""
        frame = self._frame(
            "SELECT schedule_id, slot_utc, attempt, status FROM job_runs r "
            # A run started by hand has no slot: it never stands for one.
            "WHERE schedule_id IS NOT NULL AND slot_utc IS NOT NULL AND NOT EXISTS (SELECT 1 "
            "FROM job_runs later WHERE later.schedule_id = r.schedule_id AND "
            "later.slot_utc IS NOT NULL AND (later.slot_utc > r.slot_utc OR "
            "(later.slot_utc = r.slot_utc AND later.attempt > r.attempt)))"
        )
        return {
            row["schedule_id"]: (row["slot_utc"], row["attempt"], row["status"])
            for row in frame.iter_rows(named=True)
        }

    # Scheduler runners

    def runner_seen(
        self, process: ProcessId, started_at: datetime, now: datetime, beat_seconds: float
    ) -> None:
        """A runner's heartbeat: record that ``process`` was alive at ``now``."""
        with self._connection() as conn:
            self._execute(
                conn,
                "INSERT INTO scheduler_runners (runner, host, pid, started_at_utc, "
                "last_seen_utc, beat_seconds) VALUES (%s, %s, %s, %s, %s, %s) "
                "ON CONFLICT (runner) DO UPDATE SET last_seen_utc = excluded.last_seen_utc",
                (
                    f"{process.host}:{process.pid}:{process.started}", process.host,
                    process.pid, started_at, now, beat_seconds,
                ),
            )  # fmt: skip

    def runner_stopped(self, process: ProcessId, now: datetime) -> None:
        with self._connection() as conn:
            self._execute(
                conn,
                "UPDATE scheduler_runners SET stopped_at_utc = %s WHERE runner = %s",
                (now, f"{process.host}:{process.pid}:{process.started}"),
            )

    def runners(self) -> pl.DataFrame:
        """Every runner that ever beat here, the most recently seen first."""
        return self._frame(
            "SELECT host, pid, started_at_utc, last_seen_utc, beat_seconds, stopped_at_utc "
            "FROM scheduler_runners ORDER BY last_seen_utc DESC"
        )

    # Decisions

    def record_decision(self, decision: DecisionRecord, job_run_id: int | None = None) -> None:
        with self._connection() as conn:
            self._execute(
                conn,
                "INSERT INTO decisions (target, as_of_utc, action, reasons, champion_version, "
                "challenger_version, promoted, mlflow_run_id, job_run_id) "
                "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
                (
                    decision.target,
                    decision.as_of_utc,
                    decision.action,
                    REASON_SEPARATOR.join(decision.reasons),
                    decision.champion_version,
                    decision.challenger_version,
                    decision.promoted,
                    decision.mlflow_run_id,
                    job_run_id,
                ),
            )

    def decisions(self, target: str | None = None, limit: int = 50) -> pl.DataFrame:
        where, params = ("WHERE target = %s ", (target, limit)) if target else ("", (limit,))
        return self._frame(
            "SELECT id, target, as_of_utc, action, reasons, champion_version, "
            "challenger_version, promoted, mlflow_run_id, job_run_id FROM decisions "
            f"{where}ORDER BY id DESC LIMIT %s",
            params,
        )
