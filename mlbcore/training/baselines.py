"""The baselines a model must beat, fitted only on earlier games.

For each target, beside the model's predictions of the same games:

- **market**: the market's own prediction at the cutoff (no-vig probability, or the total
  line for the run total); null where the book had no price;
- **recalibrated market**: the market corrected for its average bias on the training
  games it priced: ``y ~ a + b * logit(p)`` (logistic) or ``runs ~ a + b * line``
  (linear); the raw market where fewer than ``MIN_PRICED_GAMES`` were priced;
- **logistic** / **linear**: a regularised linear model on the model's own features
  (median imputation with missing-value indicators, standardised), its penalty chosen by
  time-series CV over the training dates, so a boosted model has to beat what a straight
  line through the same inputs already finds;
- **base rate**: the training games' mean label.
"""

from dataclasses import dataclass

import numpy as np
import polars as pl
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

from mlbcore.errors import MlbError
from mlbcore.targets import PRIMARY_METRIC, Target
from mlbcore.training.bootstrap import DEFAULT_RESAMPLES, Interval, compare_frame
from mlbcore.training.market_offset import (
    MIN_PRICED_GAMES,
    OffsetCalibration,
    fit_offset_calibration,
    objective_of,
)
from mlbcore.training.windows import date_folds

MARKET, RECALIBRATED_MARKET, LOGISTIC, LINEAR, BASE_RATE = (
    "market",
    "recalibrated_market",
    "logistic",
    "linear",
    "base_rate",
)
BASELINE_NAMES: dict[Target, tuple[str, ...]] = {
    Target.MONEYLINE_HOME_WIN: (MARKET, RECALIBRATED_MARKET, LOGISTIC, BASE_RATE),
    Target.TOTAL_OVER_UNDER: (MARKET, RECALIBRATED_MARKET, LOGISTIC, BASE_RATE),
    Target.RUN_TOTAL_REGRESSION: (MARKET, RECALIBRATED_MARKET, LINEAR, BASE_RATE),
}
BASELINE_WORDS: dict[str, str] = {
    MARKET: "the market",
    RECALIBRATED_MARKET: "the recalibrated market",
    LOGISTIC: "a regularised logistic model",
    LINEAR: "a regularised linear model",
    BASE_RATE: "the base rate",
}

# Probabilities are clipped before the logit so a 0 or 1 price stays finite.
PROBABILITY_CLIP = 1e-6
# Penalty grids searched by CV (inputs are standardised): from "almost the base rate" to
# "almost unpenalised", a decade apart (finer grids cost the 3-season bench seconds a
# month and moved no score past its interval).
LOGISTIC_CS = tuple(np.logspace(-5, 1, 7))
RIDGE_ALPHAS = tuple(np.logspace(-1, 6, 8))
# The trainer's own CV: 5 expanding folds over the training dates, a 1-date gap.
CV_FOLDS, CV_GAP_DATES = 5, 1


def recalibrated_market(calibration: OffsetCalibration, target: Target) -> pl.Expr:
    """The market's prediction corrected by ``calibration``, which was fitted on its logit
    (binary) or line (run total): the same numbers a market part of zero rounds predicts."""
    market = pl.col("market_prediction")
    if not target.is_binary:
        return calibration.intercept + calibration.slope * market
    p = market.clip(PROBABILITY_CLIP, 1 - PROBABILITY_CLIP)
    return 1 / (1 + (-(calibration.intercept + calibration.slope * (p / (1 - p)).log())).exp())


@dataclass(frozen=True)
class Baselines:
    """The baselines of one target, fitted on earlier games; ``predict`` scores any frame
    with ``market_prediction`` and the feature columns."""

    target: Target
    feature_names: tuple[str, ...]  # the features the linear model uses, in order
    dropped_features: tuple[str, ...]  # features with no value in any training game
    linear_model: Pipeline
    penalty: float  # the CV-chosen C (logistic) or alpha (ridge)
    priced_training_games: int
    recalibration: OffsetCalibration | None  # None: too few priced games, the raw market
    base_rate: float

    @property
    def names(self) -> tuple[str, ...]:
        return BASELINE_NAMES[self.target]

    def predict(self, frame: pl.DataFrame) -> pl.DataFrame:
        """One row per ``frame`` row, in its order: a column per name in ``names``;
        market columns null where the game was unpriced."""
        market = pl.col("market_prediction").cast(pl.Float64)
        recalibrated = (
            recalibrated_market(self.recalibration, self.target) if self.recalibration else market
        )
        return frame.select(
            market.alias(MARKET),
            recalibrated.cast(pl.Float64).alias(RECALIBRATED_MARKET),
            pl.Series(self.names[2], self._predict_linear(frame), dtype=pl.Float64),
            pl.lit(self.base_rate, dtype=pl.Float64).alias(BASE_RATE),
        )

    def as_dict(self, prefix: str = "baseline_") -> dict[str, float]:
        """Plain numbers for MLflow params and JSON: the fitted penalty, the
        recalibration (NaN when the raw market was kept) and the base rate."""
        recalibration = self.recalibration or OffsetCalibration(float("nan"), float("nan"))
        return {
            f"{prefix}{self.names[2]}_penalty": self.penalty,
            f"{prefix}{self.names[2]}_features": float(len(self.feature_names)),
            f"{prefix}recalibration_intercept": recalibration.intercept,
            f"{prefix}recalibration_slope": recalibration.slope,
            f"{prefix}recalibration_games": float(self.priced_training_games),
            f"{prefix}base_rate": self.base_rate,
        }

    def _predict_linear(self, frame: pl.DataFrame) -> np.ndarray:
        if frame.is_empty():  # scikit-learn refuses an empty matrix
            return np.empty(0)
        x = _feature_matrix(frame, self.feature_names)
        if self.target.is_binary:
            return self.linear_model.predict_proba(x)[:, 1]
        return self.linear_model.predict(x)


def _feature_matrix(frame: pl.DataFrame, names: tuple[str, ...]) -> np.ndarray:
    """Features as floats, null and NaN both missing (NaN)."""
    return frame.select(pl.col(names).cast(pl.Float64).fill_nan(None)).to_numpy().astype(np.float64)


def _fit_recalibration(target: Target, train: pl.DataFrame) -> tuple[int, OffsetCalibration | None]:
    priced = train.filter(pl.col("market_prediction").is_not_null())
    if priced.height < MIN_PRICED_GAMES:
        return priced.height, None
    x = priced["market_prediction"].cast(pl.Float64).to_numpy()
    if target.is_binary:
        p = np.clip(x, PROBABILITY_CLIP, 1 - PROBABILITY_CLIP)
        x = np.log(p / (1 - p))
    # The same fit the market part's recalibrated offset uses.
    return priced.height, fit_offset_calibration(
        objective_of(target), x, priced["label"].to_numpy()
    )


def _fit_linear_model(
    target: Target, train: pl.DataFrame, feature_names: tuple[str, ...]
) -> tuple[Pipeline, float]:
    """The regularised linear model and its penalty, chosen by time-series CV over the
    training dates (imputation and scaling refitted inside each fold)."""
    x = _feature_matrix(train, feature_names)
    y = train["label"].to_numpy()
    # keep_empty_features: a column empty in one fold's early dates must not change shape.
    steps = [
        ("impute", SimpleImputer(strategy="median", add_indicator=True, keep_empty_features=True)),
        ("scale", StandardScaler()),
    ]
    if target.is_binary:
        if np.unique(y).size < 2:
            raise MlbError("the training games hold only one outcome: widen the window")
        model, grid, scoring = LogisticRegression(max_iter=1000), LOGISTIC_CS, "neg_log_loss"
        param, y = "model__C", y.astype(int)
    else:
        model, grid, scoring = Ridge(), RIDGE_ALPHAS, "neg_mean_squared_error"
        param = "model__alpha"
    search = GridSearchCV(
        Pipeline([*steps, ("model", model)]),
        {param: list(grid)},
        scoring=scoring,
        cv=date_folds(train["date"], CV_FOLDS, CV_GAP_DATES),
    ).fit(x, y)
    return search.best_estimator_, float(search.best_params_[param])


def fit_baselines(
    target: Target, train: pl.DataFrame, feature_names: tuple[str, ...], num_threads: int = 1
) -> Baselines:
    """Every baseline of ``target`` fitted on ``train`` alone (labelled games with
    ``date``, ``label``, ``market_prediction`` and ``feature_names``), BLAS and OpenMP at
    ``num_threads`` threads (TRAINING__NUM_THREADS; their default, every core, made the
    three targets' baselines 5x slower on a loaded 2-core machine)."""
    if train.is_empty():
        raise MlbError("no training games to fit the baselines on")
    present = train.select(pl.col(feature_names).cast(pl.Float64).fill_nan(None).count()).row(0)
    used = tuple(name for name, count in zip(feature_names, present, strict=True) if count)
    if not used:
        raise MlbError("no feature has a value in any training game: check the feature build")
    with threadpool_limits(limits=num_threads):
        linear_model, penalty = _fit_linear_model(target, train, used)
        priced, recalibration = _fit_recalibration(target, train)
    return Baselines(
        target=target,
        feature_names=used,
        dropped_features=tuple(name for name in feature_names if name not in used),
        linear_model=linear_model,
        penalty=penalty,
        priced_training_games=priced,
        recalibration=recalibration,
        base_rate=float(train["label"].mean()),  # pyright: ignore[reportArgumentType]  # polars hints a column's mean as any value
    )


def baseline_comparisons(
    target: Target,
    scored: pl.DataFrame,
    prediction_column: str = "prediction",
    resamples: int = DEFAULT_RESAMPLES,
    seed: int = 0,
) -> dict[str, Interval]:
    """The model's primary metric minus each baseline's, on the games that baseline
    predicted (the market's: the priced ones), with paired date-block intervals.
    ``scored`` holds ``date``, ``label``, the model's column and the baseline columns of
    ``Baselines.predict``; a baseline with no prediction at all is left out."""
    metric = PRIMARY_METRIC[target]
    return {
        name: compare_frame(metric, scored, prediction_column, name, resamples, seed)
        for name in BASELINE_NAMES[target]
        if scored.filter(
            pl.col(name).is_not_null() & pl.col(prediction_column).is_not_null()
        ).height
    }
