"""The retrain policy as pure functions, shared by `mlb retrain` and the season replay:
should a target be retrained now, and should its challenger replace the champion?

Both primary metrics (log loss, RMSE) are lower-is-better, so degradation is the
relative rise of the champion's metric on the sliding window over its metric on its own
held-out test dates at training time.

A challenger is promoted on evidence, not on a point estimate: it is compared with the
champion on games other than those whose score triggered it (the ``comparison_days``
after the instant it was fitted as of), and the paired date-block bootstrap interval of
challenger minus champion must lie below zero, by at least ``min_improvement``, on at
least ``min_comparison_games`` games. Comparing on the triggering games would favour any
challenger by regression to the mean: a window picked for being bad is followed by a
better one whatever model runs.
"""

from dataclasses import dataclass, field
from typing import Literal

from mlbcore.settings import RetrainingConfig
from mlbcore.training.bootstrap import BETTER, Interval

Action = Literal["train", "retrain", "skip"]


@dataclass(frozen=True)
class ChampionCheck:
    """What is known about a champion at the as-of instant."""

    metric_name: str
    metric_at_training: float
    new_samples: int  # labelled games whose results came in since the newest model was trained
    age_hours: float
    window_games: int  # games in the sliding window it had not been trained on
    window_metric: float | None  # its primary metric on them (None: no games)
    # "drift", "data source changed", "stable" or "too few games" (the drift page's
    # words); None: not measured
    drift_verdict: str | None = None
    drift_reasons: tuple[str, ...] = ()  # judged features only, never a source change
    # Each change of data source between its training window and the recent one
    # ("data source changed: new book pinnacle ..."); its features are not judged as drift.
    source_reasons: tuple[str, ...] = ()


@dataclass(frozen=True)
class Decision:
    action: Action
    reasons: list[str] = field(default_factory=list)

    @property
    def trains(self) -> bool:
        return self.action != "skip"


def relative_rise(now: float | None, at_training: float | None) -> float | None:
    """How much worse a lower-is-better metric got, relative to training; None when
    either is unknown."""
    if now is None or at_training is None or at_training <= 0:
        return None
    return (now - at_training) / at_training


def is_stale(policy: RetrainingConfig, age_hours: float) -> bool:
    """Older than one schedule interval plus the grace period (hours)."""
    return age_hours > policy.stale_after_hours


def degradation(check: ChampionCheck) -> float | None:
    """Relative rise of the primary metric since training; None without window games."""
    return relative_rise(check.window_metric, check.metric_at_training)


def decide(policy: RetrainingConfig, check: ChampionCheck | None, force: bool = False) -> Decision:
    """Train when there is no champion; with ``force``, retrain; skip with too few new
    labelled games; otherwise retrain when degraded, stale, drifting or its data source
    changed, else skip.

    A change of data source is its own reason, never drift: the features it moves are
    not judged, so it cannot pose as the game changing. It retrains (unless
    ``retrain_on_source_change`` is off) because the champion learned the old source's
    numbers (SBR's consensus prices, say) and now reads another's (Pinnacle's): the
    challenger, fitted as of the split, has the new source's games of the recent window in
    its training window, and still replaces the champion only if it beats it on games
    neither saw."""
    if check is None:
        return Decision("train", ["no champion yet: training the first one"])
    if force:
        return Decision("retrain", ["forced (--force)"])
    if check.new_samples < policy.min_samples_for_retrain:
        waiting = [
            f"{reason} (noted: retrain once {policy.min_samples_for_retrain} new labelled "
            "games are in)"
            for reason in check.source_reasons
            if policy.retrain_on_source_change
        ]
        return Decision(
            "skip",
            [
                f"only {check.new_samples} new labelled games since the last model was trained "
                f"(retraining needs {policy.min_samples_for_retrain})",
                *waiting,
            ],
        )
    reasons = []
    worse = degradation(check)
    threshold = policy.performance_degradation_threshold
    if worse is not None and worse > threshold:
        reasons.append(
            f"degraded: {check.metric_name} {check.window_metric:.4f} on the last "
            f"{policy.sliding_window_days} days ({check.window_games} games) is {worse:+.1%} "
            f"against {check.metric_at_training:.4f} at training (threshold {threshold:.0%})"
        )
    if is_stale(policy, check.age_hours):
        reasons.append(
            f"stale: trained {check.age_hours:.0f} h ago (schedule "
            f"{policy.retrain_schedule_hours:g} h + grace {policy.stale_grace_hours:g} h)"
        )
    if policy.retrain_on_drift and check.drift_verdict == "drift":
        reasons.append("drift: " + "; ".join(check.drift_reasons))
    if policy.retrain_on_source_change:
        reasons += [
            f"{reason}: the champion was fitted on the old source, so a challenger is fitted "
            "on a window that includes the new one"
            for reason in check.source_reasons
        ]
    if reasons:
        return Decision("retrain", reasons)
    healthy = (
        f"{check.metric_name} {check.window_metric:.4f} vs {check.metric_at_training:.4f} "
        f"at training ({worse:+.1%})"
        if worse is not None
        else "no unseen games in the sliding window to score"
    )
    ignored = [
        f"{reason} (not acted on: retrain_on_source_change is off)"
        for reason in check.source_reasons
    ]
    return Decision(
        "skip", [f"healthy: {healthy}, {check.age_hours:.0f} h old, no drift", *ignored]
    )


@dataclass(frozen=True)
class Comparison:
    metric_name: str
    games: int  # comparison games: neither model was trained on them or triggered on them
    champion_metric: float | None
    challenger_metric: float | None
    difference: Interval | None = None  # challenger minus champion, with its interval


def promotion(policy: RetrainingConfig, comparison: Comparison) -> tuple[bool, str]:
    """Promote the challenger only when, on enough comparison games, the bootstrap
    interval of challenger minus champion excludes zero in its favour and the estimated
    improvement reaches ``min_improvement``."""
    name, games = comparison.metric_name, comparison.games
    if (
        comparison.champion_metric is None
        or comparison.challenger_metric is None
        or comparison.difference is None
    ):
        return False, "no games to compare the challenger with the champion on"
    if games < policy.min_comparison_games:
        return False, (
            f"only {games} comparison games unseen by both models "
            f"(promotion needs {policy.min_comparison_games})"
        )
    difference = comparison.difference
    versus = (
        f"{name} {comparison.challenger_metric:.4f} vs the champion's "
        f"{comparison.champion_metric:.4f}; challenger minus champion {difference.text()}"
    )
    if difference.verdict != BETTER:
        return False, f"challenger not clearly better: {versus}"
    if -difference.estimate < policy.min_improvement:
        return False, (
            f"challenger better by less than min_improvement {policy.min_improvement:g}: {versus}"
        )
    return True, f"challenger better: {versus}"
