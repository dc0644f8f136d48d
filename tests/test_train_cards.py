"""The train page's verdict cards read a training run's held-out measures as the landing
page reads an evaluation's: same words, same colours, and honest about what they lack."""

from mlbcore.lifecycle.train_cards import held_out_card
from mlbcore.lifecycle.version_tables import vs_market_words
from mlbcore.targets import Target

TARGET = Target.MONEYLINE_HOME_WIN
BEATS_MARKET = {
    "test_log_loss": 0.68,
    "test_vs_market_log_loss_diff": -0.004,
    "test_vs_market_log_loss_diff_ci_low": -0.007,
    "test_vs_market_log_loss_diff_ci_high": -0.001,
    "test_vs_market_log_loss_games": 400.0,
    "train_vs_market_log_loss_diff": 0.5,  # never read: only held-out (test_) measures are
}
BETTING = {
    "test_betting_bets": 57.0,
    "test_betting_flat_yield": 0.031,
    "test_betting_flat_yield_ci_low": -0.05,
    "test_betting_flat_yield_ci_high": 0.11,
    "test_betting_kelly_bankroll": 1.02,
    "test_betting_clv_mean": 0.012,
}
SPREAD_OUT = {
    "test_degenerate_prediction_spread": 0.06,
    "test_degenerate_market_spread": 0.07,
    "test_degenerate_largest_bin_share": 0.3,
    "test_degenerate_bet_share": 0.14,
}


def test_a_model_beating_the_market_on_held_out_games_is_green_with_its_bets():
    card = held_out_card(TARGET, BEATS_MARKET | BETTING | SPREAD_OUT, "held out: x", "new v2", [])
    assert card.colour == "green" and card.verdict == "beats the market"
    assert card.role == "new v2" and card.detail == "held out: x"
    assert "-0.0040" in card.vs_market and "400 games" in card.vs_market
    assert card.betting.startswith("yield +3.1 %") and card.betting.endswith("57 bets")
    assert card.clv == "CLV +1.2 % per bet"
    assert card.lines()[0] == "moneyline_home_win new v2: beats the market"


def test_a_degenerate_model_or_a_failed_gate_is_never_green():
    constant = SPREAD_OUT | {"test_degenerate_prediction_spread": 0.001}
    card = held_out_card(TARGET, BEATS_MARKET | BETTING | constant, "", "new v2", [])
    assert card.colour == "neutral"
    assert any("predictions nearly constant" in w for w in card.warnings)
    gated = held_out_card(TARGET, BEATS_MARKET | BETTING | SPREAD_OUT, "", "", ["fails: x"])
    assert gated.colour == "neutral" and gated.warnings == ("fails: x",)


def test_a_champion_trained_before_betting_was_measured_says_so():
    card = held_out_card(TARGET, BEATS_MARKET, "", "champion v1", [])
    assert card.betting == "betting not measured at its training: open Evaluate for it"
    assert card.clv == ""
    totals = held_out_card(Target.RUN_TOTAL_REGRESSION, {}, "", "champion v1", [])
    assert totals.betting == "not bet (run totals)"
    assert totals.verdict == "not compared with the market"


def test_the_version_history_reads_tiny_differences_without_e_notation():
    metrics = {
        "test_vs_market_log_loss_diff": 5.5e-05,
        "test_vs_market_log_loss_diff_ci_low": -1.23e-05,
        "test_vs_market_log_loss_diff_ci_high": 0.000123,
        "test_vs_market_log_loss_games": 165.0,
    }
    words, verdict = vs_market_words(metrics, "log_loss")
    assert words == "+0.0000550 (95 % CI -0.0000123 to +0.000123; 165 games)"
    assert verdict == "no clear difference" and "e-" not in words
    assert vs_market_words({}, "log_loss")[0] == "not compared: the market priced no test game"
