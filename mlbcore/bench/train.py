"""`mlb bench train`: how long the feature build and the whole training job take here.

Prints medians over repeated runs; the job is timed as a separate `mlb train` process
(start-up included) against a throw-away MLflow store, so benchmark runs never mix with
the user's experiments. ``--loaded`` also times the job beside a second `mlb train` of the
same size (its own throw-away store, restarted until the timed run ends), alternating
with quiet runs so both see the same machine, and prints the ratio of the medians.
"""

import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from types import TracebackType

from mlbcore.data.source import load_data
from mlbcore.errors import MlbError
from mlbcore.features.build import build_features
from mlbcore.masking import masked
from mlbcore.settings import load_settings

# A loaded `mlb train` may take at most this many times its quiet time (issue 12).
LOADED_GOAL = 2.0


def _mlb_command() -> list[str]:
    script = Path(sys.executable).with_name("mlb")
    return [str(script)] if script.exists() else [sys.executable, "-m", "mlbcore.cli.main"]


def _time_process(command: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    completed = subprocess.run(command, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    if completed.returncode != 0:
        last = (completed.stderr.strip().splitlines() or ["no output"])[-1]
        raise MlbError(f"the benchmarked `{' '.join(command[1:])}` failed: {last}")
    return elapsed


class Competitor:
    """``command`` run again and again in the background until the block ends: a
    CPU-bound process of the job's own size beside the timed one."""

    def __init__(self, command: list[str], env: dict[str, str]) -> None:
        self.command, self.env = command, env
        self.stopping = threading.Event()
        self.lock = threading.Lock()
        self.process: subprocess.Popen[bytes] | None = None
        self.runs = 0
        self.thread = threading.Thread(target=self._loop, daemon=True)

    def _loop(self) -> None:
        while True:
            with self.lock:
                if self.stopping.is_set():
                    return
                self.process = subprocess.Popen(
                    self.command, env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
                )
            self.process.wait()  # ends by itself, or when the block terminates it
            self.runs += 1

    def __enter__(self) -> "Competitor":
        self.thread.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        with self.lock:
            self.stopping.set()
            if self.process is not None:
                self.process.terminate()
        self.thread.join()


def _load_average() -> str:
    one, five, _ = os.getloadavg()
    return f"{one:.2f} (1 min), {five:.2f} (5 min)"


def bench_train(repeat: int = 5, data: Path | str | None = None, loaded: bool = False) -> None:
    if repeat < 1:
        raise MlbError(f"--repeat {repeat}: give at least 1 run")
    settings = load_settings()
    path = data or settings.mlb_data
    snapshot = load_data(settings, path)
    # Warm-up: first-call costs are not the steady state.
    features = build_features(snapshot, settings.ml_cutoff_minutes, settings.market_book)
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
    load_before = _load_average()
    loaded_times: list[float] = []
    with (
        tempfile.TemporaryDirectory(prefix="mlb-bench-") as state,
        tempfile.TemporaryDirectory(prefix="mlb-bench-load-") as competitor_state,
    ):
        env = dict(os.environ, MLB_STATE_DIR=state)
        env.pop("MLFLOW_TRACKING_URI", None)
        train = [*mlb, "train", "--data", str(path)]
        first_train = _time_process(train, env)  # creates the MLflow schema
        train_times = []
        for _ in range(max(1, repeat - 2)):
            train_times.append(_time_process(train, env))
            if loaded:
                with Competitor(train, dict(env, MLB_STATE_DIR=competitor_state)):
                    loaded_times.append(_time_process(train, env))

    sizes = f"{snapshot.games.height} games, {snapshot.odds_lines.height} odds lines"
    print(f"data: {masked(snapshot.source)} ({sizes})")
    print(
        f"machine: {os.cpu_count()} cores; python {sys.version.split()[0]}; LightGBM "
        f"threads {settings.training.num_threads} (TRAINING__NUM_THREADS)"
    )
    print(f"load average: {load_before} before the runs, {_load_average()} after")
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
    if loaded:
        rows.append(
            (
                "mlb train, 3 targets, beside a second mlb train",
                statistics.median(loaded_times),
                len(loaded_times),
                "",
            )
        )
    width = max(len(r[0]) for r in rows)
    print(f"{'step':<{width}}  {'median s':>9}  {'runs':>4}  goal")
    for name, seconds, runs, goal in rows:
        print(f"{name:<{width}}  {seconds:>9.3f}  {runs:>4}  {goal}")
    if loaded:
        ratio = statistics.median(loaded_times) / statistics.median(train_times)
        verdict = "met" if ratio <= LOADED_GOAL else "missed"
        print(f"loaded / quiet: {ratio:.2f}x (goal <= {LOADED_GOAL:.0f}x: {verdict})")
