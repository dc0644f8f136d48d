"""The notebooks run headless as plain scripts, as CI runs them."""

import os
import subprocess
import sys
from pathlib import Path

import mlflow
import pytest

from mlbcore.settings import load_settings

# Downstream of training: needs champions the demo's models only get without the gate.
pytestmark = pytest.mark.usefixtures("gate_off")

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"


def _run(notebook: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(NOTEBOOKS / notebook), *args],
        capture_output=True,
        text=True,
        env=dict(os.environ),
    )


def test_train_notebook_trains_with_its_command_line_values(state_dir, tmp_path):
    out = tmp_path / "metrics.csv"
    done = _run("train.py", "--targets", "moneyline_home_win", "--days", "60", "--out", str(out))
    assert done.returncode == 0, done.stderr
    settings = load_settings()
    mlflow.set_tracking_uri(settings.tracking_uri)
    experiment = mlflow.get_experiment_by_name(settings.mlflow_experiment_name)
    runs = mlflow.search_runs([experiment.experiment_id], output_format="list")
    assert [(r.data.tags["target"], r.data.params["window_days"], r.info.status) for r in runs] == [
        ("moneyline_home_win", "60", "FINISHED")
    ]
    # Says what it did: the new version, its run, the market's verdict, the file written.
    assert f"moneyline_home_win: version 1 (not promoted), MLflow run {runs[0].info.run_id}" in (
        done.stdout
    )
    assert "market" in done.stdout and f"to {out}" in done.stdout
    header, *rows = out.read_text().splitlines()
    assert header.startswith("target,") and rows and rows[0].startswith("moneyline_home_win,")


def test_train_notebook_exits_non_zero_on_bad_input(state_dir):
    done = _run("train.py", "--targets", "spread")
    assert done.returncode != 0
    assert "--targets" in done.stderr


def _experiment_runs(run_type: str) -> list:
    settings = load_settings()
    mlflow.set_tracking_uri(settings.tracking_uri)
    experiment = mlflow.get_experiment_by_name(settings.mlflow_experiment_name)
    return mlflow.search_runs(
        [experiment.experiment_id],
        filter_string=f"tags.run_type = '{run_type}'",
        output_format="list",
    )


def _lines(out: Path) -> list[str]:
    return out.read_text().splitlines()


def test_lifecycle_notebooks_run_headless_with_their_command_line_values(state_dir, tmp_path):
    from mlbcore.cli.main import main

    assert main(["train", "--as-of", "2016-09-01"]) == 0
    out = tmp_path / "evaluation.csv"
    args = ("--target", "total_over_under", "--days", "20", "--as-of", "2016-09-25")
    done = _run("evaluate.py", *args, "--out", str(out))
    assert done.returncode == 0, done.stderr
    [evaluation] = _experiment_runs("evaluation")
    # Says what it found: the card against the market, its run, the file written.
    assert done.stdout.startswith("total_over_under: "), done.stdout
    assert "yield" in done.stdout and f"MLflow run {evaluation.info.run_id}" in done.stdout
    # --out: the bets table, one row per bet with teams, side, price, stake, result,
    # profit; the metrics beside it.
    header, *bets = _lines(out)
    assert header == (
        "date,game,bet,price,model_probability,edge,stake,result,profit_per_unit,"
        "bankroll_after_slate"
    )
    assert bets and all(" at " in row and (",over " in row or ",under " in row) for row in bets)
    assert f"wrote {len(bets)} bets to {out}" in done.stdout
    metrics = tmp_path / "evaluation_metrics.csv"
    assert f"metric rows to {metrics}" in done.stdout
    assert _lines(metrics)[0].startswith("metric,") and len(_lines(metrics)) > 1
    assert evaluation.data.tags["target"] == "total_over_under"
    assert evaluation.data.params["window_days"] == "20"
    assert evaluation.data.params["as_of_utc"].startswith("2016-09-25T23:59:59")
    # The baselines the notebook shows, fitted on the champion's training games.
    for name in ("market", "recalibrated_market", "logistic", "base_rate"):
        assert f"eval_vs_{name}_log_loss_diff_ci_high" in evaluation.data.metrics, name
        assert evaluation.data.tags[f"verdict_vs_{name}"]
    # Logged only when asked: `--log false` is the app's unticked checkbox.
    done = _run("evaluate.py", "--target", "total_over_under", "--days", "20", "--log", "false")
    assert done.returncode == 0, done.stderr
    assert len(_experiment_runs("evaluation")) == 1
    assert "not logged to MLflow" in done.stdout
    out = tmp_path / "home.csv"
    done = _run("home.py", "--out", str(out))  # its cards read that evaluation back
    assert done.returncode == 0, done.stderr
    assert "total_over_under: " in done.stdout and f"wrote 3 targets to {out}" in done.stdout
    assert len(_lines(out)) == 1 + 3

    out = tmp_path / "drift.csv"
    args = ("--target", "run_total_regression", "--days", "7", "--as-of", "2016-09-20")
    done = _run("drift.py", *args, "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("drift verdict: ") and "judged features drift" in done.stdout
    assert _lines(out)[0].startswith("feature,verdict,psi") and len(_lines(out)) > 10
    out = tmp_path / "history.csv"
    done = _run("schedule.py", "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert "0 schedule(s), 0 run(s) in the history" in done.stdout
    assert f"wrote 0 runs to {out}" in done.stdout and out.exists()
    out = tmp_path / "replay.csv"
    args = ("--targets", "run_total_regression", "--policies", "policy never", "--out", str(out))
    done = _run("replay.py", *args)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("replayed season 2016")
    assert done.stdout.count("winner for run_total_regression: ") == 1  # the lowest rmse
    assert len(_lines(out)) == 1 + 2  # one row per policy for the one target


def test_lifecycle_notebooks_exit_non_zero_on_bad_input_or_no_models(state_dir):
    done = _run("evaluate.py", "--target", "spread")
    assert done.returncode != 0 and "--target" in done.stderr
    done = _run("drift.py", "--as-of", "2016-06-01")  # no model trained yet
    assert done.returncode != 0 and "run `mlb train` first" in done.stderr
    done = _run("drift.py", "--out", "drift.txt")  # refused before any work
    assert done.returncode != 0 and "--out: Value error, the table is written as CSV" in done.stderr
    done = _run("replay.py", "--season", "1999")
    assert done.returncode != 0 and "no games in season 1999" in done.stderr


def test_slate_notebook_runs_headless_says_what_it_found_and_writes_its_csv(state_dir, tmp_path):
    from mlbcore.cli.main import main

    assert main(["train", "--as-of", "2016-09-01", "--targets", "total_over_under"]) == 0
    out = tmp_path / "slate.csv"
    args = ("--date", "2016-09-20", "--target", "total_over_under", "--out", str(out))
    done = _run("slate.py", *args)
    assert done.returncode == 0, done.stderr
    assert "total_over_under slate of 2016-09-20" in done.stdout
    assert "day's totals: 15 games" in done.stdout and "profit" in done.stdout
    assert len(out.read_text().splitlines()) == 1 + 15
    done = _run("slate.py", "--date", "2016-12-25")
    assert done.returncode != 0 and "no games on 2016-12-25" in done.stderr
    assert "Traceback" not in done.stderr


def test_the_schedule_notebook_shows_status_schedules_and_history(state_dir):
    """Run as an app would be, in process: its cells' values are there to inspect."""
    import importlib.util
    from datetime import UTC, datetime

    from mlbcore.cli.main import main
    from mlbcore.lifecycle.state_store import StateStore

    assert main(["train", "--targets", "moneyline_home_win", "--as-of", "2016-06-01"]) == 0
    StateStore(load_settings()).add_schedule(
        "daily", 6, None, "retrain", None, ["moneyline_home_win"], datetime(2016, 6, 1, tzinfo=UTC)
    )
    assert main(["scheduler", "tick", "--as-of", "2016-06-20T12:00"]) == 0
    spec = importlib.util.spec_from_file_location("schedule_notebook", NOTEBOOKS / "schedule.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    _, defs = module.app.run()
    state = defs["state"]
    status = state["status"].row(0, named=True)
    assert (status["target"], status["champion_version"]) == ("moneyline_home_win", 1)
    assert status["last_decision"].startswith("retrain")
    assert state["schedules"]["when"].to_list() == ["daily 06:00 UTC"]
    assert state["history"]["status"].to_list() == ["succeeded"]
    # A tick is no runner: none has beaten here, and the page says so.
    assert not state["runner"].alive
    assert state["runner"].text.startswith("no scheduler runner has ever run")
    assert defs["history_chart"].to_dict()["mark"]["type"] == "bar"


def test_tune_notebook_runs_a_study_headless_applies_and_writes_its_trials(
    state_dir, tmp_path, monkeypatch
):
    for name, value in {
        "TRAINING__MAX_BOOST_ROUNDS": "20",
        "TRAINING__EARLY_STOPPING_ROUNDS": "5",
        "TRAINING__CROSS_VALIDATION_FOLDS": "2",
        "MLB_CONFIG_FILE": str(tmp_path / "mlb.toml"),
    }.items():
        monkeypatch.setenv(name, value)
    (tmp_path / "mlb.toml").write_text("")
    out = tmp_path / "trials.csv"
    args = ("--target", "run_total_regression", "--trials", "2", "--apply", "true")
    done = _run("tune.py", *args, "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert "best: trial" in done.stdout and "rmse" in done.stdout
    assert "applied trial" in done.stdout and f"wrote 2 trials to {out}" in done.stdout
    header, *rows = _lines(out)
    assert header.startswith("number,state,score") and len(rows) == 2
    assert load_settings().models.run_total_regression.tuned_by.startswith("study mlb-run_total")
    done = _run("tune.py", "--target", "spread")
    assert done.returncode != 0 and "--target" in done.stderr
