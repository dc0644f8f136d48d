from datetime import date

import polars as pl
import pytest

from mlbcore.bench.quality import closing_prices, quality_table, score_walk, walk
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
    # Its months as two parallel tasks predict exactly what one after another did.
    parallel = walk_forward_all_history(labelled, MARKET_FREE, MONTHS, load_settings(), jobs=2)
    assert parallel.predictions.equals(walked.predictions)


def test_an_unjudged_walk_ships_the_same_models_without_a_gate_verdict(
    demo_snapshot, demo_features, monkeypatch
):
    # Over/under with the market: the offset's recalibration is part of what must match.
    monkeypatch.setenv("TRAINING__TRAINING_WINDOW_DAYS", "90")
    settings = load_settings()
    variant = Variant(Target.TOTAL_OVER_UNDER, FEATURE_NAMES, "all features")
    walk = {
        judged: walk_forward_shipped(
            demo_features, demo_snapshot.games, variant, MONTHS, settings, jobs=1, judged=judged
        )
        for judged in (True, False)
    }
    assert walk[False].predictions.equals(walk[True].predictions)
    assert walk[True].months["gate_failures"].dtype == pl.String
    assert walk[False].months["gate_failures"].is_null().all()
    rounds = ["rounds", "market_free_rounds"]
    assert walk[False].months.select(rounds).equals(walk[True].months.select(rounds))


def test_shipped_walk_trains_each_month_on_the_window_before_it_only(
    demo_snapshot, demo_features, monkeypatch
):
    # A window shorter than the demo season, so it is cut.
    monkeypatch.setenv("TRAINING__TRAINING_WINDOW_DAYS", "90")
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
    # The demo has one book; relabelled, it stands in for SBR's closing line here.
    odds = demo_snapshot.odds_lines.with_columns(book=pl.lit("sbr"))
    closing = closing_prices(demo_snapshot.games, odds)
    said: list[str] = []
    predictions, skipped = walk(
        demo_features,
        demo_snapshot.games,
        (2016,),
        (Target.MONEYLINE_HOME_WIN,),
        jobs=1,
        progress=said.append,
    )
    # Progress: a line as each month begins (the bench takes minutes).
    assert [line.split(":")[0] for line in said] == [
        f"moneyline_home_win 2016-{month:02d}" for month in range(4, 11)
    ]
    # April has no earlier games in the demo: not scored, and said so.
    assert any(line.startswith("moneyline_home_win 2016-04") for line in skipped)
    assert predictions["date"].min() >= date(2016, 5, 1)
    assert predictions["game_id"].is_unique().all()
    # Each month's model and baselines were trained before the month began.
    assert (predictions["window_start"] < predictions["month"]).all()
    table, comparisons, market_free = score_walk(predictions, closing)

    expected = {"market", "recalibrated_market", "logistic", "base_rate", "sbr_close"}
    assert set(comparisons["reference"]) == expected
    # One season: no pooled rows; the intervals are on the very games the table scored.
    assert set(comparisons["season"]) == {"2016"} == set(table["season"])
    assert set(comparisons["games"]) == set(table["games"])
    for frame in (comparisons, market_free):
        assert (frame["low"] <= frame["difference"]).all()
        assert (frame["difference"] <= frame["high"]).all()
        assert frame["words"].str.contains("than|from").all()
    assert set(market_free["reference"]) == {"base_rate", "market"}
    assert (market_free["all_games"] == predictions.height).all()


def test_market_free_features_have_no_market_or_splits_input():
    sources = {f.source for f in FEATURES if f.name in MARKET_FREE_FEATURES}
    assert sources == {"schedule", "results", "players", "lineups", "workload"}


def test_quality_benchmark_on_real_data_reproduces_the_market_reference(shared_data):
    bench = quality_table(shared_data, seasons=(2016,), targets=(Target.MONEYLINE_HOME_WIN,))
    moneyline = bench.table.filter(pl.col("metric") == "log_loss").to_dicts()[0]
    # The data README's references on 2016: Pinnacle's no-vig price at the cutoff 0.6737,
    # SBR's close 0.6733 (here on the games both priced).
    assert moneyline["market"] == pytest.approx(0.6737, abs=0.002)
    assert moneyline["sbr_close"] == pytest.approx(0.6733, abs=0.002)
    assert moneyline["base_rate"] == pytest.approx(0.6915, abs=0.003)
    assert moneyline["games"] > 2400
    assert 0.66 < moneyline["model"] < 0.70
    # Every game scored once, by a model trained before its month.
    predictions = bench.predictions
    assert predictions["game_id"].is_unique().all()
    assert (predictions["window_start"] < predictions["month"]).all()
    assert bench.comparisons.height == 5  # market, recalibrated, logistic, base rate, close
