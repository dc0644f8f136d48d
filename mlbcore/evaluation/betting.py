"""Betting results of a model's probabilities against the market's prices at the cutoff:
which side to bet, flat-stake yield, fractional-Kelly bankroll growth and closing-line
value. Whole-column Polars expressions; games are settled in first-pitch order."""

from dataclasses import dataclass

import polars as pl

from mlbcore.features.odds import decimal_odds, no_vig_prob


@dataclass(frozen=True)
class BettingRules:
    edge_threshold: float = 0.02  # bet only when expected return per unit exceeds this
    kelly_fraction: float = 0.25
    max_stake: float = 0.05  # of the bankroll, whatever Kelly says


def bets(frame: pl.DataFrame, rules: BettingRules) -> pl.DataFrame:
    """One row per game where a bet clears the edge threshold.

    ``frame`` needs ``first_pitch_utc``, ``prob`` (the model's probability of side A),
    ``won_a`` (1 if side A won), ``price_a``/``price_b`` (American odds at the cutoff)
    and, optionally, ``close_a``/``close_b`` (closing American odds). Side A is home or
    over; side B away or under.
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
    return (
        chosen.sort("first_pitch_utc")
        .with_columns(
            flat_profit=pl.when(pl.col("won") == 1).then(pl.col("odds") - 1).otherwise(-1.0),
            kelly_stake=stake,
            # Expected return per unit had the bet been priced at the closing no-vig line.
            clv=pl.col("close_prob") * pl.col("odds") - 1,
        )
        .with_columns(bankroll=(1 + pl.col("kelly_stake") * pl.col("flat_profit")).cum_prod())
    )


def betting_summary(placed: pl.DataFrame) -> dict[str, float]:
    """Bets, flat-stake yield, final fractional-Kelly bankroll (from 1.0) and mean CLV."""
    n = placed.height
    return {
        "bets": float(n),
        "flat_yield": float(placed["flat_profit"].sum() / n) if n else 0.0,
        "kelly_bankroll": float(placed["bankroll"][-1]) if n else 1.0,
        "clv_mean": float(placed["clv"].mean())
        if n and placed["clv"].null_count() < n
        else float("nan"),  # type: ignore[arg-type]
        "win_rate": float(placed["won"].mean()) if n else float("nan"),  # type: ignore[arg-type]
    }
