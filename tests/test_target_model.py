"""The target model: boosting from the market's price, the market-free fallback, its
serialisation, the gate's reading of its parts and the product line."""

import lightgbm as lgb
import numpy as np
import polars as pl
import pytest

from mlbcore.errors import MlbError
from mlbcore.features.build import build_features
from mlbcore.features.registry import FEATURE_NAMES, FEATURES, MARKET_FREE_FEATURES
from mlbcore.settings import PromotionGateConfig, load_settings
from mlbcore.targets import Target
from mlbcore.training.boosting import lightgbm_params, stopping_loss
from mlbcore.training.bootstrap import Interval
from mlbcore.training.cross_validation import cross_validated_fit, fit_target_model
from mlbcore.training.gate import GateScores, gate_failures
from mlbcore.training.labels import labelled_games
from mlbcore.training.market_line import market_line
from mlbcore.training.market_offset import OFFSET_SOURCE, link, market_offset
from mlbcore.training.target_model import MARKET, MARKET_FREE, TargetModel, feature_matrix
from mlbcore.training.windows import chronological_split, in_window, resolve_window


@pytest.fixture(scope="module")
def window_features(demo_snapshot) -> pl.DataFrame:
    window = resolve_window(demo_snapshot.games["date"], 90, None)
    return build_features(demo_snapshot).filter(in_window(window))


def _labelled(demo_snapshot, features: pl.DataFrame, target: Target) -> pl.DataFrame:
    return labelled_games(features, demo_snapshot.games, target)


def _params(target: Target, **config: object) -> dict:
    settings = load_settings()
    model_config = settings.model_for(target).model_copy(update=config)
    return lightgbm_params(target, model_config, settings.training)


@pytest.mark.parametrize("target", list(Target))
def test_a_market_part_of_zero_rounds_is_the_market_itself(demo_snapshot, window_features, target):
    labelled = _labelled(demo_snapshot, window_features, target)
    model = fit_target_model(target, labelled, _params(target), FEATURE_NAMES, 0, 3)
    assert model.market is None and model.market_rounds == 0
    predicted = model.predict(labelled)
    market = labelled[OFFSET_SOURCE[target]].to_numpy()
    assert np.abs(predicted - market).max() <= 1e-12
    assert (model.parts(labelled) == MARKET).all()


@pytest.mark.parametrize(
    ("target", "objective"),
    [
        (Target.MONEYLINE_HOME_WIN, None),
        (Target.RUN_TOTAL_REGRESSION, "regression"),
        (Target.RUN_TOTAL_REGRESSION, "poisson"),
    ],
)
def test_trees_plus_the_offset_are_what_lightgbm_scores_with_the_offset_stored(
    demo_snapshot, window_features, target, objective
):
    # LightGBM's own metric on a validation set that carries the offset (init_score) is
    # computed from offset + trees inside LightGBM: the model's predictions must give it.
    labelled = _labelled(demo_snapshot, window_features, target)
    params = _params(target, **({"objective": objective} if objective else {}))
    train_rows, valid_rows = chronological_split(labelled["date"], 0.3)
    train, valid = labelled[train_rows], labelled[valid_rows]
    rounds = 8
    model = fit_target_model(target, train, params, FEATURE_NAMES, rounds, 2)
    assert model.market is not None and model.market.num_trees() == rounds

    kind = params["objective"]
    offset = {
        name: market_offset(frame, target, kind) for name, frame in [("t", train), ("v", valid)]
    }
    train_set = lgb.Dataset(
        feature_matrix(train), train["label"].to_numpy(), init_score=offset["t"],
        feature_name=list(FEATURE_NAMES),
    )  # fmt: skip
    valid_set = lgb.Dataset(
        feature_matrix(valid), valid["label"].to_numpy(), init_score=offset["v"],
        reference=train_set,
    )  # fmt: skip
    recorded: dict = {}
    lgb.train(
        params, train_set, num_boost_round=rounds, valid_sets=[valid_set],
        callbacks=[lgb.record_evaluation(recorded)],
    )  # fmt: skip
    per_round = next(iter(recorded["valid_0"].values()))
    y, predicted = valid["label"].to_numpy(), model.predict(valid)
    losses = {
        "binary": lambda: -np.mean(y * np.log(predicted) + (1 - y) * np.log(1 - predicted)),
        "regression": lambda: np.mean((predicted - y) ** 2),
        "poisson": lambda: np.mean(predicted - y * np.log(predicted)),
    }
    assert losses[kind]() == pytest.approx(per_round[-1], abs=1e-9)
    # And round by round, the early-stopping loss the CV compares with round 0 is LightGBM's.
    x_valid = feature_matrix(valid)
    for k in (1, 4, rounds):
        trees = model.market.predict(x_valid, num_iteration=k, raw_score=True)
        assert stopping_loss(kind, y, offset["v"] + trees) == pytest.approx(
            per_round[k - 1], abs=1e-9
        )


def test_a_game_without_a_price_is_scored_by_the_market_free_part(demo_snapshot, window_features):
    target = Target.MONEYLINE_HOME_WIN
    labelled = _labelled(demo_snapshot, window_features, target)
    model = fit_target_model(target, labelled, _params(target), FEATURE_NAMES, 5, 5)
    unpriced_ids = labelled["game_id"].head(40).tail(25)
    frame = labelled.with_columns(
        market_no_vig_home_prob=pl.when(pl.col("game_id").is_in(unpriced_ids.implode()))
        .then(None)
        .otherwise(pl.col("market_no_vig_home_prob"))
    )
    unpriced = frame["game_id"].is_in(unpriced_ids.implode()).to_numpy()
    parts = model.parts(frame)
    assert (parts.filter(pl.Series(unpriced)) == MARKET_FREE).all()
    assert (parts.filter(pl.Series(~unpriced)) == MARKET).all()
    predicted = model.predict(frame)
    free = model.market_free.predict(feature_matrix(frame, model.market_free_features))
    assert np.array_equal(predicted[unpriced], free[unpriced])
    # The priced games are untouched by the others' missing price.
    assert np.array_equal(predicted[~unpriced], model.predict(labelled)[~unpriced])
    # The market-free part reads no market or splits feature.
    sources = {f.source for f in FEATURES if f.name in model.market_free_features}
    assert sources <= {"schedule", "results", "players", "lineups", "workload"}
    assert set(model.market_free_features) == set(MARKET_FREE_FEATURES)


def test_serialisation_round_trips_to_identical_predictions(
    demo_snapshot, window_features, tmp_path
):
    target = Target.TOTAL_OVER_UNDER
    labelled = _labelled(demo_snapshot, window_features, target)
    frame = labelled.with_columns(
        market_no_vig_over_prob=pl.when(pl.int_range(pl.len()) % 7 == 0)
        .then(None)
        .otherwise(pl.col("market_no_vig_over_prob"))
    )
    for market_rounds in (0, 6):
        model = fit_target_model(target, labelled, _params(target), FEATURE_NAMES, market_rounds, 4)
        for copy in (
            TargetModel.from_strings(model.to_strings()),
            TargetModel.load(model.save(tmp_path / f"model_{market_rounds}")),
        ):
            assert copy.metadata() == model.metadata()
            assert np.array_equal(copy.predict(frame), model.predict(frame))
            assert copy.parts(frame).equals(model.parts(frame))


def test_the_market_part_learns_from_the_market_only_with_enough_priced_games(
    demo_snapshot, window_features
):
    target = Target.MONEYLINE_HOME_WIN
    labelled = _labelled(demo_snapshot, window_features, target)
    settings = load_settings()
    few = labelled.with_columns(
        market_no_vig_home_prob=pl.when(pl.int_range(pl.len()) < 100)
        .then(pl.col("market_no_vig_home_prob"))
        .otherwise(None)
    )
    validated = cross_validated_fit(
        target, few, _params(target), settings.training, fold_metrics=False
    )
    assert validated.model.market is None and validated.model.market_rounds == 0
    assert "the market part is the market itself: 100 priced training games" in (validated.notes[0])
    assert (validated.model.parts(few) == MARKET).sum() == 100


def test_the_link_inverts_the_offset():
    p = np.array([0.2, 0.5, 0.73])
    frame = pl.DataFrame({"market_no_vig_home_prob": [*p, None]})
    offset = market_offset(frame, Target.MONEYLINE_HOME_WIN, "binary")
    assert np.isnan(offset[-1])
    assert np.abs(link(offset[:-1], "binary") - p).max() <= 1e-15
    totals = pl.DataFrame({"market_total": [7.5, 9.0]})
    assert link(market_offset(totals, Target.RUN_TOTAL_REGRESSION, "poisson"), "poisson") == (
        pytest.approx([7.5, 9.0], abs=1e-12)
    )


def test_the_run_total_objective_is_a_validated_setting(monkeypatch):
    monkeypatch.setenv("MODELS__RUN_TOTAL_REGRESSION__OBJECTIVE", "gamma")
    with pytest.raises(MlbError, match="MODELS__RUN_TOTAL_REGRESSION__OBJECTIVE='gamma'"):
        load_settings()
    monkeypatch.setenv("MODELS__RUN_TOTAL_REGRESSION__OBJECTIVE", "poisson")
    settings = load_settings()
    params = lightgbm_params(
        Target.RUN_TOTAL_REGRESSION,
        settings.model_for(Target.RUN_TOTAL_REGRESSION),
        settings.training,
    )
    assert (params["objective"], params["metric"]) == ("poisson", "poisson")


def _scores(
    market_free_rounds: int, market_rounds: int, spread: float, unpriced: int = 5
) -> GateScores:
    return GateScores(market_free_rounds, market_rounds, 0.68, 0.69, spread, unpriced)


def test_the_gate_reads_rounds_from_the_market_free_part_and_spread_from_the_whole():
    config = PromotionGateConfig()
    target = Target.MONEYLINE_HOME_WIN
    # A market part of zero rounds is the market: legitimate.
    assert gate_failures(target, _scores(12, 0, 0.08), config) == []
    reasons = gate_failures(target, _scores(3, 40, 0.08), config)
    assert reasons == [
        "degenerate: its market-free part, which scored 5 unpriced test games, has 3 boosting "
        "rounds (the gate needs 10)"
    ]
    # Where every test game was priced, the market-free part never spoke: not judged.
    assert gate_failures(target, _scores(3, 40, 0.08, unpriced=0), config) == []
    assert "vary by 0.0010 probability" in gate_failures(target, _scores(12, 0, 0.001), config)[0]


def _interval(estimate: float, low: float, high: float) -> Interval:
    return Interval("log_loss", estimate, low, high, 240, 16, 3, 2000)


def test_the_market_line_words_come_from_the_interval():
    assert market_line(_interval(-0.0123, -0.02, -0.004)).startswith(
        "beats the market by 0.0123 log_loss (log_loss model minus market -0.0123, "
        "95 % CI [-0.0200, -0.0040], 240 priced test games)"
    )
    assert market_line(_interval(-0.0123, -0.02, 0.001)).startswith(
        "no clear difference from the market (log_loss model minus market -0.0123"
    )
    assert market_line(_interval(0.0042, 0.001, 0.009)).startswith(
        "worse than the market by 0.0042 log_loss"
    )
    assert market_line(None) == "not compared with the market: it priced none of the test games"


def test_the_thread_count_is_explicit_and_changes_no_prediction(
    demo_snapshot, window_features, monkeypatch
):
    """TRAINING__NUM_THREADS reaches every fit and prediction (LightGBM's own default is
    every core), and with ``deterministic`` the models and their predictions are the same
    whatever the count: the setting is about speed only."""
    target = Target.MONEYLINE_HOME_WIN
    labelled = _labelled(demo_snapshot, window_features, target)
    predictions, models = [], []
    for threads in (1, 2):
        monkeypatch.setenv("TRAINING__NUM_THREADS", str(threads))
        params = _params(target, feature_fraction=0.5, bagging_fraction=0.8)
        assert params["num_threads"] == threads
        model = fit_target_model(target, labelled, params, FEATURE_NAMES, 40, 40)
        assert model.num_threads == threads
        assert model.market.params["num_threads"] == threads
        loaded = TargetModel.from_strings(model.to_strings(), num_threads=threads)
        assert loaded.num_threads == threads
        predictions.append(loaded.predict(labelled))
        models.append(model.market.model_to_string().split("parameters:")[0])
    assert np.array_equal(predictions[0], predictions[1])
    assert models[0] == models[1]
