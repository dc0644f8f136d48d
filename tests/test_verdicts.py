"""Verdict cards and degenerate-model flags: green only when the interval says the model
beats the market; a straddling interval is "no clear difference"; each flag can fire and
can stay quiet; numbers read as people read them."""

import polars as pl
import pytest

from mlbcore import formatting
from mlbcore.evaluation.verdicts import (
    BettingNumbers,
    DegenerateMeasures,
    constant_predictions_flag,
    crowded_bin_flag,
    degenerate_flags,
    degenerate_measures,
    logged_card,
    most_games_bet_flag,
    verdict_card,
)
from mlbcore.targets import Target
from mlbcore.training.bootstrap import Interval

ML = Target.MONEYLINE_HOME_WIN


def _interval(estimate: float, low: float, high: float, games: int = 400) -> Interval:
    return Interval("log_loss", estimate, low, high, games, 30, 3, 2000)


@pytest.mark.parametrize(
    ("low", "high", "colour", "verdict"),
    [
        (-0.009, -0.001, "green", "beats the market"),  # wholly below zero: lower is better
        (-0.009, 0.002, "neutral", "no clear difference from the market"),  # straddles 0
        (0.001, 0.009, "red", "worse than the market"),
    ],
)
def test_a_card_is_green_only_when_the_interval_says_better(low, high, colour, verdict):
    card = verdict_card(ML, _interval((low + high) / 2, low, high), None)
    assert (card.colour, card.verdict) == (colour, verdict)
    assert "better" not in card.verdict


def test_a_large_difference_inside_the_interval_is_no_clear_difference():
    card = verdict_card(ML, _interval(-0.05, -0.2, 0.01), None)
    assert card.verdict == "no clear difference from the market" and card.colour == "neutral"


def test_a_warning_keeps_a_better_card_from_green_but_not_a_worse_one_from_red():
    better, worse = _interval(-0.01, -0.02, -0.001), _interval(0.01, 0.001, 0.02)
    assert verdict_card(ML, better, None, warnings=["in-sample"]).colour == "neutral"
    assert verdict_card(ML, worse, None, warnings=["in-sample"]).colour == "red"


def test_too_few_games_or_no_market_is_never_a_verdict():
    assert verdict_card(ML, _interval(-0.01, -0.02, -0.001, games=12), None).colour == "neutral"
    card = verdict_card(ML, None, None)
    assert card.colour == "neutral" and card.vs_market == "no market price on these games"
    assert card.betting == "no bets: no market price to bet against"


def test_a_card_shows_yield_as_a_percentage_and_bets_as_an_integer():
    numbers = BettingNumbers(344, -0.0553, -0.12, 0.01, "no clear difference", 0.4123, -0.026)
    card = verdict_card(ML, _interval(0.001, -0.002, 0.004), numbers)
    assert card.betting == (
        "yield -5.5 % (95 % CI -12.0 % to +1.0 %: no clear difference), "
        "Kelly bankroll 0.412x, 344 bets"
    )
    assert card.clv == "CLV -2.6 % per bet"
    assert verdict_card(Target.RUN_TOTAL_REGRESSION, None, None).betting == "not bet (run totals)"


def _measures(spread=0.08, market=0.085, share=0.4, bets=0.2) -> DegenerateMeasures:
    return DegenerateMeasures(spread, market, share, bets)


def test_each_degenerate_flag_fires_alone():
    assert degenerate_flags(_measures(), binary=True) == []
    [constant] = degenerate_flags(_measures(spread=0.004), binary=True)
    assert constant.startswith("predictions nearly constant")
    assert degenerate_flags(_measures(share=0.9), binary=True) == [
        "one calibration bin holds 90 % of the games"
    ]
    assert degenerate_flags(_measures(bets=0.7), binary=True) == [
        "bets on 70 % of the priced games"
    ]


def test_constant_is_judged_against_the_market_or_an_absolute_floor():
    assert constant_predictions_flag(_measures(spread=0.02, market=0.1), True)  # a fifth of it
    assert constant_predictions_flag(_measures(spread=0.03, market=0.1), True) is None
    assert constant_predictions_flag(_measures(spread=0.005, market=None), True)
    assert constant_predictions_flag(_measures(spread=0.5, market=None), False) is None
    assert crowded_bin_flag(_measures(share=0.75)) is None
    assert most_games_bet_flag(_measures(bets=None)) is None  # run totals are not bet


def test_measures_of_a_constant_model():
    scored = pl.DataFrame(
        {"prediction": [0.54] * 50, "market_prediction": [0.4, 0.5, 0.6, 0.7, None] * 10}
    )
    calibration = pl.DataFrame({"bin": [5], "games": [50]})
    measures = degenerate_measures(scored, calibration, bets=30)
    assert measures.prediction_spread == 0.0
    assert measures.largest_bin_share == 1.0
    assert measures.bet_share == 30 / 40
    assert len(degenerate_flags(measures, binary=True)) == 3


def test_a_logged_evaluation_gives_the_same_card_and_its_flags():
    metrics = {
        "vs_market_log_loss_diff": -0.01,
        "vs_market_log_loss_diff_ci_low": -0.02,
        "vs_market_log_loss_diff_ci_high": -0.001,
        "vs_market_log_loss_games": 400.0,
        "betting_bets": 120.0,
        "betting_flat_yield": 0.031,
        "betting_flat_yield_ci_low": 0.004,
        "betting_flat_yield_ci_high": 0.06,
        "betting_kelly_bankroll": 1.21,
        "betting_clv_mean": 0.012,
    }
    card = logged_card(ML, metrics, health="healthy")
    assert (card.colour, card.health) == ("green", "healthy")
    assert "120 bets" in card.betting and "better" in card.betting
    flagged = logged_card(ML, metrics | {"degenerate_prediction_spread": 0.0,
                                         "degenerate_largest_bin_share": 1.0})  # fmt: skip
    assert flagged.colour == "neutral" and len(flagged.warnings) == 2
    assert logged_card(ML, {}).verdict == "not compared with the market"


def test_numbers_read_as_people_read_them():
    assert formatting.significant(0.693147) == "0.6931"
    assert formatting.significant(8.51234) == "8.512"
    assert formatting.significant(1234.56) == "1235"
    assert formatting.significant(0.000123456) == "0.0001235"
    assert formatting.significant(float("nan")) == "-"
    assert formatting.signed(0.0123) == "+0.0123" and formatting.signed(-0.0045) == "-0.0045"
    assert formatting.percent(-0.0553) == "-5.5 %"
    assert formatting.percent(0.0553, sign=True) == "+5.5 %"
    assert formatting.count(344.0) == "344"
    assert formatting.interval(-0.12, 0.01, as_percent=True) == "-12.0 % to +1.0 %"
    assert formatting.interval(None, 0.1) == "-"


def test_tiny_differences_and_p_values_read_without_e_notation():
    assert formatting.signed_significant(5.5e-05) == "+0.0000550"
    assert formatting.signed_significant(-0.0123456) == "-0.0123"
    assert formatting.signed_significant(1.5) == "+1.50"
    assert formatting.signed_significant(0.0) == "0"
    assert formatting.signed_significant(None) == "-"
    assert "e" not in formatting.signed_significant(-3.2e-09)
    assert formatting.p_value(3e-12) == "<0.001" and formatting.p_value(0.0) == "<0.001"
    assert formatting.p_value(0.000999) == "<0.001" and formatting.p_value(0.001) == "0.00100"
    assert formatting.p_value(0.045678) == "0.0457"
    assert formatting.p_value(1.0) == "1.00"
    assert formatting.p_value(float("nan")) == "-" and formatting.p_value(None) == "-"


def test_an_instant_reads_to_the_minute_in_utc():
    from datetime import UTC, datetime, timedelta, timezone

    end_of_day = datetime(2016, 9, 1, 23, 59, 59, 999999, tzinfo=UTC)
    assert formatting.instant(end_of_day) == "2016-09-01 23:59 UTC"
    eastern = datetime(2016, 9, 1, 19, 5, tzinfo=timezone(timedelta(hours=-4)))
    assert formatting.instant(eastern) == "2016-09-01 23:05 UTC"
    assert formatting.instant(None) == "-"
