"""What a training run's held-out test games say about betting, measured at training so
the train page's verdict cards read the same numbers for a new version and for the
champion (from its logged run): the bets the held-out model's edges would have placed on
the test games at the cutoff's prices (flat yield and fractional-Kelly bankroll with
their intervals, CLV), and the degenerate-model measures.

Out of sample for the model fitted without the test dates (the one that scored them);
the registered model is refitted on the whole window, those games included."""

import polars as pl

from mlbcore.evaluation.betting import BettingRules, bets, betting_summary
from mlbcore.evaluation.evaluate import betting_frame
from mlbcore.evaluation.verdicts import degenerate_measures
from mlbcore.settings import Settings
from mlbcore.training.trainer import TrainingResult

# Logged beside the test_* metrics; a card reads them back with this prefix removed.
BETTING_PREFIX = "test_betting_"
DEGENERATE_PREFIX = "test_degenerate_"


def held_out_measures(
    result: TrainingResult, features: pl.DataFrame, odds_lines: pl.DataFrame, settings: Settings
) -> dict[str, float]:
    """Betting (binary targets) and degenerate-model measures of ``result``'s test games,
    as MLflow metrics (NaN left out: MLflow keeps them, the cards read a missing one as
    none)."""
    test = result.test_predictions
    metrics: dict[str, float] = {}
    bet_count = None
    if result.target.is_binary:
        timing = features.select("game_id", "first_pitch_utc", "cutoff_utc").unique("game_id")
        with_prob = test.join(timing, on="game_id").with_columns(prob=pl.col("prediction"))
        placed = bets(
            betting_frame(result.target, with_prob, odds_lines, settings.market_book),
            BettingRules(**settings.betting.model_dump()),
        )
        bet_count = placed.height
        summary = betting_summary(placed)
        metrics |= {f"{BETTING_PREFIX}{k}": v for k, v in summary.metrics().items() if v == v}
    measures = degenerate_measures(test, result.calibration, bet_count)
    metrics |= {f"{DEGENERATE_PREFIX}{k}": v for k, v in measures.as_dict().items() if v == v}
    return metrics
