"""The replay's estimate of time left, and a cancel that stops after the day in hand."""

import threading

import polars as pl
import pytest

from mlbcore.lifecycle.replay import replay_season, summarise
from mlbcore.lifecycle.replay_progress import ReplayProgress, eta_seconds
from mlbcore.settings import load_settings
from mlbcore.targets import Target


def test_no_estimate_before_the_first_day_then_remaining_days_times_the_mean():
    assert eta_seconds([], 100) is None
    # Most days predict (0.1 s), one fits a model (9.7 s): the mean keeps the fit's cost.
    assert eta_seconds([0.1, 0.1, 0.1, 9.7], 10) == pytest.approx(25.0)
    assert eta_seconds([2.0], 0) == 0.0
    tracker = ReplayProgress(total_days=5)
    assert tracker.text() == "0 of 5 days; the estimate comes after the first day"
    tracker.day_done(30.0)
    assert tracker.text() == "1 of 5 days; about 2 min left"


class _CancelAfter(ReplayProgress):
    """A watcher that presses cancel once ``days`` days are done."""

    def __init__(self, days: int) -> None:
        super().__init__()
        self.after = days

    def day_done(self, seconds: float) -> None:
        super().day_done(seconds)
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
