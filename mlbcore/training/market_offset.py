"""The market's prior at the cutoff as a boosting offset, and the links that turn a raw
score (offset plus trees) into a prediction.

A target's model boosts from the market: LightGBM starts each priced game at the offset
(``init_score``) and the trees learn only what the market missed. LightGBM does not store
the offset in the model, so whoever predicts adds it back (``predict(..., raw_score=True)``
plus the offset) and applies the link.

The offset may first be **recalibrated**: ``a + b * offset`` fitted on the training
games, a logistic (binary), linear (L2) or Poisson (log link) regression of the label on
the offset alone. Markets shade their prices (the run-total line is too far from the
mean); a straight line removes that in two numbers, where trees of a few leaves would
need hundreds of rounds to approximate it.
"""

from dataclasses import dataclass

import numpy as np
import polars as pl
from sklearn.linear_model import LinearRegression, LogisticRegression, PoissonRegressor

from mlbcore.targets import Target

BINARY, REGRESSION, POISSON = "binary", "regression", "poisson"

# The market's prediction each target's offset is read from (a feature at the cutoff).
OFFSET_SOURCE: dict[Target, str] = {
    Target.MONEYLINE_HOME_WIN: "market_no_vig_home_prob",
    Target.TOTAL_OVER_UNDER: "market_no_vig_over_prob",
    Target.RUN_TOTAL_REGRESSION: "market_total",
}
# No-vig probabilities of exactly 0 or 1 would give an infinite logit.
_PROBABILITY_FLOOR = 1e-6
# Fewer priced games than this and the market is kept as it is: two coefficients fitted
# on a few dozen games would add more noise than they remove.
MIN_PRICED_GAMES = 100


def offset_expr(target: Target, objective: str) -> pl.Expr:
    """The offset on LightGBM's raw scale: logit of the no-vig probability for the binary
    targets, the total line (L2) or its log (Poisson) for the run total; null where the
    market had no price at the cutoff."""
    source = pl.col(OFFSET_SOURCE[target]).cast(pl.Float64).fill_nan(None)
    if objective == BINARY:
        p = source.clip(_PROBABILITY_FLOOR, 1 - _PROBABILITY_FLOOR)
        expr = (p / (1 - p)).log()
    elif objective == POISSON:
        expr = pl.when(source > 0).then(source.log())
    else:
        expr = source
    return expr.alias("offset")


def market_offset(frame: pl.DataFrame, target: Target, objective: str) -> np.ndarray:
    """``offset_expr`` of each game of ``frame`` as float64, NaN where there is none."""
    return frame.select(offset_expr(target, objective)).to_series().to_numpy().astype(np.float64)


def link(raw: np.ndarray, objective: str) -> np.ndarray:
    """Raw score to prediction: sigmoid (binary), identity (L2) or exp (Poisson), as
    LightGBM's own ``predict`` applies them."""
    raw = np.asarray(raw, dtype=np.float64)
    if objective == BINARY:
        return 1.0 / (1.0 + np.exp(-raw))
    if objective == POISSON:
        return np.exp(raw)
    return raw


def objective_of(target: Target, run_total_objective: str = REGRESSION) -> str:
    """LightGBM's objective for ``target`` (the run total's comes from its config)."""
    return BINARY if target.is_binary else run_total_objective


@dataclass(frozen=True)
class OffsetCalibration:
    """``intercept + slope * offset`` on LightGBM's raw scale; the identity keeps the
    market's own price."""

    intercept: float = 0.0
    slope: float = 1.0

    def apply(self, offset: np.ndarray) -> np.ndarray:
        return self.intercept + self.slope * np.asarray(offset, dtype=np.float64)

    @property
    def is_identity(self) -> bool:
        return self.intercept == 0.0 and self.slope == 1.0


IDENTITY = OffsetCalibration()


def fit_offset_calibration(objective: str, offset: np.ndarray, y: np.ndarray) -> OffsetCalibration:
    """The label regressed on the offset of the priced games (finite offsets) under the
    objective's link, unpenalised; the identity below ``MIN_PRICED_GAMES`` of them or when
    a binary label holds one outcome only."""
    priced = np.isfinite(offset)
    x, y = np.asarray(offset, dtype=np.float64)[priced][:, None], np.asarray(y)[priced]
    if priced.sum() < MIN_PRICED_GAMES:
        return IDENTITY
    if objective == BINARY:
        if np.unique(y).size < 2:
            return IDENTITY
        fitted = LogisticRegression(C=np.inf).fit(x, y.astype(int))
    elif objective == POISSON:
        fitted = PoissonRegressor(alpha=0.0, max_iter=1000).fit(x, y)
    else:
        fitted = LinearRegression().fit(x, y)
    return OffsetCalibration(
        float(np.ravel(fitted.intercept_)[0]), float(np.ravel(fitted.coef_)[0])
    )
