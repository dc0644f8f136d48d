"""Time-series CV over a window's training dates chooses each part's rounds (and the
offset), then both parts are fitted on every row with them."""

from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl

from mlbcore.features.registry import FEATURE_NAMES
from mlbcore.settings import TrainingConfig
from mlbcore.targets import PRIMARY_METRIC, Target
from mlbcore.training.boosting import (
    PartInputs,
    fit_booster,
    market_fold,
    offset_calibration,
    recalibrates_offset,
)
from mlbcore.training.market_offset import (
    link,
)
from mlbcore.training.metrics import primary_score, score
from mlbcore.training.target_model import TargetModel
from mlbcore.training.windows import chronological_split, date_folds


@dataclass
class FoldChoice:
    """What the folds chose for each part (the median of their rounds, and whether the
    market part boosts from the recalibrated offset), their scores of the combined
    predictions, and notes."""

    market_rounds: int
    market_free_rounds: int
    recalibrate: bool
    fold_scores: list[dict[str, float]]
    notes: list[str]


@dataclass
class CrossValidated:
    """A target model fitted on every row given, with the rounds the folds chose for
    each part, each fold's scores of the combined predictions, and notes."""

    model: TargetModel
    fold_scores: list[dict[str, float]]
    notes: list[str]


def cross_validated_fit(
    target: Target,
    frame: pl.DataFrame,
    params: dict[str, Any],
    training_config: TrainingConfig,
    feature_names: tuple[str, ...] = FEATURE_NAMES,
    fold_metrics: bool = True,
    use_market: bool = True,
    market_offset_choice: str = "cv",
) -> CrossValidated:
    """``cross_validate``, then a fit on every row of ``frame`` with what it chose."""
    choice = cross_validate(
        target, frame, params, training_config, feature_names, fold_metrics, use_market,
        market_offset_choice,
    )  # fmt: skip
    model = fit_target_model(
        target, frame, params, feature_names, choice.market_rounds, choice.market_free_rounds,
        use_market, choice.recalibrate,
    )  # fmt: skip
    return CrossValidated(model, choice.fold_scores, choice.notes)


def cross_validate(
    target: Target,
    frame: pl.DataFrame,
    params: dict[str, Any],
    training_config: TrainingConfig,
    feature_names: tuple[str, ...] = FEATURE_NAMES,
    fold_metrics: bool = True,
    use_market: bool = True,
    market_offset_choice: str = "cv",
) -> FoldChoice:
    """Time-series CV over ``frame``'s dates (sorted): for each part, the median number
    of rounds the folds chose. The folds score the combined
    model (priced games by the market part, the others by the market-free part): every
    metric, or with ``fold_metrics`` off the primary one (the model is the same).

    The market part learns from the priced games only; below
    ``training_config.min_training_games`` of them it is the market itself (0 rounds).
    Whether it boosts from the recalibrated offset is ``market_offset_choice``
    ("market", "recalibrated", or "cv": ``recalibrates_offset``); each fold recalibrates
    on its own fitting dates, so no fold's validation dates shape its offset."""
    objective = params["objective"]
    inputs = PartInputs.of(target, frame, objective, feature_names, use_market)
    dates = frame["date"]
    notes = []
    priced_games = int(inputs.priced.sum())
    boost_market = use_market and priced_games >= training_config.min_training_games
    if use_market and not boost_market:
        notes.append(
            f"the market part is the market itself: {priced_games} priced training games, "
            f"boosting from the market needs {training_config.min_training_games}"
        )
    folds = date_folds(dates, training_config.cross_validation_folds, training_config.cv_gap_days)
    recalibrate = use_market and recalibrates_offset(
        objective, inputs, dates, training_config, market_offset_choice
    )
    fold_scores, free_rounds, market_rounds = [], [], []
    for fold_train, fold_valid in folds:
        # Early stopping watches the last dates of the fold's own training part, so the
        # fold's validation dates score a model that never looked at them.
        fit_rows, stop_rows = chronological_split(
            dates.gather(fold_train), training_config.test_size
        )
        fit, stop = fold_train[fit_rows], fold_train[stop_rows]
        free = fit_booster(
            params, inputs.x_free[fit], inputs.y[fit], training_config.max_boost_rounds,
            inputs.free_features, valid=(inputs.x_free[stop], inputs.y[stop], None),
            early_stopping_rounds=training_config.early_stopping_rounds,
        )  # fmt: skip
        free_rounds.append(max(1, free.best_iteration))
        predicted = np.asarray(free.predict(
            inputs.x_free[fold_valid], num_iteration=free.best_iteration,
            num_threads=params["num_threads"],
        ))  # fmt: skip
        offset = offset_calibration(objective, inputs, fit, recalibrate).apply(inputs.offset)
        booster, rounds = None, 0
        if boost_market:
            booster, rounds = market_fold(
                params, inputs, offset, fit[inputs.priced[fit]], stop[inputs.priced[stop]],
                training_config,
            )  # fmt: skip
            market_rounds.append(rounds)
        valid_priced = inputs.priced[fold_valid]
        if valid_priced.any():
            rows = fold_valid[valid_priced]
            raw = offset[rows]
            if booster is not None and rounds > 0:
                raw = raw + booster.predict(
                    inputs.x_market[rows], num_iteration=rounds, raw_score=True,
                    num_threads=params["num_threads"],
                )  # fmt: skip
            predicted[valid_priced] = link(raw, objective)
        y_valid = inputs.y[fold_valid]
        fold_scores.append(
            score(target, y_valid, predicted)
            if fold_metrics
            else {PRIMARY_METRIC[target]: primary_score(target, y_valid, predicted)}
        )
    return FoldChoice(
        market_rounds=int(np.median(market_rounds)) if market_rounds else 0,
        market_free_rounds=int(np.median(free_rounds)),
        recalibrate=recalibrate,
        fold_scores=fold_scores,
        notes=notes,
    )


def fit_target_model(
    target: Target,
    frame: pl.DataFrame,
    params: dict[str, Any],
    feature_names: tuple[str, ...],
    market_rounds: int,
    market_free_rounds: int,
    use_market: bool = True,
    recalibrate: bool = False,
) -> TargetModel:
    """Both parts fitted on every row of ``frame`` with the given rounds (the market part
    on its priced rows, from their offset, recalibrated on them when ``recalibrate``;
    no trees when ``market_rounds`` is 0)."""
    objective = params["objective"]
    inputs = PartInputs.of(target, frame, objective, feature_names, use_market)
    free = fit_booster(params, inputs.x_free, inputs.y, market_free_rounds, inputs.free_features)
    calibration = offset_calibration(
        objective, inputs, np.arange(frame.height), use_market and recalibrate
    )
    market = None
    if use_market and market_rounds > 0:
        priced = inputs.priced
        market = fit_booster(
            params, inputs.x_market[priced], inputs.y[priced], market_rounds, feature_names,
            init_score=calibration.apply(inputs.offset[priced]),
        )  # fmt: skip
    return TargetModel(
        target=target,
        objective=objective,
        market_free=free,
        market_free_features=inputs.free_features,
        market_free_rounds=market_free_rounds,
        market=market,
        market_features=feature_names,
        market_rounds=market_rounds if use_market else 0,
        uses_market=use_market,
        offset_calibration=calibration,
        num_threads=params["num_threads"],
    )
