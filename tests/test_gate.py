"""The promotion gate: degenerate models and models worse than the base rate are never
promoted, whatever else decides."""

import math

import numpy as np
import pytest

from mlbcore.cli.main import main
from mlbcore.settings import PromotionGateConfig
from mlbcore.targets import Target
from mlbcore.training.gate import GateScores, gate_failures, gate_scores

GATE = PromotionGateConfig(min_boost_rounds=10, min_probability_spread=0.01, min_runs_spread=0.1)


def test_a_model_that_learned_something_passes():
    scores = GateScores(40, 0, test_metric=0.680, base_rate_metric=0.690, prediction_spread=0.05)
    assert gate_failures(Target.MONEYLINE_HOME_WIN, scores, GATE) == []


@pytest.mark.parametrize(
    ("target", "scores", "reason"),
    [
        (Target.MONEYLINE_HOME_WIN, GateScores(4, 0, 0.688, 0.690, 0.05), "4 boosting rounds"),
        (Target.MONEYLINE_HOME_WIN, GateScores(40, 0, 0.688, 0.690, 0.004), "vary by 0.0040"),
        (Target.RUN_TOTAL_REGRESSION, GateScores(40, 0, 4.40, 4.45, 0.05), "vary by 0.0500 runs"),
        (
            Target.TOTAL_OVER_UNDER,
            GateScores(40, 0, 0.695, 0.693, 0.05),
            "worse than the base rate",
        ),
    ],
)
def test_each_failure_is_named(target, scores, reason):
    failures = gate_failures(target, scores, GATE)
    assert len(failures) == 1 and reason in failures[0]


def test_mlb_train_registers_a_gated_model_but_does_not_promote_it(state_dir, monkeypatch, capsys):
    import mlflow

    from mlbcore import tracking
    from mlbcore.settings import load_settings

    # A gate no demo model can pass: every model is registered, none promoted.
    monkeypatch.setenv("PROMOTION__MIN_RUNS_SPREAD", "100")
    assert main(["train", "--targets", "run_total_regression"]) == 0
    out = capsys.readouterr().out
    assert "NOT promoted: degenerate" in out
    tracking.configure(load_settings())
    client = mlflow.MlflowClient()
    name = tracking.registered_model_name("run_total_regression", "demo")
    (version,) = client.search_model_versions(f"name='{name}'")
    assert "degenerate" in version.tags["rejected_reason"]
    assert tracking.champion_version(Target.RUN_TOTAL_REGRESSION, "demo") is None
    assert main(["train", "--targets", "run_total_regression", "--strict"]) == 3
    assert tracking.champion_version(Target.RUN_TOTAL_REGRESSION, "demo") is None


def test_the_gate_settings_are_validated(monkeypatch, capsys):
    monkeypatch.setenv("PROMOTION__MIN_BOOST_ROUNDS", "0")
    assert main(["train"]) == 2
    assert "PROMOTION__MIN_BOOST_ROUNDS" in capsys.readouterr().err


CHANCE = [
    # (market-free rounds, market rounds, test ROC-AUC, flagged): a coin after few rounds
    (1, 0, 0.500, True),
    (1, 1, 0.515, True),
    (9, 9, 0.482, True),
    (1, 0, 0.530, False),  # ranks better than a coin: other rules judge it
    (10, 0, 0.500, False),  # learned: the market-free part boosted enough rounds
    (1, 40, 0.505, False),  # ... or the market part did
    (1, 0, math.nan, False),  # one outcome in the test games: no AUC to judge
]


@pytest.mark.parametrize(("free", "market", "auc", "flagged"), CHANCE)
def test_a_binary_model_that_ranks_like_a_coin_after_few_rounds_is_degenerate(
    free, market, auc, flagged
):
    # Every priced test game (the rounds rule does not look) and a spread and a metric the
    # other rules pass: only the chance rule can stop it.
    scores = GateScores(
        free, market, 0.689, 0.690, 0.05, market_free_test_games=0, test_roc_auc=auc
    )
    failures = gate_failures(Target.MONEYLINE_HOME_WIN, scores, GATE)
    assert bool(failures) == flagged
    if flagged:
        assert len(failures) == 1 and "ranks its test games like a coin" in failures[0]


def test_gate_scores_measure_the_test_auc_of_binary_targets_only():
    y = np.array([0, 1, 0, 1, 1, 0])
    ranked = gate_scores(
        Target.MONEYLINE_HOME_WIN, 1, 0, y, np.array([0.1, 0.9, 0.2, 0.8, 0.7, 0.3]), 0.5
    )
    assert ranked.test_roc_auc == 1.0
    regression = gate_scores(Target.RUN_TOTAL_REGRESSION, 1, 0, y * 9.0, y * 8.0, 4.5)
    assert math.isnan(regression.test_roc_auc)
