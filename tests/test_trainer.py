import polars as pl
import pytest

from mlbcore.errors import MlbError
from mlbcore.features.build import build_features
from mlbcore.settings import load_settings
from mlbcore.targets import Target
from mlbcore.training.labels import labelled_games
from mlbcore.training.metrics import metric_names
from mlbcore.training.trainer import train_target
from mlbcore.training.windows import in_window, resolve_window


@pytest.fixture(scope="module")
def window_games(demo_snapshot):
    features = build_features(demo_snapshot)
    window = resolve_window(demo_snapshot.games["date"], 90, None)
    return demo_snapshot, features.filter(in_window(window)), window


def _train(target, labelled, window):
    settings = load_settings()
    return train_target(target, labelled, window, settings.model_for(target), settings.training)


@pytest.mark.parametrize("target", list(Target))
def test_train_target_splits_every_labelled_game_once_and_reports_every_metric(
    window_games, target
):
    snapshot, features, window = window_games
    labelled = labelled_games(features, snapshot.games, target)
    result = _train(target, labelled, window)
    assert result.n_train + result.n_test == labelled.height
    test_dates = set(result.test_predictions["date"].to_list())
    train_dates = set(labelled["date"].to_list()) - test_dates
    assert max(train_dates) < min(test_dates)
    for name in metric_names(target):
        for prefix in (
            "train_",
            "test_",
            "cv_mean_",
            "cv_std_",
            "baseline_market_",
            "baseline_base_rate_",
        ):
            assert f"{prefix}{name}" in result.metrics
    assert result.calibration["games"].sum() == result.n_test
    model = result.model
    parts = {
        "market": model.market_features if model.market else (),
        "market_free": model.market_free_features,
    }
    assert result.importance.height == sum(len(f) for f in parts.values())
    for part, features in parts.items():
        assert set(result.importance.filter(pl.col("part") == part)["feature"]) == set(features)
    # Every test game was priced on the demo: the market part scored them all.
    assert (result.test_predictions["scored_by"] == "market").all()
    assert result.metrics["scored_by_market_test_games"] == result.n_test
    assert result.game_quality.height == labelled.height


def test_the_model_is_also_scored_on_the_test_games_the_market_priced(window_games):
    snapshot, features, window = window_games
    labelled = labelled_games(features, snapshot.games, Target.MONEYLINE_HOME_WIN)
    last_dates = labelled["date"].unique().sort().tail(5)
    # Take the market away from the last five dates (all in the test set).
    labelled = labelled.with_columns(
        market_prediction=pl.when(pl.col("date").is_in(last_dates.implode()))
        .then(None)
        .otherwise(pl.col("market_prediction"))
    )
    settings = load_settings()
    result = train_target(
        Target.MONEYLINE_HOME_WIN,
        labelled,
        window,
        settings.model_for(Target.MONEYLINE_HOME_WIN),
        settings.training,
    )
    assert 0 < result.metrics["baseline_market_coverage"] < 1
    assert "test_market_games_log_loss" in result.metrics


def test_too_many_folds_for_the_dates_is_a_clear_error(window_games):
    snapshot, features, window = window_games
    labelled = labelled_games(features, snapshot.games, Target.MONEYLINE_HOME_WIN)
    settings = load_settings()
    config = settings.training.model_copy(update={"cross_validation_folds": 20, "cv_gap_days": 30})
    with pytest.raises(MlbError, match="too few for 20-fold time-series CV with a 30-day gap"):
        train_target(
            Target.MONEYLINE_HOME_WIN,
            labelled,
            window,
            settings.model_for(Target.MONEYLINE_HOME_WIN),
            config,
        )


def test_the_shipped_model_is_refitted_on_the_whole_window_with_the_cv_rounds(window_games):
    snapshot, features, window = window_games
    target = Target.RUN_TOTAL_REGRESSION
    labelled = labelled_games(features, snapshot.games, target)
    result = _train(target, labelled, window)
    held_out, shipped = result.held_out_model, result.model
    assert shipped is not held_out
    assert (shipped.market_rounds, shipped.market_free_rounds) == (
        held_out.market_rounds,
        held_out.market_free_rounds,
    )
    # Both fits see the same training dates; only the shipped one also saw the test dates,
    # so the two disagree on those games, while the test metrics are the held-out fit's.
    from mlbcore.training.metrics import score
    from mlbcore.training.target_model import feature_matrix

    test_ids = result.test_predictions["game_id"].implode()
    test = labelled.filter(pl.col("game_id").is_in(test_ids))
    x = feature_matrix(test, shipped.market_free_features)
    assert abs(held_out.market_free.predict(x) - shipped.market_free.predict(x)).max() > 1e-6
    assert result.metrics["test_rmse"] == pytest.approx(
        score(target, test["label"].to_numpy(), held_out.predict(test))["rmse"]
    )
    assert result.test_predictions["prediction"].to_list() == pytest.approx(
        list(held_out.predict(test)), abs=1e-12
    )


def test_training_reports_intervals_against_the_market_and_the_base_rate(window_games):
    snapshot, features, window = window_games
    target = Target.MONEYLINE_HOME_WIN
    labelled = labelled_games(features, snapshot.games, target)
    result = _train(target, labelled, window)
    market = result.comparisons["market"]
    assert market.metric == "log_loss" and market.games == result.n_test
    assert market.estimate == pytest.approx(
        result.metrics["test_log_loss"] - result.metrics["baseline_market_log_loss"]
    )
    assert market.low <= market.estimate <= market.high
    assert result.metrics["test_vs_market_log_loss_diff_ci_high"] == market.high
    assert market.verdict in ("better", "worse", "no clear difference")
