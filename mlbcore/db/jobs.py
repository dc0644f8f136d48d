"""`mlb db migrate` and `mlb db load`, and reading the data from PostgreSQL."""

from pathlib import Path

import polars as pl

from mlbcore.data.snapshot import Snapshot, load_snapshot
from mlbcore.db import tables
from mlbcore.db.connection import connect, database_url, is_database_url, masked
from mlbcore.db.migrations import ensure_migrated, migrate
from mlbcore.db.mlflow_store import prepare_tracking_store
from mlbcore.errors import BackendError, MlbError
from mlbcore.settings import Settings


def target_url(settings: Settings, url: str | None) -> str:
    chosen = url or database_url(settings)
    if not chosen:
        raise MlbError("no database: set DATABASE_HOST (and DATABASE_NAME, ...) or pass --url")
    return chosen


def run_migrate(settings: Settings, url: str | None = None) -> tuple[str, list[int]]:
    """Our schema's pending migrations, and MLflow's schema when its store is PostgreSQL."""
    chosen = target_url(settings, url)
    with connect(chosen) as conn:
        applied = migrate(conn, settings.database_schema)
    # The default SQLite store is made by the first command that opens it; building it here
    # would load MLflow (seconds) for a file this command has no business with.
    if is_database_url(settings.tracking_uri):
        prepare_tracking_store(settings.tracking_uri, settings.artifact_location)
    return masked(chosen), applied


def run_load(
    settings: Settings, snapshot_path: Path, url: str | None = None
) -> tuple[str, dict[str, int]]:
    """Migrate a fresh schema, then replace the database's tables with the snapshot's."""
    import psycopg

    chosen = target_url(settings, url)
    snapshot = load_snapshot(snapshot_path)
    with connect(chosen) as conn:
        ensure_migrated(conn, settings.database_schema, f"PostgreSQL at {masked(chosen)}")
        try:
            return masked(chosen), tables.load(conn, snapshot, settings.database_schema)
        except psycopg.OperationalError as error:  # the server went away mid-load
            reason = " ".join(str(error).split())[:160]
            raise BackendError(
                f"PostgreSQL at {masked(chosen)} failed during the load ({reason}); "
                "the load is one transaction: run it again once the server is back"
            ) from None


def read_database(settings: Settings, url: str) -> Snapshot:
    import psycopg

    with connect(url) as conn:
        try:
            return tables.read(conn, settings.database_schema, masked(url))
        except psycopg.errors.UndefinedTable:
            raise MlbError(
                f"{masked(url)} has no data in schema {settings.database_schema!r}; "
                "run `mlb db migrate` and `mlb db load --data SNAPSHOT` first"
            ) from None
        except psycopg.errors.UndefinedColumn:
            raise MlbError(
                f"{masked(url)} schema {settings.database_schema!r} predates this version's "
                "columns; run `mlb db migrate`"
            ) from None


def read_notices(settings: Settings, url: str) -> tuple[str, ...]:
    """The publishers' notices of the data in PostgreSQL, without reading the tables."""
    import psycopg
    from psycopg import sql

    with connect(url) as conn:
        try:
            row = conn.execute(
                sql.SQL("SELECT notices FROM {}.snapshot_meta").format(
                    sql.Identifier(settings.database_schema)
                )
            ).fetchone()
        except psycopg.errors.UndefinedTable:
            raise MlbError(
                f"{masked(url)} has no data in schema {settings.database_schema!r}; "
                "run `mlb db migrate` and `mlb db load --data SNAPSHOT` first"
            ) from None
    return tuple(row[0]) if row else ()


def save_predictions_to_db(
    settings: Settings, frame: pl.DataFrame, columns: dict[str, tables.PredictionColumns]
) -> tuple[str, int]:
    """Upsert ``frame``'s predictions, with the part that scored each game, into PostgreSQL
    (``columns``: target -> its columns and model URI)."""
    chosen = target_url(settings, None)
    with connect(chosen) as conn:
        ensure_migrated(conn, settings.database_schema, f"PostgreSQL at {masked(chosen)}")
        return masked(chosen), tables.save_predictions(
            conn, settings.database_schema, frame, columns
        )
