from datetime import date

import polars as pl
import pytest

from mlbcore.evaluation.quality_bench import quality_table
from mlbcore.evaluation.walk_forward import MARKET_FREE_FEATURES, Variant, walk_forward
from mlbcore.features.build import build_features
from mlbcore.features.registry import FEATURES
from mlbcore.settings import load_settings
from mlbcore.targets import Target
from mlbcore.training.labels import labelled_games


def test_each_month_is_predicted_by_a_model_of_earlier_games_only(demo_snapshot):
    labelled = labelled_games(
        build_features(demo_snapshot), demo_snapshot.games, Target.MONEYLINE_HOME_WIN
    )
    months = [date(2016, 8, 1), date(2016, 9, 1)]
    variant = Variant(Target.MONEYLINE_HOME_WIN, MARKET_FREE_FEATURES, "test")
    predictions = walk_forward(labelled, variant, months, load_settings())
    in_months = labelled.filter(pl.col("date") >= months[0])
    assert predictions.height == in_months.height
    for month in months:
        rows = predictions.filter(pl.col("month") == month)
        assert rows["n_train"].unique().to_list() == [
            labelled.filter(pl.col("date") < month).height
        ]
    assert predictions["prediction"].is_between(0, 1).all()


def test_market_free_features_have_no_market_or_splits_input():
    sources = {f.source for f in FEATURES if f.name in MARKET_FREE_FEATURES}
    assert sources == {"schedule", "results"}


def test_quality_benchmark_on_real_data_reproduces_the_market_reference(shared_data):
    table, _ = quality_table(shared_data)
    moneyline = table.filter(
        (pl.col("variant") == "moneyline, with market features") & (pl.col("metric") == "log_loss")
    ).to_dicts()[0]
    # The data README's reference: Pinnacle's no-vig price at the cutoff, 0.6737 on 2016.
    assert moneyline["pinnacle_cutoff"] == pytest.approx(0.6737, abs=0.002)
    assert moneyline["base_rate"] == pytest.approx(0.6915, abs=0.002)
    assert moneyline["games"] > 2400
    assert 0.66 < moneyline["model"] < 0.70
    run_total = table.filter(pl.col("metric") == "rmse").to_dicts()[0]
    assert run_total["pinnacle_cutoff"] == pytest.approx(4.42, abs=0.03)
