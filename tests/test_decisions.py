"""The retrain policy's decisions and promotion rule, on hand-made checks."""

from datetime import UTC, datetime, timedelta

import pytest

from mlbcore.lifecycle.decisions import ChampionCheck, Comparison, decide, promotion
from mlbcore.lifecycle.schedules import latest_slot, next_slot
from mlbcore.settings import RetrainingConfig

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


def test_staleness_retrains():
    decision = decide(POLICY, check(age_hours=25))
    assert decision.action == "retrain" and decision.reasons[0].startswith("stale: trained 25 h")


def test_drift_retrains_unless_switched_off():
    drifting = check(drift_verdict="drift", drift_reasons=("PSI above 0.25 for x",))
    decision = decide(POLICY, drifting)
    assert decision.action == "retrain" and decision.reasons == ["drift: PSI above 0.25 for x"]
    assert decide(RetrainingConfig(retrain_on_drift=False), drifting).action == "skip"


def test_healthy_champion_is_kept_with_its_numbers():
    decision = decide(POLICY, check())
    assert decision.action == "skip" and decision.reasons[0].startswith("healthy: log_loss 0.6900")


def test_promotion_needs_a_better_score_on_enough_unseen_games():
    better = Comparison("log_loss", 100, champion_metric=0.69, challenger_metric=0.68)
    promoted, why = promotion(POLICY, better)
    assert promoted and why.startswith("challenger better")
    worse = Comparison("log_loss", 100, champion_metric=0.68, challenger_metric=0.69)
    assert promotion(POLICY, worse)[0] is False
    few = Comparison("log_loss", 10, champion_metric=0.69, challenger_metric=0.60)
    promoted, why = promotion(POLICY, few)
    assert not promoted and "only 10 games" in why


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
