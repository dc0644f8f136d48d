"""A tuning worker: one process running ``study.optimize`` against the shared storage,
each trial a walk-forward score with its running score fed to the pruner, and an MLflow
run nested under the invocation's parent run.

A stop request (Ctrl-C or SIGTERM, through a shared event) lets the trial in hand finish,
then stops the worker (``study.stop`` after the trial)."""

import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from types import FrameType
from typing import Any, Protocol

import optuna
import polars as pl

from mlbcore.formatting import significant
from mlbcore.settings import Settings
from mlbcore.targets import Target
from mlbcore.tracking import studies
from mlbcore.tuning.objective import metric_words, trial_settings, walk_score
from mlbcore.tuning.space import short, suggest, with_values
from mlbcore.tuning.storage import StudyStorage

# The pruner compares a trial's running score after each month with the other trials'
# median at that month, once 5 trials have finished and from the second month on.
PRUNER_STARTUP_TRIALS, PRUNER_WARMUP_MONTHS = 5, 1


class StopEvent(Protocol):
    def is_set(self) -> bool: ...
    def set(self) -> None: ...


@dataclass
class WorkerPlan:
    """Everything a worker needs, plain enough to pickle to a spawned process."""

    storage: StudyStorage
    study_name: str
    target: Target
    seasons: tuple[int, ...]
    searched: tuple[str, ...]
    settings: Settings
    features: pl.DataFrame
    games: pl.DataFrame
    trials: int
    timeout: float | None
    threads: int  # LightGBM threads per fit
    seed: int
    tracking_uri: str
    experiment_id: str
    parent_run_id: str


def make_sampler(seed: int) -> optuna.samplers.BaseSampler:
    # constant_liar: a trial still running counts as a bad result, so parallel workers
    # do not all sample the same promising point.
    return optuna.samplers.TPESampler(seed=seed, constant_liar=True)


def make_pruner() -> optuna.pruners.BasePruner:
    return optuna.pruners.MedianPruner(
        n_startup_trials=PRUNER_STARTUP_TRIALS, n_warmup_steps=PRUNER_WARMUP_MONTHS
    )


def trial_line(
    target: Target, number: int, state: str, score: float | None, months: int, seconds: float,
    values: dict[str, Any],
) -> str:  # fmt: skip
    """A trial's progress line for people."""
    metric = metric_words(target)
    shown = significant(score) if score is not None else "-"
    if state == "pruned":
        what = f"pruned after {months} month(s), running {metric} {shown}"
    elif state == "complete":
        what = f"{metric} {shown}"
    else:
        what = "failed"
    return f"trial {number:>3}  {what}  ({seconds:.0f} s)  {short(values)}"


def objective_of(plan: WorkerPlan, say: Callable[[str], None]) -> Callable[[optuna.Trial], float]:
    base = plan.settings.model_for(plan.target)

    def objective(trial: optuna.Trial) -> float:
        values = suggest(trial, plan.searched)
        settings = trial_settings(
            plan.settings, plan.target, with_values(base, values), plan.threads
        )
        run_id = studies.start_trial_run(
            plan.experiment_id, plan.parent_run_id, plan.study_name, trial.number, values
        )
        started = time.perf_counter()
        state, score, months = "failed", None, 0

        def report(step: int, running: float) -> None:
            nonlocal score, months
            score, months = running, step + 1
            trial.report(running, step)
            if trial.should_prune():
                raise optuna.TrialPruned()

        try:
            walked = walk_score(
                plan.target, plan.features, plan.games, plan.seasons, settings, report
            )
            state, score = "complete", walked.score
            trial.set_user_attr("games", walked.games)
            return walked.score
        except optuna.TrialPruned:
            state = "pruned"
            raise
        finally:
            seconds = time.perf_counter() - started
            studies.end_trial_run(run_id, state, seconds, score, months)
            say(trial_line(plan.target, trial.number, state, score, months, seconds, values))

    return objective


def run_worker(
    plan: WorkerPlan,
    stop: StopEvent,
    handle_signals: bool = True,
    say: Callable[[str], None] = lambda line: print(line, flush=True),
) -> None:
    """Run ``plan.trials`` trials (fewer if ``stop`` is set or the timeout passes). With
    ``handle_signals`` (a worker process), SIGINT and SIGTERM set ``stop``."""
    import mlflow

    if handle_signals and threading.current_thread() is threading.main_thread():

        def request_stop(signum: int, frame: FrameType | None) -> None:
            stop.set()

        signal.signal(signal.SIGINT, request_stop)
        signal.signal(signal.SIGTERM, request_stop)
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    mlflow.set_tracking_uri(plan.tracking_uri)
    if stop.is_set():
        return
    study = optuna.load_study(
        study_name=plan.study_name,
        storage=plan.storage.open(),
        sampler=make_sampler(plan.seed),
        pruner=make_pruner(),
    )

    def stop_if_asked(study: optuna.Study, _trial: optuna.trial.FrozenTrial) -> None:
        if stop.is_set():
            study.stop()

    study.optimize(
        objective_of(plan, say),
        n_trials=plan.trials,
        timeout=plan.timeout,
        callbacks=[stop_if_asked],
    )
