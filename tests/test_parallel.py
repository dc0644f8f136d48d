"""Parallel loops (mlbcore.parallel): the same predictions with one job, two loky
processes and a Dask cluster; and one line, exit 2, for each bad setting."""

import socket

import polars as pl
import pytest
from distributed import LocalCluster

from mlbcore.cli.main import main
from mlbcore.evaluation.walk_forward import Variant, month_starts, walk_forward_shipped
from mlbcore.features.build import build_features
from mlbcore.features.registry import FEATURE_NAMES
from mlbcore.lifecycle.replay import parse_policy, replay_season
from mlbcore.parallel import run_tasks, threads_per_task
from mlbcore.settings import load_settings
from mlbcore.targets import Target


@pytest.fixture(scope="module")
def cluster():
    """Two single-threaded worker processes, started here and stopped after the module."""
    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as local:
        yield local


def _replay(jobs: int | None) -> pl.DataFrame:
    """A short replay of the demo season: the policy (which retrains only when it has no
    champion) and never, weekly; one row per predicted game."""
    settings = load_settings()
    policy = parse_policy(settings.retraining, ["min_samples_for_retrain=100000"])
    replay = replay_season(
        settings, 2016, "weekly", policy, [Target.MONEYLINE_HOME_WIN],
        policies=("policy", "never"), jobs=jobs,
    )  # fmt: skip
    return (
        replay.timeline.explode("game_ids", "predictions", "scored_by")
        .drop_nulls("game_ids")
        .select("policy", "target", "date", "champion_version", "game_ids", "predictions")
    )


def _same(expected: pl.DataFrame, got: pl.DataFrame, column: str) -> None:
    assert got.drop(column).equals(expected.drop(column))
    assert (got[column] - expected[column]).abs().max() <= 1e-12  # pyright: ignore[reportOperatorIssue]


def test_a_replay_predicts_the_same_with_one_job_two_processes_and_dask(
    state_dir, cluster, monkeypatch
):
    serial = _replay(1)
    # Every target and policy predicted games (else the comparison would prove nothing).
    assert serial.group_by("target", "policy").len().height == 2
    assert serial.height > 1000
    _same(serial, _replay(2), "predictions")
    monkeypatch.setenv("MLB_PARALLEL_BACKEND", "dask")
    monkeypatch.setenv("DASK_SCHEDULER_ADDRESS", cluster.scheduler_address)
    _same(serial, _replay(None), "predictions")


def test_walk_forward_months_are_the_same_with_one_job_two_processes_and_dask(
    demo_snapshot, cluster, monkeypatch
):
    features = build_features(demo_snapshot)
    variant = Variant(Target.TOTAL_OVER_UNDER, FEATURE_NAMES, "all features")
    months = month_starts(2016, 7, 9)

    def walked(jobs: int | None) -> pl.DataFrame:
        settings = load_settings()
        found = walk_forward_shipped(
            features, demo_snapshot.games, variant, months, settings, jobs=jobs
        )
        return found.predictions

    serial = walked(1)
    assert serial["month"].unique().sort().to_list() == months
    _same(serial, walked(2), "prediction")
    monkeypatch.setenv("MLB_PARALLEL_BACKEND", "dask")
    monkeypatch.setenv("DASK_SCHEDULER_ADDRESS", cluster.scheduler_address)
    _same(serial, walked(None), "prediction")


def _power(task: int, base: int) -> int:
    return base**task


def test_results_come_back_in_task_order_and_threads_share_the_cores(monkeypatch):
    tasks = [5, 1, 4, 2, 3]
    assert run_tasks(_power, tasks, (2,), jobs=2) == [32, 2, 16, 4, 8]
    assert run_tasks(_power, tasks, (3,), jobs=1) == [243, 3, 81, 9, 27]
    assert threads_per_task(1, configured=64) >= 1
    assert threads_per_task(10_000, configured=8) == 1
    assert threads_per_task(1, configured=1) == 1  # TRAINING__NUM_THREADS caps it


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _one_line(capsys) -> str:
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1, err
    return err


@pytest.mark.parametrize("command", [["replay", "--season", "2016"], ["bench", "replay"]])
def test_jobs_zero_is_one_line_and_exit_2(command, state_dir, capsys):
    with pytest.raises(SystemExit) as exited:
        main([*command, "--jobs", "0"])
    assert exited.value.code == 2
    assert "--jobs" in _one_line(capsys)


@pytest.mark.parametrize(
    ("environment", "named"),
    [
        ({"MLB_PARALLEL_BACKEND": "spark"}, "MLB_PARALLEL_BACKEND"),
        ({"MLB_JOBS": "0"}, "MLB_JOBS"),
        ({"MLB_PARALLEL_BACKEND": "dask"}, "DASK_SCHEDULER_ADDRESS"),
        (
            {"MLB_PARALLEL_BACKEND": "dask", "DASK_SCHEDULER_ADDRESS": "127.0.0.1:8786"},
            "DASK_SCHEDULER_ADDRESS",
        ),
    ],
)
def test_a_bad_parallel_setting_is_one_line_naming_it(
    environment, named, state_dir, capsys, monkeypatch
):
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    assert main(["replay", "--season", "2016", "--targets", "moneyline_home_win"]) == 2
    assert named in _one_line(capsys)


def test_an_unreachable_scheduler_is_one_line_within_seconds(state_dir, capsys, monkeypatch):
    monkeypatch.setenv("MLB_PARALLEL_BACKEND", "dask")
    monkeypatch.setenv("DASK_SCHEDULER_ADDRESS", f"tcp://127.0.0.1:{_free_port()}")
    assert main(["replay", "--season", "2016", "--targets", "moneyline_home_win"]) == 2
    line = _one_line(capsys)
    assert "cannot reach the Dask scheduler" in line and "DASK_SCHEDULER_ADDRESS" in line
