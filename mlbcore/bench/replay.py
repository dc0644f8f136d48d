"""`mlb bench replay`: how long a full season's replay takes here, by step and policy."""

import os
import statistics
import sys
import time
from pathlib import Path

from mlbcore.errors import MlbError
from mlbcore.lifecycle.replay import replay_season
from mlbcore.parallel import resolved_jobs
from mlbcore.settings import load_settings


def bench_replay(
    season: int, repeat: int = 3, data: Path | str | None = None, jobs: int | None = None
) -> None:
    """`mlb bench replay`: a full season replay, three targets, daily checks; the policy
    alone (the goal) and with both baselines, medians over ``repeat`` runs, its walks
    ``jobs`` at a time. With more than one job a policy's seconds are its walks' own (in
    their processes, beside the others), and only "all three policies, wall" is wall
    time."""
    if repeat < 1:
        raise MlbError(f"--repeat {repeat}: give at least 1 run")
    settings = load_settings()
    timings: dict[str, list[float]] = {}
    replays = []
    for _ in range(repeat):
        started = time.perf_counter()
        replays.append(replay_season(settings, season, data=data, jobs=jobs))
        timings.setdefault("all three policies, wall", []).append(time.perf_counter() - started)
        for name, seconds in replays[-1].seconds.items():
            timings.setdefault(name, []).append(seconds)
    days = replays[-1].timeline["date"].n_unique()
    source = data or settings.mlb_data
    print(f"season {season}: {days} game days, 3 targets, daily checks; data {source}")
    at_once = (
        "on the Dask cluster at DASK_SCHEDULER_ADDRESS"
        if settings.mlb_parallel_backend == "dask"
        else f"{resolved_jobs(jobs, settings)} at a time (--jobs)"
    )
    print(f"machine: {os.cpu_count()} cores; python {sys.version.split()[0]}; walks {at_once}")
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
