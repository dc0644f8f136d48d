"""The replay's estimate of time left, and a cancel that stops after the day in hand."""

import threading

import polars as pl
import pytest

from mlbcore.lifecycle.replay import replay_season, summarise
from mlbcore.lifecycle.replay_progress import Estimate, ReplayProgress, eta_by_policy
from mlbcore.settings import load_settings
from mlbcore.targets import Target


def test_no_estimate_before_the_first_day_then_each_policy_at_its_own_pace():
    assert eta_by_policy({}, {"never": 100}) is None
    # "daily" fits every day (10 s), "never" only predicts (0.1 s): one mean across them
    # would price never's remaining days at 5 s each, a hundred times too high.
    walked = {"daily": [10.0, 10.0], "never": [0.1, 0.1]}
    estimate = eta_by_policy(walked, {"daily": 10, "never": 100})
    assert estimate == Estimate(pytest.approx(110.0), ())
    # The mean, not the median, of a policy's days: its few fitting days cost the most.
    assert eta_by_policy({"policy": [0.1, 0.1, 0.1, 9.7]}, {"policy": 10}).seconds == (
        pytest.approx(25.0)
    )
    assert eta_by_policy({"never": [2.0]}, {"never": 0}) == Estimate(0.0, ())


def test_a_policy_not_walked_yet_is_priced_from_the_days_seen_and_called_rough():
    walked = {"policy": [9.0, 0.2, 0.2, 0.2]}  # one fitting day, three predicting days
    fits, predicts = [9.0], [0.2, 0.2, 0.2]
    # "never" at a predicting day; "daily" fits on its check days (here a seventh).
    never = eta_by_policy(walked, {"never": 10}, fits, predicts, check_share=1 / 7)
    assert never == Estimate(pytest.approx(2.0), ("never",))
    daily = eta_by_policy(walked, {"daily": 7}, fits, predicts, check_share=1 / 7)
    assert daily == Estimate(pytest.approx(9.0 + 6 * 0.2), ("daily",))
    every_day = eta_by_policy(walked, {"daily": 7}, fits, predicts, check_share=1.0)
    assert every_day.seconds == pytest.approx(63.0)
    # With nothing fitted yet, "daily" takes the slowest pace seen, "never" the fastest.
    seen = {"policy": [1.0], "other": [3.0]}
    assert eta_by_policy(seen, {"daily": 2}).seconds == pytest.approx(6.0)
    assert eta_by_policy(seen, {"never": 2}).seconds == pytest.approx(2.0)


def test_the_tracker_prices_each_policys_remaining_days_and_says_when_it_guesses():
    tracker = ReplayProgress()
    assert tracker.text() == "loading the data and the features"
    tracker.plan(("policy", "never", "daily"), 100, check_share=1.0)
    assert tracker.total_days == 300
    assert tracker.text() == "0 of 300 days; the estimate comes after the first day"
    tracker.day_done(6.0, "policy", fitted=True)
    tracker.day_done(0.6, "policy")
    # policy: 98 days at 3.3 s; never: 100 at 0.6 s; daily: 100 at a fitting day's 6 s.
    assert tracker.eta() == Estimate(pytest.approx(98 * 3.3 + 60 + 600), ("never", "daily"))
    assert tracker.text() == (
        "2 of 300 days; about 16 min left (rough until never and daily have walked a check cycle)"
    )
    for _ in range(98):
        tracker.day_done(0.6, "policy")
    tracker.day_done(0.3, "never")
    tracker.day_done(0.3, "never")
    assert tracker.text() == (
        "102 of 300 days; about 10 min left (rough until daily has walked a check cycle)"
    )
    tracker.day_done(60.0, "daily", fitted=True)
    tracker.day_done(60.0, "daily", fitted=True)
    assert tracker.eta() == Estimate(pytest.approx(98 * 0.3 + 98 * 60.0), ())


def test_a_policys_first_days_do_not_set_its_pace_alone():
    # Weekly checks: "daily" fits once in seven days, and its first day fits nothing.
    # Priced by that first day alone, its 161 days left would cost nothing.
    walked = {"policy": [9.0] + [0.2] * 6, "daily": [0.001]}
    fits, predicts = [9.0], [0.2] * 6 + [0.001]
    estimate = eta_by_policy(walked, {"daily": 161}, fits, predicts, check_share=1 / 7)
    guess = (9.0 + 6 * predicts_mean(predicts)) / 7
    assert estimate == Estimate(pytest.approx(161 * (0.001 + 7 * guess) / 8), ("daily",))
    assert estimate.seconds > 161 * 1.0
    # Once it has walked its first day and a check cycle, its own days price it.
    walked["daily"] = [0.001] + [9.0] + [0.2] * 6
    assert eta_by_policy(walked, {"daily": 10}, fits, predicts, 1 / 7) == Estimate(
        pytest.approx(10 * (0.001 + 9.0 + 1.2) / 8), ()
    )


def predicts_mean(seconds: list[float]) -> float:
    return sum(seconds) / len(seconds)


class _CancelAfter(ReplayProgress):
    """A watcher that presses cancel once ``days`` days are done."""

    def __init__(self, days: int) -> None:
        super().__init__()
        self.after = days

    def day_done(self, seconds: float, policy: str = "", fitted: bool = False) -> None:
        super().day_done(seconds, policy, fitted)
        if self.days_done == self.after:
            self.cancel()


def test_a_cancel_stops_after_the_day_in_hand_with_a_partial_result(state_dir):
    tracker = _CancelAfter(60)
    replay = replay_season(
        load_settings(), 2016, "weekly", targets=[Target.RUN_TOTAL_REGRESSION],
        policies=("policy", "never"), tracker=tracker, jobs=1,
    )  # fmt: skip
    assert replay.cancelled
    assert tracker.days_done == 60 and tracker.total_days == 2 * 162
    # The first policy's first 60 days, and nothing of the second policy.
    assert replay.timeline.height == 60
    assert replay.timeline["policy"].unique().to_list() == ["policy"]
    assert replay.summary["policy"].to_list() == ["policy"]


def test_a_cancel_reaches_walks_in_other_processes_between_days(state_dir):
    """With two processes the days are counted as the walks write them, and a cancel
    stops every walk in flight after its day in hand; the walks not begun never start."""
    tracker = ReplayProgress()
    found: list = []

    def replay() -> None:
        settings = load_settings()
        replayed = replay_season(
            settings, 2016, "weekly", targets=[Target.RUN_TOTAL_REGRESSION],
            policies=("policy", "never", "daily"), tracker=tracker, jobs=2,
        )  # fmt: skip
        found.append(replayed)

    walk = threading.Thread(target=replay)
    walk.start()
    while tracker.days_done < 20 and walk.is_alive():
        walk.join(0.2)
    tracker.cancel()
    walk.join()
    (replay,) = found
    assert replay.cancelled and tracker.total_days == 3 * 162
    days = replay.timeline.group_by("policy").len()
    # Two walks were in flight (daily and policy go first); each stopped before its end.
    assert sorted(days["policy"].to_list()) == ["daily", "policy"]
    assert days["len"].max() < 162  # pyright: ignore[reportOperatorIssue]
    assert tracker.days_done == replay.timeline.height


def test_the_summary_names_the_winner_of_each_target():
    timeline = pl.DataFrame(
        {
            "policy": ["policy", "never"],
            "target": ["run_total_regression"] * 2,
            "date": [None, None],
            "action": ["", ""],
            "reasons": ["", ""],
            "promoted": [False, False],
            "game_ids": [["g1", "g2"], ["g1", "g2"]],
            "predictions": [[8.0, 9.0], [6.0, 12.0]],
            "scored_by": [["market", "market"], ["market", "market"]],
        }
    )
    labels = {
        "run_total_regression": pl.DataFrame(
            {"game_id": ["g1", "g2"], "label": [8.0, 9.5], "market_prediction": [8.5, 9.0]}
        )
    }
    summary = summarise(timeline, labels)
    assert dict(zip(summary["policy"], summary["winner"], strict=True)) == {
        "policy": True,
        "never": False,
    }
