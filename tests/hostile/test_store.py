"""The MLflow store, training jobs and scheduled jobs survive faults (issue 12, data loss
3-6): each case runs `mlb` in a subprocess, kills it with SIGKILL at a step it pauses at
(``MLB_TEST_PAUSE_AT``, never a timing guess) or damages the store as a fault would, then
runs the next command and checks that it works and that nothing was lost."""

import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import psycopg
import pytest

from hostile.clusters import PrivateCluster
from hostile.harness import (
    _SCRUBBED,
    FAILED_BACKEND,
    Outcome,
    assert_one_clear_line,
    run_mlb,
    tree_digest,
)
from mlbcore.db.mlflow_artifacts import ARTIFACTS_URI
from mlbcore.db.mlflow_store import ARTIFACT_COLUMNS
from mlbcore.lifecycle.state_store import StateStore
from mlbcore.settings import load_settings

# Two targets on 14 game dates: the smallest training job that still has a job's shape.
TARGETS = ["moneyline_home_win", "total_over_under"]
TRAIN = ["train", "--days", "14", "--as-of", "2016-06-01", "--targets", *TARGETS]
PREDICT = ["predict", "--start", "2016-06-02", "--end", "2016-06-03", "--targets", *TARGETS]
# One LightGBM thread (other jobs share the cores) and no promotion gate, so every target
# of a job is promoted and "all or none" can be seen.
QUIET = {"OMP_NUM_THREADS": "1", "PROMOTION__ENABLED": "false"}


def mlb(args: list[str], state_dir: Path, **env: str) -> Outcome:
    return run_mlb(args, state_dir, env=QUIET | env)


def kill_at(step: str, args: list[str], state_dir: Path, tmp_path: Path, **env: str) -> None:
    """Run ``mlb ARGS`` until it pauses at ``step``, then SIGKILL it."""
    marker = tmp_path / f"paused-at-{step}"
    paused = start_paused(step, args, state_dir, marker, **env)
    os.kill(int(marker.read_text()), signal.SIGKILL)
    paused.wait()
    marker.unlink()


def start_paused(
    step: str, args: list[str], state_dir: Path, marker: Path, **env: str
) -> subprocess.Popen[bytes]:
    """``mlb ARGS`` started and waited for until it pauses at ``step`` (its marker file
    appears); it stays paused until the marker is removed."""
    process = start(args, state_dir, step, marker, **env)
    # An event, not a time budget: the marker appears, or the process ends without pausing.
    while not marker.exists():
        if process.poll() is not None:
            pytest.fail(f"never paused at {step}: {marker.with_suffix('.log').read_text()}")
        time.sleep(0.05)
    return process


def start(
    args: list[str], state_dir: Path, step: str, marker: Path, **env: str
) -> subprocess.Popen[bytes]:
    """``mlb ARGS`` started, to pause at ``step`` if it gets there (its output in
    ``marker``'s .log file)."""
    base = {k: v for k, v in os.environ.items() if k not in _SCRUBBED}
    variables = (
        base
        | QUIET
        | env
        | {
            "MLB_STATE_DIR": str(state_dir),
            "PYTHONWARNINGS": "ignore",
            "MLB_TEST_PAUSE_AT": step,
            "MLB_TEST_PAUSE_MARKER": str(marker),
        }
    )
    log = marker.with_suffix(".log").open("wb")
    return subprocess.Popen(
        [sys.executable, "-c", "import sys; from mlbcore.cli.main import main; sys.exit(main())",
         *args],
        env=variables, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip


def schema_revision(db: Path) -> str:
    with sqlite3.connect(db) as conn:
        return str(conn.execute("SELECT version_num FROM alembic_version").fetchone()[0])


def head_revision() -> str:
    from mlflow.store.db.utils import _get_latest_schema_revision

    return str(_get_latest_schema_revision())


# --- 3. the SQLite store's schema ---------------------------------------------------------


def test_killed_while_creating_the_store_the_next_command_works(tmp_path):
    state = tmp_path / "state"
    kill_at("mlflow-schema", ["status"], state, tmp_path)
    assert not (state / "mlflow.db").exists()  # the half-made schema never became the store
    outcome = mlb(TRAIN, state)
    assert outcome.code == 0 and "Traceback" not in outcome.stderr, outcome.stderr
    assert schema_revision(state / "mlflow.db") == head_revision()
    assert not list(state.glob(".mlflow.db.partial-*"))


def test_two_first_runs_at_once_both_work(tmp_path):
    state = tmp_path / "state"
    first_marker, second_marker = tmp_path / "first", tmp_path / "second"
    first = start_paused("mlflow-schema", ["status"], state, first_marker)  # holds the lock
    # The second pauses when it finds the lock held: proof that it waits for the first
    # instead of building the schema beside it.
    second = start(["status"], state, "mlflow-lock-busy", second_marker)
    while not second_marker.exists() and second.poll() is None:
        time.sleep(0.05)
    second_waited = second_marker.exists()
    second_marker.unlink(missing_ok=True)  # it goes on waiting for the lock
    first_marker.unlink()  # the first goes on and creates the schema; then the second runs
    assert first.wait() == 0, first_marker.with_suffix(".log").read_text()
    second.wait()
    out = second_marker.with_suffix(".log").read_text()
    assert second.returncode == 0 and "Traceback" not in out, out
    assert second_waited, f"the second run never waited for the first's lock: {out}"
    assert schema_revision(state / "mlflow.db") == head_revision()


def half_migrated(db: Path, runs: int = 0) -> None:
    """The store an older version's first run left when killed inside MLflow's migration
    that adds ``logged_models``: the table made, the schema's version stamp not moved."""
    import sqlalchemy
    from alembic import command
    from mlflow.store.db.utils import _get_alembic_config
    from mlflow.store.tracking.dbmodels.initial_models import Base as InitialBase

    db.parent.mkdir(parents=True, exist_ok=True)
    engine = sqlalchemy.create_engine(f"sqlite:///{db}")
    InitialBase.metadata.create_all(engine)
    config = _get_alembic_config(str(engine.url))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "400f98739977")  # adds logged_models
    with engine.begin() as connection:
        connection.execute(sqlalchemy.text("UPDATE alembic_version SET version_num='0584bdc529eb'"))
        for n in range(runs):
            connection.execute(
                sqlalchemy.text(
                    "INSERT INTO runs (run_uuid, experiment_id, lifecycle_stage, status, "
                    "source_type) VALUES (:id, 0, 'active', 'FINISHED', 'LOCAL')"
                ),
                {"id": f"{n:032x}"},
            )
    engine.dispose()


def test_a_half_migrated_empty_store_is_rebuilt_with_one_line(tmp_path):
    state = tmp_path / "state"
    half_migrated(state / "mlflow.db")
    outcome = mlb(TRAIN, state)
    assert outcome.code == 0 and "Traceback" not in outcome.stderr, outcome.stderr
    notes = [line for line in outcome.stderr.splitlines() if "half-created" in line]
    assert len(notes) == 1 and "set aside as mlflow.db.broken" in notes[0], outcome.stderr
    assert (state / "mlflow.db.broken").is_file()
    assert schema_revision(state / "mlflow.db") == head_revision()


@pytest.mark.parametrize(
    ("damage", "mentions"),
    [
        pytest.param(lambda db: half_migrated(db, runs=1), "half-migrated", id="half-migrated"),
        pytest.param(
            lambda db: db.write_bytes(os.urandom(4096)), "cannot be read", id="not-a-database"
        ),
    ],
)
def test_a_damaged_store_that_holds_data_is_refused_and_left_alone(tmp_path, damage, mentions):
    state = tmp_path / "state"
    db = state / "mlflow.db"
    db.parent.mkdir(parents=True)
    damage(db)
    before = tree_digest(db)
    outcome = mlb([*PREDICT, "--out", str(tmp_path / "p.csv")], state)
    assert_one_clear_line(outcome, FAILED_BACKEND, mentions)
    assert tree_digest(db) == before
    assert not list(state.glob("mlflow.db.broken*"))


# --- 6. the state folder moves --------------------------------------------------------------


def recorded_absolute(state: Path) -> None:
    """Artifact locations as versions before this one recorded them: absolute file URIs."""
    absolute = (state / "mlartifacts").resolve().as_uri()
    with sqlite3.connect(state / "mlflow.db") as conn:
        for table, column in ARTIFACT_COLUMNS:
            conn.execute(
                f"UPDATE {table} SET {column} = replace({column}, ?, ?)",
                (ARTIFACTS_URI, absolute),
            )


@pytest.mark.parametrize("older_store", [False, True], ids=["relative", "older-absolute"])
def test_models_still_load_after_the_state_folder_moves(tmp_path, older_store):
    state = tmp_path / "state"
    assert mlb(TRAIN, state).code == 0
    if older_store:
        recorded_absolute(state)
    moved = tmp_path / "moved" / "elsewhere"
    moved.parent.mkdir()
    state.rename(moved)
    outcome = mlb([*PREDICT, "--out", str(tmp_path / "p.csv")], moved)
    assert outcome.code == 0 and "Traceback" not in outcome.stderr, outcome.stderr
    assert "wrote 29 games" in outcome.stdout
    # An older store is rewritten once, with one line saying so.
    assert outcome.stderr.count("finds its artifacts inside the state folder") == older_store


# --- 4. a training job promotes all its targets or none ----------------------------------


def store_rows(state: Path, query: str) -> list[tuple]:
    with sqlite3.connect(f"{(state / 'mlflow.db').as_uri()}?mode=ro", uri=True) as conn:
        return conn.execute(query).fetchall()


def champions(state: Path) -> dict[str, int]:
    rows = store_rows(
        state, "SELECT name, version FROM registered_model_aliases WHERE alias='champion'"
    )
    return dict(rows)


def run_statuses(state: Path) -> list[str]:
    return sorted(status for (status,) in store_rows(state, "SELECT status FROM runs"))


def version_tags(state: Path, key: str) -> dict[str, str]:
    return dict(store_rows(state, f"SELECT name, value FROM model_version_tags WHERE key='{key}'"))


def test_a_job_killed_between_its_targets_moves_no_champion(tmp_path):
    state = tmp_path / "state"
    kill_at("target-logged", TRAIN, state, tmp_path)  # one target logged, one not
    assert run_statuses(state) == ["FINISHED"]
    assert champions(state) == {}
    outcome = mlb(TRAIN, state)
    assert outcome.code == 0 and "Traceback" not in outcome.stderr, outcome.stderr
    assert champions(state) == {f"mlb-demo-{t}": 2 if t == TARGETS[0] else 1 for t in TARGETS}


def test_a_run_whose_process_was_killed_is_reaped_and_its_model_unusable(tmp_path):
    state = tmp_path / "state"
    kill_at("model-logged", TRAIN, state, tmp_path)  # inside the first run, model registered
    assert run_statuses(state) == ["RUNNING"]
    outcome = mlb(["status"], state)
    assert outcome.code == 0 and "Traceback" not in outcome.stderr, outcome.stderr
    assert "1 run(s) of killed processes FAILED (tag reaped)" in outcome.stderr
    assert run_statuses(state) == ["FAILED"]
    assert store_rows(state, "SELECT key FROM tags WHERE key='reaped'") == [("reaped",)]
    assert "killed before it finished" in version_tags(state, "unusable")[f"mlb-demo-{TARGETS[0]}"]
    assert champions(state) == {}


def tag_unusable(state: Path, name: str, version: int) -> None:
    with sqlite3.connect(state / "mlflow.db") as conn:
        conn.execute(
            "INSERT INTO model_version_tags (key, value, name, version) VALUES (?, ?, ?, ?)",
            ("unusable", "damaged after it was logged", name, version),
        )


@pytest.mark.parametrize("damaged_meanwhile", [False, True], ids=["finished", "undone"])
def test_a_job_killed_while_promoting_is_completed_or_undone_whole(tmp_path, damaged_meanwhile):
    state = tmp_path / "state"
    kill_at("promoting", TRAIN, state, tmp_path)  # the first champion moved, the second not
    assert champions(state) == {f"mlb-demo-{TARGETS[0]}": 1}
    if damaged_meanwhile:
        tag_unusable(state, f"mlb-demo-{TARGETS[1]}", 1)
    outcome = mlb(["status"], state)
    assert outcome.code == 0 and "Traceback" not in outcome.stderr, outcome.stderr
    if damaged_meanwhile:
        assert "undid the champion moves of a killed job" in outcome.stderr
        assert champions(state) == {}
    else:
        assert "finished the champion moves of a job killed part-way" in outcome.stderr
        assert champions(state) == {f"mlb-demo-{t}": 1 for t in TARGETS}
    assert store_rows(state, "SELECT key FROM experiment_tags") == []


def test_a_model_stored_incompletely_is_unusable_and_never_champion(tmp_path):
    state = tmp_path / "state"
    marker = tmp_path / "paused"
    job = start_paused("model-logged", TRAIN, state, marker)
    # What a full disk leaves: the model's file cut short in the artifact store.
    (saved,) = state.glob("mlartifacts/models/*/artifacts/artifacts/target_model/market_free.txt")
    saved.write_bytes(saved.read_bytes()[:100])
    marker.unlink()
    job.wait()
    out = marker.with_suffix(".log").read_text()
    assert job.returncode == 1 and "Traceback" not in out, out
    errors = [line for line in out.splitlines() if line.startswith("mlb: error:")]
    assert len(errors) == 1 and "was not stored completely" in errors[0], out
    assert "incomplete artifacts" in version_tags(state, "unusable")[f"mlb-demo-{TARGETS[0]}"]
    assert run_statuses(state) == ["FAILED"]
    assert champions(state) == {}


# --- 5. a scheduled job killed mid-run ------------------------------------------------------

TICK = ["scheduler", "tick", "--as-of", "2016-06-05T12:00"]


def scheduled_train(state: Path) -> StateStore:
    store = StateStore(load_settings(mlb_state_dir=state))
    store.add_schedule(
        "daily", 6, None, "train", 14, [TARGETS[0]], datetime(2016, 6, 1, tzinfo=UTC)
    )
    return store


@pytest.mark.parametrize("kills", [1, 2], ids=["killed-once", "killed-twice"])
def test_a_killed_scheduled_job_is_abandoned_and_its_slot_run_again_once(tmp_path, kills):
    state = tmp_path / "state"
    store = scheduled_train(state)
    for _ in range(kills):  # the second tick abandons the first attempt and starts the second
        kill_at("scheduled-job", TICK, state, tmp_path)
    assert store.job_runs()["status"][0] == "running"
    outcome = mlb(TICK, state)
    assert outcome.code == 0 and "Traceback" not in outcome.stderr, outcome.stderr
    assert "train abandoned (its process" in outcome.stdout
    runs = store.job_runs().sort("id")
    assert runs["attempt"].to_list() == [1, 2]
    if kills == 1:
        assert "slot 2016-06-05 06:00: train succeeded" in outcome.stdout
        assert runs["status"].to_list() == ["abandoned", "succeeded"]
    else:  # never a third attempt
        assert "succeeded" not in outcome.stdout
        assert runs["status"].to_list() == ["abandoned", "abandoned"]
    assert "nothing due" in mlb(TICK, state).stdout


# --- the store's PostgreSQL server dies while a job logs ----------------------------------


def postgres_rows(cluster: PrivateCluster, query: str) -> list[tuple]:
    with psycopg.connect(cluster.url) as conn:
        return conn.execute(query).fetchall()


def without_progress(log: str) -> str:
    """A job's output without its progress lines ("[  1.2s] logging to MLflow") and
    MLflow's notes on the versions it registered: what is left is what went wrong."""
    return "\n".join(
        line
        for line in log.splitlines()
        if not line.startswith(("[", "Successfully registered model", "Created version"))
    )


@pytest.mark.parametrize(
    ("step", "left_running"),
    [("model-logged", 1), ("target-logged", 0)],
    ids=["inside-a-run", "between-targets"],
)
def test_postgresql_dying_mid_logging_is_one_line_and_moves_no_champion(
    private_cluster, step, left_running, tmp_path
):
    state = tmp_path / "state"
    store = private_cluster.url.replace("postgresql://", "postgresql+psycopg://")
    marker = tmp_path / "paused"
    job = start_paused(step, TRAIN, state, marker, MLFLOW_TRACKING_URI=store)
    private_cluster.stop("immediate")  # the server dies while the job is logging
    marker.unlink()
    job.wait()
    log = marker.with_suffix(".log").read_text()
    outcome = Outcome(job.returncode, without_progress(log), "")
    assert_one_clear_line(outcome, FAILED_BACKEND, f"the MLflow store at {store} failed")
    assert "no champion moved" in outcome.stdout

    private_cluster.start()
    aliases = "SELECT name, version FROM registered_model_aliases WHERE alias = 'champion'"
    assert postgres_rows(private_cluster, aliases) == []
    runs = "SELECT status FROM runs"
    assert [s for (s,) in postgres_rows(private_cluster, runs)].count("RUNNING") == left_running
    # With the server back, the next job works; the run the failed one left RUNNING is reaped.
    again = mlb(TRAIN, state, MLFLOW_TRACKING_URI=store)
    assert again.code == 0 and "Traceback" not in again.stderr, again.stderr
    assert ("(tag reaped)" in again.stderr) == bool(left_running), again.stderr
    assert ("RUNNING",) not in postgres_rows(private_cluster, runs)
    # Both jobs registered the first target; the second only the second job's.
    assert dict(postgres_rows(private_cluster, aliases)) == {
        f"mlb-demo-{TARGETS[0]}": 2,
        f"mlb-demo-{TARGETS[1]}": 1,
    }


# --- `mlb status` after a writer killed mid-transaction ---------------------------------


@pytest.mark.parametrize("command", [["status", "--check"], TRAIN], ids=["status --check", "train"])
def test_a_writer_killed_mid_transaction_leaves_the_store_up(tmp_path, command):
    state = tmp_path / "state"
    assert mlb(TRAIN, state).code == 0
    before = champions(state)
    # Inside MLflow's first write transaction of the next job: killed there, it leaves a hot
    # rollback journal, which a read-only open (the status probe's) cannot roll back.
    kill_at("mlflow-write", TRAIN, state, tmp_path)
    assert (state / "mlflow.db-journal").exists()
    outcome = mlb(command, state)
    assert outcome.code == 0 and "Traceback" not in outcome.stderr, outcome.stdout + outcome.stderr
    assert not (state / "mlflow.db-journal").exists()  # rolled back, as SQLite does
    if command == TRAIN:
        assert set(champions(state).values()) == {2}
    else:
        assert re.search(r"^mlflow\s+sqlite\s+up\b", outcome.stdout, re.MULTILINE), outcome.stdout
        assert champions(state) == before  # the killed job's half-transaction is gone
    assert store_rows(state, "PRAGMA integrity_check") == [("ok",)]
