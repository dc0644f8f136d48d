"""How far a replay has walked, an honest estimate of what is left, and a cancel flag
that the walk checks between days, so a cancel stops after the day in hand.

The estimate is per policy, because their days cost very different amounts: "never"
only predicts once its first champion is in place, "daily" fits a model on every check
day, "policy" fits when its rule says so. Each policy's remaining days (over every
target still to walk) are priced at that policy's own pace so far: the mean seconds of
the days it has walked, the mean and not the median, because the few days that fit a
model take most of the time. A policy that has not walked a day yet is priced from the
days seen so far: "never" at a predicting day's mean, "daily" at its share of check days
priced as fitting days and the rest as predicting days, any other at the mean of every
day walked. A policy's first days say little of its pace (its first day starts from the
opening champion and fits nothing; a weekly check comes once in seven days), so until it
has walked its first day and one check cycle (1 + 1 / the check days' share), the days
it has not walked of that span are priced by the guess, and the estimate says it is
rough. Targets are taken to cost alike.

Measured on the demo (2016, weekly checks, run totals, policy then never then daily):
pricing daily by its first day alone (0.001 s) gave 0.1 s for 21 s of walking left;
this rule gives 20.8 s. Still low mid-walk: a fit costs more as the season goes on (76
days into daily, 3 s estimated for 19 s left), which a mean of the days so far cannot
see."""

import statistics
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from mlbcore.formatting import duration_text


@dataclass(frozen=True)
class Estimate:
    seconds: float
    guessed: tuple[str, ...]  # policies still to walk, priced without a day of their own


def unwalked_pace(
    policy: str,
    walked: Mapping[str, Sequence[float]],
    fit_seconds: Sequence[float],
    predict_seconds: Sequence[float],
    check_share: float,
) -> float:
    """Seconds per day for ``policy`` before it has walked a day (see the module's
    docstring); ``walked`` holds at least one day of some policy."""
    paces = [statistics.fmean(days) for days in walked.values() if days]
    every_day = [s for days in walked.values() for s in days]
    fit = statistics.fmean(fit_seconds) if fit_seconds else None
    predict = statistics.fmean(predict_seconds) if predict_seconds else None
    if policy == "never":
        return predict if predict is not None else min(paces)
    if policy == "daily":
        if fit is not None and predict is not None:
            return check_share * fit + (1 - check_share) * predict
        return fit if fit is not None else max(paces)
    return statistics.fmean(every_day)


def eta_by_policy(
    walked: Mapping[str, Sequence[float]],
    remaining: Mapping[str, int],
    fit_seconds: Sequence[float] = (),
    predict_seconds: Sequence[float] = (),
    check_share: float = 1.0,
) -> Estimate | None:
    """Seconds left: each policy's ``remaining`` days times its pace (its own mean
    seconds per day in ``walked`` once it has walked its first day and a check cycle,
    else made up to that span with ``unwalked_pace``); None before any day is done."""
    if not any(walked.values()):
        return None
    # The opening day and one check cycle: fewer days than that do not show a pace.
    span = 1 + (1 / check_share if check_share > 0 else 1)
    seconds, guessed = 0.0, []
    for policy, days_left in remaining.items():
        if days_left <= 0:
            continue
        own = walked.get(policy, ())
        if len(own) >= span:
            pace = statistics.fmean(own)
        else:
            guess = unwalked_pace(policy, walked, fit_seconds, predict_seconds, check_share)
            pace = (sum(own) + (span - len(own)) * guess) / span
            guessed.append(policy)
        seconds += days_left * pace
    return Estimate(seconds, tuple(guessed))


class ReplayProgress:
    """Days done out of the total (every target and policy walks the season), each
    policy's days and their durations, and the cancel flag. Shared between the walk and
    whoever watches it."""

    def __init__(self, total_days: int = 0) -> None:
        self.total_days = total_days
        self.planned: dict[str, int] = {}  # days each policy will walk, over every target
        self.check_share = 1.0  # share of the season's days that are check days
        self.walked: dict[str, list[float]] = {}
        self.fit_seconds: list[float] = []  # days on which a model was fitted
        self.predict_seconds: list[float] = []  # the other days
        self.step = ""
        self._cancel = threading.Event()

    def plan(self, policies: Sequence[str], days_per_policy: int, check_share: float) -> None:
        """What the walk will do: each of ``policies`` walks ``days_per_policy`` days."""
        self.planned = dict.fromkeys(policies, days_per_policy)
        self.total_days = len(policies) * days_per_policy
        self.check_share = check_share

    def cancel(self) -> None:
        self._cancel.set()

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()

    def day_done(self, seconds: float, policy: str = "", fitted: bool = False) -> None:
        self.walked.setdefault(policy, []).append(seconds)
        (self.fit_seconds if fitted else self.predict_seconds).append(seconds)

    @property
    def days_done(self) -> int:
        return sum(len(days) for days in self.walked.values())

    def eta(self) -> Estimate | None:
        remaining = {
            policy: days - len(self.walked.get(policy, ())) for policy, days in self.planned.items()
        }
        if not remaining:  # no plan given: every day alike
            remaining = {"": self.total_days - self.days_done}
        return eta_by_policy(
            self.walked, remaining, self.fit_seconds, self.predict_seconds, self.check_share
        )

    def text(self) -> str:
        """For the page: days done, and the estimate once there is one."""
        if self.total_days == 0:
            return "loading the data and the features"
        done = f"{self.days_done} of {self.total_days} days"
        left = self.eta()
        if left is None:
            return f"{done}; the estimate comes after the first day"
        rough = ""
        if left.guessed:
            verb = "has" if len(left.guessed) == 1 else "have"
            rough = f" (rough until {' and '.join(left.guessed)} {verb} walked a check cycle)"
        return f"{done}; about {duration_text(left.seconds)} left{rough}"
