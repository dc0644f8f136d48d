"""PostgreSQL as the data source, against the machine's real server (each test in a
schema of its own, dropped afterwards)."""

import dataclasses
import json
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
    outputs = [p.communicate(timeout=120)[0] for p in (first, second)]
    assert first.returncode == 0 and second.returncode == 0
    assert sorted(o.strip().split(": ")[-1] for o in outputs) == ["1, 2, 3, 4, 5", "none pending"]
    assert main(["db", "migrate"]) == 0
    assert "none pending" in capsys.readouterr().out
    assert _count(pg_schema, "schema_migrations") == 5


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
    assert main(["db", "migrate", "--url", url]) == 2
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

    model = tracking.load_model("models:/mlb-demo-moneyline_home_win/1")
    assert len(model.input_features) > 50


def test_an_unreachable_mlflow_database_fails_fast_with_one_line(state_dir, monkeypatch, capsys):
    monkeypatch.setenv("MLFLOW_TRACKING_URI", "postgresql+psycopg://root:pw@127.0.0.1:1/mlflow")
    assert main(["train", "--targets", "moneyline_home_win", "--days", "60"]) == 2
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
    assert (
        "saved 30 predictions to postgresql://root@127.0.0.1:5432/test" in capsys.readouterr().out
    )
    assert _count(pg_schema, "predictions") == 30


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
    from mlbcore.importers.report import RETROSHEET_NOTICE
    from mlbcore.settings import load_settings
    from mlbcore.training.pipeline import data_games_source

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
