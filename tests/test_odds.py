import polars as pl
import pytest

from mlbcore.features.odds import decimal_odds, implied_prob, no_vig_prob, overround


def _eval(expr: pl.Expr, **columns: list[int]) -> list[float]:
    return pl.DataFrame(columns).select(expr.alias("out"))["out"].to_list()


def test_implied_probability_of_american_odds():
    assert _eval(implied_prob(pl.col("o")), o=[-150, 130, 100, -100]) == pytest.approx(
        [0.6, 100 / 230, 0.5, 0.5]
    )


def test_no_vig_probabilities_of_both_sides_sum_to_one():
    home = _eval(no_vig_prob(pl.col("h"), pl.col("a")), h=[-150, 120], a=[130, -140])
    away = _eval(no_vig_prob(pl.col("a"), pl.col("h")), h=[-150, 120], a=[130, -140])
    assert [h + a for h, a in zip(home, away, strict=True)] == pytest.approx([1.0, 1.0])
    assert home[0] == pytest.approx(0.6 / (0.6 + 100 / 230))


def test_overround_of_a_standard_minus_110_market_is_about_4_5_percent():
    assert _eval(overround(pl.col("h"), pl.col("a")), h=[-110], a=[-110]) == pytest.approx(
        [2 * 110 / 210 - 1]
    )


def test_decimal_odds():
    assert _eval(decimal_odds(pl.col("o")), o=[-150, 130]) == pytest.approx([1 + 100 / 150, 2.3])
