"""`mlb tune`: open (or create) the study, run its trials in ``jobs`` worker processes
against the shared storage, and say the best trial against the current settings on the
same walk-forward score.

The data and features are built once here and handed to the workers. Ctrl-C or SIGTERM
sets a shared stop event: every worker finishes the trial in hand, no MLflow run is left
RUNNING, and the best so far is reported; running the same command again resumes."""

import os
import signal
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import optuna
import polars as pl

from mlbcore import tracking
from mlbcore.data.source import load_data
from mlbcore.errors import MlbError
from mlbcore.feature_cache.cached_features import features_for
from mlbcore.feature_cache.store import CacheStats
from mlbcore.parallel import threads_per_task
from mlbcore.settings import Settings
from mlbcore.targets import Target
from mlbcore.tracking import studies
from mlbcore.tuning.history import parameter_importances, trials_frame
from mlbcore.tuning.objective import TuningSeasons, tuning_seasons
from mlbcore.tuning.space import current_values, tuned_names
from mlbcore.tuning.storage import (
    StudyIdentity,
    chosen_storage,
    default_study_name,
    journal_storage,
    open_study,
)
from mlbcore.tuning.workers import StopEvent, WorkerPlan, run_worker

Progress = Callable[[str], None]


@dataclass(frozen=True)
class TuneRequest:
    target: Target
    trials: int = 20
    timeout: float | None = None
    jobs: int = 1
    storage: str | None = None
    study: str | None = None
    data: Path | str | None = None
    seasons: Sequence[int] | None = None
    allow_scored_seasons: bool = False


@dataclass
class TrialSummary:
    number: int
    score: float
    params: dict[str, Any]


@dataclass
class TuneOutcome:
    """What a tuning invocation did: the study, its best trial and the current settings'
    trial (trial 0 of a new study) on the same score, the trials by state (the whole
    study's), and whether a signal stopped it (its number, else 0)."""

    study: str
    storage: str  # masked
    target: Target
    seasons: TuningSeasons
    data_version: str
    best: TrialSummary | None
    current: TrialSummary | None
    states: dict[str, int]
    added: int  # trials added to the study meanwhile (by this invocation or another)
    seconds: float
    signal: int = 0
    parent_run_id: str = ""
    notes: list[str] = field(default_factory=list)
    trials: pl.DataFrame = field(default_factory=pl.DataFrame)  # ``history.trials_frame``
    importances: dict[str, float] = field(default_factory=dict)


def _quiet(_: str) -> None:
    pass


def validate(request: TuneRequest) -> None:
    if request.trials < 1:
        raise MlbError(f"--trials must be at least 1, got {request.trials}")
    if request.jobs < 1:
        raise MlbError(f"--jobs must be at least 1, got {request.jobs}")
    if request.timeout is not None and request.timeout <= 0:
        raise MlbError(f"--timeout must be a positive number of seconds, got {request.timeout}")


def shares(trials: int, jobs: int) -> list[int]:
    """``trials`` split over at most ``jobs`` workers, none empty: the counts add up."""
    return [n for i in range(jobs) if (n := trials // jobs + (1 if i < trials % jobs else 0))]


def tune(
    settings: Settings,
    request: TuneRequest,
    progress: Progress = _quiet,
    say: Progress = lambda line: print(line, flush=True),
) -> TuneOutcome:
    """Run ``request.trials`` more trials of the study (``request.jobs`` processes) and
    return its outcome. Bad input (a target, storage or study that does not fit) fails
    with one ``MlbError`` before anything runs."""
    validate(request)
    optuna.logging.set_verbosity(optuna.logging.WARNING)  # the progress lines say it all
    started = time.perf_counter()
    target = request.target
    chosen = chosen_storage(settings, request.storage)  # PostgreSQL down: now, not later
    progress("loading data")
    snapshot = load_data(settings, request.data)
    progress(f"building features as of first pitch - {settings.ml_cutoff_minutes} min")
    features = features_for(snapshot, settings, CacheStats())
    seasons = tuning_seasons(
        features, snapshot.games, target, request.seasons,
        real_games=snapshot.games_source != "demo",
        allow_scored=request.allow_scored_seasons,
    )  # fmt: skip
    searched = tuned_names(target, seasons.priced)
    name = request.study or default_study_name(target, snapshot.data_version)
    storage = chosen or journal_storage(settings, name)
    identity = StudyIdentity(target.value, snapshot.data_version, seasons.seasons, searched)
    current = current_values(settings.model_for(target), searched)
    study, created = open_study(storage, name, identity, current)
    notes = [] if seasons.priced else [
        "the market priced no game of the tuning seasons: market_offset is not searched"
    ]  # fmt: skip
    with tracking.StoreFailures(settings.tracking_uri, "starting the study's run", "no trial ran"):
        experiment_id = tracking.configure(settings)
        parent = studies.start_study_run(
            experiment_id,
            name,
            {
                "target": target.value,
                "data_version": snapshot.data_version,
                "study_storage": storage.shown,
                "tuning_seasons": ",".join(map(str, seasons.seasons)),
            },
        )
    done_before = _started_trials(study)
    jobs = shares(request.trials, request.jobs)
    say(
        f"study {name} ({'new' if created else f'{done_before} trials so far'}) in "
        f"{storage.shown}: {target} walked forward month by month through "
        f"{', '.join(map(str, seasons.seasons))} ({seasons.why}); {request.trials} trial(s) "
        f"on {len(jobs)} process(es)"
    )
    threads = threads_per_task(len(jobs), settings.training.num_threads)
    plans = [
        WorkerPlan(
            storage,
            name,
            target,
            seasons.seasons,
            searched,
            settings,
            features,
            snapshot.games,
            n,
            request.timeout,
            threads,
            # Each worker its own seed (the same seed would draw the same first points);
            # a process joining a study started elsewhere mixes in its pid.
            settings.training.seed + i + (0 if created else os.getpid() * 100),
            settings.tracking_uri,
            experiment_id,
            parent,
        )
        for i, n in enumerate(jobs)
    ]
    stopped = 0
    try:
        stopped = _run_workers(plans, say)
    finally:
        study = optuna.load_study(study_name=name, storage=storage.open())
        best = best_trial(study)
        studies.end_study_run(
            parent, None if best is None else best.__dict__, interrupted=bool(stopped)
        )
    return TuneOutcome(
        name, storage.shown, target, seasons, snapshot.data_version, best,
        current_trial(study), trial_states(study), _started_trials(study) - done_before,
        time.perf_counter() - started, stopped, parent, notes, trials_frame(study),
        parameter_importances(study),
    )  # fmt: skip


@contextmanager
def _stop_on_signals(stop: StopEvent, received: list[int]) -> Iterator[None]:
    """SIGINT and SIGTERM set ``stop`` (and are remembered) while the block runs; the
    handlers before are restored after. Only the main thread can take signals."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def request_stop(signum: int, _frame: object) -> None:
        received.append(signum)
        stop.set()

    before = {s: signal.signal(s, request_stop) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for number, handler in before.items():
            signal.signal(number, handler)


def _run_workers(plans: list[WorkerPlan], say: Progress) -> int:
    """Run the workers (one in this process, more as spawned processes); the signal that
    stopped them, or 0."""
    import multiprocessing

    context = multiprocessing.get_context("spawn")  # a forked OpenMP runtime can hang
    stop = context.Event()
    received: list[int] = []
    with _stop_on_signals(stop, received):
        if len(plans) == 1:
            run_worker(plans[0], stop, handle_signals=False, say=say)
            return received[0] if received else 0
        processes = [context.Process(target=run_worker, args=(plan, stop)) for plan in plans]
        for process in processes:
            process.start()
        for process in processes:
            process.join()
    failed = [p.exitcode for p in processes if p.exitcode]
    if failed and not received:
        raise MlbError(
            f"{len(failed)} tuning worker(s) failed (exit code {failed[0]}); their trials "
            "are marked failed in the study, the others' are kept"
        )
    return received[0] if received else 0


def best_trial(study: optuna.Study) -> TrialSummary | None:
    complete = study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.COMPLETE,))
    if not complete:
        return None
    best = min(complete, key=lambda t: (float(t.value or 0.0), t.number))
    return TrialSummary(best.number, float(best.value or 0.0), dict(best.params))


def current_trial(study: optuna.Study) -> TrialSummary | None:
    """The trial of the settings current when the study was created, if it completed."""
    for trial in study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.COMPLETE,)):
        if trial.user_attrs.get("current_settings"):
            return TrialSummary(trial.number, float(trial.value or 0.0), dict(trial.params))
    return None


def _started_trials(study: optuna.Study) -> int:
    """Trials some worker has taken (an enqueued trial waits until one does)."""
    waiting = study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.WAITING,))
    return len(study.trials) - len(waiting)


def trial_states(study: optuna.Study) -> dict[str, int]:
    counts: dict[str, int] = {}
    for trial in study.get_trials(deepcopy=False):
        counts[trial.state.name.lower()] = counts.get(trial.state.name.lower(), 0) + 1
    return counts
