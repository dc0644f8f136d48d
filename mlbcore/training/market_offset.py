"""The market's prior at the cutoff as a boosting offset, and the links that turn a raw
score (offset plus trees) into a prediction.

A target's model boosts from the market: LightGBM starts each priced game at the offset
(``init_score``) and the trees learn only what the market missed. LightGBM does not store
the offset in the model, so whoever predicts adds it back (``predict(..., raw_score=True)``
plus the offset) and applies the link.
"""

import numpy as np
import polars as pl

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
