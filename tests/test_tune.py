"""`mlb tune` on the demo season with tiny budgets: journal studies resume, two processes
share one PostgreSQL study started on an empty database (and four opening it at one
instant do not collide), every trial is an MLflow run nested under its invocation's,
--apply writes mlb.toml and the next training run records the study, SIGTERM finishes the
trials in hand, and bad input is one line."""

import multiprocessing
import signal
import subprocess
import sys
import tomllib
import uuid
from pathlib import Path

import optuna
import polars as pl
import psycopg
import pytest
from mlflow import MlflowClient
from optuna.storages.journal import JournalFileBackend

from mlbcore import tracking
from mlbcore.cli.main import main
from mlbcore.data.snapshot import load_snapshot
from mlbcore.errors import MlbError
from mlbcore.features.build import build_features
from mlbcore.settings import DEMO_SNAPSHOT, load_settings
from mlbcore.targets import Target
from mlbcore.tracking.studies import PARENT_RUN_TAG
from mlbcore.tuning.apply import applied_text
from mlbcore.tuning.objective import TuningSeasons, tuning_seasons
from mlbcore.tuning.report import outcome_lines
from mlbcore.tuning.run import TrialSummary, TuneOutcome, shares
from mlbcore.tuning.storage import (
    POSTGRESQL,
    StudyIdentity,
    StudyStorage,
    default_study_name,
    open_study,
)

PG_URL = "postgresql://root@127.0.0.1:5432/test"
DEMO_VERSION = load_snapshot(DEMO_SNAPSHOT).data_version
STUDY = default_study_name(Target.MONEYLINE_HOME_WIN, DEMO_VERSION)


@pytest.fixture
def small(monkeypatch, state_dir):
    """Trials of a few seconds: few rounds, early stopping soon, two CV folds."""
    for name, value in {
        "TRAINING__MAX_BOOST_ROUNDS": "20",
        "TRAINING__EARLY_STOPPING_ROUNDS": "5",
        "TRAINING__CROSS_VALIDATION_FOLDS": "2",
    }.items():
        monkeypatch.setenv(name, value)
    return state_dir


def _journal_study(state_dir: Path, name: str = STUDY) -> optuna.Study:
    backend = JournalFileBackend(str(state_dir / "optuna" / f"{name}.log"))
    return optuna.load_study(study_name=name, storage=optuna.storages.JournalStorage(backend))


def _runs() -> list:
    experiment_id = tracking.configure(load_settings())
    return MlflowClient().search_runs([experiment_id], max_results=1000)


def _tune(*args: str) -> list[str]:
    return [sys.executable, "-m", "mlbcore.cli.main", "tune", *args]


def test_a_journal_study_resumes_and_each_trial_is_a_nested_run(small, capsys):
    assert main(["tune", "moneyline_home_win", "--trials", "2"]) == 0
    first = capsys.readouterr().out
    assert "trial   0  log loss" in first and "best: trial" in first
    assert "current settings" in first
    assert main(["tune", "moneyline_home_win", "--trials", "2"]) == 0
    study = _journal_study(small)
    assert [t.number for t in study.trials] == [0, 1, 2, 3]
    assert all(t.state.is_finished() for t in study.trials)
    assert study.trials[0].user_attrs["current_settings"] is True
    # Trial 0 is the current settings: the defaults.
    assert study.trials[0].params["num_leaves"] == 7
    assert study.trials[0].params["lambda_l2"] == 20.0
    assert study.user_attrs["target"] == "moneyline_home_win"
    assert study.user_attrs["data_version"] == DEMO_VERSION
    assert study.user_attrs["tuning_seasons"] == [2016]

    runs = _runs()
    assert not [r for r in runs if r.info.status == "RUNNING"]
    parents = [r for r in runs if r.data.tags.get("run_type") == "tuning"]
    trials = [r for r in runs if r.data.tags.get("run_type") == "tuning_trial"]
    assert len(parents) == 2 and len(trials) == 4
    assert {r.data.tags[PARENT_RUN_TAG] for r in trials} == {p.info.run_id for p in parents}
    for run in trials:
        assert run.data.tags["trial_state"] in {"complete", "pruned"}
        assert {"score", "duration_seconds"} <= run.data.metrics.keys()
        assert {"num_leaves", "learning_rate", "lambda_l1"} <= run.data.params.keys()
    assert all(p.data.metrics["best_score"] > 0 for p in parents)


@pytest.fixture
def empty_database():
    name = f"tune_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield f"postgresql+psycopg://root@127.0.0.1:5432/{name}"
    with psycopg.connect(PG_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_two_processes_share_one_postgresql_study(small, empty_database):
    # Both start on an empty database: the first to open creates Optuna's tables.
    name = f"test-tune-{uuid.uuid4().hex[:10]}"
    url = empty_database.replace("+psycopg", "", 1)
    common = ["moneyline_home_win", "--storage", url, "--study", name]
    first = subprocess.Popen(
        _tune(*common, "--trials", "3", "--jobs", "2"), stdout=subprocess.PIPE, text=True
    )
    second = subprocess.Popen(_tune(*common, "--trials", "2"), stdout=subprocess.PIPE, text=True)
    outs = [first.communicate()[0], second.communicate()[0]]
    assert (first.returncode, second.returncode) == (0, 0), outs
    study = optuna.load_study(study_name=name, storage=empty_database)
    numbers = [t.number for t in study.trials]
    # 3 + 2 trials, none lost or run twice; trial 0 (current settings) only once.
    assert sorted(numbers) == [0, 1, 2, 3, 4]
    assert all(t.state.is_finished() for t in study.trials)
    assert sum(bool(t.user_attrs.get("current_settings")) for t in study.trials) == 1
    said = [
        line.split()[1] for out in outs for line in out.splitlines() if line.startswith("trial ")
    ]
    assert sorted(map(int, said)) == [0, 1, 2, 3, 4]
    assert not [r for r in _runs() if r.info.status == "RUNNING"]


IDENTITY = StudyIdentity("moneyline_home_win", "v", (2013,), ("num_leaves",))


def _open_at_once(storage: StudyStorage, start, said) -> None:
    start.wait()  # every process past its imports: they open in the same instant
    try:
        said.put(open_study(storage, "first", IDENTITY, {"num_leaves": 7})[1])
    except Exception as error:
        said.put(f"{type(error).__name__}: {str(error).splitlines()[0]}")


def test_commands_opening_one_study_at_once_on_an_empty_postgresql_do_not_collide(
    empty_database,
):
    # Without the opening lock, all but one fail creating Optuna's tables
    # (a duplicate pg_type or "studies" already exists).
    context = multiprocessing.get_context("spawn")
    start, said = context.Barrier(4), context.Queue()
    storage = StudyStorage(POSTGRESQL, empty_database)
    workers = [context.Process(target=_open_at_once, args=(storage, start, said)) for _ in range(4)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
    outcomes = [said.get(timeout=5) for _ in workers]
    assert sorted(outcomes, key=str) == [False, False, False, True], outcomes
    study = optuna.load_study(study_name="first", storage=storage.open())
    assert study.user_attrs["target"] == "moneyline_home_win"
    assert [t.user_attrs for t in study.trials] == [{"current_settings": True}]


def test_apply_writes_mlb_toml_and_the_next_training_run_records_the_study(
    small, tmp_path, monkeypatch, capsys
):
    config = tmp_path / "mlb.toml"
    config.write_text(
        "# my settings\n[training]\nseed = 42  # keep\n\n[models.moneyline_home_win]\n"
        "num_leaves = 9\n# a note of mine\nmin_data_in_leaf = 150\n\n"
        "[betting]\nkelly_fraction = 0.2\n"
    )
    monkeypatch.setenv("MLB_CONFIG_FILE", str(config))
    assert main(["tune", "moneyline_home_win", "--trials", "2", "--apply"]) == 0
    assert "applied trial" in capsys.readouterr().out
    text = config.read_text()
    assert "# my settings" in text and "seed = 42  # keep" in text and "# a note of mine" in text
    assert "# mlb tune --apply: study " in text
    parsed = tomllib.loads(text)
    assert parsed["betting"] == {"kelly_fraction": 0.2}
    study = _journal_study(small)
    best = min((t for t in study.trials if t.value is not None), key=lambda t: t.value)
    model = load_settings().models.moneyline_home_win
    assert model.num_leaves == best.params["num_leaves"]
    assert model.lambda_l1 == best.params["lambda_l1"]
    assert model.tuned_by is not None and f"trial {best.number}" in model.tuned_by
    assert STUDY in model.tuned_by

    assert main(["train", "--targets", "moneyline_home_win", "--days", "60", "--no-promote"]) == 0
    (run,) = [r for r in _runs() if r.data.tags.get("run_type") == "training"]
    assert run.data.tags["tuned_by"] == model.tuned_by
    assert run.data.params["model_num_leaves"] == str(best.params["num_leaves"])


def test_sigterm_finishes_the_trials_in_hand_and_prints_the_best(small):
    process = subprocess.Popen(
        _tune("moneyline_home_win", "--trials", "40", "--jobs", "2"),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    said = []
    for line in process.stdout or ():
        said.append(line)
        if line.startswith("trial "):
            break
    process.send_signal(signal.SIGTERM)
    out, err = process.communicate(timeout=300)
    out = "".join(said) + out
    assert process.returncode == 128 + signal.SIGTERM, out + err
    assert "stopped by a signal" in out and "best: trial" in out
    assert "Traceback" not in err
    study = _journal_study(small)
    assert 1 <= len(study.trials) < 40
    assert all(t.state.is_finished() for t in study.trials)
    runs = _runs()
    assert not [r for r in runs if r.info.status == "RUNNING"]
    (parent,) = [r for r in runs if r.data.tags.get("run_type") == "tuning"]
    assert parent.info.status == "KILLED"


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["spread"], 2, "unknown target 'spread'; valid targets:"),
        (["moneyline_home_win", "--trials", "0"], 2, "--trials must be at least 1, got 0"),
        (
            ["moneyline_home_win", "--storage", "mysql://u@h/db"],
            2,
            "unknown study storage scheme mysql://",
        ),
        (
            ["moneyline_home_win", "--storage", "postgresql://root@127.0.0.1:1/test"],
            1,
            "cannot connect to PostgreSQL at postgresql://root@127.0.0.1:1/test",
        ),
    ],
)
def test_bad_input_is_one_line(small, capsys, args, code, message):
    assert main(["tune", *args]) == code
    err = capsys.readouterr().err
    errors = [line for line in err.splitlines() if not line.startswith("[")]  # progress lines
    assert len(errors) == 1 and errors[0].startswith("mlb: error: ") and message in errors[0], err
    assert not (small / "optuna").exists() or not any((small / "optuna").iterdir())


def test_a_study_of_another_target_is_refused_in_one_line(small, capsys):
    assert main(["tune", "moneyline_home_win", "--trials", "1", "--study", "shared"]) == 0
    capsys.readouterr()
    assert main(["tune", "run_total_regression", "--trials", "1", "--study", "shared"]) == 2
    err = capsys.readouterr().err.strip().splitlines()[-1]
    assert err.startswith("mlb: error: study shared in ")
    assert "was created for target moneyline_home_win, not run_total_regression" in err
    assert len(_journal_study(small, "shared").trials) == 1


def test_tuning_seasons_never_touch_the_bench_seasons_of_real_games(demo_snapshot):
    features = build_features(demo_snapshot, 60)
    games, target = demo_snapshot.games, Target.MONEYLINE_HOME_WIN
    demo = tuning_seasons(features, games, target, None, real_games=False)
    assert demo.seasons == (2016,) and "demo" in demo.why
    with pytest.raises(MlbError, match="no season before 2014"):
        tuning_seasons(features, games, target, None, real_games=True)
    with pytest.raises(MlbError, match="--allow-scored-seasons"):
        tuning_seasons(features, games, target, [2016], real_games=True)
    allowed = tuning_seasons(features, games, target, [2016], real_games=True, allow_scored=True)
    assert allowed.seasons == (2016,) and allowed.priced
    with pytest.raises(MlbError, match="--seasons 2012 is not in the data"):
        tuning_seasons(features, games, target, [2012], real_games=False)


def test_by_default_a_study_walks_the_three_seasons_before_the_scored_ones(demo_snapshot):
    # The demo season copied back into 2010-2015: real-shaped data, seven seasons.
    def seasons_back(frame: pl.DataFrame) -> pl.DataFrame:
        return pl.concat(
            frame.with_columns(
                pl.col("date").dt.offset_by(f"-{years}y"), pl.col("game_id") + f"-{years}"
            )
            for years in range(7)
        )

    features = seasons_back(build_features(demo_snapshot, 60))
    games = seasons_back(demo_snapshot.games)
    chosen = tuning_seasons(features, games, Target.MONEYLINE_HOME_WIN, None, real_games=True)
    assert chosen.seasons == (2011, 2012, 2013)
    assert chosen.why.startswith("the last 3 season(s) before the quality bench's first scored")


def test_applied_text_replaces_only_the_keys_it_writes():
    text = (
        "[models.moneyline_home_win]\nnum_leaves = 9  # old\nlearning_rate = 0.1\n"
        "[betting]\nx = 1\n"
    )
    once = applied_text(text, Target.MONEYLINE_HOME_WIN, {"num_leaves": 5}, "study s trial 3")
    twice = applied_text(once, Target.MONEYLINE_HOME_WIN, {"num_leaves": 4}, "study s trial 8")
    assert tomllib.loads(twice) == {
        "models": {"moneyline_home_win": {"num_leaves": 4, "learning_rate": 0.1}},
        "betting": {"x": 1},
    }
    assert twice.count("# mlb tune --apply:") == 1 and "trial 8" in twice
    added = applied_text("", Target.RUN_TOTAL_REGRESSION, {"objective": "poisson"}, "c")
    assert tomllib.loads(added) == {"models": {"run_total_regression": {"objective": "poisson"}}}
    with pytest.raises(MlbError, match="other than as a"):
        applied_text(
            "models.moneyline_home_win.num_leaves = 3\n", Target.MONEYLINE_HOME_WIN, {"a": 1}, "c"
        )


@pytest.mark.parametrize(("trials", "jobs"), [(1, 1), (5, 2), (2, 4), (50, 3)])
def test_trials_are_split_over_the_workers_and_add_up(trials, jobs):
    split = shares(trials, jobs)
    assert sum(split) == trials and len(split) == min(trials, jobs) and min(split) >= 1
    assert max(split) - min(split) <= 1


def test_a_best_trial_better_than_the_current_settings_is_called_in_sample():
    seasons = TuningSeasons((2013,), "as asked")
    outcome = TuneOutcome(
        "s", "journal", Target.MONEYLINE_HOME_WIN, seasons, "v",
        best=TrialSummary(38, 0.6767, {"num_leaves": 7}),
        current=TrialSummary(0, 0.6805, {"num_leaves": 7}),
        states={"complete": 37, "pruned": 13}, added=50, seconds=1.0,
    )  # fmt: skip
    lines = outcome_lines(outcome)
    assert any(line.startswith("current settings (trial 0): log loss 0.6805") for line in lines)
    assert any(line.startswith("in-sample: the best of 50 trials") for line in lines)
    # Nothing to warn of when the current settings are still the best.
    outcome.best = outcome.current
    assert not any("in-sample" in line for line in outcome_lines(outcome))
    # Too few trials to say which setting mattered: said, not guessed.
    outcome.states = {"complete": 2}
    assert "what mattered most: measured from 10 complete trials" in "\n".join(
        outcome_lines(outcome)
    )
