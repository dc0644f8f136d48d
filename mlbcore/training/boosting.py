"""LightGBM fits of a target model's parts: the parameters, the early-stopping loss of
raw scores (round 0 is the offset alone), a booster boosted from the market's offset,
one market-part fold, and the choice between the raw and the recalibrated offset."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import lightgbm as lgb
import numpy as np
import polars as pl

from mlbcore.errors import MlbError
from mlbcore.features.registry import MARKET_FREE_FEATURES
from mlbcore.settings import ModelConfig, TrainingConfig
from mlbcore.targets import Target
from mlbcore.training.market_offset import (
    BINARY,
    IDENTITY,
    POISSON,
    REGRESSION,
    OffsetCalibration,
    fit_offset_calibration,
    link,
    market_offset,
    objective_of,
)
from mlbcore.training.target_model import feature_matrix
from mlbcore.training.windows import date_folds

# Model config fields that are not LightGBM parameters (the objective goes in by its link).
NOT_LIGHTGBM = {"objective", "market_offset", "tuned_by"}
# LightGBM's early-stopping metric for each objective.
STOPPING_METRIC = {BINARY: "binary_logloss", REGRESSION: "l2", POISSON: "poisson"}


def lightgbm_params(
    target: Target, config: ModelConfig, training_config: TrainingConfig
) -> dict[str, Any]:
    """LightGBM's parameters for ``target``: the model config, the training seed, and the
    thread count always explicit (LightGBM's default takes every core)."""
    objective = objective_of(target, getattr(config, "objective", REGRESSION))
    params: dict[str, Any] = {
        "objective": objective,
        "metric": STOPPING_METRIC[objective],
        **config.model_dump(exclude=NOT_LIGHTGBM),
        "bagging_freq": 1 if config.bagging_fraction < 1 else 0,
        "seed": training_config.seed,
        "num_threads": training_config.num_threads,
        "deterministic": True,
        "force_col_wise": True,
        "verbosity": -1,
    }
    return params


def stopping_loss(objective: str, y: np.ndarray, raw: np.ndarray) -> float:
    """LightGBM's early-stopping metric of raw scores ``raw`` (offset plus trees): what it
    records per round, computed here for round 0, the offset alone."""
    predicted = link(raw, objective)
    if objective == BINARY:
        p = np.clip(predicted, 1e-15, 1 - 1e-15)
        return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))
    if objective == POISSON:
        mu = np.maximum(predicted, 1e-10)
        return float(np.mean(mu - y * np.log(mu)))
    return float(np.mean((predicted - y) ** 2))


def fit_booster(
    params: dict[str, Any],
    x: np.ndarray,
    y: np.ndarray,
    rounds: int,
    feature_names: tuple[str, ...],
    init_score: np.ndarray | None = None,
    valid: tuple[np.ndarray, np.ndarray, np.ndarray | None] | None = None,
    early_stopping_rounds: int = 0,
    evals: dict[str, Any] | None = None,
) -> lgb.Booster:
    """A booster; with ``init_score`` it boosts from that offset (LightGBM then skips
    boost_from_average), and the validation set carries its own offset, or early stopping
    would judge the trees without the market."""
    train_set = lgb.Dataset(
        x, y, feature_name=list(feature_names), init_score=init_score, free_raw_data=False
    )
    if valid is None:
        return lgb.train(params, train_set, num_boost_round=rounds)
    valid_set = lgb.Dataset(valid[0], valid[1], init_score=valid[2], reference=train_set)
    callbacks: list[Callable[..., None]] = [
        lgb.early_stopping(early_stopping_rounds, verbose=False)
    ]
    if evals is not None:
        callbacks.append(lgb.record_evaluation(evals))
    return lgb.train(
        params, train_set, num_boost_round=rounds, valid_sets=[valid_set], callbacks=callbacks
    )


@dataclass
class PartInputs:
    """A frame's games as the two parts see them."""

    x_market: np.ndarray
    x_free: np.ndarray
    y: np.ndarray
    offset: np.ndarray  # NaN where the market had no price (all NaN without the market)
    priced: np.ndarray
    market_features: tuple[str, ...]
    free_features: tuple[str, ...]

    @classmethod
    def of(
        cls, target: Target, frame: pl.DataFrame, objective: str,
        feature_names: tuple[str, ...], use_market: bool,
    ) -> "PartInputs":  # fmt: skip
        free = tuple(n for n in feature_names if n in MARKET_FREE_FEATURES)
        offset = (
            market_offset(frame, target, objective) if use_market else np.full(frame.height, np.nan)
        )
        return cls(
            feature_matrix(frame, feature_names), feature_matrix(frame, free),
            frame["label"].to_numpy().astype(np.float64), offset, np.isfinite(offset),
            feature_names, free,
        )  # fmt: skip


def market_fold(
    params: dict[str, Any], inputs: PartInputs, offset: np.ndarray, fit: np.ndarray,
    stop: np.ndarray, training_config: TrainingConfig,
) -> tuple[lgb.Booster | None, int]:  # fmt: skip
    """The market part on one fold: boosted from ``offset`` on ``fit``, each round (and
    round 0, the offset alone) scored on ``stop``; the best round count may be 0."""
    if fit.size == 0 or stop.size == 0:
        return None, 0
    evals: dict[str, Any] = {}
    x, y = inputs.x_market, inputs.y
    booster = fit_booster(
        params, x[fit], y[fit], training_config.max_boost_rounds, inputs.market_features,
        init_score=offset[fit], valid=(x[stop], y[stop], offset[stop]),
        early_stopping_rounds=training_config.early_stopping_rounds, evals=evals,
    )  # fmt: skip
    per_round = next(iter(evals["valid_0"].values()))
    losses = [stopping_loss(params["objective"], y[stop], offset[stop]), *per_round]
    return booster, int(np.argmin(losses))  # the first minimum: fewer rounds on a tie


def recalibrates_offset(
    objective: str,
    inputs: PartInputs,
    dates: pl.Series,
    training_config: TrainingConfig,
    choice: str,
) -> bool:
    """Whether the market part boosts from the recalibrated offset: as configured, or
    with ``"cv"`` when time-series CV over the *priced* games' dates scores the offset
    recalibrated on each fold's training dates better than the raw offset (mean stopping
    loss over the folds, round 0), the way CV chooses the rounds. The raw market on a
    tie, or with too few priced dates to fold.

    Folding the priced dates alone, not the window's, gives every fold a market to judge,
    where the window reaches back to seasons the market never priced."""
    if choice != "cv":
        return choice == "recalibrated"
    priced = np.flatnonzero(inputs.priced)
    try:
        folds = date_folds(
            dates.gather(priced),
            training_config.cross_validation_folds,
            training_config.cv_gap_days,
        )
    except MlbError:  # too few priced dates to judge: the market as it is
        return False
    raw_losses, recalibrated_losses = [], []
    for fold_train, fold_valid in folds:
        train, valid = priced[fold_train], priced[fold_valid]
        calibration = fit_offset_calibration(objective, inputs.offset[train], inputs.y[train])
        if calibration.is_identity:
            continue
        y, offset = inputs.y[valid], inputs.offset[valid]
        raw_losses.append(stopping_loss(objective, y, offset))
        recalibrated_losses.append(stopping_loss(objective, y, calibration.apply(offset)))
    return bool(raw_losses) and float(np.mean(recalibrated_losses)) < float(np.mean(raw_losses))


def offset_calibration(
    objective: str, inputs: PartInputs, rows: np.ndarray, recalibrate: bool
) -> OffsetCalibration:
    """The calibration of the offset fitted on ``rows`` (their priced games), or the
    identity when the market part boosts from the market as it is."""
    if not recalibrate:
        return IDENTITY
    return fit_offset_calibration(objective, inputs.offset[rows], inputs.y[rows])
