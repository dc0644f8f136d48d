"""The lifecycle end to end through the CLI, with fixed --as-of times on the demo season:
retrain decisions, promotion and its refusal, status, schedules and the scheduler."""

import os
import signal
import subprocess
import sys
import time
from datetime import UTC, date, datetime

import pytest
from mlflow import MlflowClient

from mlbcore import tracking
from mlbcore.cli.main import main
from mlbcore.lifecycle.state_store import StateStore
from mlbcore.settings import DEMO_SNAPSHOT, load_settings
from mlbcore.targets import Target

# Downstream of training: needs champions the demo's models only get without the gate.
pytestmark = pytest.mark.usefixtures("gate_off")


@pytest.fixture
def trained(state_dir, capsys):
    """Champions of all three targets trained as of 2016-06-01."""
    assert main(["train", "--as-of", "2016-06-01"]) == 0
    capsys.readouterr()
    return state_dir


def test_train_as_of_sees_only_results_known_then(trained):
    tracking.configure(load_settings())
    champion = tracking.champion(Target.MONEYLINE_HOME_WIN, "demo")
    assert champion is not None and champion.version == 1
    assert champion.trained_as_of_utc == datetime(2016, 6, 1, 23, 59, 59, 999999, tzinfo=UTC)
    # Games of June 1 end after the as-of instant's day is over: the window stops on May 31.
    assert champion.window_end_date == date(2016, 5, 31)


def test_retrain_decisions_promotion_and_refusal(trained, capsys):
    assert main(["retrain", "--as-of", "2016-06-03"]) == 0
    out = capsys.readouterr().out
    assert out.count("skip (champion v1) -> champion kept") == 3
    assert "only 16 new labelled games since the last model was trained" in out

    assert main(["retrain", "--as-of", "2016-06-10"]) == 0
    out = capsys.readouterr().out
    assert "stale: trained 216 h ago" in out
    assert "degraded: rmse" in out  # the run-total champion is 20 % worse in June
    assert "moneyline_home_win: retrain (champion v1) -> challenger v2 rejected" in out
    assert "total_over_under: retrain (champion v1) -> v2 promoted" in out

    settings = load_settings()
    tracking.configure(settings)
    client = MlflowClient()
    ml = client.get_registered_model("mlb-demo-moneyline_home_win")
    assert ml.aliases["champion"] == 1
    assert (
        "challenger not better"
        in client.get_model_version("mlb-demo-moneyline_home_win", "2").tags["rejected_reason"]
    )
    ou = client.get_registered_model("mlb-demo-total_over_under")
    assert (ou.aliases["champion"], ou.aliases["previous_champion"]) == (2, 1)
    assert (
        "challenger better"
        in client.get_model_version("mlb-demo-total_over_under", "1").tags["replaced_reason"]
    )

    decisions = StateStore(settings).decisions()
    assert decisions.height == 6
    latest = decisions.filter(decisions["target"] == "total_over_under").row(0, named=True)
    assert latest["action"] == "retrain" and latest["promoted"]
    run = client.get_run(latest["mlflow_run_id"])
    assert run.data.tags["run_type"] == "retrain_decision" and run.data.tags["promoted"] == "true"

    # The challenger that lost is not retrained the next day on nearly the same games.
    assert main(["retrain", "--model", "moneyline_home_win", "--as-of", "2016-06-11"]) == 0
    assert "skip" in capsys.readouterr().out

    assert main(["status", "--as-of", "2016-06-10", "--detailed"]) == 0
    out = capsys.readouterr().out
    assert "moneyline_home_win    stale     champion v1" in out
    assert "total_over_under      healthy   champion v2" in out
    # The run-total challenger (refitted on its whole window, as shipped) won in June.
    assert "run_total_regression  healthy   champion v2" in out
    assert "last decision: retrain + promoted" in out


def test_forced_retrain_and_a_bad_window(trained, capsys):
    assert (
        main(["retrain", "--model", "moneyline_home_win", "--force", "--as-of", "2016-06-03"]) == 0
    )
    out = capsys.readouterr().out
    assert "retrain (champion v1)" in out and "forced (--force)" in out
    assert "only" in out and "games unseen by both models" in out  # too soon to compare

    assert main(["retrain", "--window-days", "12"]) == 2
    assert "--window-days must be from 3 to 10 days, got 12" in capsys.readouterr().err


def test_status_without_models(state_dir, capsys):
    assert main(["status"]) == 0
    out = capsys.readouterr().out
    assert out.count("no_models") == 3


def test_schedules_are_saved_listed_and_removed(state_dir, capsys):
    assert main(["schedule", "--schedule-type", "weekly", "--hour", "6"]) == 2
    assert "weekly schedule needs --day-of-week" in capsys.readouterr().err
    assert main(["schedule", "--schedule-type", "daily", "--hour", "25"]) == 2
    assert "hour_utc" in capsys.readouterr().err
    assert (
        main(["schedule", "--schedule-type", "weekly", "--hour", "6", "--day-of-week", "mon"]) == 0
    )
    assert main(["schedule", "--schedule-type", "daily", "--hour", "7", "--job", "train"]) == 0
    capsys.readouterr()
    assert main(["schedule", "list"]) == 0
    out = capsys.readouterr().out
    assert "weekly mon 06:00 UTC  retrain all targets" in out and "next run" in out
    assert "daily 07:00 UTC  train" in out
    assert main(["schedule", "remove", "1"]) == 0
    assert main(["schedule", "remove", "1"]) == 2
    assert "no schedule 1" in capsys.readouterr().err


def _schedule_retrain(created: datetime) -> int:
    return StateStore(load_settings()).add_schedule(
        "daily", 6, None, "retrain", None, ["moneyline_home_win"], created
    )


def test_a_missed_slot_runs_once_and_the_next_slot_again(trained, capsys):
    _schedule_retrain(datetime(2016, 6, 1, tzinfo=UTC))
    assert main(["scheduler", "tick", "--as-of", "2016-06-05T12:00"]) == 0
    assert "slot 2016-06-05 06:00: retrain succeeded" in capsys.readouterr().out
    assert main(["scheduler", "tick", "--as-of", "2016-06-05T13:00"]) == 0
    assert "nothing due" in capsys.readouterr().out
    assert main(["scheduler", "tick", "--as-of", "2016-06-06T07:00"]) == 0
    assert "slot 2016-06-06 06:00" in capsys.readouterr().out
    runs = StateStore(load_settings()).job_runs()
    assert runs["status"].to_list() == ["succeeded", "succeeded"]
    assert runs["mlflow_run_ids"].str.len_chars().min() == 32  # each names its MLflow run


def _tick_twice_at_once(env: dict[str, str]) -> list[str]:
    command = [sys.executable, "-m", "mlbcore.cli.main", "scheduler", "tick"]
    command += ["--as-of", "2016-06-05T12:00", "--data", str(DEMO_SNAPSHOT)]
    tickers = [
        subprocess.Popen(command, env=env, stdout=subprocess.PIPE, text=True) for _ in (1, 2)
    ]
    return [t.communicate(timeout=300)[0] for t in tickers]


def test_two_concurrent_tickers_run_a_slot_once(trained):
    _schedule_retrain(datetime(2016, 6, 1, tzinfo=UTC))
    outputs = _tick_twice_at_once(dict(os.environ))
    assert sum("retrain succeeded" in out for out in outputs) == 1, outputs
    assert StateStore(load_settings()).job_runs().height == 1


def test_two_concurrent_tickers_on_postgresql(trained, pg_schema):
    store = StateStore(load_settings())
    assert store.kind == "postgresql"
    _schedule_retrain(datetime(2016, 6, 1, tzinfo=UTC))
    outputs = _tick_twice_at_once(dict(os.environ))
    assert sum("retrain succeeded" in out for out in outputs) == 1, outputs
    assert store.job_runs()["status"].to_list() == ["succeeded"]


def test_the_runner_finishes_its_job_and_stops_on_sigterm(trained):
    # Due now (wall clock), so the runner starts the job at once; SIGTERM comes mid-job.
    _schedule_retrain(datetime(2016, 6, 1, tzinfo=UTC))
    runner = subprocess.Popen(
        [sys.executable, "-m", "mlbcore.cli.main", "scheduler", "run", "--poll-seconds", "1"],
        stderr=subprocess.PIPE,
        text=True,
    )
    store = StateStore(load_settings())
    deadline = time.monotonic() + 120
    while store.job_runs().is_empty() and time.monotonic() < deadline:
        time.sleep(0.2)
    runner.send_signal(signal.SIGTERM)
    _, err = runner.communicate(timeout=120)
    assert runner.returncode == 0, err
    assert "scheduler stopped" in err
    runs = store.job_runs()
    assert runs["status"].to_list() == ["succeeded"]
    tracking.configure(load_settings())
    running = MlflowClient().search_runs(
        [tracking.configure(load_settings())], "attributes.status = 'RUNNING'"
    )
    assert not running
