"""What the drift, replay and schedule pages show, as plain functions."""

import polars as pl

from mlbcore.lifecycle.decisions import ChampionCheck, Decision, decide
from mlbcore.lifecycle.retrain import RetrainOutcome
from mlbcore.notebook.operations import (
    DRIFT_TABLE_FORMATS,
    GREY,
    drift_table,
    greyed_unjudged,
    picked_feature,
    retrain_outcome_text,
)
from mlbcore.settings import RetrainingConfig
from mlbcore.targets import Target

DISTRIBUTIONS = pl.DataFrame(
    {
        "feature": ["x", "splits_over_ticket_pct", "month"],
        "psi": [0.123456, 2.0, 5.0],
        "wasserstein_std": [0.3333333, 1.0, 3.0],
        "ks_p": [0.0001234, 1.0, 0.0],
        "bh_q": [0.0004567, None, None],
        "level": ["drift", "data source", "calendar"],
    }
)


def test_the_drift_table_reads_for_people_and_greys_what_is_not_judged():
    table = drift_table(DISTRIBUTIONS)
    assert table.row(0) == ("x", "drift", 0.123, 0.333, 0.000123, 0.000457)
    style = greyed_unjudged(table)
    assert style("0", "psi", 0.123) == {}
    assert style("1", "feature", "splits_over_ticket_pct") == GREY
    assert style("2", "verdict", "calendar") == GREY
    assert drift_table(DISTRIBUTIONS.with_columns(level=pl.lit("ok")))["verdict"][0] == "no drift"


def test_the_drift_table_shows_p_values_to_three_digits_or_under_a_thousandth():
    table = drift_table(DISTRIBUTIONS.with_columns(ks_p=pl.Series([3.3e-15, 0.0456789, 0.5])))
    shown = {name: [DRIFT_TABLE_FORMATS[name](v) for v in table[name]] for name in table.columns
             if name in DRIFT_TABLE_FORMATS}  # fmt: skip
    assert shown["ks_p"] == ["<0.001", "0.0457", "0.500"]
    assert shown["bh_q"] == ["<0.001", "-", "-"]
    assert shown["psi"] == ["0.123", "2.00", "5.00"]
    assert shown["wasserstein_sd"] == ["0.333", "1.00", "3.00"]


def test_a_row_picked_in_the_table_wins_over_the_dropdown():
    assert picked_feature(pl.DataFrame(), "month") == "month"
    assert picked_feature(drift_table(DISTRIBUTIONS).slice(1, 1), "month") == (
        "splits_over_ticket_pct"
    )


def test_a_retrain_outcome_in_one_sentence():
    kept = RetrainOutcome(
        Target.MONEYLINE_HOME_WIN, Decision("retrain", ["drift"]), 2, challenger_version=3,
        reasons=["drift", "challenger minus champion, log_loss: -0.001 (no clear difference)"],
    )  # fmt: skip
    assert retrain_outcome_text(kept) == (
        "**retrain** (champion v2): drift; challenger minus champion, log_loss: -0.001 "
        "(no clear difference)\n\nChallenger v3 not promoted."
    )
    first = RetrainOutcome(
        Target.MONEYLINE_HOME_WIN, Decision("train", ["no champion"]), None,
        challenger_version=1, promoted=True, reasons=["no champion", "first champion"],
    )  # fmt: skip
    assert retrain_outcome_text(first).endswith("Challenger v1 promoted: it is the champion now.")
    skipped = RetrainOutcome(Target.MONEYLINE_HOME_WIN, Decision("skip", ["healthy"]), 2)
    assert retrain_outcome_text(skipped) == "**skip** (champion v2): healthy"


def test_fit_challenger_names_a_change_of_data_source():
    """What the drift page's Fit challenger shows when the decision is a change of source."""
    new_book = "data source changed: new book pinnacle (100 % of recent priced games, none before)"
    check = ChampionCheck(
        metric_name="log_loss", metric_at_training=0.68, new_samples=150, age_hours=12.0,
        window_games=100, window_metric=0.69, drift_verdict="data source changed",
        source_reasons=(new_book,),
    )  # fmt: skip
    decision = decide(RetrainingConfig(), check)
    outcome = RetrainOutcome(Target.MONEYLINE_HOME_WIN, decision, 2, reasons=decision.reasons)
    assert retrain_outcome_text(outcome).startswith(f"**retrain** (champion v2): {new_book}: ")
