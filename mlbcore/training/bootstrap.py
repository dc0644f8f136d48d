"""Paired bootstrap by game date: how sure is "A scores better than B" on the same games?

Games of one date share weather, umpires' moods and the market's state, and form runs
across consecutive dates, so resampling single games would understate the noise. Here the
unit is the game date: the distinct dates are laid in order and resampled in circular
blocks of consecutive dates (a circular block bootstrap), each block carrying every game of
its dates, for both sides at once (paired). The interval is the 2.5 and 97.5 percentiles
of the resampled statistic.

A verdict comes from the interval, never from the point estimate: a difference whose
interval holds zero is "no clear difference", however large it looks.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import numpy as np
import polars as pl

from mlbcore.formatting import signed_significant

Verdict = Literal["better", "worse", "no clear difference"]
BETTER, WORSE, NO_CLEAR_DIFFERENCE = "better", "worse", "no clear difference"

# Statistics on per-resample column sums: (resamples x components) -> (resamples,).
Statistic = Callable[[np.ndarray], np.ndarray]

DEFAULT_RESAMPLES = 2000
ROUNDING = 1e-12  # below this a difference of means is floating-point rounding
CONFIDENCE = 0.95


@dataclass(frozen=True)
class Interval:
    """A statistic on the observed games with its 95 % bootstrap interval."""

    metric: str
    estimate: float
    low: float
    high: float
    games: int
    dates: int
    block_dates: int
    resamples: int
    lower_is_better: bool = True

    @property
    def verdict(self) -> Verdict:
        """For a difference A minus B: "better" when the whole interval favours A,
        "worse" when it favours B, else "no clear difference". For a single quantity (a
        yield) the same words compare it with zero."""
        if self.high < 0:
            return BETTER if self.lower_is_better else WORSE
        if self.low > 0:
            return WORSE if self.lower_is_better else BETTER
        return NO_CLEAR_DIFFERENCE

    def text(self, digits: int = 4) -> str:
        # Two identical models' losses summed in another order differ by ~1e-16: that is
        # rounding, not a difference, and reads as zero.
        values = tuple(
            0.0 if abs(v) < ROUNDING else v for v in (self.estimate, self.low, self.high)
        )
        if any(0 < abs(value) < 0.5 * 10**-digits for value in values):
            # One would read "+0.0000" though it is not zero: significant digits say how small.
            estimate, low, high = map(signed_significant, values)
        else:
            estimate, low, high = (f"{value:+.{digits}f}" for value in values)
        return (
            f"{estimate} (95 % CI {low} to {high}; {self.games} games, {self.dates} dates): "
            f"{self.verdict}"
        )

    def as_dict(self, prefix: str = "") -> dict[str, float]:
        """Plain numbers for MLflow metrics and JSON."""
        return {
            f"{prefix}diff": self.estimate,
            f"{prefix}diff_ci_low": self.low,
            f"{prefix}diff_ci_high": self.high,
            f"{prefix}games": float(self.games),
        }


def default_block_dates(dates: int) -> int:
    """Block length in game dates: the cube root of the number of dates (about 6 for a
    season, 2 for a week), the usual rate for block bootstraps of a mean."""
    return max(1, round(dates ** (1 / 3)))


def _per_date_sums(dates: pl.Series, components: dict[str, np.ndarray]) -> np.ndarray:
    frame = pl.DataFrame({"date": dates, **components}).group_by("date").sum().sort("date")
    return frame.drop("date").to_numpy().astype(np.float64)


def _resampled_date_indices(
    dates: int, block: int, resamples: int, rng: np.random.Generator
) -> np.ndarray:
    """(resamples x dates) indices of circular blocks of ``block`` consecutive dates."""
    blocks = -(-dates // block)
    starts = rng.integers(0, dates, size=(resamples, blocks))
    offsets = np.arange(block)
    return ((starts[:, :, None] + offsets) % dates).reshape(resamples, -1)[:, :dates]


def block_bootstrap(
    dates: pl.Series,
    components: dict[str, np.ndarray],
    statistic: Statistic,
    metric: str,
    lower_is_better: bool = True,
    resamples: int = DEFAULT_RESAMPLES,
    block_dates: int | None = None,
    seed: int = 0,
) -> Interval:
    """``statistic`` of the per-game ``components`` summed over all games (the estimate)
    and over each resample of dates (the interval). ``statistic`` receives sums, one
    column per component in the order given, one row per resample."""
    if dates.len() == 0:
        raise ValueError("a bootstrap needs at least one game")
    per_date = _per_date_sums(dates, components)
    n_dates = per_date.shape[0]
    block = block_dates or default_block_dates(n_dates)
    indices = _resampled_date_indices(n_dates, block, resamples, np.random.default_rng(seed))
    sums = per_date[indices].sum(axis=1)
    values = statistic(sums)
    alpha = (1 - CONFIDENCE) / 2
    low, high = np.quantile(values, [alpha, 1 - alpha])
    return Interval(
        metric=metric,
        estimate=float(statistic(per_date.sum(axis=0, keepdims=True))[0]),
        low=float(low),
        high=float(high),
        games=dates.len(),
        dates=n_dates,
        block_dates=block,
        resamples=resamples,
        lower_is_better=lower_is_better,
    )


def _mean_difference(sums: np.ndarray) -> np.ndarray:
    return (sums[:, 0] - sums[:, 1]) / sums[:, 2]


def _rmse_difference(sums: np.ndarray) -> np.ndarray:
    return np.sqrt(sums[:, 0] / sums[:, 2]) - np.sqrt(sums[:, 1] / sums[:, 2])


def _ratio(sums: np.ndarray) -> np.ndarray:
    return sums[:, 0] / np.maximum(sums[:, 1], 1)


def _log_loss(y: np.ndarray, p: np.ndarray) -> np.ndarray:
    p = np.clip(p, 1e-15, 1 - 1e-15)
    return -(y * np.log(p) + (1 - y) * np.log(1 - p))


def per_game_loss(metric: str, y: np.ndarray, predicted: np.ndarray) -> np.ndarray:
    """Each game's contribution to ``metric``: log loss, Brier or squared error (RMSE)."""
    if metric == "log_loss":
        return _log_loss(y, predicted)
    if metric == "brier":
        return (predicted - y) ** 2
    if metric == "rmse":
        return (predicted - y) ** 2
    raise ValueError(f"no per-game loss for {metric!r}: use log_loss, brier or rmse")


def compare(
    metric: str,
    dates: pl.Series,
    y: np.ndarray,
    predicted_a: np.ndarray,
    predicted_b: np.ndarray,
    resamples: int = DEFAULT_RESAMPLES,
    block_dates: int | None = None,
    seed: int = 0,
) -> Interval:
    """A's ``metric`` minus B's on the same games (log loss, Brier or RMSE; lower is
    better, so a negative difference favours A), with its date-block interval."""
    y = np.asarray(y, dtype=np.float64)
    loss_a = per_game_loss(metric, y, np.asarray(predicted_a, dtype=np.float64))
    loss_b = per_game_loss(metric, y, np.asarray(predicted_b, dtype=np.float64))
    statistic = _rmse_difference if metric == "rmse" else _mean_difference
    return block_bootstrap(
        dates,
        {"a": loss_a, "b": loss_b, "games": np.ones(len(y))},
        statistic,
        metric,
        resamples=resamples,
        block_dates=block_dates,
        seed=seed,
    )


def compare_frame(
    metric: str,
    frame: pl.DataFrame,
    column_a: str,
    column_b: str,
    resamples: int = DEFAULT_RESAMPLES,
    seed: int = 0,
) -> Interval:
    """``compare`` on a frame with ``date``, ``label`` and both prediction columns, on the
    rows where both predictions exist."""
    both = frame.drop_nulls([column_a, column_b])
    return compare(
        metric,
        both["date"],
        both["label"].to_numpy(),
        both[column_a].to_numpy(),
        both[column_b].to_numpy(),
        resamples=resamples,
        seed=seed,
    )


def yield_interval(
    placed: pl.DataFrame,
    resamples: int = DEFAULT_RESAMPLES,
    block_dates: int | None = None,
    seed: int = 0,
) -> Interval:
    """Flat-stake yield (profit per unit staked) of ``placed`` bets (``date``,
    ``flat_profit``), with its date-block interval; the verdict compares it with zero."""
    return block_bootstrap(
        placed["date"],
        {"profit": placed["flat_profit"].to_numpy(), "bets": np.ones(placed.height)},
        _ratio,
        "flat_yield",
        lower_is_better=False,
        resamples=resamples,
        block_dates=block_dates,
        seed=seed,
    )


def growth_interval(
    placed: pl.DataFrame,
    resamples: int = DEFAULT_RESAMPLES,
    block_dates: int | None = None,
    seed: int = 0,
) -> Interval:
    """The Kelly bankroll's log growth (log of the final multiple) from per-bet
    ``log_growth`` with ``date``, and its interval; exp() of each end gives the multiple's."""
    return block_bootstrap(
        placed["date"],
        {"log_growth": placed["log_growth"].to_numpy()},
        lambda sums: sums[:, 0],
        "kelly_log_growth",
        lower_is_better=False,
        resamples=resamples,
        block_dates=block_dates,
        seed=seed,
    )
