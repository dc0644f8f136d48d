"""The recalibrated offset: a + b·offset fitted on the training games, chosen by the CV
folds or by configuration, carried by the shipped model and its serialisation."""

import numpy as np
import polars as pl
import pytest

from mlbcore.errors import MlbError
from mlbcore.features.registry import FEATURE_NAMES
from mlbcore.settings import load_settings
from mlbcore.targets import Target
from mlbcore.training.boosting import PartInputs, lightgbm_params, recalibrates_offset
from mlbcore.training.cross_validation import cross_validated_fit, fit_target_model
from mlbcore.training.market_offset import (
    BINARY,
    IDENTITY,
    MIN_PRICED_GAMES,
    POISSON,
    REGRESSION,
    fit_offset_calibration,
    market_offset,
)
from mlbcore.training.target_model import TargetModel

RNG_SEED = 7


def _shaded(objective: str, n: int, intercept: float, slope: float) -> tuple[np.ndarray, ...]:
    """Offsets and labels drawn so that the truth is intercept + slope·offset."""
    rng = np.random.default_rng(RNG_SEED)
    if objective == BINARY:
        offset = rng.normal(0.0, 0.6, n)
        truth = 1 / (1 + np.exp(-(intercept + slope * offset)))
        return offset, (rng.random(n) < truth).astype(float)
    if objective == POISSON:
        offset = np.log(rng.uniform(6.0, 11.0, n))
        return offset, rng.poisson(np.exp(intercept + slope * offset)).astype(float)
    offset = rng.uniform(6.0, 11.0, n)
    return offset, intercept + slope * offset + rng.normal(0.0, 1.0, n)


@pytest.mark.parametrize(
    ("objective", "intercept", "slope"),
    [(BINARY, 0.1, 0.7), (REGRESSION, 3.0, 0.6), (POISSON, 0.5, 0.75)],
)
def test_the_calibration_recovers_how_the_market_is_shaded(objective, intercept, slope):
    offset, y = _shaded(objective, 20_000, intercept, slope)
    offset[:50] = np.nan  # unpriced games are left out of the fit, not a crash
    fitted = fit_offset_calibration(objective, offset, y)
    assert fitted.intercept == pytest.approx(intercept, abs=0.15)
    assert fitted.slope == pytest.approx(slope, abs=0.07)


def test_too_few_priced_games_or_one_outcome_keep_the_market_as_it_is():
    offset, y = _shaded(BINARY, 500, 0.0, 0.5)
    few = np.where(np.arange(500) < MIN_PRICED_GAMES - 1, offset, np.nan)
    assert fit_offset_calibration(BINARY, few, y) is IDENTITY
    assert fit_offset_calibration(BINARY, offset, np.ones(500)) is IDENTITY


def _frame(n_dates: int, slope: float) -> pl.DataFrame:
    """A run-total season: the market's line shaded by ``slope`` toward its own mean,
    every feature empty except the line (so no tree can learn anything else)."""
    rng = np.random.default_rng(RNG_SEED)
    dates = np.repeat(np.arange(n_dates), 12)
    line = rng.uniform(6.5, 10.5, dates.size)
    truth = 8.5 + (line - 8.5) / slope  # the line moves only slope of the way
    start = np.datetime64("2015-04-01")
    return pl.DataFrame({name: np.full(dates.size, np.nan) for name in FEATURE_NAMES}).with_columns(
        market_total=pl.Series(line),
        date=pl.Series((start + dates).astype("datetime64[D]")).cast(pl.Date),
        label=pl.Series(truth + rng.normal(0.0, 3.0, dates.size)),
    )


def test_the_folds_choose_the_recalibration_only_where_it_scores_better():
    training = load_settings().training
    target = Target.RUN_TOTAL_REGRESSION
    shaded, honest = _frame(150, 0.5), _frame(150, 1.0)
    chosen = {}
    for name, frame in (("shaded", shaded), ("honest", honest)):
        inputs = PartInputs.of(target, frame, REGRESSION, FEATURE_NAMES, use_market=True)
        dates = frame["date"]
        chosen[name] = recalibrates_offset(REGRESSION, inputs, dates, training, "cv")
        # Configuration overrides the folds either way.
        assert recalibrates_offset(REGRESSION, inputs, dates, training, "market") is False
        assert recalibrates_offset(REGRESSION, inputs, dates, training, "recalibrated") is True
    assert chosen == {"shaded": True, "honest": False}


def test_the_folds_judge_the_priced_dates_even_when_the_window_is_mostly_unpriced():
    # Four unpriced seasons, then one the market shaded: folds over the whole window's
    # dates would find the market in one fold only; folds over the priced dates see it.
    training = load_settings().training
    frame = _frame(750, 0.5).with_columns(
        market_total=pl.when(pl.int_range(pl.len()) >= 600 * 12).then(pl.col("market_total"))
    )
    inputs = PartInputs.of(
        Target.RUN_TOTAL_REGRESSION, frame, REGRESSION, FEATURE_NAMES, use_market=True
    )
    assert recalibrates_offset(REGRESSION, inputs, frame["date"], training, "cv") is True
    few = frame.with_columns(
        market_total=pl.when(pl.int_range(pl.len()) >= 746 * 12).then(pl.col("market_total"))
    )
    few_inputs = PartInputs.of(
        Target.RUN_TOTAL_REGRESSION, few, REGRESSION, FEATURE_NAMES, use_market=True
    )
    assert recalibrates_offset(REGRESSION, few_inputs, few["date"], training, "cv") is False


def test_the_shipped_model_boosts_from_the_offset_recalibrated_on_its_own_games():
    settings = load_settings()
    target = Target.RUN_TOTAL_REGRESSION
    frame = _frame(150, 0.5)
    params = lightgbm_params(target, settings.model_for(target), settings.training)
    model = cross_validated_fit(
        target, frame, params, settings.training, fold_metrics=False, market_offset_choice="cv"
    ).model
    expected = fit_offset_calibration(
        REGRESSION, market_offset(frame, target, REGRESSION), frame["label"].to_numpy()
    )
    assert model.offset_calibration == expected
    assert model.offset_calibration.slope == pytest.approx(2.0, abs=0.3)
    # With no trees it predicts the recalibrated line, and says so.
    if model.market is None:
        assert model.predict(frame) == pytest.approx(expected.apply(frame["market_total"]))
        assert model.market_words == "the recalibrated market"
    # Boosting from the recalibration beats the raw line on the games it learnt from.
    rmse = lambda p: float(np.sqrt(np.mean((p - frame["label"].to_numpy()) ** 2)))  # noqa: E731
    assert rmse(model.predict(frame)) < rmse(frame["market_total"].to_numpy()) - 0.1


def test_the_calibration_survives_serialisation_and_old_models_load_as_the_market():
    settings = load_settings()
    target = Target.RUN_TOTAL_REGRESSION
    frame = _frame(60, 0.5)
    params = lightgbm_params(target, settings.model_for(target), settings.training)
    model = fit_target_model(target, frame, params, FEATURE_NAMES, 3, 3, recalibrate=True)
    assert not model.offset_calibration.is_identity
    loaded = TargetModel.from_strings(model.to_strings())
    assert loaded.offset_calibration == model.offset_calibration
    assert np.abs(loaded.predict(frame) - model.predict(frame)).max() <= 1e-12
    # A model saved before the calibration existed (format 1) is the raw market.
    files = model.to_strings()
    old = {**files, "metadata.json": files["metadata.json"].replace('"offset_', '"gone_')}
    assert TargetModel.from_strings(old).offset_calibration == IDENTITY


def test_the_offset_choice_is_a_validated_setting(monkeypatch):
    monkeypatch.setenv("MODELS__TOTAL_OVER_UNDER__MARKET_OFFSET", "sometimes")
    with pytest.raises(MlbError, match="MARKET_OFFSET"):
        load_settings()
    monkeypatch.setenv("MODELS__TOTAL_OVER_UNDER__MARKET_OFFSET", "recalibrated")
    settings = load_settings()
    assert settings.model_for(Target.TOTAL_OVER_UNDER).market_offset == "recalibrated"
    params = lightgbm_params(
        Target.TOTAL_OVER_UNDER, settings.model_for(Target.TOTAL_OVER_UNDER), settings.training
    )
    assert "market_offset" not in params  # not a LightGBM parameter
