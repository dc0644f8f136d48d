"""The lifecycle's state: schedules, the history of job runs, and retrain decisions.

A SQLite file in the state folder by default; the PostgreSQL database when the
``DATABASE_*`` settings name one (its tables come from `mlb db migrate`, migration 3).
The same SQL serves both. A job run's ``(schedule_id, slot_utc)`` is unique, so the
insert that claims a slot is the lock: of two schedulers, only one gets each slot.
"""

import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import polars as pl

from mlbcore.files import writable_folder
from mlbcore.settings import Settings

SQLITE_SCHEMA = """
CREATE TABLE IF NOT EXISTS schedules (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    schedule_type TEXT NOT NULL,
    hour_utc INTEGER NOT NULL,
    day_of_week INTEGER,
    job TEXT NOT NULL,
    days INTEGER,
    targets TEXT NOT NULL,
    created_at_utc TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS job_runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    schedule_id INTEGER,
    slot_utc TEXT,
    job TEXT NOT NULL,
    as_of_utc TEXT NOT NULL,
    started_at_utc TEXT NOT NULL,
    ended_at_utc TEXT,
    status TEXT NOT NULL,
    mlflow_run_ids TEXT NOT NULL DEFAULT '',
    error TEXT,
    UNIQUE (schedule_id, slot_utc)
);
CREATE TABLE IF NOT EXISTS decisions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    target TEXT NOT NULL,
    as_of_utc TEXT NOT NULL,
    action TEXT NOT NULL,
    reasons TEXT NOT NULL,
    champion_version INTEGER,
    challenger_version INTEGER,
    promoted INTEGER NOT NULL,
    mlflow_run_id TEXT,
    job_run_id INTEGER
);
"""
TIME_COLUMNS = ("created_at_utc", "slot_utc", "as_of_utc", "started_at_utc", "ended_at_utc")
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
        from mlbcore.db.connection import database_url, masked

        self._url = database_url(settings)
        self._schema = settings.database_schema
        self._path = settings.mlb_state_dir / "state.db"
        self.address = masked(self._url) if self._url else str(self._path)
        self.kind = "postgresql" if self._url else "sqlite"

    @contextmanager
    def _connection(self) -> Iterator[Any]:
        """A connection in a transaction, committed on success, rolled back on error."""
        if self._url:
            from mlbcore.db.connection import connect
            from mlbcore.db.migrations import migrate

            with connect(self._url) as conn:
                migrate(conn, self._schema)
                conn.execute(f'SET search_path TO "{self._schema}"')
                yield conn
            return
        writable_folder(Path(self._path).parent, "MLB_STATE_DIR")
        # A writer waits for another's transaction rather than failing at once.
        conn = sqlite3.connect(self._path, timeout=30, isolation_level=None)
        try:
            conn.executescript(SQLITE_SCHEMA)
            conn.execute("BEGIN IMMEDIATE")
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
        started_at: datetime,
    ) -> int | None:  # fmt: skip
        """Record a job as running; None when another runner already claimed the slot."""
        with self._connection() as conn:
            row = self._execute(
                conn,
                "INSERT INTO job_runs (schedule_id, slot_utc, job, as_of_utc, started_at_utc, "
                "status) VALUES (%s, %s, %s, %s, %s, 'running') "
                "ON CONFLICT (schedule_id, slot_utc) DO NOTHING RETURNING id",
                (schedule_id, slot, job, as_of, started_at),
            ).fetchone()
        return int(row[0]) if row else None

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
            "SELECT id, schedule_id, slot_utc, job, as_of_utc, started_at_utc, ended_at_utc, "
            "status, mlflow_run_ids, error FROM job_runs ORDER BY id DESC LIMIT %s",
            (limit,),
        )

    def last_slots(self) -> dict[int, datetime]:
        """Each schedule's latest claimed slot."""
        frame = self._frame(
            "SELECT schedule_id, MAX(slot_utc) AS slot_utc FROM job_runs "
            "WHERE schedule_id IS NOT NULL GROUP BY schedule_id"
        )
        return dict(zip(frame["schedule_id"].to_list(), frame["slot_utc"].to_list(), strict=True))

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
