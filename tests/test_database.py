"""PostgreSQL as the data source, against the machine's real server (each test in a
schema of its own, dropped afterwards)."""

import dataclasses
import json
import re
import subprocess
import sys
import uuid

import polars as pl
import psycopg
import pytest

from mlbcore.cli.main import main
from mlbcore.db.connection import masked
from mlbcore.settings import DEMO_SNAPSHOT

# Downstream of training: needs champions the demo's models only get without the gate.
pytestmark = pytest.mark.usefixtures("gate_off")

URL = "postgresql://root@127.0.0.1:5432/test"


def _count(schema: str, table: str) -> int:
    with psycopg.connect(URL) as conn:
        row = conn.execute(f'SELECT count(*) FROM "{schema}"."{table}"').fetchone()
        return int(row[0])


def test_migrate_is_safe_twice_and_from_two_processes_at_once(pg_schema, capsys):
    command = [sys.executable, "-m", "mlbcore.cli.main", "db", "migrate"]
    first, second = (subprocess.Popen(command, stdout=subprocess.PIPE, text=True) for _ in range(2))
    outputs = [p.communicate()[0] for p in (first, second)]
    assert first.returncode == 0 and second.returncode == 0
    assert sorted(o.strip().split(": ")[-1] for o in outputs) == [
        "1, 2, 3, 4, 5, 6, 7, 8",
        "none pending",
    ]
    assert main(["db", "migrate"]) == 0
    assert "none pending" in capsys.readouterr().out
    assert _count(pg_schema, "schema_migrations") == 8


def test_load_is_copy_and_idempotent(pg_schema, capsys):
    for _ in range(2):
        assert main(["db", "load", "--data", str(DEMO_SNAPSHOT)]) == 0
    assert _count(pg_schema, "odds_lines") == 240673
    assert _count(pg_schema, "games") == 2430


def test_training_from_postgresql_matches_training_from_the_snapshot(pg_schema, state_dir, capsys):
    assert main(["db", "load", "--data", str(DEMO_SNAPSHOT)]) == 0
    capsys.readouterr()
    args = ["train", "--targets", "moneyline_home_win", "--days", "60", "--json"]
    assert main([*args, "--data", str(DEMO_SNAPSHOT)]) == 0
    from_files = json.loads(capsys.readouterr().out)
    assert main(args) == 0  # DATABASE_* set and no --data: PostgreSQL
    from_db = json.loads(capsys.readouterr().out)
    assert from_db["data_source"].startswith("postgresql://")
    assert from_db["data_version"] == from_files["data_version"]
    metrics = [t["metrics"] for t in (from_files["targets"][0], from_db["targets"][0])]
    assert metrics[0] == metrics[1]


def test_an_unreachable_database_is_one_line_with_the_password_masked(monkeypatch, capsys):
    url = "postgresql://root:hunter2@127.0.0.1:1/test"
    assert main(["db", "migrate", "--url", url]) == 1  # a back end failed
    err = capsys.readouterr().err
    assert "cannot connect to PostgreSQL at postgresql://root:***@127.0.0.1:1/test" in err
    assert "hunter2" not in err and len(err.strip().splitlines()) == 1


def test_masked_hides_only_the_password():
    assert (
        masked("postgresql+psycopg://u:p%40ss@h:5432/db") == "postgresql+psycopg://u:***@h:5432/db"
    )
    assert masked("postgresql://u@h/db") == "postgresql://u@h/db"


@pytest.fixture
def mlflow_database(monkeypatch):
    name = f"mlflow_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    monkeypatch.setenv("MLFLOW_TRACKING_URI", f"postgresql+psycopg://root@127.0.0.1:5432/{name}")
    yield name
    with psycopg.connect(URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_mlflow_on_postgresql_records_the_run_and_the_model(state_dir, mlflow_database, capsys):
    import mlflow

    assert main(["train", "--targets", "moneyline_home_win", "--days", "60", "--json"]) == 0
    run_id = json.loads(capsys.readouterr().out)["targets"][0]["mlflow_run_id"]
    mlflow.set_tracking_uri(f"postgresql+psycopg://root@127.0.0.1:5432/{mlflow_database}")
    assert mlflow.get_run(run_id).info.status == "FINISHED"
    from mlbcore import tracking

    model = tracking.load_model("models:/mlb-demo-moneyline_home_win/1", num_threads=1)
    assert len(model.input_features) > 50


def test_an_unreachable_mlflow_database_fails_fast_with_one_line(state_dir, monkeypatch, capsys):
    monkeypatch.setenv("MLFLOW_TRACKING_URI", "postgresql+psycopg://root:pw@127.0.0.1:1/mlflow")
    assert main(["train", "--targets", "moneyline_home_win", "--days", "60"]) == 1
    err = [line for line in capsys.readouterr().err.splitlines() if not line.startswith("[")]
    assert (
        err == [err[0]]
        and "cannot connect to PostgreSQL at postgresql+psycopg://root:***@" in err[0]
    )


def test_predict_to_db_replaces_rather_than_duplicates(pg_schema, state_dir, capsys):
    assert main(["db", "load", "--data", str(DEMO_SNAPSHOT)]) == 0
    assert main(["train", "--targets", "moneyline_home_win", "--days", "60"]) == 0
    args = [
        "predict",
        "--targets",
        "moneyline_home_win",
        "--start",
        "2016-09-01",
        "--end",
        "2016-09-03",
    ]
    for _ in range(2):
        assert main([*args, "--to-db"]) == 0
    out = capsys.readouterr().out
    assert "saved 30 predictions to postgresql://root@127.0.0.1:5432/test" in out
    assert _count(pg_schema, "predictions") == 30
    # Each row names the part that scored its game, as many of each as predict printed.
    printed = re.search(r"moneyline_home_win: (\d+) games .* market part, (\d+) by", out)
    with psycopg.connect(URL) as conn:
        stored = dict(
            conn.execute(
                f'SELECT scored_by, count(*) FROM "{pg_schema}".predictions GROUP BY scored_by'
            ).fetchall()
        )
    market, market_free = (int(n) for n in printed.groups())
    assert {k: v for k, v in stored.items() if v} == {
        k: v for k, v in {"market": market, "market_free": market_free}.items() if v
    }


def test_training_from_an_empty_database_says_what_to_do(pg_schema, state_dir, capsys):
    assert main(["train"]) == 2
    assert "run `mlb db migrate` and `mlb db load --data SNAPSHOT` first" in capsys.readouterr().err


def test_predict_reads_postgresql_named_by_url(pg_schema, state_dir, tmp_path, capsys):
    assert main(["db", "load", "--data", str(DEMO_SNAPSHOT)]) == 0
    assert main(["train", "--targets", "moneyline_home_win", "--days", "60"]) == 0
    out = tmp_path / "p.csv"
    args = ["predict", "--targets", "moneyline_home_win", "--start", "2016-09-01"]
    assert main([*args, "--end", "2016-09-03", "--data", URL, "--out", str(out)]) == 0
    assert out.is_file() and "wrote 30 games" in capsys.readouterr().out


def test_announced_starters_round_trip_through_postgresql(pg_schema):
    from mlbcore.data.snapshot import content_hash, load_snapshot
    from mlbcore.db import tables
    from mlbcore.db.migrations import migrate

    demo = load_snapshot(DEMO_SNAPSHOT)  # written before the starter columns: nulls
    first = demo.games["game_id"][0]
    games = demo.games.with_columns(
        home_starter_listed_id=pl.when(pl.col("game_id") == first).then(pl.lit("someone001")),
        home_starter_source=pl.when(pl.col("game_id") == first).then(pl.lit("pinnacle")),
    )
    listed = dataclasses.replace(demo, games=games)
    listed = dataclasses.replace(listed, data_version=content_hash(_tables(listed)))
    with psycopg.connect(URL) as conn:
        migrate(conn, pg_schema)
        for snapshot in (demo, listed):
            tables.load(conn, snapshot, pg_schema)
            back = tables.read(conn, pg_schema, "db")
            assert back.data_version == snapshot.data_version
    row = back.games.filter(pl.col("game_id") == first).to_dicts()[0]
    assert (row["home_starter_listed_id"], row["home_starter_source"]) == ("someone001", "pinnacle")
    assert back.data_version != demo.data_version


def _tables(snapshot):
    from mlbcore.data.schema import TABLES

    return {n: snapshot.table(n) for n in TABLES}


def test_a_snapshot_with_all_seven_tables_round_trips_through_postgresql(pg_schema, capsys):
    from mlbcore.data.schema import ADDED_TABLES, TABLES
    from mlbcore.data.snapshot import canonical, content_hash, load_snapshot
    from mlbcore.db import tables
    from mlbcore.db.jobs import read_database
    from mlbcore.db.migrations import migrate
    from mlbcore.settings import load_settings

    demo = load_snapshot(DEMO_SNAPSHOT)
    assert all(demo.table(name).height > 0 for name in TABLES)
    # A team line without a pitch count (box scores have none) stays a null.
    first = demo.team_games["game_id"][0]
    team_games = demo.team_games.with_columns(
        pitches=pl.when(pl.col("game_id") == first).then(None).otherwise(pl.col("pitches"))
    )
    snapshot = dataclasses.replace(demo, team_games=team_games)
    snapshot = dataclasses.replace(snapshot, data_version=content_hash(_tables(snapshot)))
    with psycopg.connect(URL) as conn:
        migrate(conn, pg_schema)
        counts = tables.load(conn, snapshot, pg_schema)
    assert counts == {name: snapshot.table(name).height for name in TABLES}
    back = read_database(load_settings(), URL)
    assert back.data_version == snapshot.data_version != demo.data_version
    for name in ADDED_TABLES:
        assert back.table(name).equals(canonical(name, snapshot.table(name))), name
    assert back.team_games["pitches"].null_count() == 2
    # `mlb db load` of the committed demo snapshot reads back with its own data version.
    assert main(["db", "load", "--data", str(DEMO_SNAPSHOT)]) == 0
    assert read_database(load_settings(), URL).data_version == demo.data_version


def test_reading_a_database_not_yet_migrated_to_the_starter_columns_says_migrate(
    pg_schema, monkeypatch
):
    from mlbcore.db import migrations
    from mlbcore.db.jobs import read_database
    from mlbcore.errors import MlbError
    from mlbcore.settings import load_settings

    monkeypatch.setattr(migrations, "MIGRATIONS", migrations.MIGRATIONS[:3])
    with psycopg.connect(URL) as conn:
        migrations.migrate(conn, pg_schema)
    with pytest.raises(MlbError, match="predates this version's columns; run `mlb db migrate`"):
        read_database(load_settings(), URL)


def test_the_source_of_games_is_read_from_postgresql_without_the_tables(pg_schema, tmp_path):
    from mlbcore.data.snapshot import load_snapshot, write_snapshot
    from mlbcore.data.source import data_games_source
    from mlbcore.importers.report import RETROSHEET_NOTICE
    from mlbcore.settings import load_settings

    settings = load_settings()
    assert main(["db", "load", "--data", str(DEMO_SNAPSHOT)]) == 0
    assert data_games_source(settings) == "demo"  # DATABASE_* set, no data named
    demo = load_snapshot(DEMO_SNAPSHOT)
    tables = {n: demo.table(n).head(30) for n in ("games", "odds_lines", "betting_splits")}
    real = tmp_path / "real"
    write_snapshot(tables, real, "a few games", notices=[RETROSHEET_NOTICE])
    assert data_games_source(settings, real) == "retrosheet"
    assert main(["db", "load", "--data", str(real)]) == 0
    assert data_games_source(settings, URL) == "retrosheet"


def _stored_predictions(schema: str) -> pl.DataFrame:
    with psycopg.connect(URL) as conn:
        cur = conn.execute(
            f"SELECT game_id, target, model_uri, prediction, completeness, scored_by "
            f'FROM "{schema}".predictions ORDER BY target, game_id'
        )
        names = [column.name for column in cur.description]
        return pl.DataFrame(cur.fetchall(), schema=names, orient="row")


def test_each_saved_prediction_says_which_part_scored_it_and_a_re_predict_updates_it(pg_schema):
    from mlbcore.db import tables
    from mlbcore.db.migrations import migrate
    from mlbcore.prediction import Predictions
    from mlbcore.targets import Target

    uris = {
        Target.MONEYLINE_HOME_WIN: "models:/mlb-demo-moneyline_home_win/1",
        Target.RUN_TOTAL_REGRESSION: "models:/mlb-demo-run_total_regression/3",
    }
    frame = pl.DataFrame(
        {
            "game_id": ["g1", "g2", "g3"],
            "completeness": [1.0, 0.5, None],
            "moneyline_home_win_prob": [0.55, 0.48, 0.61],
            "moneyline_home_win_scored_by": ["market", "market_free", "market"],
            "run_total_regression_runs": [8.5, 9.1, 7.7],
            "run_total_regression_scored_by": ["market_free", "market", "market"],
        }
    )
    with psycopg.connect(URL) as conn:
        migrate(conn, pg_schema)
        saved = tables.save_predictions(
            conn, pg_schema, frame, Predictions(frame, uris, ()).columns_by_target()
        )
    assert saved == 6
    stored = _stored_predictions(pg_schema)
    by_target = stored.partition_by("target", as_dict=True)
    moneyline = by_target[("moneyline_home_win",)]
    runs = by_target[("run_total_regression",)]
    assert moneyline["scored_by"].to_list() == ["market", "market_free", "market"]
    assert runs["scored_by"].to_list() == ["market_free", "market", "market"]
    assert moneyline["prediction"].to_list() == [0.55, 0.48, 0.61]
    assert runs["model_uri"].unique().to_list() == [uris[Target.RUN_TOTAL_REGRESSION]]

    # Predicted again by the same models (g1 has lost its price, g2 has one now): the
    # rows are replaced, scored_by included, and none is added.
    again = frame.with_columns(
        moneyline_home_win_prob=pl.Series([0.52, 0.47, 0.61]),
        moneyline_home_win_scored_by=pl.Series(["market_free", "market", "market"]),
    )
    with psycopg.connect(URL) as conn:
        tables.save_predictions(
            conn, pg_schema, again, Predictions(again, uris, ()).columns_by_target()
        )
    replaced = _stored_predictions(pg_schema)
    assert replaced.height == 6
    moneyline = replaced.filter(pl.col("target") == "moneyline_home_win")
    assert moneyline["scored_by"].to_list() == ["market_free", "market", "market"]
    assert moneyline["prediction"].to_list() == [0.52, 0.47, 0.61]
    assert replaced.filter(pl.col("target") == "run_total_regression").equals(runs)


def test_the_scored_by_migration_keeps_every_earlier_prediction_with_an_unknown_part(
    pg_schema, monkeypatch
):
    from mlbcore.db import migrations

    full = migrations.MIGRATIONS
    before = tuple(m for m in full if m[0] < 6)
    monkeypatch.setattr(migrations, "MIGRATIONS", before)
    rows = [
        (f"g{i}", target, "models:/m/1", 0.4 + i / 100, None if i % 3 else 0.9)
        for i in range(20)
        for target in ("moneyline_home_win", "total_over_under")
    ]
    with psycopg.connect(URL) as conn:
        assert migrations.migrate(conn, pg_schema) == [1, 2, 3, 4, 5]
        with conn.transaction(), conn.cursor() as cur:
            cur.executemany(
                f'INSERT INTO "{pg_schema}".predictions '
                "(game_id, target, model_uri, prediction, completeness) "
                "VALUES (%s, %s, %s, %s, %s)",
                rows,
            )
    monkeypatch.setattr(migrations, "MIGRATIONS", full)
    with psycopg.connect(URL) as conn:
        assert migrations.migrate(conn, pg_schema) == [6, 7, 8]
    migrated = _stored_predictions(pg_schema)
    assert migrated.height == len(rows)
    assert migrated["scored_by"].null_count() == len(rows)
    assert sorted(migrated.drop("scored_by").rows()) == sorted(rows)

    # Running it again changes nothing; the column takes only the two parts (or null).
    with psycopg.connect(URL) as conn:
        assert migrations.migrate(conn, pg_schema) == []
    assert _count(pg_schema, "schema_migrations") == len(full)
    assert _stored_predictions(pg_schema).equals(migrated)
    with psycopg.connect(URL) as conn, pytest.raises(psycopg.errors.CheckViolation):
        conn.execute(
            f'INSERT INTO "{pg_schema}".predictions '
            "(game_id, target, model_uri, prediction, scored_by) "
            "VALUES ('g0', 'run_total_regression', 'models:/m/1', 8.5, 'both')"
        )


def test_a_migrated_schema_is_only_read_and_a_schema_behind_says_migrate(
    pg_schema, state_dir, monkeypatch, capsys
):
    from mlbcore.db import migrations

    # A fresh schema: the first command applies every migration under the lock.
    assert main(["schedule", "list"]) == 0
    assert _count(pg_schema, "schema_migrations") == len(migrations.MIGRATIONS)

    # Current: later connections read the version and never migrate again.
    def no_ddl(conn, schema):
        raise AssertionError("a current schema was migrated again")

    monkeypatch.setattr(migrations, "migrate", no_ddl)
    assert main(["schedule", "list"]) == 0
    assert main(["db", "load", "--data", str(DEMO_SNAPSHOT)]) == 0

    # Behind (a schema of an older version): one line naming the command, nothing altered.
    with psycopg.connect(URL) as conn:
        conn.execute(f'DELETE FROM "{pg_schema}".schema_migrations WHERE version = 8')
    capsys.readouterr()
    assert main(["schedule", "list"]) == 2
    err = capsys.readouterr().err.strip()
    assert "is at migration 7 and this version needs 8: run `mlb db migrate`" in err
    assert len(err.splitlines()) == 1
    assert _count(pg_schema, "schema_migrations") == len(migrations.MIGRATIONS) - 1


def test_the_sqlite_state_store_takes_its_tables_from_the_same_migrations(state_dir):
    import sqlite3

    from mlbcore.db.migrations import MIGRATIONS, SQLITE_LATEST
    from mlbcore.lifecycle.state_store import StateStore
    from mlbcore.settings import load_settings

    assert StateStore(load_settings()).schedules().height == 0
    with sqlite3.connect(state_dir / "state.db") as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == SQLITE_LATEST == 8
        columns = {row[1] for row in conn.execute("PRAGMA table_info(job_runs)")}
        tables = {
            row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        }
    # Every lifecycle table and column PostgreSQL gets from migrations 3, 7 and 8.
    assert {"schedules", "job_runs", "decisions", "scheduler_runners"} <= tables
    assert {"attempt", "lease_expires_at_utc", "pid_started"} <= columns
    assert [m.version for m in MIGRATIONS if m.sqlite] == [3, 7, 8]
