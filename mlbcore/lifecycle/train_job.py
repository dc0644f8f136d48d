"""The training job behind `mlb train`, the training notebook, `mlb retrain` and the
scheduler: load the data, build features once, train every requested target, then log
each to MLflow with its charts.

All targets are trained before any run is logged, so bad input (a window too small for
one target) fails before anything is written; and every target is logged before any
champion moves, so a job promotes all its targets or none.
"""

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import cast

import polars as pl

from mlbcore import charts, tracking
from mlbcore.clock import require_positive_days
from mlbcore.data.snapshot import Snapshot
from mlbcore.data.source import load_data
from mlbcore.faults import pause_point
from mlbcore.feature_cache.cached_features import features_for
from mlbcore.feature_cache.store import CacheStats
from mlbcore.features.registry import FEATURE_SET_VERSION
from mlbcore.health import preflight
from mlbcore.lifecycle.held_out import held_out_measures
from mlbcore.masking import masked
from mlbcore.settings import Settings
from mlbcore.targets import Target
from mlbcore.training.as_of import as_of_training_window, known_results, training_set
from mlbcore.training.gate import gate_failures
from mlbcore.training.trainer import TrainingResult, train_target
from mlbcore.training.windows import in_window, resolve_window

Progress = Callable[[str], None]


@dataclass
class TrainedTarget:
    result: TrainingResult
    run_id: str
    version: int = 0  # its version in the model registry
    promoted: bool = False
    rejected_reasons: list[str] = field(default_factory=list)  # the promotion gate's


@dataclass
class TrainingRun:
    """What one training job produced."""

    data_source: str  # masked: fit to print
    data_version: str
    feature_set_version: str
    trained: list[TrainedTarget]
    seconds: dict[str, float] = field(default_factory=dict)
    notices: tuple[str, ...] = ()  # the data publishers' notices, shown wherever it is used
    experiment_id: str = ""


def _silent(_: str) -> None:
    pass


def train_models(
    settings: Settings,
    targets: list[Target],
    days: int | None = None,
    end_date: date | None = None,
    data: Path | str | None = None,
    progress: Progress = _silent,
    now: datetime | None = None,
    as_of: datetime | None = None,
    promote: bool = True,
    loaded: tuple[Snapshot, pl.DataFrame] | None = None,
    tags: dict[str, str] | None = None,
) -> TrainingRun:
    """Train ``targets`` and log them: on the ``days`` calendar days ending at
    ``end_date``, or, given ``as_of``, on the last ``days`` game dates whose results were
    known then. Each new version becomes its target's champion when ``promote`` and it
    passes the promotion gate; one that fails the gate is tagged ``rejected_reason``.

    ``now`` names the runs (default: the wall clock at the call, the one place it is read).
    ``loaded`` passes a snapshot and its features already in hand.
    """
    started_at = now or datetime.now(UTC)
    days = settings.training.training_window_days if days is None else days
    require_positive_days(days)
    preflight(settings)  # every store must answer before the training, not after it
    seconds: dict[str, float] = {}

    tick = time.perf_counter()
    progress("loading data")
    snapshot = loaded[0] if loaded else load_data(settings, data)
    if as_of is not None:
        window = as_of_training_window(snapshot.games, days, as_of)
    else:
        window = resolve_window(snapshot.games["date"], days, end_date)
    seconds["load"] = time.perf_counter() - tick

    tick = time.perf_counter()
    progress(f"building features as of first pitch - {settings.ml_cutoff_minutes} min")
    cache = CacheStats()
    features = loaded[1] if loaded else features_for(snapshot, settings, cache)
    for line in cache.lines():
        progress(line)
    seconds["features"] = time.perf_counter() - tick

    results = []
    for target in targets:
        tick = time.perf_counter()
        progress(f"training {target} on {window.start_date}..{window.end_date}")
        labelled = training_set(features, snapshot.games, target, window, as_of)
        result = train_target(
            target, labelled, window, settings.model_for(target), settings.training
        )
        # Logged with the run, so the train page's cards read a champion as they read a
        # new version: betting and degenerate flags on its own held-out test games.
        result.metrics |= held_out_measures(result, features, snapshot.odds_lines, settings)
        results.append(result)
        seconds[f"train_{target}"] = time.perf_counter() - tick

    tick = time.perf_counter()
    progress("logging to MLflow")
    # The store's database failing meanwhile (a server gone) is one line, exit 1.
    logging_failed = tracking.StoreFailures(
        settings.tracking_uri, "logging runs", "no champion moved"
    )
    with logging_failed:
        experiment_id = tracking.configure(settings)
    lineage = {
        # MLflow keeps where the data came from, never who read it or with what password.
        "data_source": masked(snapshot.source, drop_credentials=True),
        "data_version": snapshot.data_version,
        "games_source": snapshot.games_source,
        "feature_set_version": FEATURE_SET_VERSION,
        "ml_cutoff_minutes": settings.ml_cutoff_minutes,
        "cross_validation_folds": settings.training.cross_validation_folds,
        "test_size": settings.training.test_size,
        "cv_gap_days": settings.training.cv_gap_days,
    }
    # The instant the model's knowledge ends: as-of, else when its last result came in.
    known_until = as_of or cast(
        datetime,
        known_results(snapshot.games, None).filter(in_window(window))["result_known_at_utc"].max(),
    )
    lineage["trained_as_of_utc"] = known_until.isoformat()
    trained = []
    for result in results:
        with logging_failed:
            # Settings `mlb tune --apply` wrote say which study and trial chose them.
            tuned_by = settings.model_for(result.target).tuned_by
            run_tags = {**(tags or {}), **({"tuned_by": tuned_by} if tuned_by else {})}
            run_id, version = tracking.log_training_run(
                result,
                experiment_id,
                started_at,
                lineage,
                run_tags | test_dates_tags(result),
                training_figures(result),
            )
        failures = gate_failures(result.target, result.gate, settings.promotion)
        trained.append(TrainedTarget(result, run_id, version, promote and not failures, failures))
        progress(f"logged {result.target} as run {run_id}, version {version}")
        pause_point("target-logged")
    # Champions move only once every target is logged: a job promotes all its targets or,
    # failing or killed before this, none (tracking.promote_together finishes moves a kill
    # interrupts).
    with tracking.StoreFailures(
        settings.tracking_uri, "moving champions", "the next command completes or undoes them"
    ):
        for t in trained:
            if t.rejected_reasons:
                tracking.reject_challenger(
                    t.result.target, snapshot.games_source, t.version, "; ".join(t.rejected_reasons)
                )
        if promote:
            tracking.promote_together(
                experiment_id,
                snapshot.games_source,
                {t.result.target: t.version for t in trained if not t.rejected_reasons},
                "trained by mlb train",
            )
    seconds["mlflow"] = time.perf_counter() - tick
    return TrainingRun(
        data_source=masked(snapshot.source),
        data_version=snapshot.data_version,
        feature_set_version=FEATURE_SET_VERSION,
        trained=trained,
        seconds=seconds,
        notices=snapshot.notices,
        experiment_id=experiment_id,
    )


def test_dates_tags(result: TrainingResult) -> dict[str, str]:
    """The first and last held-out test dates, kept on the run: a card says which games
    its held-out numbers are from."""
    dates = result.test_predictions["date"]
    return {"test_start_date": str(dates.min()), "test_end_date": str(dates.max())}


def training_figures(result: TrainingResult) -> dict[str, bytes]:
    """The charts a training run keeps beside its model, as PNGs."""
    return {
        "importance": charts.to_png(charts.importance_chart(result.target, result.importance)),
        "calibration": charts.to_png(charts.calibration_chart(result.target, result.calibration)),
    }
