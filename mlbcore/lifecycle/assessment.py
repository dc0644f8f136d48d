"""Measuring a champion at an as-of instant, and a challenger against it, from frames and
target models: the same code serves `mlb retrain` (models from MLflow) and the replay (models
in memory).

``known`` frames are a target's labelled games with ``result_known_at_utc``, already cut
to the results known at the as-of instant.
"""

from datetime import date, datetime, timedelta

import polars as pl

from mlbcore.evaluation.drift import distribution_drift, recent_features, verdict
from mlbcore.evaluation.source_change import missingness_changes, window_source_change
from mlbcore.features.registry import FEATURE_NAMES
from mlbcore.lifecycle.decisions import ChampionCheck, Comparison
from mlbcore.settings import RetrainingConfig
from mlbcore.targets import PRIMARY_METRIC, Target
from mlbcore.training import bootstrap
from mlbcore.training.metrics import primary_score
from mlbcore.training.target_model import TargetModel


def primary_metric(target: Target, model: TargetModel, frame: pl.DataFrame) -> float:
    return primary_score(target, frame["label"].to_numpy(), model.predict(frame))


def unseen_recent(
    known: pl.DataFrame, as_of: datetime, days: int, trained_as_of: datetime
) -> pl.DataFrame:
    """Games of the sliding window (first pitch in the ``days`` before ``as_of``) whose
    results came in after the model was trained, so it never saw them."""
    return known.filter(
        (pl.col("first_pitch_utc") > as_of - timedelta(days=days))
        & (pl.col("result_known_at_utc") > trained_as_of)
    )


def distribution_verdict(
    features: pl.DataFrame,
    training_dates: tuple[date, date],
    recent: pl.DataFrame,
    policy: RetrainingConfig,
    odds_lines: pl.DataFrame | None = None,
) -> tuple[str, tuple[str, ...], tuple[str, ...]]:
    """The drift page's verdict on the champion's training window against the recent
    window (KS tests corrected by Benjamini-Hochberg; "data source changed"; "too few
    games" below the minimum), its drift reasons (judged features only), and the changes
    of data source apart: feeds appearing or gone, and, with ``odds_lines``, the books
    that priced the games. Importance drift is left out: it describes the last
    promotion, not new data."""
    training = features.filter(pl.col("date").is_between(*training_dates))
    names = list(FEATURE_NAMES)
    source = (
        window_source_change(training, recent, names, odds_lines)
        if odds_lines is not None
        else missingness_changes(training, recent, names)
    )
    table = distribution_drift(training, recent, names, policy.drift_fdr, source.features)
    word, reasons = verdict(None, table, recent.height, policy, source.reasons)
    drift_reasons = [r for r in reasons if r not in source.reasons]
    return word, tuple(drift_reasons), tuple(source.reasons)


def champion_check(
    target: Target,
    known: pl.DataFrame,
    features: pl.DataFrame,
    model: TargetModel,
    trained_as_of: datetime,
    metric_at_training: float,
    training_dates: tuple[date, date],
    as_of: datetime,
    policy: RetrainingConfig,
    last_trained_as_of: datetime | None = None,
    odds_lines: pl.DataFrame | None = None,
) -> ChampionCheck:
    """``last_trained_as_of``: when the newest model (a rejected challenger, say) was
    trained; new samples count from then, so a lost challenger is not retrained the next
    day on nearly the same games. ``odds_lines``: the snapshot's, to see a change of the
    books that priced the games (without them only feeds appearing or gone are seen)."""
    days = policy.sliding_window_days
    since = max(trained_as_of, last_trained_as_of or trained_as_of)
    window = unseen_recent(known, as_of, days, trained_as_of)
    drift_word, drift_reasons, source_reasons = (
        distribution_verdict(
            features, training_dates, recent_features(features, as_of, days), policy, odds_lines
        )
        if policy.retrain_on_drift or policy.retrain_on_source_change
        else (None, (), ())
    )
    return ChampionCheck(
        metric_name=PRIMARY_METRIC[target],
        metric_at_training=metric_at_training,
        new_samples=known.filter(pl.col("result_known_at_utc") > since).height,
        age_hours=(as_of - trained_as_of).total_seconds() / 3600,
        window_games=window.height,
        window_metric=primary_metric(target, model, window) if window.height else None,
        drift_verdict=drift_word,
        drift_reasons=drift_reasons,
        source_reasons=source_reasons,
    )


def comparison_games(
    known: pl.DataFrame, champion_trained_as_of: datetime, fitted_as_of: datetime
) -> pl.DataFrame:
    """Games neither model saw and that did not trigger the challenger: first pitch after
    the instant the challenger was fitted as of (so after every game of the window that
    triggered it), results in after the champion was trained."""
    return known.filter(
        (pl.col("first_pitch_utc") > fitted_as_of)
        & (pl.col("result_known_at_utc") > champion_trained_as_of)
    )


def compare(
    target: Target,
    known: pl.DataFrame,
    champion: TargetModel,
    champion_trained_as_of: datetime,
    challenger: TargetModel,
    fitted_as_of: datetime,
) -> Comparison:
    """Both models on the comparison games (``comparison_games``), with the paired
    date-block bootstrap interval of challenger minus champion on the primary metric."""
    metric = PRIMARY_METRIC[target]
    games = comparison_games(known, champion_trained_as_of, fitted_as_of)
    if games.is_empty():
        return Comparison(metric, 0, None, None)
    champion_predicted, challenger_predicted = champion.predict(games), challenger.predict(games)
    labels = games["label"].to_numpy()
    return Comparison(
        metric,
        games.height,
        primary_score(target, labels, champion_predicted),
        primary_score(target, labels, challenger_predicted),
        bootstrap.compare(metric, games["date"], labels, challenger_predicted, champion_predicted),
    )
