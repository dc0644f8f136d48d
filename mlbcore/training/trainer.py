"""Train one target's LightGBM model: time-series CV with early stopping on each fold's
held-out dates, a final fit on the whole training part, and an honest test on the last
dates of the window beside the market's and the base rate's predictions."""

from dataclasses import dataclass, field
from typing import Any

import lightgbm as lgb
import numpy as np
import polars as pl

from mlbcore.errors import MlbError
from mlbcore.features.registry import FEATURE_NAMES
from mlbcore.settings import ModelConfig, TrainingConfig
from mlbcore.targets import Target
from mlbcore.training.bootstrap import Interval, compare_frame
from mlbcore.training.gate import GateScores, gate_scores
from mlbcore.training.metrics import PRIMARY_METRIC, metric_names, primary_score, score
from mlbcore.training.windows import Window, chronological_split, date_folds


@dataclass
class TrainingResult:
    """A trained model and everything measured about it."""

    target: Target
    booster: lgb.Booster  # refitted on the whole window: the model registered and used
    held_out_booster: lgb.Booster  # fitted on the training dates: what the test rows score
    params: dict[str, Any]
    num_boost_round: int
    window: Window
    n_train: int
    n_test: int
    metrics: dict[str, float]
    importance: pl.DataFrame
    calibration: pl.DataFrame
    test_predictions: pl.DataFrame
    quality: dict[str, float]
    game_quality: pl.DataFrame  # per game: completeness, missing features, sources
    gate: GateScores
    # The model minus each baseline on the test dates, primary metric, with intervals.
    comparisons: dict[str, Interval]
    feature_names: list[str] = field(default_factory=lambda: list(FEATURE_NAMES))


def lightgbm_params(target: Target, config: ModelConfig, seed: int) -> dict[str, Any]:
    params: dict[str, Any] = {
        "objective": "binary" if target.is_binary else "regression",
        "metric": "binary_logloss" if target.is_binary else "l2",
        **config.model_dump(),
        "bagging_freq": 1 if config.bagging_fraction < 1 else 0,
        "seed": seed,
        "deterministic": True,
        "force_col_wise": True,
        "verbosity": -1,
    }
    return params


def feature_matrix(
    frame: pl.DataFrame, feature_names: tuple[str, ...] = FEATURE_NAMES
) -> np.ndarray:
    """The model inputs of ``frame``'s games, in the order the models were trained on."""
    return frame.select(feature_names).to_numpy().astype(np.float64)


def predict(booster: Any, frame: pl.DataFrame) -> np.ndarray:
    """``booster``'s predictions of ``frame``'s games (none for an empty frame)."""
    return np.asarray(booster.predict(feature_matrix(frame)))


def _fit(
    params: dict[str, Any],
    x: np.ndarray,
    y: np.ndarray,
    rounds: int,
    valid: tuple[np.ndarray, np.ndarray] | None = None,
    early_stopping_rounds: int = 0,
    feature_names: tuple[str, ...] = FEATURE_NAMES,
) -> lgb.Booster:
    train_set = lgb.Dataset(x, y, feature_name=list(feature_names), free_raw_data=False)
    if valid is None:
        return lgb.train(params, train_set, num_boost_round=rounds)
    valid_set = lgb.Dataset(valid[0], valid[1], reference=train_set)
    return lgb.train(
        params,
        train_set,
        num_boost_round=rounds,
        valid_sets=[valid_set],
        callbacks=[lgb.early_stopping(early_stopping_rounds, verbose=False)],
    )


def cross_validated_fit(
    target: Target,
    x: np.ndarray,
    y: np.ndarray,
    dates: pl.Series,
    params: dict[str, Any],
    training_config: TrainingConfig,
    feature_names: tuple[str, ...] = FEATURE_NAMES,
    fold_metrics: bool = True,
) -> tuple[lgb.Booster, int, list[dict[str, float]]]:
    """Time-series CV over ``dates`` (sorted), then a fit on every row with the median
    number of rounds the folds chose. Returns the model, its rounds and each fold's scores
    (every metric, or with ``fold_metrics`` off the primary one: the model is the same).
    """
    folds = date_folds(dates, training_config.cross_validation_folds, training_config.cv_gap_days)
    fold_scores, best_rounds = [], []
    for fold_train, fold_valid in folds:
        # Early stopping watches the last dates of the fold's own training part, so the
        # fold's validation dates score a model that never looked at them.
        fit_rows, stop_rows = chronological_split(
            dates.gather(fold_train), training_config.test_size
        )
        fit, stop = fold_train[fit_rows], fold_train[stop_rows]
        booster = _fit(
            params,
            x[fit],
            y[fit],
            training_config.max_boost_rounds,
            (x[stop], y[stop]),
            training_config.early_stopping_rounds,
            feature_names,
        )
        best_rounds.append(max(1, booster.best_iteration))
        predicted = booster.predict(x[fold_valid], num_iteration=booster.best_iteration)
        fold_scores.append(
            score(target, y[fold_valid], predicted)
            if fold_metrics
            else {PRIMARY_METRIC[target]: primary_score(target, y[fold_valid], predicted)}
        )
    num_boost_round = int(np.median(best_rounds))
    booster = _fit(params, x, y, num_boost_round, feature_names=feature_names)
    return booster, num_boost_round, fold_scores


def calibration_table(
    target: Target, label: np.ndarray, predicted: np.ndarray, bins: int = 10
) -> pl.DataFrame:
    """Predicted versus observed by bin: probability deciles of width 0.1 for a binary
    target, equal-count bins of the predicted total for the regression."""
    frame = pl.DataFrame({"predicted": predicted, "observed": label})
    if target.is_binary:
        bin_expr = (pl.col("predicted") * bins).floor().clip(0, bins - 1).cast(pl.Int32)
    else:
        bin_expr = pl.col("predicted").rank("ordinal").sub(1).mul(bins).floordiv(pl.len())
    return (
        frame.with_columns(bin=bin_expr.cast(pl.Int32))
        .group_by("bin")
        .agg(
            mean_predicted=pl.col("predicted").mean(),
            mean_observed=pl.col("observed").mean(),
            games=pl.len(),
        )
        .sort("bin")
    )


@dataclass
class Fit:
    """A model fitted on a window's training dates (scored on the rows it held out), and
    the same configuration refitted on every row of the window: what is shipped."""

    booster: lgb.Booster  # training dates only: the test rows score this one
    shipped: lgb.Booster  # the whole window, the CV-chosen rounds: registered and used
    num_boost_round: int
    fold_scores: list[dict[str, float]]
    x: np.ndarray
    y: np.ndarray
    train_rows: np.ndarray
    test_rows: np.ndarray
    predicted_test: np.ndarray  # the held-out fit's predictions of the test rows
    gate: GateScores


def fit(
    target: Target,
    labelled: pl.DataFrame,
    window: Window,
    model_config: ModelConfig,
    training_config: TrainingConfig,
    fold_metrics: bool = True,
    feature_names: tuple[str, ...] = FEATURE_NAMES,
) -> Fit:
    """Split off the window's last dates as the test set, then CV-fit on the rest.

    ``labelled`` holds features, ``label`` and ``market_prediction`` for games inside the
    window, sorted by first pitch. ``feature_names`` narrows the inputs (the quality
    bench's market-free variant); everything shipped uses them all.
    """
    found, needed = labelled.height, training_config.min_training_games
    if found < needed:
        raise MlbError(
            f"{target}: the window {window.start_date}..{window.end_date} has {found} "
            f"labelled games; training needs at least {needed} (widen --days)"
        )
    params = lightgbm_params(target, model_config, training_config.seed)
    x, y = feature_matrix(labelled, feature_names), labelled["label"].to_numpy()
    train_rows, test_rows = chronological_split(labelled["date"], training_config.test_size)
    # The final model never sees the test rows, not even for early stopping.
    booster, num_boost_round, fold_scores = cross_validated_fit(
        target,
        x[train_rows],
        y[train_rows],
        labelled["date"].gather(train_rows),
        params,
        training_config,
        feature_names,
        fold_metrics=fold_metrics,
    )
    # The test rows are the most recent information: once they have given the estimate,
    # the shipped model learns from them too, with the rounds CV chose.
    shipped = _fit(params, x, y, num_boost_round, feature_names=feature_names)
    predicted_test = booster.predict(x[test_rows])
    gate = gate_scores(
        target, num_boost_round, y[test_rows], predicted_test, float(y[train_rows].mean())
    )
    return Fit(
        booster, shipped, num_boost_round, fold_scores, x, y, train_rows, test_rows,
        predicted_test, gate,
    )  # fmt: skip


@dataclass
class Challenger:
    """The model ``train_target`` would ship (refitted on its whole window), its primary
    metric on the held-out dates and what the promotion gate reads, without the report:
    the season replay fits hundreds of these."""

    booster: lgb.Booster
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


def train_target(
    target: Target,
    labelled: pl.DataFrame,
    window: Window,
    model_config: ModelConfig,
    training_config: TrainingConfig,
) -> TrainingResult:
    """Train and measure one target on the labelled games of ``window``."""
    fitted = fit(target, labelled, window, model_config, training_config)
    booster, num_boost_round, fold_scores = (
        fitted.booster,
        fitted.num_boost_round,
        fitted.fold_scores,
    )
    x, y, train_rows, test_rows = fitted.x, fitted.y, fitted.train_rows, fitted.test_rows
    params = lightgbm_params(target, model_config, training_config.seed)

    predicted_train = booster.predict(x[train_rows])
    predicted_test = fitted.predicted_test
    train_mean = float(y[train_rows].mean())
    test = labelled[test_rows].with_columns(
        prediction=pl.Series(predicted_test), base_rate=pl.lit(train_mean)
    )
    metrics: dict[str, float] = {}
    metrics |= {f"train_{k}": v for k, v in score(target, y[train_rows], predicted_train).items()}
    metrics |= {f"test_{k}": v for k, v in score(target, y[test_rows], predicted_test).items()}
    for name in metric_names(target):
        values = [s[name] for s in fold_scores]
        metrics[f"cv_mean_{name}"] = float(np.nanmean(values))
        metrics[f"cv_std_{name}"] = float(np.nanstd(values))
    metrics |= baseline_metrics(target, test, predicted_test, train_mean)
    comparisons = held_out_comparisons(target, test)
    for name, interval in comparisons.items():
        metrics |= interval.as_dict(f"test_vs_{name}_{interval.metric}_")

    # The shipped model's importance: the one registered, and the one drift compares.
    booster = fitted.shipped
    gain = booster.feature_importance("gain")
    importance = pl.DataFrame(
        {
            "feature": list(FEATURE_NAMES),
            "gain": gain,
            "split": booster.feature_importance("split"),
            "gain_share": gain / gain.sum() if gain.sum() > 0 else gain,
        }
    ).sort("gain", descending=True)
    test_predictions = test.select(
        "game_id", "date", "home_team", "away_team", "label", "market_prediction", "prediction"
    )
    quality = {
        "completeness_mean": float(labelled["completeness"].mean() or 0.0),
        "completeness_min": float(labelled["completeness"].min() or 0.0),  # type: ignore[arg-type]
        "games_with_market_share": float(labelled["sources"].list.contains("market").mean() or 0.0),
        "games_with_splits_share": float(labelled["sources"].list.contains("splits").mean() or 0.0),
    }
    return TrainingResult(
        target=target,
        booster=fitted.shipped,
        held_out_booster=fitted.booster,
        params=params,
        num_boost_round=num_boost_round,
        window=window,
        n_train=len(train_rows),
        n_test=len(test_rows),
        metrics=metrics,
        importance=importance,
        calibration=calibration_table(target, y[test_rows], predicted_test),
        test_predictions=test_predictions,
        quality=quality,
        game_quality=labelled.select(
            "game_id",
            "date",
            "completeness",
            missing_features=pl.col("missing_features").list.join(" "),
            sources=pl.col("sources").list.join(" "),
        ),
        gate=fitted.gate,
        comparisons=comparisons,
    )


def held_out_comparisons(target: Target, test: pl.DataFrame) -> dict[str, Interval]:
    """The model's primary metric minus the market's (on the test games it priced) and
    minus the base rate's (on every test game), each with its date-block interval."""
    metric = PRIMARY_METRIC[target]
    comparisons = {"base_rate": compare_frame(metric, test, "prediction", "base_rate")}
    if test["market_prediction"].is_not_null().any():
        comparisons["market"] = compare_frame(metric, test, "prediction", "market_prediction")
    return comparisons


def baseline_metrics(
    target: Target, test: pl.DataFrame, predicted: np.ndarray, train_mean: float
) -> dict[str, float]:
    """The same metrics for the market's prediction at the cutoff and for the training
    base rate / mean, on the same test rows. Where some test games had no market price,
    the market is scored on the others, and so is the model (``test_market_games_*``)."""
    y = test["label"].to_numpy()
    metrics = {
        f"baseline_base_rate_{k}": v
        for k, v in score(target, y, np.full(len(y), train_mean)).items()
    }
    has_market = test["market_prediction"].is_not_null().to_numpy()
    with_market = test.filter(pl.col("market_prediction").is_not_null())
    metrics["baseline_market_coverage"] = with_market.height / max(test.height, 1)
    if 0 < with_market.height < test.height:  # else the test_* metrics are on the same games
        metrics |= {
            f"test_market_games_{k}": v
            for k, v in score(target, y[has_market], predicted[has_market]).items()
        }
    if with_market.height:
        metrics |= {
            f"baseline_market_{k}": v
            for k, v in score(
                target, with_market["label"].to_numpy(), with_market["market_prediction"].to_numpy()
            ).items()
        }
    return metrics
