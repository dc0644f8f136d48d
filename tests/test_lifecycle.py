"""The lifecycle end to end through the CLI, with fixed --as-of times on the demo season:
retrain decisions, promotion and its refusal, status, schedules and the scheduler."""

import os
import signal
import subprocess
import sys
from datetime import UTC, date, datetime

import polars as pl
import pytest
from mlflow import MlflowClient

from mlbcore import tracking
from mlbcore.cli.main import main
from mlbcore.data.snapshot import write_snapshot
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
    # comparison_days (7) have not yet followed the champion: nothing to judge it on.
    assert main(["retrain", "--as-of", "2016-06-03"]) == 0
    out = capsys.readouterr().out
    assert out.count("skip (champion v1) -> champion kept") == 3
    assert "after the split 2016-05-27 23:59 UTC: it is judged once 7 days" in out

    # Judged as of the split (2016-06-03): too few games since training.
    assert main(["retrain", "--as-of", "2016-06-10"]) == 0
    out = capsys.readouterr().out
    assert out.count("only 16 new labelled games since the last model was trained") == 3

    # Judged as of 2016-06-13 on the week before it; the challengers, fitted as of
    # 2016-06-13, are compared with the champions on the week after it.
    assert main(["retrain", "--as-of", "2016-06-20"]) == 0
    out = capsys.readouterr().out
    assert out.count("stale: trained 288 h ago (schedule 24 h + grace 12 h)") == 3
    assert "degraded: rmse" in out  # the run-total champion is over 10 % worse in June
    assert out.count("judged as of the split 2016-06-13 23:59 UTC") == 3
    # The moneyline and over/under challengers are rejected: not clearly better than their
    # champions on the week after the split (the moneyline pair are both the market). The
    # run-total challenger, boosting from the line recalibrated on two more weeks, is
    # clearly better and promoted.
    assert out.count("-> challenger v2 rejected") == 2
    assert "run_total_regression: retrain (champion v1) -> v2 promoted" in out
    assert out.count("challenger minus champion") == 3 and out.count("(95 % CI") == 3
    assert "106 games, 8 dates" in out
    # One book priced the training window and the recent one: no change of data source.
    assert "data source changed" not in out

    settings = load_settings()
    tracking.configure(settings)
    client = MlflowClient()
    for target in ("moneyline_home_win", "total_over_under"):
        name = f"mlb-demo-{target}"
        assert client.get_registered_model(name).aliases["champion"] == 1
        rejected = client.get_model_version(name, "2").tags["rejected_reason"]
        assert rejected.startswith("challenger not clearly better")
    runs = client.get_registered_model("mlb-demo-run_total_regression")
    assert runs.aliases["champion"] == 2
    challenger = tracking.newest_trained_as_of(Target.TOTAL_OVER_UNDER, "demo")
    assert challenger == datetime(2016, 6, 13, 23, 59, 59, 999999, tzinfo=UTC)

    decisions = StateStore(settings).decisions()
    assert decisions.height == 9
    latest = decisions.filter(decisions["target"] == "total_over_under").row(0, named=True)
    assert latest["action"] == "retrain" and not latest["promoted"]
    run = client.get_run(latest["mlflow_run_id"])
    assert run.data.tags["run_type"] == "retrain_decision" and run.data.tags["promoted"] == "false"
    metrics = run.data.metrics
    assert metrics["comparison_games"] == 106
    assert (
        metrics["challenger_minus_champion_diff_ci_low"] < metrics["challenger_minus_champion_diff"]
    )

    # The challenger that lost is not retrained the next day on nearly the same games.
    assert main(["retrain", "--model", "total_over_under", "--as-of", "2016-06-21"]) == 0
    assert "skip" in capsys.readouterr().out

    # As of the day of the last decision: a status never counts one made after its as-of.
    assert main(["status", "--as-of", "2016-06-21", "--detailed"]) == 0
    out = capsys.readouterr().out
    assert "moneyline_home_win    stale     champion v1" in out
    assert "total_over_under      stale     champion v1" in out
    assert "run_total_regression  stale     champion v2" in out
    assert "last decision: retrain" in out and "last decision: skip" in out


def test_retrain_without_a_champion_trains_and_promotes_the_first(state_dir, capsys):
    assert main(["retrain", "--model", "total_over_under", "--as-of", "2016-06-01"]) == 0
    out = capsys.readouterr().out
    assert "total_over_under: train (no champion) -> v1 promoted" in out
    tracking.configure(load_settings())
    champion = tracking.champion(Target.TOTAL_OVER_UNDER, "demo")
    assert champion is not None and champion.version == 1
    # The first champion is fitted on everything known at --as-of, not at the split.
    assert champion.trained_as_of_utc == datetime(2016, 6, 1, 23, 59, 59, 999999, tzinfo=UTC)


@pytest.fixture
def pinnacle_arrives(tmp_path, demo_snapshot):
    """The demo season where a second book, "pinnacle", prices every game from June 5 on
    beside the demo book (the same prices: only the book mix changes), as the real data's
    SBR consensus is joined by Pinnacle in 2016."""
    games = demo_snapshot.games
    later = games.filter(pl.col("date") >= date(2016, 6, 5))["game_id"]
    lines = demo_snapshot.odds_lines
    pinnacle = lines.filter(pl.col("game_id").is_in(later.implode())).with_columns(
        book=pl.lit("pinnacle")
    )
    out = tmp_path / "snapshot"
    write_snapshot(
        {
            "games": games,
            "odds_lines": pl.concat([lines, pinnacle]),
            "betting_splits": demo_snapshot.betting_splits,
        },
        out,
        "demo with pinnacle from June 5",
        demo_snapshot.notices,
    )
    return out


def test_a_new_book_is_its_own_retrain_reason_not_drift(state_dir, pinnacle_arrives, capsys):
    data = ["--data", str(pinnacle_arrives)]
    assert main(["train", "--as-of", "2016-06-01", "--targets", "moneyline_home_win", *data]) == 0
    capsys.readouterr()
    # Judged as of the split (June 13) on the week before it: all of it priced by pinnacle
    # too, none of the champion's training window was.
    assert main(["retrain", "--as-of", "2016-06-20", "--model", "moneyline_home_win", *data]) == 0
    out = capsys.readouterr().out
    assert "moneyline_home_win: retrain (champion v1)" in out
    assert (
        "  - data source changed: new book pinnacle (100 % of recent priced games, none before)"
        ": the champion was fitted on the old source, so a challenger is fitted on a window "
        "that includes the new one\n"
    ) in out
    # The market features it moved are not judged: the change is not also called drift.
    drift_lines = [line for line in out.splitlines() if line.startswith("  - drift: ")]
    assert not any("data source" in line or "pinnacle" in line for line in drift_lines)


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
    err = capsys.readouterr().err  # the flag the user typed, not the field behind it
    assert "--hour should be less than or equal to 23, got 25" in err and "hour_utc" not in err
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
    return [t.communicate()[0] for t in tickers]


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
    # The runner says when it has claimed the slot and started the job: SIGTERM then.
    said = []
    for line in runner.stderr or ():
        said.append(line)
        if "retrain for slot" in line:
            break
    assert not store.job_runs().is_empty(), "".join(said)
    runner.send_signal(signal.SIGTERM)
    err = "".join(said) + runner.communicate()[1]
    assert runner.returncode == 0, err
    assert "scheduler stopped" in err
    runs = store.job_runs()
    assert runs["status"].to_list() == ["succeeded"]
    tracking.configure(load_settings())
    running = MlflowClient().search_runs(
        [tracking.configure(load_settings())], "attributes.status = 'RUNNING'"
    )
    assert not running
