"""A target fitted on its window's training dates and scored on the last dates it held
out (the estimate), plus the same configuration refitted on the whole window (what is
shipped); the challenger is that fit without the report."""

from dataclasses import dataclass

import numpy as np
import polars as pl
from threadpoolctl import threadpool_limits

from mlbcore.errors import MlbError
from mlbcore.features.registry import FEATURE_NAMES
from mlbcore.settings import ModelConfig, TrainingConfig
from mlbcore.targets import Target
from mlbcore.training.boosting import lightgbm_params
from mlbcore.training.cross_validation import cross_validated_fit, fit_target_model
from mlbcore.training.gate import GateScores, gate_scores
from mlbcore.training.target_model import TargetModel
from mlbcore.training.windows import Window, chronological_split


@dataclass
class Fit:
    """A model fitted on a window's training dates (scored on the rows it held out), and
    the same configuration refitted on every row of the window: what is shipped."""

    model: TargetModel  # training dates only: the test rows score this one
    shipped: TargetModel  # the whole window, the CV-chosen rounds: registered and used
    fold_scores: list[dict[str, float]]
    train_rows: np.ndarray
    test_rows: np.ndarray
    predicted_test: np.ndarray  # the held-out fit's predictions of the test rows
    gate: GateScores
    notes: list[str]


def fit(
    target: Target,
    labelled: pl.DataFrame,
    window: Window,
    model_config: ModelConfig,
    training_config: TrainingConfig,
    fold_metrics: bool = True,
    feature_names: tuple[str, ...] = FEATURE_NAMES,
    use_market: bool = True,
) -> Fit:
    """Split off the window's last dates as the test set, then CV-fit on the rest.

    ``labelled`` holds features, ``label`` and ``market_prediction`` for games inside the
    window, sorted by first pitch. ``feature_names`` are the market part's inputs (the
    market-free part takes those of them from schedule and results); ``use_market`` off
    leaves only the market-free part (the quality bench's market-free variant).

    OpenMP and BLAS (scikit-learn's offset calibrations) run ``training_config.num_threads``
    threads meanwhile, as LightGBM does: their default, every core, spins under load.
    """
    with threadpool_limits(limits=training_config.num_threads):
        return _fit_split(
            target, labelled, window, model_config, training_config, fold_metrics,
            feature_names, use_market,
        )  # fmt: skip


def _fit_split(
    target: Target,
    labelled: pl.DataFrame,
    window: Window,
    model_config: ModelConfig,
    training_config: TrainingConfig,
    fold_metrics: bool,
    feature_names: tuple[str, ...],
    use_market: bool,
) -> Fit:
    found, needed = labelled.height, training_config.min_training_games
    if found < needed:
        raise MlbError(
            f"{target}: the window {window.start_date}..{window.end_date} has {found} "
            f"labelled games; training needs at least {needed} (widen --days)"
        )
    params = lightgbm_params(target, model_config, training_config)
    train_rows, test_rows = chronological_split(labelled["date"], training_config.test_size)
    train = labelled[train_rows]
    # The final model never sees the test rows, not even for early stopping.
    validated = cross_validated_fit(
        target, train, params, training_config, feature_names, fold_metrics, use_market,
        model_config.market_offset,
    )  # fmt: skip
    held_out = validated.model
    # The test rows are the most recent information: once they have given the estimate,
    # the shipped model learns from them too, with the rounds and offset CV chose (the
    # recalibration refitted on the whole window).
    shipped = fit_target_model(
        target, labelled, params, feature_names, held_out.market_rounds,
        held_out.market_free_rounds, use_market,
        recalibrate=not held_out.offset_calibration.is_identity,
    )  # fmt: skip
    test = labelled[test_rows]
    predicted_test = held_out.predict(test)
    gate = gate_scores(
        target,
        held_out.market_free_rounds,
        held_out.market_rounds,
        test["label"].to_numpy(),
        predicted_test,
        float(train["label"].mean()),  # pyright: ignore[reportArgumentType]  # polars hints a column's mean as any value
        market_free_test_games=int((~held_out.priced(test)).sum()),
    )
    return Fit(
        held_out, shipped, validated.fold_scores, train_rows, test_rows, predicted_test, gate,
        validated.notes,
    )  # fmt: skip


@dataclass
class Challenger:
    """The model ``train_target`` would ship (refitted on its whole window), its primary
    metric on the held-out dates and what the promotion gate reads, without the report:
    the season replay fits hundreds of these."""

    model: TargetModel
    test_metric: float
    gate: GateScores


def fit_challenger(
    target: Target,
    labelled: pl.DataFrame,
    window: Window,
    model_config: ModelConfig,
    training_config: TrainingConfig,
) -> Challenger:
    fitted = fit(target, labelled, window, model_config, training_config, fold_metrics=False)
    return Challenger(fitted.shipped, fitted.gate.test_metric, fitted.gate)
