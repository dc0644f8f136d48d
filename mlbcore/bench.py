"""`mlb bench train`: how long the feature build and the whole training job take here.

Prints medians over repeated runs; the job is timed as a separate `mlb train` process
(start-up included) against a throw-away MLflow store, so benchmark runs never mix with
the user's experiments.
"""

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from mlbcore.features.build import build_features
from mlbcore.masking import masked
from mlbcore.settings import load_settings


def _mlb_command() -> list[str]:
    script = Path(sys.executable).with_name("mlb")
    return [str(script)] if script.exists() else [sys.executable, "-m", "mlbcore.cli.main"]


def _time_process(command: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    completed = subprocess.run(command, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    if completed.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed:\n{completed.stderr}")
    return elapsed


def bench_train(repeat: int = 5, data: Path | str | None = None) -> None:
    from mlbcore.training.pipeline import load_data

    settings = load_settings()
    path = data or settings.mlb_data
    snapshot = load_data(settings, path)
    build_features(snapshot)  # warm-up: first-call costs are not the steady state
    feature_times = []
    for _ in range(repeat):
        started = time.perf_counter()
        features = build_features(snapshot, settings.ml_cutoff_minutes, settings.market_book)
        feature_times.append(time.perf_counter() - started)
    load_times = []
    for _ in range(repeat):
        started = time.perf_counter()
        load_data(settings, path)
        load_times.append(time.perf_counter() - started)

    mlb = _mlb_command()
    help_times = [_time_process([*mlb, "--help"], dict(os.environ)) for _ in range(repeat)]
    with tempfile.TemporaryDirectory(prefix="mlb-bench-") as state:
        env = dict(os.environ, MLB_STATE_DIR=state)
        env.pop("MLFLOW_TRACKING_URI", None)
        train = [*mlb, "train", "--data", str(path)]
        first_train = _time_process(train, env)  # creates the MLflow schema
        train_times = [_time_process(train, env) for _ in range(max(1, repeat - 2))]

    sizes = f"{snapshot.games.height} games, {snapshot.odds_lines.height} odds lines"
    print(f"data: {masked(snapshot.source)} ({sizes})")
    print(f"machine: {os.cpu_count()} cores; python {sys.version.split()[0]}")
    rows = [
        ("load + verify the data", statistics.median(load_times), len(load_times), ""),
        (
            f"feature build, full season ({features.height} games)",
            statistics.median(feature_times),
            len(feature_times),
            "goal < 1 s",
        ),
        ("mlb --help", statistics.median(help_times), len(help_times), "goal < 1 s"),
        ("mlb train, 3 targets, first run (new MLflow store)", first_train, 1, ""),
        (
            "mlb train, 3 targets (existing MLflow store)",
            statistics.median(train_times),
            len(train_times),
            "goal < 20 s wall",
        ),
    ]
    width = max(len(r[0]) for r in rows)
    print(f"{'step':<{width}}  {'median s':>9}  {'runs':>4}  goal")
    for name, seconds, runs, goal in rows:
        print(f"{name:<{width}}  {seconds:>9.3f}  {runs:>4}  {goal}")


def bench_replay(season: int, repeat: int = 3, data: Path | str | None = None) -> None:
    """`mlb bench replay`: a full season replay, three targets, daily checks; the policy
    alone (the goal) and with both baselines, medians over ``repeat`` runs."""
    from mlbcore.lifecycle.replay import replay_season

    settings = load_settings()
    timings: dict[str, list[float]] = {}
    for _ in range(repeat):
        started = time.perf_counter()
        replay = replay_season(settings, season, data=data)
        timings.setdefault("all three policies, wall", []).append(time.perf_counter() - started)
        for name, seconds in replay.seconds.items():
            timings.setdefault(name, []).append(seconds)
    days = replay.timeline["date"].n_unique()
    source = data or settings.mlb_data
    print(f"season {season}: {days} game days, 3 targets, daily checks; data {source}")
    print(f"machine: {os.cpu_count()} cores; python {sys.version.split()[0]}")
    policy_alone = [
        load + first + policy
        for load, first, policy in zip(
            timings["load"], timings["first_champions"], timings["policy"], strict=True
        )
    ]
    rows = [
        ("load data and build features", timings["load"]),
        ("first champions (shared)", timings["first_champions"]),
        ("policy: the retrain policy", timings["policy"]),
        ("never: never retrain", timings["never"]),
        ("daily: retrain every day", timings["daily"]),
        ("the policy's replay alone (load + first + policy)", policy_alone),
        ("all three policies, wall", timings["all three policies, wall"]),
    ]
    width = max(len(r[0]) for r in rows)
    print(f"{'step':<{width}}  {'median s':>9}  {'runs':>4}")
    for name, values in rows:
        print(f"{name:<{width}}  {statistics.median(values):>9.1f}  {len(values):>4}")
    print("goal: the policy's replay of a full season < 120 s")
