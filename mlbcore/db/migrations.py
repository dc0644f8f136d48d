"""Versioned schema migrations: `mlb db migrate` applies the pending ones in order and
records them. A transaction-scoped advisory lock makes two processes migrating at once
take turns, and applied versions are skipped, so running it twice changes nothing."""

from psycopg import Connection, sql

MIGRATIONS: tuple[tuple[int, str, str], ...] = (
    (
        1,
        "snapshot tables",
        """
        CREATE TABLE {schema}.games (
            game_id text PRIMARY KEY,
            season integer NOT NULL,
            date date NOT NULL,
            first_pitch_utc timestamptz NOT NULL,
            game_end_utc timestamptz,
            home_team text NOT NULL,
            away_team text NOT NULL,
            home_starting_pitcher_id text,
            away_starting_pitcher_id text,
            park_id text,
            day_night text,
            doubleheader smallint NOT NULL,
            innings smallint,
            home_score smallint,
            away_score smallint
        );
        CREATE TABLE {schema}.odds_lines (
            game_id text NOT NULL,
            book text NOT NULL,
            entered_at_utc timestamptz NOT NULL,
            moneyline_home integer,
            moneyline_away integer,
            total double precision,
            over_price integer,
            under_price integer,
            run_line_home double precision,
            run_line_home_price integer,
            run_line_away_price integer
        );
        CREATE INDEX ON {schema}.odds_lines (game_id, book, entered_at_utc);
        CREATE TABLE {schema}.betting_splits (
            game_id text NOT NULL,
            source text NOT NULL,
            captured_at_utc timestamptz NOT NULL,
            market text NOT NULL,
            side text NOT NULL,
            ticket_pct double precision,
            money_pct double precision
        );
        CREATE INDEX ON {schema}.betting_splits (game_id, captured_at_utc);
        CREATE TABLE {schema}.snapshot_meta (
            id boolean PRIMARY KEY DEFAULT true CHECK (id),
            data_version text NOT NULL,
            source text NOT NULL,
            notices text[] NOT NULL DEFAULT '{{}}',
            loaded_at_utc timestamptz NOT NULL DEFAULT now()
        );
        """,
    ),
    (
        2,
        "predictions",
        """
        CREATE TABLE {schema}.predictions (
            game_id text NOT NULL,
            target text NOT NULL,
            model_uri text NOT NULL,
            prediction double precision NOT NULL,
            completeness double precision,
            predicted_at_utc timestamptz NOT NULL DEFAULT now(),
            PRIMARY KEY (game_id, target, model_uri)
        );
        """,
    ),
)


def migrate(conn: Connection, schema: str) -> list[int]:
    """Apply pending migrations in ``schema``; return the versions applied now."""
    ident = sql.Identifier(schema)
    with conn.transaction(), conn.cursor() as cur:
        cur.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (f"mlb-migrate-{schema}",))
        cur.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(ident))
        cur.execute(
            sql.SQL(
                "CREATE TABLE IF NOT EXISTS {}.schema_migrations ("
                "version integer PRIMARY KEY, name text NOT NULL, "
                "applied_at_utc timestamptz NOT NULL DEFAULT now())"
            ).format(ident)
        )
        cur.execute(sql.SQL("SELECT version FROM {}.schema_migrations").format(ident))
        done = {row[0] for row in cur.fetchall()}
        applied = []
        for version, name, statement in MIGRATIONS:
            if version in done:
                continue
            cur.execute(sql.SQL(statement).format(schema=ident))
            cur.execute(
                sql.SQL("INSERT INTO {}.schema_migrations (version, name) VALUES (%s, %s)").format(
                    ident
                ),
                (version, name),
            )
            applied.append(version)
    return applied
