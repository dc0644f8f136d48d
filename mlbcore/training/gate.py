"""The promotion gate: a model is put to use only if it learned something. Whatever the
retrain policy or `mlb train` decides, a model that scores worse than the base rate on its
held-out dates, or is degenerate (too few boosting rounds, predictions that hardly vary
from game to game), is registered and tagged, never promoted.

A target's model has two parts (``TargetModel``). The market part boosts from the
market's price, so zero rounds there is legitimate: it is the market. The rounds rule
therefore reads the market-free part, which has no such prior and must learn to say
anything, and only where that part scores games (some test games had no price): a model
whose every game is priced is not judged on a part that never speaks. The spread rule
reads the combined predictions.

The chance rule needs no story about what fed the model: a binary model that ranks its
test games like a coin (ROC-AUC within ``chance_auc_margin`` of 0.5) and boosted fewer
than ``min_boost_rounds`` in each part learned nothing. A feature cache poisoned with rows
of constants once fed training such a model (1 round, AUC 0.50), and it was promoted."""

import math
from dataclasses import dataclass

import numpy as np
from sklearn.metrics import roc_auc_score

from mlbcore.settings import PromotionGateConfig
from mlbcore.targets import PRIMARY_METRIC, Target
from mlbcore.training.metrics import primary_score


@dataclass(frozen=True)
class GateScores:
    """What the gate looks at, all measured on the held-out (test) dates."""

    market_free_rounds: int  # what the rounds rule reads
    market_rounds: int  # shown, never judged: 0 is the market itself
    test_metric: float  # the primary metric (log loss or RMSE; lower is better)
    base_rate_metric: float  # the training base rate's (or mean's) on the same games
    prediction_spread: float  # standard deviation of the predictions across games
    market_free_test_games: int = 1  # test games the market-free part scored (no price)
    test_roc_auc: float = math.nan  # binary targets with both outcomes in the test games


def gate_scores(
    target: Target,
    market_free_rounds: int,
    market_rounds: int,
    y_test: np.ndarray,
    predicted_test: np.ndarray,
    train_mean: float,
    market_free_test_games: int = 1,
) -> GateScores:
    return GateScores(
        market_free_rounds=market_free_rounds,
        market_rounds=market_rounds,
        test_metric=primary_score(target, y_test, predicted_test),
        base_rate_metric=primary_score(target, y_test, np.full(len(y_test), train_mean)),
        prediction_spread=float(np.std(predicted_test)),
        market_free_test_games=market_free_test_games,
        test_roc_auc=(
            float(roc_auc_score(y_test, predicted_test))
            if target.is_binary and len(np.unique(y_test)) == 2
            else math.nan
        ),
    )


def gate_failures(target: Target, scores: GateScores, config: PromotionGateConfig) -> list[str]:
    """Why the model must not be promoted; empty when it passes (or the gate is off)."""
    metric = PRIMARY_METRIC[target]
    reasons: list[str] = []
    if not config.enabled:
        return reasons
    if scores.market_free_test_games and scores.market_free_rounds < config.min_boost_rounds:
        reasons.append(
            f"degenerate: its market-free part, which scored {scores.market_free_test_games} "
            f"unpriced test games, has {scores.market_free_rounds} boosting rounds (the gate "
            f"needs {config.min_boost_rounds})"
        )
    rounds = max(scores.market_free_rounds, scores.market_rounds)
    if (
        abs(scores.test_roc_auc - 0.5) <= config.chance_auc_margin  # False for NaN
        and rounds < config.min_boost_rounds
    ):
        reasons.append(
            f"degenerate: it ranks its test games like a coin (ROC-AUC "
            f"{scores.test_roc_auc:.3f}, within {config.chance_auc_margin} of 0.5) after "
            f"{rounds} boosting rounds at most in either part (the gate needs "
            f"{config.min_boost_rounds})"
        )
    spread = config.min_probability_spread if target.is_binary else config.min_runs_spread
    unit = "probability" if target.is_binary else "runs"
    if scores.prediction_spread < spread:
        reasons.append(
            f"degenerate: its predictions vary by {scores.prediction_spread:.4f} {unit} "
            f"(standard deviation; the gate needs {spread})"
        )
    if scores.test_metric > scores.base_rate_metric:
        reasons.append(
            f"worse than the base rate on its test dates: {metric} {scores.test_metric:.4f} "
            f"against {scores.base_rate_metric:.4f}"
        )
    return reasons
