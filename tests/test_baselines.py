"""The baselines: recalibration recovers known coefficients, the linear models find signal
and not noise, nothing of the scored games reaches the fit, gaps in the data are handled."""

from datetime import date, timedelta

import numpy as np
import polars as pl
import pytest
from sklearn.metrics import log_loss, root_mean_squared_error

from mlbcore.errors import MlbError
from mlbcore.targets import Target
from mlbcore.training.baselines import (
    BASELINE_NAMES,
    BASELINE_WORDS,
    MIN_PRICED_GAMES,
    baseline_comparisons,
    fit_baselines,
)

FEATURES = ("form", "pitching", "noise")
MONEYLINE, RUN_TOTAL = Target.MONEYLINE_HOME_WIN, Target.RUN_TOTAL_REGRESSION


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-x))


def _logit(p: np.ndarray) -> np.ndarray:
    return np.log(p / (1 - p))


def games(
    n: int,
    seed: int,
    per_date: int = 15,
    first: date = date(2016, 4, 1),
    signal: float = 1.0,
    market_intercept: float = 0.0,
    market_slope: float = 1.0,
    regression: bool = False,
) -> pl.DataFrame:
    """``n`` synthetic games, ``per_date`` a date from ``first``: three standard-normal
    features; the label depends on ``form`` and ``pitching`` (times ``signal``) and the
    market's logit (or line) is the truth distorted by ``a + b * x`` inverted, so that
    recalibrating with ``a + b * market`` recovers the truth."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 3))
    truth = signal * (0.8 * x[:, 0] - 0.5 * x[:, 1]) + rng.normal(0, 0.4, n)
    if regression:
        mean_runs = 8.5 + truth
        market = (mean_runs - market_intercept) / market_slope
        label = mean_runs + rng.normal(0, 3.0, n)
    else:
        market = _sigmoid((truth - market_intercept) / market_slope)
        label = (rng.random(n) < _sigmoid(truth)).astype(float)
    return pl.DataFrame(
        {
            "game_id": [f"g{seed}-{i}" for i in range(n)],
            "date": [first + timedelta(days=i // per_date) for i in range(n)],
            "label": label,
            "market_prediction": market,
            **{name: x[:, j] for j, name in enumerate(FEATURES)},
        }
    )


def later(train: pl.DataFrame, n: int, seed: int, **kwargs) -> pl.DataFrame:
    """Games after ``train``'s last date, drawn the same way."""
    return games(n, seed, first=train["date"].max() + timedelta(days=1), **kwargs)


def test_recalibration_recovers_known_coefficients():
    train = games(20_000, seed=1, market_intercept=0.1, market_slope=0.8)
    fitted = fit_baselines(MONEYLINE, train, FEATURES)
    assert fitted.recalibration is not None
    assert fitted.recalibration.intercept == pytest.approx(0.1, abs=0.06)
    assert fitted.recalibration.slope == pytest.approx(0.8, abs=0.06)
    assert fitted.priced_training_games == 20_000
    logged = fitted.as_dict()
    assert logged["baseline_recalibration_slope"] == fitted.recalibration.slope
    assert logged["baseline_logistic_penalty"] == fitted.penalty
    assert logged["baseline_base_rate"] == pytest.approx(train["label"].mean())


def test_recalibration_leaves_a_calibrated_market_nearly_unchanged():
    train = games(20_000, seed=2)
    fitted = fit_baselines(MONEYLINE, train, FEATURES)
    assert fitted.recalibration is not None
    assert fitted.recalibration.intercept == pytest.approx(0.0, abs=0.06)
    assert fitted.recalibration.slope == pytest.approx(1.0, abs=0.06)
    scored = fitted.predict(later(train, 500, seed=3))
    assert (scored["recalibrated_market"] - scored["market"]).abs().max() < 0.03


def test_recalibrated_market_beats_a_biased_market_on_later_games():
    train = games(5_000, seed=4, market_intercept=0.3, market_slope=0.6)
    test = later(train, 5_000, seed=5, market_intercept=0.3, market_slope=0.6)
    predicted = fit_baselines(MONEYLINE, train, FEATURES).predict(test)
    y = test["label"].to_numpy()
    assert log_loss(y, predicted["recalibrated_market"]) < log_loss(y, predicted["market"]) - 0.01


def test_run_total_recalibration_and_linear_model():
    train = games(20_000, seed=6, regression=True, market_intercept=1.0, market_slope=0.85)
    fitted = fit_baselines(RUN_TOTAL, train, FEATURES)
    assert fitted.recalibration is not None
    assert fitted.recalibration.intercept == pytest.approx(1.0, abs=0.5)
    assert fitted.recalibration.slope == pytest.approx(0.85, abs=0.07)
    assert fitted.base_rate == pytest.approx(train["label"].mean())
    test = later(train, 2_000, seed=7, regression=True, market_intercept=1.0, market_slope=0.85)
    predicted = fit_baselines(RUN_TOTAL, train, FEATURES).predict(test)
    assert predicted.columns == list(BASELINE_NAMES[RUN_TOTAL])
    y = test["label"].to_numpy()
    rmse = {name: root_mean_squared_error(y, predicted[name]) for name in predicted.columns}
    assert rmse["linear"] < rmse["base_rate"] - 0.05
    assert rmse["recalibrated_market"] < rmse["market"]


def test_logistic_baseline_finds_signal():
    train = games(2_000, seed=8)
    test = later(train, 1_000, seed=9)
    predicted = fit_baselines(MONEYLINE, train, FEATURES).predict(test)
    assert predicted.columns == list(BASELINE_NAMES[MONEYLINE])
    y = test["label"].to_numpy()
    assert log_loss(y, predicted["logistic"]) < log_loss(y, predicted["base_rate"]) - 0.05


def with_noise_features(frame: pl.DataFrame, count: int, seed: int) -> pl.DataFrame:
    noise = np.random.default_rng(seed).normal(size=(frame.height, count))
    return frame.with_columns(pl.Series(f"noise_{j}", noise[:, j]) for j in range(count))


def test_logistic_baseline_on_noise_stays_near_the_base_rate():
    # 60 pure-noise features on 800 games: unpenalised, a logistic model would chase them.
    names = (*FEATURES, *(f"noise_{j}" for j in range(60)))
    train = with_noise_features(games(800, seed=10, signal=0.0), 60, seed=100)
    test = with_noise_features(later(train, 1_000, seed=11, signal=0.0), 60, seed=101)
    fitted = fit_baselines(MONEYLINE, train, names)
    predicted = fitted.predict(test)
    y = test["label"].to_numpy()
    assert abs(log_loss(y, predicted["logistic"]) - log_loss(y, predicted["base_rate"])) < 0.01
    assert predicted["logistic"].std() < 0.03


def test_scored_games_never_reach_the_fit():
    train = games(1_500, seed=12)
    test = later(train, 400, seed=13)
    fitted = fit_baselines(MONEYLINE, train, FEATURES)
    predicted = fitted.predict(test)
    rng = np.random.default_rng(0)
    relabelled = test.with_columns(pl.Series("label", rng.permutation(test["label"].to_numpy())))
    assert fitted.predict(relabelled).equals(predicted)
    # Each row is predicted alone and in the frame's order.
    reversed_rows = fitted.predict(test.reverse())
    assert reversed_rows.equals(predicted.reverse())
    assert fitted.predict(test.head(7)).equals(predicted.head(7))
    assert fitted.predict(test.head(0)).columns == list(BASELINE_NAMES[MONEYLINE])
    # Refitting on the same training games gives the same baselines.
    assert fit_baselines(MONEYLINE, train, FEATURES).predict(test).equals(predicted)


def test_empty_feature_columns_and_featureless_games():
    train = games(1_500, seed=14).with_columns(
        pl.lit(None, dtype=pl.Float64).alias("no_value"),
        pl.lit(float("nan")).alias("only_nan"),
        # Every 10th game has no feature at all.
        *[
            pl.when(pl.int_range(pl.len()) % 10 == 0).then(None).otherwise(pl.col(name)).alias(name)
            for name in FEATURES
        ],
    )
    names = ("no_value", *FEATURES, "only_nan")
    fitted = fit_baselines(MONEYLINE, train, names)
    assert fitted.dropped_features == ("no_value", "only_nan")
    assert fitted.feature_names == FEATURES
    test = later(train, 300, seed=15).with_columns(
        pl.lit(3.0).alias("no_value"), pl.lit(None, dtype=pl.Float64).alias("only_nan")
    )
    blank = test.with_columns(pl.lit(None, dtype=pl.Float64).alias(name) for name in FEATURES)
    predicted = fitted.predict(pl.concat([test, blank]))
    assert predicted.height == 600
    assert predicted["logistic"].is_finite().all()
    # Games with no feature all get the same prediction, whatever the dropped columns say.
    assert predicted["logistic"].tail(300).n_unique() == 1
    assert fitted.predict(test.with_columns(no_value=pl.lit(-9.0))).equals(predicted.head(300))


def test_unpriced_games_have_no_market_prediction():
    train = games(1_500, seed=16)
    test = later(train, 300, seed=17)
    unpriced = pl.int_range(pl.len()) % 3 == 0
    test = test.with_columns(
        pl.when(unpriced).then(None).otherwise("market_prediction").name.keep()
    )
    predicted = fit_baselines(MONEYLINE, train, FEATURES).predict(test)
    for name in ("market", "recalibrated_market"):
        assert predicted[name].is_null().to_list() == test["market_prediction"].is_null().to_list()
    assert predicted["logistic"].null_count() == predicted["base_rate"].null_count() == 0


def test_too_few_priced_training_games_fall_back_to_the_market():
    train = games(1_500, seed=18, market_intercept=0.3, market_slope=0.6)
    priced_rows = pl.int_range(pl.len()) < MIN_PRICED_GAMES - 1
    train = train.with_columns(
        pl.when(priced_rows).then("market_prediction").otherwise(None).name.keep()
    )
    fitted = fit_baselines(MONEYLINE, train, FEATURES)
    assert fitted.recalibration is None
    assert fitted.priced_training_games == MIN_PRICED_GAMES - 1
    assert np.isnan(fitted.as_dict()["baseline_recalibration_slope"])
    predicted = fitted.predict(later(train, 200, seed=19))
    assert predicted["recalibrated_market"].equals(predicted["market"].alias("recalibrated_market"))


def test_comparisons_use_the_games_each_baseline_predicted():
    train = games(1_500, seed=20)
    test = later(train, 600, seed=21)
    test = test.with_columns(
        pl.when(pl.int_range(pl.len()) % 2 == 0)
        .then("market_prediction")
        .otherwise(None)
        .name.keep()
    )
    fitted = fit_baselines(MONEYLINE, train, FEATURES)
    # The model under test: the logistic baseline's own predictions, shifted toward 0.5.
    scored = test.select("date", "label").hstack(fitted.predict(test))
    scored = scored.with_columns(prediction=0.5 + 0.5 * (pl.col("logistic") - 0.5))
    comparisons = baseline_comparisons(MONEYLINE, scored, resamples=200)
    assert list(comparisons) == list(BASELINE_NAMES[MONEYLINE])
    assert all(name in BASELINE_WORDS for name in comparisons)
    assert comparisons["market"].games == comparisons["recalibrated_market"].games == 300
    assert comparisons["logistic"].games == comparisons["base_rate"].games == 600
    # Shrunk toward a coin, the logistic model loses a little to itself and still keeps
    # enough signal to beat the base rate clearly.
    assert comparisons["logistic"].estimate > 0
    assert comparisons["base_rate"].verdict == "better"
    no_market = scored.with_columns(market=None, recalibrated_market=None)
    assert list(baseline_comparisons(MONEYLINE, no_market, resamples=50)) == [
        "logistic",
        "base_rate",
    ]


def test_one_outcome_in_training_is_a_clear_error():
    train = games(300, seed=22).with_columns(label=pl.lit(1.0))
    with pytest.raises(MlbError, match="only one outcome"):
        fit_baselines(MONEYLINE, train, FEATURES)
