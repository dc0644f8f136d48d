"""Betting-odds arithmetic on whole columns: American odds to probabilities, vig removal."""

import polars as pl


def implied_prob(american: pl.Expr) -> pl.Expr:
    """Break-even probability of American odds (-150 -> 0.6, +130 -> 0.4348), vig included."""
    odds = american.cast(pl.Float64)
    return pl.when(odds < 0).then(-odds / (-odds + 100.0)).otherwise(100.0 / (odds + 100.0))


def no_vig_prob(side: pl.Expr, other: pl.Expr) -> pl.Expr:
    """One side's probability with the book's margin removed proportionally."""
    p, q = implied_prob(side), implied_prob(other)
    return p / (p + q)


def overround(side: pl.Expr, other: pl.Expr) -> pl.Expr:
    """The book's margin: the two implied probabilities' sum minus one (0.04 = 4 %)."""
    return implied_prob(side) + implied_prob(other) - 1.0


def decimal_odds(american: pl.Expr) -> pl.Expr:
    """Total return per unit staked on a winning bet (-150 -> 1.667, +130 -> 2.3)."""
    odds = american.cast(pl.Float64)
    return pl.when(odds < 0).then(1.0 + 100.0 / -odds).otherwise(1.0 + odds / 100.0)
