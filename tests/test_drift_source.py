"""A change of data source is told apart from drift, and the drill-down's histograms."""

import numpy as np
import polars as pl

from mlbcore import charts
from mlbcore.evaluation.drift import distribution_drift, verdict
from mlbcore.evaluation.histograms import feature_histograms
from mlbcore.evaluation.source_change import (
    MARKET_FEATURES,
    book_mix_change,
    book_shares,
    missingness_changes,
)


def _windows(seed: int = 0) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Splits (almost) all missing in training and present now; ``x`` unchanged; ``month`` moved."""
    rng = np.random.default_rng(seed)
    training = pl.DataFrame(
        {
            # 4 % of games from a trial feed, the rest missing
            "splits_ml_home_ticket_pct": np.where(np.arange(800) < 32, 50.0, np.nan),
            "x": rng.normal(0, 1, 800),
            "month": rng.integers(4, 7, 800).astype(float),
        }
    )
    recent = pl.DataFrame(
        {
            "splits_ml_home_ticket_pct": rng.uniform(30, 70, 300),
            "x": rng.normal(0, 1, 300),
            "month": np.full(300, 9.0),
        }
    )
    return training, recent


def test_a_feature_appearing_is_a_data_source_change_not_drift():
    training, recent = _windows()
    names = training.columns
    change = missingness_changes(training, recent, names)
    assert change.features == {"splits_ml_home_ticket_pct"}
    assert change.reasons[0].startswith("data source changed: splits_ml_home_ticket_pct appeared")
    table = distribution_drift(training, recent, names, source_features=change.features)
    # Judged first, then the data-source ones, then the calendar ones.
    assert table["feature"].to_list() == ["x", "splits_ml_home_ticket_pct", "month"]
    assert table["level"].to_list() == ["ok", "data source", "calendar"]
    word, reasons = verdict(None, table, recent.height, source_reasons=change.reasons)
    assert word == "data source changed" and reasons == change.reasons
    # Without telling the source change apart, the same windows read as drift.
    assert verdict(None, distribution_drift(training, recent, names), recent.height)[0] == "drift"


def test_a_feature_disappearing_is_named_and_real_drift_stays_drift():
    training, recent = _windows()
    change = missingness_changes(recent, training, training.columns)  # the other way round
    assert "disappeared" in change.reasons[0]
    shifted = recent.with_columns(pl.col("x") + 1.0)
    names = training.columns
    source = missingness_changes(training, shifted, names)
    table = distribution_drift(training, shifted, names, source_features=source.features)
    word, reasons = verdict(None, table, shifted.height, source_reasons=source.reasons)
    assert word == "drift"
    assert reasons[0].startswith("1 of 1 features differ") and "data source changed" in reasons[1]


def test_a_new_book_moves_the_market_features_to_the_data_source():
    lines = pl.DataFrame(
        {
            "game_id": ["a", "a", "b", "c", "d", "d"],
            "book": ["sbr", "sbr", "sbr", "pinnacle", "pinnacle", "sbr"],
        }
    )
    before = book_shares(lines, pl.Series(["a", "b"]))
    after = book_shares(lines, pl.Series(["c", "d"]))
    assert before == {"sbr": 1.0} and after == {"pinnacle": 1.0, "sbr": 0.5}
    change = book_mix_change(before, after)
    assert change.features == set(MARKET_FEATURES) and MARKET_FEATURES
    assert change.reasons == [
        "data source changed: new book pinnacle (100 % of recent priced games, none before); "
        "book sbr priced 100 % of games in training, 50 % now"
    ]
    assert book_mix_change(before, before).reasons == []


def test_histograms_share_bins_and_the_chart_draws_one_feature():
    training, recent = _windows()
    frame = feature_histograms({"training": training, "recent": recent}, training.columns, bins=10)
    x = frame.filter(pl.col("feature") == "x")
    assert x.height == 20
    training_bins = x.filter(pl.col("window") == "training").select("bin_low", "bin_high")
    assert training_bins.equals(
        x.filter(pl.col("window") == "recent").select("bin_low", "bin_high")
    )
    assert np.allclose(x.group_by("window").agg(pl.col("share").sum())["share"], 1.0)
    splits = frame.filter(pl.col("feature") == "splits_ml_home_ticket_pct")
    assert splits.filter(pl.col("window") == "training")["missing_share"].unique().to_list() == [
        0.96
    ]
    spec = charts.feature_histogram_chart(frame, "x").to_dict()
    assert spec["title"] == "x: training window vs recent window"
    assert len(spec["datasets"][next(iter(spec["datasets"]))]) == 20


def test_the_real_odds_show_pinnacle_arriving_in_2016_and_no_change_within_2015(
    real_snapshot_dir,
):
    """The real data's change of source: SBR's consensus prices alone in 2015, Pinnacle's
    beside them in 2016. The retrain decision's check names it, and finds none between
    two windows of 2015."""
    from datetime import date

    from mlbcore.data.snapshot import load_snapshot
    from mlbcore.evaluation.source_change import window_source_change

    snapshot = load_snapshot(real_snapshot_dir)
    games = snapshot.games.select("game_id", "date")

    def window(first: date, last: date) -> pl.DataFrame:
        return games.filter(pl.col("date").is_between(first, last))

    june_2015 = window(date(2015, 6, 1), date(2015, 6, 30))
    august_2015 = window(date(2015, 8, 1), date(2015, 8, 7))
    june_2016 = window(date(2016, 6, 1), date(2016, 6, 7))
    change = window_source_change(june_2015, june_2016, [], snapshot.odds_lines)
    assert change.features == set(MARKET_FEATURES)
    [reason] = change.reasons
    assert reason.startswith("data source changed: new book pinnacle (")
    assert "none before" in reason
    same = window_source_change(june_2015, august_2015, [], snapshot.odds_lines)
    assert same.reasons == [] and same.features == set()
