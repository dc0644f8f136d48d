"""The paired date-block bootstrap against cases worked by hand."""

from datetime import date

import numpy as np
import polars as pl
import pytest

from mlbcore.training.bootstrap import (
    Interval,
    compare,
    default_block_dates,
    growth_interval,
    yield_interval,
)

DAY_1, DAY_2 = date(2016, 5, 1), date(2016, 5, 2)


def test_two_dates_by_hand():
    # Day 1: one game, A's log loss 0.3 worse than B's. Day 2: three games, A 0.1 better
    # on each. Resampling two dates one at a time gives day 1 twice (difference +0.3,
    # probability 1/4), day 2 twice (-0.1, 1/4) or one of each ((0.3 - 0.3) / 4 = 0, 1/2).
    # Estimate 0; the 2.5 and 97.5 percentiles are the extremes, -0.1 and +0.3.
    y = np.array([1, 1, 1, 1])
    p_b = np.full(4, 0.5)
    loss_b = np.log(2)
    p_a = np.exp(-(loss_b + np.array([0.3, -0.1, -0.1, -0.1])))
    dates = pl.Series([DAY_1, DAY_2, DAY_2, DAY_2])
    result = compare("log_loss", dates, y, p_a, p_b, resamples=4000, block_dates=1)
    assert result.estimate == pytest.approx(0.0, abs=1e-12)
    assert result.low == pytest.approx(-0.1)
    assert result.high == pytest.approx(0.3)
    assert (result.games, result.dates) == (4, 2)
    assert result.verdict == "no clear difference"


def test_a_difference_on_every_date_is_a_verdict():
    dates = pl.Series([date(2016, 5, d) for d in range(1, 31) for _ in range(10)])
    rng = np.random.default_rng(1)
    y = rng.integers(0, 2, dates.len())
    truth = np.where(y == 1, 0.6, 0.4)
    better = compare("brier", dates, y, truth, np.full(dates.len(), 0.5))
    assert better.verdict == "better" and better.high < 0
    worse = compare("brier", dates, y, np.full(dates.len(), 0.5), truth)
    assert worse.verdict == "worse" and worse.low > 0
    assert worse.estimate == pytest.approx(-better.estimate)


def test_rmse_difference_is_a_difference_of_rmses():
    y = np.array([8.0, 10.0, 6.0, 9.0])
    a = np.array([8.5, 9.0, 7.0, 9.0])
    b = np.full(4, 8.5)
    dates = pl.Series([DAY_1, DAY_1, DAY_2, DAY_2])
    result = compare("rmse", dates, y, a, b)
    expected = np.sqrt(np.mean((a - y) ** 2)) - np.sqrt(np.mean((b - y) ** 2))
    assert result.estimate == pytest.approx(expected)
    assert result.low <= result.estimate <= result.high


def test_games_of_one_date_stay_together():
    # Every date's games sum to a difference of zero; resampling dates (not games) can
    # therefore only ever give zero.
    dates = pl.Series([date(2016, 5, d) for d in range(1, 11) for _ in range(2)])
    y = np.zeros(dates.len())
    a = np.tile([0.2, 0.0], 10)
    b = np.tile([0.0, 0.2], 10)
    result = compare("brier", dates, y, a, b, block_dates=3)
    assert (result.low, result.estimate, result.high) == pytest.approx((0, 0, 0))


def test_yield_and_growth_intervals():
    placed = pl.DataFrame(
        {
            "date": [DAY_1, DAY_1, DAY_2],
            "flat_profit": [0.9, -1.0, 1.1],
            "log_growth": [0.01, -0.02, 0.03],
        }
    )
    yields = yield_interval(placed, block_dates=1)
    assert yields.estimate == pytest.approx(1.0 / 3)
    # Day 1 twice: -0.1 / 2; day 2 twice: 1.1.
    assert (yields.low, yields.high) == pytest.approx((-0.05, 1.1))
    assert yields.verdict == "no clear difference"
    growth = growth_interval(placed, block_dates=1)
    assert growth.estimate == pytest.approx(0.02)
    assert (growth.low, growth.high) == pytest.approx((-0.02, 0.06))


def test_block_length_and_empty_input():
    assert default_block_dates(1) == 1
    assert default_block_dates(7) == 2
    assert default_block_dates(180) == 6
    with pytest.raises(ValueError, match="at least one game"):
        compare("log_loss", pl.Series([], dtype=pl.Date), np.array([]), np.array([]), np.array([]))


def test_a_tiny_difference_reads_in_significant_digits_not_zeros():
    tiny = Interval("log_loss", 0.0000565, 0.000012, 0.000101, 7264, 540, 7, 1000)
    assert tiny.text().startswith("+0.0000565 (95 % CI +0.0000120 to +0.000101;")
    usual = Interval("log_loss", -0.0223, -0.034, -0.0109, 7264, 540, 7, 1000)
    assert usual.text().startswith("-0.0223 (95 % CI -0.0340 to -0.0109;")
    # The same model twice: the resamples' rounding is not a difference to print.
    same = Interval("log_loss", 0.0, -9.53e-17, 0.0, 2428, 179, 6, 2000)
    assert same.text().startswith("+0.0000 (95 % CI +0.0000 to +0.0000;")
