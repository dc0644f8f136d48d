"""The retrain policy's decisions and promotion rule, on hand-made checks."""

from datetime import UTC, date, datetime, timedelta

import numpy as np
import polars as pl
import pytest

from mlbcore.features.registry import FEATURE_NAMES
from mlbcore.lifecycle.assessment import compare, comparison_games
from mlbcore.lifecycle.decisions import ChampionCheck, Comparison, decide, promotion
from mlbcore.lifecycle.schedule_rules import latest_slot, next_slot
from mlbcore.settings import RetrainingConfig
from mlbcore.targets import Target
from mlbcore.training.bootstrap import Interval

POLICY = RetrainingConfig()


def check(**changes: object) -> ChampionCheck:
    values: dict = dict(
        metric_name="log_loss",
        metric_at_training=0.68,
        new_samples=150,
        age_hours=12.0,
        window_games=100,
        window_metric=0.69,
        drift_verdict="stable",
    )
    return ChampionCheck(**(values | changes))


def test_the_original_designs_defaults():
    assert (POLICY.sliding_window_days, POLICY.min_samples_for_retrain) == (7, 100)
    assert POLICY.retrain_schedule_hours == 24
    assert POLICY.performance_degradation_threshold == 0.05


def test_the_evidence_rules_defaults_and_their_validation():
    assert (POLICY.stale_grace_hours, POLICY.comparison_days) == (12, 7)
    assert (POLICY.min_comparison_games, POLICY.min_improvement) == (60, 0.0)
    assert (POLICY.drift_fdr, POLICY.drift_min_recent_games) == (0.05, 50)
    for bad in (
        {"drift_fdr": 0},
        {"drift_fdr": 1},
        {"min_comparison_games": 5},
        {"min_improvement": -0.01},
        {"stale_grace_hours": -1},
        {"comparison_days": 0},
    ):
        with pytest.raises(ValueError):
            RetrainingConfig(**bad)


def test_no_champion_trains_the_first_one():
    assert decide(POLICY, None).action == "train"


def test_too_few_new_samples_skip_even_when_degraded_and_stale():
    decision = decide(POLICY, check(new_samples=99, window_metric=0.9, age_hours=500))
    assert decision.action == "skip"
    assert "only 99 new labelled games" in decision.reasons[0]


def test_forced_retrains_whatever_the_checks():
    decision = decide(POLICY, check(new_samples=0), force=True)
    assert decision.action == "retrain" and decision.reasons == ["forced (--force)"]


def test_degradation_beyond_five_percent_retrains():
    assert decide(POLICY, check(window_metric=0.68 * 1.049)).action == "skip"
    decision = decide(POLICY, check(window_metric=0.68 * 1.051))
    assert decision.action == "retrain"
    assert decision.reasons[0].startswith("degraded: log_loss 0.7147")


def test_stale_means_older_than_the_schedule_plus_the_grace_period():
    # Checked daily, a champion is 24-25 h old at its next check: not stale.
    assert decide(POLICY, check(age_hours=25)).action == "skip"
    assert decide(POLICY, check(age_hours=36)).action == "skip"
    decision = decide(POLICY, check(age_hours=37))
    assert decision.action == "retrain"
    assert decision.reasons[0] == "stale: trained 37 h ago (schedule 24 h + grace 12 h)"
    assert decide(RetrainingConfig(stale_grace_hours=0), check(age_hours=25)).action == "retrain"


def test_drift_retrains_unless_switched_off():
    drifting = check(drift_verdict="drift", drift_reasons=("PSI above 0.25 for x",))
    decision = decide(POLICY, drifting)
    assert decision.action == "retrain" and decision.reasons == ["drift: PSI above 0.25 for x"]
    assert decide(RetrainingConfig(retrain_on_drift=False), drifting).action == "skip"


NEW_BOOK = "data source changed: new book pinnacle (100 % of recent priced games, none before)"


def test_a_change_of_data_source_is_its_own_reason_to_retrain_not_drift():
    changed = check(drift_verdict="data source changed", source_reasons=(NEW_BOOK,))
    decision = decide(POLICY, changed)
    assert decision.action == "retrain"
    assert decision.reasons == [
        f"{NEW_BOOK}: the champion was fitted on the old source, so a challenger is fitted on "
        "a window that includes the new one"
    ]
    # Beside real drift, each is named on its own.
    drifting = ("1 of 60 features differ",)
    both = check(drift_verdict="drift", drift_reasons=drifting, source_reasons=(NEW_BOOK,))
    reasons = decide(POLICY, both).reasons
    assert reasons[0] == "drift: 1 of 60 features differ" and reasons[1].startswith(NEW_BOOK)
    # Switched off, it is named and not acted on; too few new games, it waits.
    kept = decide(RetrainingConfig(retrain_on_source_change=False), changed)
    assert kept.action == "skip" and kept.reasons[1] == (
        f"{NEW_BOOK} (not acted on: retrain_on_source_change is off)"
    )
    waiting = decide(POLICY, check(new_samples=20, source_reasons=(NEW_BOOK,)))
    assert waiting.action == "skip" and waiting.reasons[1].startswith(NEW_BOOK + " (noted")
    # No change of source: no such reason.
    assert not any("data source" in r for r in decide(POLICY, check()).reasons)


def test_healthy_champion_is_kept_with_its_numbers():
    decision = decide(POLICY, check())
    assert decision.action == "skip" and decision.reasons[0].startswith("healthy: log_loss 0.6900")


def difference(estimate: float, low: float, high: float, games: int = 100) -> Interval:
    return Interval("log_loss", estimate, low, high, games, 7, 2, 2000)


def comparison(estimate: float, low: float, high: float, games: int = 100) -> Comparison:
    return Comparison(
        "log_loss", games, 0.69, 0.69 + estimate, difference(estimate, low, high, games)
    )


def test_promotion_needs_an_interval_below_zero_not_a_lower_point_estimate():
    promoted, why = promotion(POLICY, comparison(-0.010, -0.018, -0.002))
    assert promoted and why.startswith("challenger better: log_loss 0.6800")
    assert "challenger minus champion -0.0100 (95 % CI -0.0180 to -0.0020" in why
    # Lower on these games, but the interval holds zero: not promoted, and it says so.
    promoted, why = promotion(POLICY, comparison(-0.010, -0.025, +0.004))
    assert not promoted and why.startswith("challenger not clearly better")
    assert why.endswith("no clear difference")
    assert promotion(POLICY, comparison(+0.010, +0.002, +0.018))[0] is False


def test_promotion_needs_the_minimum_improvement_when_one_is_set():
    clear_but_small = comparison(-0.003, -0.005, -0.001)
    assert promotion(POLICY, clear_but_small)[0] is True
    promoted, why = promotion(RetrainingConfig(min_improvement=0.004), clear_but_small)
    assert not promoted and "by less than min_improvement 0.004" in why
    assert promotion(RetrainingConfig(min_improvement=0.002), clear_but_small)[0] is True


def test_promotion_needs_enough_comparison_games():
    promoted, why = promotion(POLICY, comparison(-0.09, -0.12, -0.06, games=59))
    assert not promoted and "only 59 comparison games" in why and "needs 60" in why
    assert promotion(POLICY, comparison(-0.09, -0.12, -0.06, games=60))[0] is True
    assert promotion(POLICY, Comparison("log_loss", 0, None, None))[0] is False


class ColumnModel:
    """A stand-in model whose prediction is one feature column: the test writes each
    model's predictions into the games' features."""

    def __init__(self, column: int) -> None:
        self.column = column

    def predict(self, frame: pl.DataFrame) -> np.ndarray:
        return frame[FEATURE_NAMES[self.column]].to_numpy()


def test_the_challenger_is_compared_on_games_after_it_was_fitted_not_the_triggering_ones():
    champion_trained = datetime(2016, 6, 1, 10, tzinfo=UTC)
    fitted = datetime(2016, 6, 15, 10, tzinfo=UTC)  # after a bad week for the champion
    days = [date(2016, 6, 1) + timedelta(days=d) for d in range(1, 29)]
    rng = np.random.default_rng(3)
    games = pl.DataFrame(
        {
            "game_id": [f"g{d}-{i}" for d in range(len(days)) for i in range(15)],
            "date": [day for day in days for _ in range(15)],
            "label": rng.integers(0, 2, 15 * len(days)).astype(float),
        }
    ).with_columns(
        first_pitch_utc=pl.col("date").cast(pl.Datetime("us", "UTC")) + pl.duration(hours=23),
        result_known_at_utc=pl.col("date").cast(pl.Datetime("us", "UTC")) + pl.duration(hours=34),
    )
    before = games["first_pitch_utc"] <= fitted
    # Before the fit (the triggering games) the challenger is far better than the
    # champion; after it, on the comparison games, it is far worse.
    label = games["label"].to_numpy()
    good, bad = np.where(label == 1, 0.8, 0.2), np.where(label == 1, 0.2, 0.8)
    champion_predictions = np.where(before, bad, 0.5)
    challenger_predictions = np.where(before, good, bad)
    features = {name: np.zeros(games.height) for name in FEATURE_NAMES}
    features[FEATURE_NAMES[0]] = champion_predictions
    features[FEATURE_NAMES[1]] = challenger_predictions
    known = games.with_columns(**{k: pl.Series(v) for k, v in features.items()})

    chosen = comparison_games(known, champion_trained, fitted)
    assert chosen["first_pitch_utc"].min() > fitted
    assert chosen.height == (~before).sum()
    result = compare(
        Target.MONEYLINE_HOME_WIN, known, ColumnModel(0), champion_trained, ColumnModel(1), fitted
    )
    assert result.games == chosen.height
    assert result.challenger_metric > result.champion_metric
    assert result.difference is not None and result.difference.verdict == "worse"
    assert promotion(POLICY, result)[0] is False


def test_window_days_outside_three_to_ten_are_rejected():
    with pytest.raises(ValueError):
        RetrainingConfig(sliding_window_days=2)
    with pytest.raises(ValueError):
        RetrainingConfig(sliding_window_days=11)


def test_schedule_slots():
    as_of = datetime(2016, 6, 8, 5, 30, tzinfo=UTC)  # a Wednesday, before 06:00
    assert latest_slot("daily", 6, None, as_of) == datetime(2016, 6, 7, 6, tzinfo=UTC)
    assert next_slot("daily", 6, None, as_of) == datetime(2016, 6, 8, 6, tzinfo=UTC)
    assert latest_slot("weekly", 6, 0, as_of) == datetime(2016, 6, 6, 6, tzinfo=UTC)  # Monday
    assert next_slot("weekly", 6, 0, as_of) == datetime(2016, 6, 13, 6, tzinfo=UTC)
    exactly = datetime(2016, 6, 8, 6, tzinfo=UTC)
    assert latest_slot("daily", 6, None, exactly) == exactly
    assert next_slot("daily", 6, None, exactly) == exactly + timedelta(days=1)
