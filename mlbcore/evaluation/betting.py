"""Betting results of a model's probabilities against the market's prices at the cutoff:
which side to bet, flat-stake yield, fractional-Kelly bankroll growth and closing-line
value, each yield and bankroll with its date-block bootstrap interval.

The Kelly bankroll is staked by slate. A slate is every bet on games of one local game
date (the ``date`` column): a bettor places the day's bets at their cutoffs, before any of
them settles, so each stake is a fraction of the bankroll before the slate, and the slate
moves the bankroll by ``1 + sum(stake_i * profit_i)``. Settling each game before staking
the next would compound within a day, which no one betting a slate could do. Whole-column
Polars expressions throughout."""

import math
from dataclasses import dataclass

import polars as pl

from mlbcore.features.odds import decimal_odds, no_vig_prob
from mlbcore.training.bootstrap import Interval, growth_interval, yield_interval


@dataclass(frozen=True)
class BettingRules:
    edge_threshold: float = 0.02  # bet only when expected return per unit exceeds this
    kelly_fraction: float = 0.25
    max_stake: float = 0.05  # of the bankroll, whatever Kelly says


def bets(frame: pl.DataFrame, rules: BettingRules) -> pl.DataFrame:
    """One row per game where a bet clears the edge threshold, in slate (``date``) then
    first-pitch order.

    ``frame`` needs ``date`` (the local game date: the slate), ``first_pitch_utc``,
    ``prob`` (the model's probability of side A), ``won_a`` (1 if side A won),
    ``price_a``/``price_b`` (American odds at the cutoff) and, optionally,
    ``close_a``/``close_b`` (closing American odds). Side A is home or over; side B away
    or under.

    Adds ``flat_profit`` (per unit staked), ``kelly_stake`` (fraction of the bankroll
    before the slate), ``clv``, ``bankroll_before`` and ``bankroll`` (the bankroll, from
    1.0, before and after the bet's slate settles) and ``log_growth``: the slate's log
    growth shared equally by its bets, so that per-date sums are the slates' log growth
    (what ``growth_interval`` resamples) and the total is the log of the final bankroll.
    """
    prob_a, prob_b = pl.col("prob"), 1 - pl.col("prob")
    odds_a, odds_b = decimal_odds(pl.col("price_a")), decimal_odds(pl.col("price_b"))
    edge_a, edge_b = prob_a * odds_a - 1, prob_b * odds_b - 1
    on_a = edge_a >= edge_b
    has_close = "close_a" in frame.columns
    chosen = frame.with_columns(
        side=pl.when(on_a).then(pl.lit("a")).otherwise(pl.lit("b")),
        edge=pl.when(on_a).then(edge_a).otherwise(edge_b),
        odds=pl.when(on_a).then(odds_a).otherwise(odds_b),
        p=pl.when(on_a).then(prob_a).otherwise(prob_b),
        won=pl.when(on_a).then(pl.col("won_a")).otherwise(1 - pl.col("won_a")),
        close_prob=(
            pl.when(on_a)
            .then(no_vig_prob(pl.col("close_a"), pl.col("close_b")))
            .otherwise(no_vig_prob(pl.col("close_b"), pl.col("close_a")))
            if has_close
            else pl.lit(None, pl.Float64)
        ),
    ).filter(pl.col("edge") > rules.edge_threshold)
    kelly = ((pl.col("p") * pl.col("odds") - 1) / (pl.col("odds") - 1)).clip(0, None)
    stake = (rules.kelly_fraction * kelly).clip(0, rules.max_stake)
    placed = chosen.sort("date", "first_pitch_utc").with_columns(
        flat_profit=pl.when(pl.col("won") == 1).then(pl.col("odds") - 1).otherwise(-1.0),
        # No one can stake more than the bankroll: a slate whose stakes would add up to
        # more is scaled down as a whole (never with the default 5 % cap and <= 16 games).
        kelly_stake=stake / pl.max_horizontal(stake.sum().over("date"), pl.lit(1.0)),
        # Expected return per unit had the bet been priced at the closing no-vig line.
        clv=pl.col("close_prob") * pl.col("odds") - 1,
    )
    slates = (
        placed.group_by("date")
        .agg(
            slate_return=(pl.col("kelly_stake") * pl.col("flat_profit")).sum(),
            slate_bets=pl.len(),
        )
        .sort("date")
        .with_columns(bankroll=(1 + pl.col("slate_return")).cum_prod())
        .select(
            "date",
            pl.col("bankroll").shift(1, fill_value=1.0).alias("bankroll_before"),
            "bankroll",
            log_growth=pl.col("slate_return").log1p() / pl.col("slate_bets"),
        )
    )
    return placed.join(slates, on="date", how="left", maintain_order="left")


@dataclass(frozen=True)
class BettingSummary:
    """The bets' flat-stake yield and fractional-Kelly bankroll, each with its 95 %
    date-block interval and the verdict it supports ("better": clearly above zero yield,
    or clearly above the starting bankroll); ``None`` intervals when nothing was bet."""

    bets: int
    flat_yield: Interval | None  # profit per unit staked
    kelly_growth: Interval | None  # log of the final bankroll multiple
    clv_mean: float
    win_rate: float

    @property
    def kelly_bankroll(self) -> float:
        """Final bankroll from a starting 1.0."""
        return math.exp(self.kelly_growth.estimate) if self.kelly_growth else 1.0

    def metrics(self) -> dict[str, float]:
        """Plain numbers for MLflow metrics and tables (NaN where there is none)."""
        nan = float("nan")
        flat, growth = self.flat_yield, self.kelly_growth
        return {
            "bets": float(self.bets),
            "flat_yield": flat.estimate if flat else 0.0,
            "flat_yield_ci_low": flat.low if flat else nan,
            "flat_yield_ci_high": flat.high if flat else nan,
            "kelly_bankroll": self.kelly_bankroll,
            "kelly_bankroll_ci_low": math.exp(growth.low) if growth else nan,
            "kelly_bankroll_ci_high": math.exp(growth.high) if growth else nan,
            "clv_mean": self.clv_mean,
            "win_rate": self.win_rate,
        }

    def verdicts(self) -> dict[str, str]:
        """The verdict of each interval: "better", "worse" or "no clear difference"."""
        if not (self.flat_yield and self.kelly_growth):
            return {"flat_yield": "no bets", "kelly_bankroll": "no bets"}
        return {"flat_yield": self.flat_yield.verdict, "kelly_bankroll": self.kelly_growth.verdict}

    def rows(self) -> list[dict[str, object]]:
        """One row per measure: value, 95 % interval and verdict, for tables."""
        m, verdicts = self.metrics(), self.verdicts()

        def interval(name: str) -> str:
            low, high = m[f"{name}_ci_low"], m[f"{name}_ci_high"]
            sign = "+" if name == "flat_yield" else ""  # a yield has a sign; a multiple not
            return "-" if low != low else f"{low:{sign}.4f} to {high:{sign}.4f}"

        return [
            {"measure": "bets", "value": self.bets, "95 % CI": "-", "verdict": ""},
            *(
                {
                    "measure": name,
                    "value": m[name],
                    "95 % CI": interval(name),
                    "verdict": verdicts[name],
                }
                for name in ("flat_yield", "kelly_bankroll")
            ),
            {"measure": "clv_mean", "value": m["clv_mean"], "95 % CI": "-", "verdict": ""},
            {"measure": "win_rate", "value": m["win_rate"], "95 % CI": "-", "verdict": ""},
        ]

    def lines(self) -> list[str]:
        """One line per measure for the CLI: the count of bets as an integer, the yield,
        CLV and win rate as percentages, the bankroll as a multiple of its start."""
        m = self.metrics()

        def value(name: str, number: object) -> str:
            if name == "bets" and isinstance(number, int | float):
                return f"{round(number)}"  # a count, even when it arrives as 133.0
            if not isinstance(number, float) or number != number:
                return "-" if number != number else str(number)
            if name in _PERCENTAGES:
                return f"{number * 100:{'+' if name != 'win_rate' else ''}.1f} %"
            return f"{number:.4f}"

        def interval(name: str) -> str:
            low, high = m[f"{name}_ci_low"], m[f"{name}_ci_high"]
            return "-" if low != low else f"{value(name, low)} to {value(name, high)}"

        return [
            f"{row['measure']:<14} {value(str(row['measure']), row['value'])}"
            + (
                f"  (95 % CI {interval(str(row['measure']))}): {row['verdict']}"
                if row["verdict"]
                else ""
            )
            for row in self.rows()
        ]


# Shown to people as percentages: yields and rates.
_PERCENTAGES = ("flat_yield", "clv_mean", "win_rate")


def betting_summary(placed: pl.DataFrame, resamples: int = 2000, seed: int = 0) -> BettingSummary:
    """Bets, flat-stake yield and final fractional-Kelly bankroll (from 1.0) with their
    date-block bootstrap intervals, mean CLV and win rate, of ``bets()``'s output."""
    n = placed.height
    if not n:
        return BettingSummary(0, None, None, float("nan"), float("nan"))
    clv = placed["clv"].drop_nulls()
    return BettingSummary(
        bets=n,
        flat_yield=yield_interval(placed, resamples=resamples, seed=seed),
        kelly_growth=growth_interval(placed, resamples=resamples, seed=seed),
        clv_mean=float(clv.mean()) if clv.len() else float("nan"),  # pyright: ignore[reportArgumentType]  # polars hints a column's mean as any value
        win_rate=float(placed["won"].mean()),  # pyright: ignore[reportArgumentType]  # polars hints a column's mean as any value
    )
