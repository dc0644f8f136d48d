from datetime import date

import polars as pl
import pytest

from mlbcore.evaluation.quality_bench import (
    ALL_HISTORY,
    SHIPPED,
    book_baselines,
    quality_table,
    verdict_words,
    walk_variants,
)
from mlbcore.evaluation.walk_forward import (
    Variant,
    month_as_of,
    walk_forward_all_history,
    walk_forward_shipped,
)
from mlbcore.features.build import build_features
from mlbcore.features.registry import FEATURE_NAMES, FEATURES, MARKET_FREE_FEATURES
from mlbcore.settings import load_settings
from mlbcore.targets import Target
from mlbcore.training.bootstrap import Interval
from mlbcore.training.labels import labelled_games

MONTHS = [date(2016, 8, 1), date(2016, 9, 1)]
MARKET_FREE = Variant(
    Target.MONEYLINE_HOME_WIN, MARKET_FREE_FEATURES, "market-free", uses_market=False
)


@pytest.fixture(scope="module")
def demo_features(demo_snapshot) -> pl.DataFrame:
    return build_features(demo_snapshot)


def test_all_history_predicts_each_month_with_a_model_of_earlier_games_only(
    demo_snapshot, demo_features
):
    labelled = labelled_games(demo_features, demo_snapshot.games, Target.MONEYLINE_HOME_WIN)
    walked = walk_forward_all_history(labelled, MARKET_FREE, MONTHS, load_settings())
    assert walked.predictions.height == labelled.filter(pl.col("date") >= MONTHS[0]).height
    for row in walked.months.iter_rows(named=True):
        assert row["n_train"] == labelled.filter(pl.col("date") < row["month"]).height
        assert row["last_train_date"] < row["month"]
        assert row["gate_failures"] is None  # no held-out dates, so no gate verdict
    assert walked.predictions["prediction"].is_between(0, 1).all()


def test_shipped_walk_trains_each_month_on_the_window_before_it_only(demo_snapshot, demo_features):
    settings = load_settings()
    days = settings.training.training_window_days
    games = demo_snapshot.games
    labelled = labelled_games(demo_features, games, Target.MONEYLINE_HOME_WIN)
    walked = walk_forward_shipped(demo_features, games, MARKET_FREE, MONTHS, settings)

    assert walked.months["month"].to_list() == MONTHS
    for row in walked.months.iter_rows(named=True):
        month = row["month"]
        # The window `mlb train --as-of` would use: the last `days` game dates before it.
        before = games.filter(pl.col("date") < month)["date"].unique().sort()
        assert before.len() > days  # else the window would not be cut
        assert (row["window_start"], row["window_end"]) == (before[-days], before[-1])
        assert row["as_of_utc"] == month_as_of(month)
        assert row["first_train_date"] >= row["window_start"]
        assert row["last_train_date"] < month
        in_window = labelled.filter(pl.col("date").is_between(row["window_start"], month, "left"))
        assert row["n_train"] == in_window.height
        assert isinstance(row["gate_failures"], str)  # the gate judged every month

    # Every game from the first month on predicted once, by its own month's model (the
    # last month's model runs to the end of the data).
    predicted = walked.predictions
    assert predicted.height == labelled.filter(pl.col("date") >= MONTHS[0]).height
    assert predicted["game_id"].is_unique().all()
    month_of_date = pl.min_horizontal(pl.col("date").dt.truncate("1mo"), pl.lit(MONTHS[-1]))
    assert (predicted["month"] == predicted.select(month_of_date).to_series()).all()
    assert predicted["prediction"].is_between(0, 1).all()


def test_month_as_of_is_the_morning_after_the_last_day_before_any_cutoff():
    assert month_as_of(date(2016, 7, 1)).isoformat() == "2016-07-01T10:00:00+00:00"


def test_every_comparison_carries_an_interval_and_words_from_it(demo_snapshot, demo_features):
    # The demo has one book; it stands in for both Pinnacle and SBR here.
    odds = demo_snapshot.odds_lines
    both_books = pl.concat([odds.with_columns(book=pl.lit(b)) for b in ("pinnacle", "sbr")])
    baselines = book_baselines(demo_snapshot.games, both_books, 60)
    variants = (MARKET_FREE, Variant(Target.RUN_TOTAL_REGRESSION, FEATURE_NAMES, "run total"))
    bench = walk_variants(
        demo_features, demo_snapshot.games, baselines, MONTHS, load_settings(), variants
    )

    compared = bench.comparisons
    keys = {(v.label, t) for v in variants for t in (SHIPPED, ALL_HISTORY)}
    for label, training in keys:
        rows = compared.filter((pl.col("variant") == label) & (pl.col("training") == training))
        expected = ["base_rate", "pinnacle_cutoff", "sbr_open"]
        # The shipped walk is also compared with the all-history walk, game for game.
        expected += ["all_history"] if training == SHIPPED else []
        assert sorted(rows["baseline"]) == sorted(expected)
        table = bench.table.filter((pl.col("variant") == label) & (pl.col("training") == training))
        # The intervals are on the very games the point values are.
        assert set(rows["games"]) == set(table["games"]) and rows["games"].n_unique() == 1
    assert (compared["low"] <= compared["difference"]).all()
    assert (compared["difference"] <= compared["high"]).all()
    assert (compared["low"] < compared["high"]).all()
    assert set(compared["metric"]) == {"log_loss", "rmse"}
    for row in compared.iter_rows(named=True):
        assert row["words"].split(" ")[0] in ("better", "worse", "no")
    shipped = bench.table.filter(pl.col("training") == SHIPPED)
    assert shipped["gate_failed"].str.ends_with(f"/{len(MONTHS)}").all()
    assert (bench.table.filter(pl.col("training") == ALL_HISTORY)["gate_failed"] == "n/a").all()


def _interval(estimate: float, low: float, high: float) -> Interval:
    return Interval("log_loss", estimate, low, high, 100, 20, 3, 2000)


def test_the_words_come_from_the_interval_not_the_point_estimate():
    assert verdict_words(_interval(-0.009, -0.02, 0.001), "pinnacle_cutoff") == (
        "no clear difference from the market"
    )
    assert verdict_words(_interval(-0.009, -0.02, -0.001), "pinnacle_cutoff") == (
        "better than the market"
    )
    assert verdict_words(_interval(0.009, 0.001, 0.02), "base_rate") == "worse than the base rate"


def test_market_free_features_have_no_market_or_splits_input():
    sources = {f.source for f in FEATURES if f.name in MARKET_FREE_FEATURES}
    assert sources == {"schedule", "results", "players", "lineups", "workload"}


def test_quality_benchmark_on_real_data_reproduces_the_market_reference(shared_data):
    bench = quality_table(shared_data)
    table = bench.table
    moneyline = table.filter(
        (pl.col("variant") == "moneyline, with market features")
        & (pl.col("metric") == "log_loss")
        & (pl.col("training") == ALL_HISTORY)
    ).to_dicts()[0]
    # The data README's reference: Pinnacle's no-vig price at the cutoff, 0.6737 on 2016.
    assert moneyline["pinnacle_cutoff"] == pytest.approx(0.6737, abs=0.002)
    assert moneyline["base_rate"] == pytest.approx(0.6915, abs=0.002)
    assert moneyline["games"] > 2400
    assert 0.66 < moneyline["model"] < 0.70
    run_total = table.filter(pl.col("metric") == "rmse").to_dicts()[0]
    assert run_total["pinnacle_cutoff"] == pytest.approx(4.42, abs=0.03)
    # Both trainings, every variant: three baselines each, and shipped vs all history.
    assert bench.comparisons.height == 4 * (2 * 3 + 1)
