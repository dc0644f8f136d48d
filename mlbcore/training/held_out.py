"""A target fitted on its window's training dates and scored on the last dates it held
out (the estimate), plus the same configuration refitted on the whole window (what is
shipped); the challenger is that fit without the report."""

from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl
from threadpoolctl import threadpool_limits

from mlbcore.errors import MlbError
from mlbcore.features.registry import FEATURE_NAMES
from mlbcore.settings import ModelConfig, TrainingConfig
from mlbcore.targets import Target
from mlbcore.training.boosting import PartInputs, lightgbm_params, offset_calibration
from mlbcore.training.cross_validation import FoldChoice, cross_validate, fit_target_model
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
        chosen = _choose(
            target, labelled, window, model_config, training_config, fold_metrics,
            feature_names, use_market,
        )  # fmt: skip
        return _judged(target, labelled, chosen, feature_names, use_market)


@dataclass
class _Chosen:
    """A window split at its test dates, and what CV on its training dates chose."""

    params: dict[str, Any]
    train_rows: np.ndarray
    test_rows: np.ndarray
    choice: FoldChoice


def _choose(
    target: Target,
    labelled: pl.DataFrame,
    window: Window,
    model_config: ModelConfig,
    training_config: TrainingConfig,
    fold_metrics: bool,
    feature_names: tuple[str, ...],
    use_market: bool,
) -> _Chosen:
    found, needed = labelled.height, training_config.min_training_games
    if found < needed:
        raise MlbError(
            f"{target}: the window {window.start_date}..{window.end_date} has {found} "
            f"labelled games; training needs at least {needed} (widen --days)"
        )
    params = lightgbm_params(target, model_config, training_config)
    train_rows, test_rows = chronological_split(labelled["date"], training_config.test_size)
    # The final model never sees the test rows, not even for early stopping.
    choice = cross_validate(
        target, labelled[train_rows], params, training_config, feature_names, fold_metrics,
        use_market, model_config.market_offset,
    )  # fmt: skip
    return _Chosen(params, train_rows, test_rows, choice)


def _shipped(
    target: Target,
    labelled: pl.DataFrame,
    chosen: _Chosen,
    feature_names: tuple[str, ...],
    use_market: bool,
    recalibrate: bool,
) -> TargetModel:
    # The test rows are the most recent information: once they have given the estimate,
    # the shipped model learns from them too, with the rounds and offset CV chose (the
    # recalibration refitted on the whole window).
    return fit_target_model(
        target, labelled, chosen.params, feature_names, chosen.choice.market_rounds,
        chosen.choice.market_free_rounds, use_market, recalibrate,
    )  # fmt: skip


def _judged(
    target: Target,
    labelled: pl.DataFrame,
    chosen: _Chosen,
    feature_names: tuple[str, ...],
    use_market: bool,
) -> Fit:
    """The held-out model, its estimate and the gate's scores, and the shipped model."""
    choice, train = chosen.choice, labelled[chosen.train_rows]
    held_out = fit_target_model(
        target, train, chosen.params, feature_names, choice.market_rounds,
        choice.market_free_rounds, use_market, choice.recalibrate,
    )  # fmt: skip
    recalibrate = not held_out.offset_calibration.is_identity
    shipped = _shipped(target, labelled, chosen, feature_names, use_market, recalibrate)
    test = labelled[chosen.test_rows]
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
        held_out, shipped, choice.fold_scores, chosen.train_rows, chosen.test_rows,
        predicted_test, gate, choice.notes,
    )  # fmt: skip


def fit_shipped(
    target: Target,
    labelled: pl.DataFrame,
    window: Window,
    model_config: ModelConfig,
    training_config: TrainingConfig,
    feature_names: tuple[str, ...] = FEATURE_NAMES,
    use_market: bool = True,
) -> TargetModel:
    """``fit(...).shipped`` without the held-out model, its estimate and the gate's
    scores: the same CV on the same training dates, so the same model, for a walk that
    only predicts with it (a tuning trial fits a model per month, dozens of trials)."""
    with threadpool_limits(limits=training_config.num_threads):
        chosen = _choose(
            target, labelled, window, model_config, training_config, False, feature_names,
            use_market,
        )  # fmt: skip
        # Recalibrated exactly when the held-out model would have been: below enough
        # priced training games its calibration is the identity, and so is the shipped's.
        inputs = PartInputs.of(
            target, labelled[chosen.train_rows], chosen.params["objective"], feature_names,
            use_market,
        )  # fmt: skip
        held_out_calibration = offset_calibration(
            chosen.params["objective"], inputs, np.arange(inputs.y.size),
            use_market and chosen.choice.recalibrate,
        )  # fmt: skip
        return _shipped(
            target, labelled, chosen, feature_names, use_market,
            not held_out_calibration.is_identity,
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
