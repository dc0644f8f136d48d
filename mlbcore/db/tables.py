"""Snapshots in and out of PostgreSQL with COPY, never row by row.

`load` replaces the tables' contents in one transaction (so loading twice changes
nothing and a failed load leaves the old data); `read` returns the same ``Snapshot``
the files would give, with the same data version (the content hash is recomputed)."""

import io
from typing import NamedTuple

import polars as pl
from psycopg import Connection, sql

from mlbcore.data.schema import ADDED_TABLES, TABLES, UTC, full_schema
from mlbcore.data.snapshot import Snapshot, canonical, content_hash
from mlbcore.faults import pause_point

# PostgreSQL reads and writes UTC instants in this form in CSV.
UTC_FORMAT = "%Y-%m-%dT%H:%M:%S%.6fZ"


def _table(schema: str, name: str) -> sql.Composed:
    return sql.SQL("{}.{}").format(sql.Identifier(schema), sql.Identifier(name))


def load(conn: Connection, snapshot: Snapshot, schema: str) -> dict[str, int]:
    """Replace the snapshot tables in ``schema`` with ``snapshot``; return row counts."""
    counts = {}
    with conn.transaction(), conn.cursor() as cur:
        for name in TABLES:
            frame = canonical(name, snapshot.table(name))
            columns = sql.SQL(", ").join(map(sql.Identifier, frame.columns))
            cur.execute(sql.SQL("TRUNCATE {}").format(_table(schema, name)))
            buffer = frame.write_csv(include_header=False, datetime_format=UTC_FORMAT).encode()
            copy_in = sql.SQL("COPY {} ({}) FROM STDIN (FORMAT csv)").format(
                _table(schema, name), columns
            )
            with cur.copy(copy_in) as copy:
                copy.write(buffer)
            counts[name] = frame.height
            pause_point(f"db_load_{name}")  # tests stop the server here, mid-transaction
        cur.execute(sql.SQL("DELETE FROM {}").format(_table(schema, "snapshot_meta")))
        cur.execute(
            sql.SQL("INSERT INTO {} (data_version, source, notices) VALUES (%s, %s, %s)").format(
                _table(schema, "snapshot_meta")
            ),
            (snapshot.data_version, snapshot.source, list(snapshot.notices)),
        )
    return counts


def read(conn: Connection, schema: str, source: str) -> Snapshot:
    """The snapshot stored in ``schema``, read with COPY ... TO STDOUT."""
    tables = {}
    with conn.cursor() as cur:
        for name in TABLES:
            table_schema = full_schema(name)
            columns = sql.SQL(", ").join(
                sql.SQL(
                    "to_char({} AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')"
                ).format(sql.Identifier(c))
                if t == UTC
                else sql.Identifier(c)
                for c, t in table_schema.items()
            )
            buffer = io.BytesIO()
            copy_out = sql.SQL("COPY (SELECT {} FROM {}) TO STDOUT (FORMAT csv)").format(
                columns, _table(schema, name)
            )
            with cur.copy(copy_out) as copy:
                for block in copy:
                    buffer.write(block)
            text_schema = {c: pl.String for c in table_schema.names()}
            raw = (
                pl.read_csv(
                    buffer.getvalue(),
                    has_header=False,
                    new_columns=table_schema.names(),
                    schema_overrides=text_schema,
                )
                if buffer.tell()
                else pl.DataFrame(schema=text_schema)
            )
            tables[name] = raw.select(
                [
                    pl.col(c).str.to_datetime(UTC_FORMAT, time_zone="UTC", time_unit="us")
                    if t == UTC
                    else pl.col(c).str.to_date("%Y-%m-%d")
                    if t == pl.Date
                    else pl.col(c).cast(t)
                    for c, t in table_schema.items()
                ]
            )
        cur.execute(sql.SQL("SELECT notices FROM {}").format(_table(schema, "snapshot_meta")))
        meta = cur.fetchone()
    conn.rollback()
    return Snapshot(
        games=canonical("games", tables["games"]),
        odds_lines=canonical("odds_lines", tables["odds_lines"]),
        betting_splits=canonical("betting_splits", tables["betting_splits"]),
        data_version=content_hash(tables),
        source=source,
        notices=tuple(meta[0]) if meta else (),
        **{name: canonical(name, tables[name]) for name in ADDED_TABLES},
    )


class PredictionColumns(NamedTuple):
    """Where one target's predictions sit in a frame of scored games, and their model."""

    prediction: str  # the probability or runs column
    scored_by: str  # the column naming the part that scored each game: market or market_free
    model_uri: str


def save_predictions(
    conn: Connection, schema: str, frame: pl.DataFrame, columns: dict[str, PredictionColumns]
) -> int:
    """Upsert one row per game and target, keyed by (game_id, target, model_uri), so
    predicting the same games with the same model again replaces rather than duplicates
    (the prediction, completeness and the part that scored the game)."""
    long = pl.concat(
        [
            frame.select(
                "game_id",
                pl.lit(target).alias("target"),
                pl.lit(where.model_uri).alias("model_uri"),
                pl.col(where.prediction).alias("prediction"),
                "completeness",
                pl.col(where.scored_by).alias("scored_by"),
            )
            for target, where in columns.items()
        ]
    )
    staging = sql.Identifier("incoming_predictions")
    with conn.transaction(), conn.cursor() as cur:
        cur.execute(
            sql.SQL(
                "CREATE TEMP TABLE {} (game_id text, target text, model_uri text, "
                "prediction double precision, completeness double precision, scored_by text) "
                "ON COMMIT DROP"
            ).format(staging)
        )
        with cur.copy(sql.SQL("COPY {} FROM STDIN (FORMAT csv)").format(staging)) as copy:
            copy.write(long.write_csv(include_header=False).encode())
        cur.execute(
            sql.SQL(
                "INSERT INTO {} (game_id, target, model_uri, prediction, completeness, scored_by) "
                "SELECT game_id, target, model_uri, prediction, completeness, scored_by FROM {} "
                "ON CONFLICT (game_id, target, model_uri) DO UPDATE SET "
                "prediction = EXCLUDED.prediction, completeness = EXCLUDED.completeness, "
                "scored_by = EXCLUDED.scored_by, predicted_at_utc = now()"
            ).format(_table(schema, "predictions"), staging)
        )
    return long.height
