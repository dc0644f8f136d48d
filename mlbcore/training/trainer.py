"""Train one target's model: a market part boosted from the market's price at the cutoff
(LightGBM ``init_score``) on the priced games, and a market-free part on every game with
schedule and results features (``TargetModel``). Time-series CV with early stopping on
each fold's held-out dates picks each part's rounds (the market part's may be 0: the
market itself), a final fit on the whole training part, and an honest test on the last
dates of the window beside the market's, the base rate's and the fitted baselines'
predictions, each difference with its interval.

The fit itself is in ``held_out`` (split, CV, refit), ``cross_validation`` (rounds and
offset chosen by folds) and ``boosting`` (LightGBM's part); this module measures it.
"""

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import polars as pl

from mlbcore.features.registry import FEATURE_NAMES
from mlbcore.settings import ModelConfig, TrainingConfig
from mlbcore.targets import PRIMARY_METRIC, Target
from mlbcore.training.baselines import BASE_RATE, BASELINE_NAMES, MARKET, fit_baselines
from mlbcore.training.boosting import lightgbm_params
from mlbcore.training.bootstrap import Interval, compare_frame
from mlbcore.training.gate import GateScores
from mlbcore.training.held_out import fit
from mlbcore.training.metrics import calibration_table, metric_names, score
from mlbcore.training.target_model import PARTS, TargetModel
from mlbcore.training.windows import Window


@dataclass
class TrainingResult:
    """A trained model and everything measured about it."""

    target: Target
    model: TargetModel  # refitted on the whole window: the model registered and used
    held_out_model: TargetModel  # fitted on the training dates: what the test rows score
    params: dict[str, Any]
    window: Window
    n_train: int
    n_test: int
    metrics: dict[str, float]
    importance: pl.DataFrame  # per part: part, feature, gain, split, gain_share
    calibration: pl.DataFrame
    test_predictions: pl.DataFrame  # with scored_by: the part that scored each game
    quality: dict[str, float]
    game_quality: pl.DataFrame  # per game: completeness, missing features, sources
    gate: GateScores
    # The model minus each baseline on the test dates, primary metric, with intervals.
    comparisons: dict[str, Interval]
    notes: list[str] = field(default_factory=list)  # e.g. why the market part is the market
    feature_names: list[str] = field(default_factory=lambda: list(FEATURE_NAMES))

    @property
    def market_rounds(self) -> int:
        return self.model.market_rounds

    @property
    def market_free_rounds(self) -> int:
        return self.model.market_free_rounds


# The baselines fitted on the training dates, beside the market and the base rate.
FITTED_BASELINES: dict[Target, tuple[str, ...]] = {
    target: tuple(n for n in BASELINE_NAMES[target] if n not in (MARKET, BASE_RATE))
    for target in Target
}


def train_target(
    target: Target,
    labelled: pl.DataFrame,
    window: Window,
    model_config: ModelConfig,
    training_config: TrainingConfig,
) -> TrainingResult:
    """Train and measure one target on the labelled games of ``window``."""
    fitted = fit(target, labelled, window, model_config, training_config)
    held_out, train_rows, test_rows = fitted.model, fitted.train_rows, fitted.test_rows
    params = lightgbm_params(target, model_config, training_config)
    train, test_games = labelled[train_rows], labelled[test_rows]
    y_train, y_test = train["label"].to_numpy(), test_games["label"].to_numpy()

    predicted_train = held_out.predict(train)
    predicted_test = fitted.predicted_test
    train_mean = float(y_train.mean())
    # The baselines LightGBM must beat, fitted on the same training dates.
    baselines = fit_baselines(target, train, FEATURE_NAMES, training_config.num_threads)
    fitted_baselines = baselines.predict(test_games).select(FITTED_BASELINES[target])
    test = test_games.with_columns(
        prediction=pl.Series(predicted_test),
        base_rate=pl.lit(train_mean),
        scored_by=held_out.parts(test_games),
    ).hstack(fitted_baselines)
    metrics: dict[str, float] = {}
    metrics |= {f"train_{k}": v for k, v in score(target, y_train, predicted_train).items()}
    metrics |= {f"test_{k}": v for k, v in score(target, y_test, predicted_test).items()}
    for name in metric_names(target):
        values = [s[name] for s in fitted.fold_scores]
        metrics[f"cv_mean_{name}"] = float(np.nanmean(values))
        metrics[f"cv_std_{name}"] = float(np.nanstd(values))
    metrics |= baseline_metrics(target, test, predicted_test, train_mean)
    for name in FITTED_BASELINES[target]:
        priced = test.filter(pl.col(name).is_not_null())
        if priced.height:
            scored = score(target, priced["label"].to_numpy(), priced[name].to_numpy())
            metrics |= {f"baseline_{name}_{k}": v for k, v in scored.items()}
    metrics |= baselines.as_dict("baseline_fit_")
    for part in PARTS:
        metrics[f"scored_by_{part}_test_games"] = float((test["scored_by"] == part).sum())
    comparisons = held_out_comparisons(target, test)
    for name, interval in comparisons.items():
        metrics |= interval.as_dict(f"test_vs_{name}_{interval.metric}_")

    test_predictions = test.select(
        "game_id", "date", "home_team", "away_team", "label", "market_prediction",
        "prediction", "scored_by",
    )  # fmt: skip
    shares = labelled.select(
        completeness_mean=pl.col("completeness").mean(),
        completeness_min=pl.col("completeness").min(),
        games_with_market_share=pl.col("sources").list.contains("market").mean(),
        games_with_splits_share=pl.col("sources").list.contains("splits").mean(),
    )
    quality = {name: float(value or 0.0) for name, value in shares.row(0, named=True).items()}
    return TrainingResult(
        target=target,
        model=fitted.shipped,
        held_out_model=held_out,
        params=params,
        window=window,
        n_train=len(train_rows),
        n_test=len(test_rows),
        metrics=metrics,
        # The shipped model's importance: the one registered, and the one drift compares.
        importance=fitted.shipped.importance(),
        calibration=calibration_table(target, y_test, predicted_test),
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
        notes=fitted.notes,
        feature_names=list(fitted.shipped.input_features),
    )


def held_out_comparisons(target: Target, test: pl.DataFrame) -> dict[str, Interval]:
    """The model's primary metric minus the market's (on the test games it priced), minus
    the base rate's (on every test game) and minus each fitted baseline's present in
    ``test`` (on the games it predicted), each with its date-block interval."""
    metric = PRIMARY_METRIC[target]
    comparisons = {"base_rate": compare_frame(metric, test, "prediction", "base_rate")}
    if test["market_prediction"].is_not_null().any():
        comparisons["market"] = compare_frame(metric, test, "prediction", "market_prediction")
    for name in FITTED_BASELINES[target]:
        if name in test.columns and test[name].is_not_null().any():
            comparisons[name] = compare_frame(metric, test, "prediction", name)
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
