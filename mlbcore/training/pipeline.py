"""The training job behind `mlb train` and the training notebook: load a snapshot, build
features once, train every requested target, then log each to MLflow.

All targets are trained before any run is logged, so bad input (a window too small for
one target) fails before anything is written; and every target is logged before any
champion moves, so a job promotes all its targets or none.
"""

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

import polars as pl

from mlbcore.data.snapshot import Snapshot, load_snapshot
from mlbcore.faults import pause_point
from mlbcore.features.build import build_features
from mlbcore.features.registry import FEATURE_SET_VERSION
from mlbcore.features.timing import result_known_at_utc
from mlbcore.health import preflight
from mlbcore.masking import masked
from mlbcore.settings import Settings
from mlbcore.store.cached_features import build_features_cached
from mlbcore.store.feature_cache import CacheKeyUnavailable, CacheStats, cache_secret
from mlbcore.targets import Target
from mlbcore.training.gate import gate_failures
from mlbcore.training.labels import labelled_games
from mlbcore.training.trainer import Challenger, TrainingResult, fit_challenger, train_target
from mlbcore.training.windows import (
    Window,
    as_of_window,
    in_window,
    require_positive_days,
    resolve_window,
)

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


def _data_location(settings: Settings, data: Path | str | None) -> tuple[str | None, Path]:
    """Where ``data`` lives: a PostgreSQL URL (``data`` itself, or the ``DATABASE_*``
    settings when ``data`` is None), else a snapshot folder (``data`` or ``MLB_DATA``)."""
    from mlbcore.db.connection import database_url, is_database_url

    url = str(data) if is_database_url(data) else None
    if data is None:
        url = database_url(settings)
    return url, Path(data) if data is not None else settings.mlb_data


def load_data(settings: Settings, data: Path | str | None = None) -> Snapshot:
    """The games, lines and splits from ``data``: a snapshot folder or a PostgreSQL URL;
    without it, PostgreSQL when the ``DATABASE_*`` settings name one, else ``MLB_DATA``."""
    url, folder = _data_location(settings, data)
    if url:
        from mlbcore.db.jobs import read_database

        return read_database(settings, url)
    return load_snapshot(folder)


def data_games_source(settings: Settings, data: Path | str | None = None) -> str:
    """Whose games ``data`` (as ``load_data`` reads it) holds, without loading the tables:
    what `mlb status` and the notebooks need to find the right champions."""
    from mlbcore.data.snapshot import games_source, read_manifest

    url, folder = _data_location(settings, data)
    if url:
        from mlbcore.db.jobs import read_notices

        return games_source(read_notices(settings, url))
    notices = read_manifest(folder).get("notices", [])
    return games_source([str(n) for n in notices])  # type: ignore[union-attr]


def features_for(
    snapshot: Snapshot, settings: Settings, stats: CacheStats | None = None
) -> pl.DataFrame:
    """Every game's features (lineup features as ``FEATURES__LINEUPS`` says), through the
    Redis cache when ``REDIS_URL`` is set and ``use_cached_features`` is on (hits and
    misses counted in ``stats``). Without a signing key the cache is skipped, with a
    warning."""
    lineups = settings.features.lineups
    stats = stats if stats is not None else CacheStats()
    if settings.redis_url and settings.training.use_cached_features:
        try:
            secret = cache_secret(settings)
        except CacheKeyUnavailable as error:
            stats.warnings.append(f"feature cache off: {error}")
        else:
            return build_features_cached(
                snapshot,
                settings.ml_cutoff_minutes,
                settings.market_book,
                settings.redis_url,
                settings.feature_cache_ttl_seconds,
                stats,
                secret=secret,
                lineups=lineups,
            )
    return build_features(
        snapshot, settings.ml_cutoff_minutes, settings.market_book, lineups=lineups
    )


def known_results(games: pl.DataFrame, as_of: datetime | None) -> pl.DataFrame:
    """``game_id``, ``date`` and ``result_known_at_utc`` of the games whose results were
    known at ``as_of`` (every game when it is None)."""
    known = games.select("game_id", "date", result_known_at_utc())
    return known if as_of is None else known.filter(pl.col("result_known_at_utc") <= as_of)


def known_labelled(
    features: pl.DataFrame, games: pl.DataFrame, target: Target, as_of: datetime | None
) -> pl.DataFrame:
    """The target's labelled games whose results were known at ``as_of`` (all when None),
    with ``result_known_at_utc``."""
    known = known_results(games, as_of).select("game_id", "result_known_at_utc")
    return labelled_games(features.join(known, on="game_id"), games, target)


def as_of_training_window(games: pl.DataFrame, days: int, as_of: datetime) -> Window:
    """The last ``days`` game dates whose results were known at ``as_of``."""
    return as_of_window(known_results(games, as_of)["date"], days, f"{as_of:%Y-%m-%d %H:%M} UTC")


def challenger_as_of(
    settings: Settings,
    target: Target,
    features: pl.DataFrame,
    games: pl.DataFrame,
    as_of: datetime,
) -> tuple[Window, Challenger]:
    """A model fitted (not logged) as ``mlb train --as-of`` would fit it, for the replay
    and for drift against a model that has no earlier version."""
    window = as_of_training_window(games, settings.training.training_window_days, as_of)
    labelled = training_set(features, games, target, window, as_of)
    return window, fit_challenger(
        target, labelled, window, settings.model_for(target), settings.training
    )


def training_set(
    features: pl.DataFrame,
    games: pl.DataFrame,
    target: Target,
    window: Window,
    as_of: datetime | None,
) -> pl.DataFrame:
    """The target's labelled games inside ``window`` whose results were known at ``as_of``."""
    known = known_results(games, as_of).select("game_id")
    return labelled_games(
        features.filter(in_window(window)).join(known, on="game_id", how="semi"), games, target
    )


def data_and_features(
    settings: Settings,
    data: Path | str | None,
    loaded: tuple[Snapshot, pl.DataFrame] | None = None,
) -> tuple[Snapshot, pl.DataFrame]:
    """``loaded`` when a caller already has the data and its features (a report runs
    several jobs on them), else both read now."""
    if loaded is not None:
        return loaded
    snapshot = load_data(settings, data)
    return snapshot, features_for(snapshot, settings)


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
    for warning in cache.warnings:
        progress(f"warning: {warning}")
    if cache.hits or cache.misses:
        rejected = (
            f" ({cache.rejected} rejected: unsigned, wrongly signed or not valid rows)"
            if cache.rejected
            else ""
        )
        progress(f"feature cache: {cache.hits} hits, {cache.misses} misses{rejected}")
    seconds["features"] = time.perf_counter() - tick

    results = []
    for target in targets:
        tick = time.perf_counter()
        progress(f"training {target} on {window.start_date}..{window.end_date}")
        labelled = training_set(features, snapshot.games, target, window, as_of)
        results.append(
            train_target(target, labelled, window, settings.model_for(target), settings.training)
        )
        seconds[f"train_{target}"] = time.perf_counter() - tick

    from mlbcore import tracking

    tick = time.perf_counter()
    progress("logging to MLflow")
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
    known_until = (
        as_of
        or known_results(snapshot.games, None)
        .filter(in_window(window))["result_known_at_utc"]
        .max()
    )
    lineage["trained_as_of_utc"] = known_until.isoformat()  # type: ignore[union-attr]
    trained = []
    for result in results:
        run_id, version = tracking.log_training_run(
            result, experiment_id, started_at, lineage, tags
        )
        failures = gate_failures(result.target, result.gate, settings.promotion)
        trained.append(TrainedTarget(result, run_id, version, promote and not failures, failures))
        progress(f"logged {result.target} as run {run_id}, version {version}")
        pause_point("target-logged")
    # Champions move only once every target is logged: a job promotes all its targets or,
    # failing or killed before this, none (tracking.promote_together finishes moves a kill
    # interrupts).
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
