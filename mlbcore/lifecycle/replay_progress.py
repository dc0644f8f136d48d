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
see.
A replay run as parallel tasks (``--jobs`` above 1) walks in other processes. Each
task gets a ``DayMarks``: a folder the parent made, where a cancel is a marker file the
task checks between days and each walked day is a line the parent counts. On a Dask
worker of another machine the folder does not exist: that task's days are counted when
it returns, and a cancel is heard only by tasks not yet started there. With walks in
parallel, the seconds left are divided by the walks at once."""

import os
import statistics
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from mlbcore.formatting import duration_text

CANCELLED, DAYS = "cancelled", "days"
# One walked day: its seconds, its policy, and whether a model was fitted on it.
Day = tuple[float, str, bool]


def _day(line: str) -> Day:
    seconds, policy, fitted = line.split("\t")
    return float(seconds), policy, fitted == "1"


def _by_policy(days: list[Day]) -> dict[str, list[float]]:
    walked: dict[str, list[float]] = {}
    for seconds, policy, _ in days:
        walked.setdefault(policy, []).append(seconds)
    return walked


class DayMarks:
    """A replay task's view of the ReplayProgress of a parent process (picklable)."""

    def __init__(self, folder: str) -> None:
        self.folder = folder
        self.unshared: list[Day] = []  # days walked where the folder is not (another machine)

    @property
    def cancelled(self) -> bool:
        return os.path.exists(os.path.join(self.folder, CANCELLED))

    def day_done(self, seconds: float, policy: str = "", fitted: bool = False) -> None:
        if not os.path.isdir(self.folder):
            self.unshared.append((seconds, policy, fitted))
            return
        # One short O_APPEND write per day: lines from several processes never interleave.
        with open(os.path.join(self.folder, DAYS), "a") as days:
            days.write(f"{seconds}\t{policy}\t{int(fitted)}\n")


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
        self._days: list[Day] = []
        self.step = ""
        self._cancel = threading.Event()
        self._marks: Path | None = None
        self.at_once = 1  # walks at once: the estimate divides by it

    def plan(self, policies: Sequence[str], days_per_policy: int, check_share: float) -> None:
        """What the walk will do: each of ``policies`` walks ``days_per_policy`` days."""
        self.planned = dict.fromkeys(policies, days_per_policy)
        self.total_days = len(policies) * days_per_policy
        self.check_share = check_share

    def cancel(self) -> None:
        self._cancel.set()
        if self._marks is not None:
            (self._marks / CANCELLED).touch()

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()

    def day_done(self, seconds: float, policy: str = "", fitted: bool = False) -> None:
        self._days.append((seconds, policy, fitted))

    def share(self, folder: Path, at_once: int) -> DayMarks:
        """Days walked and the cancel, shared with tasks in other processes (``at_once``
        of them walking at a time) through ``folder`` (which the caller makes and
        removes) until ``unshare``."""
        self._marks, self.at_once = folder, max(1, at_once)
        if self.cancelled:
            (folder / CANCELLED).touch()
        return DayMarks(str(folder))

    def unshare(self) -> None:
        """Keep the days the tasks walked, and stop reading the folder."""
        self._days = self._all_days()
        self._marks, self.at_once = None, 1

    def _all_days(self) -> list[Day]:
        days = self._marks / DAYS if self._marks is not None else None
        if days is None or not days.exists():
            return self._days
        return self._days + [_day(line) for line in days.read_text().splitlines() if line]

    @property
    def walked(self) -> dict[str, list[float]]:
        return _by_policy(self._all_days())

    @property
    def days_done(self) -> int:
        return len(self._all_days())

    def eta(self) -> Estimate | None:
        return self._estimate(self._all_days())

    def _estimate(self, days: list[Day]) -> Estimate | None:
        walked = _by_policy(days)
        remaining = {
            policy: planned - len(walked.get(policy, ()))
            for policy, planned in self.planned.items()
        }
        if not remaining:  # no plan given: every day alike
            remaining = {"": self.total_days - len(days)}
        fit = [seconds for seconds, _, fitted in days if fitted]
        predict = [seconds for seconds, _, fitted in days if not fitted]
        left = eta_by_policy(walked, remaining, fit, predict, self.check_share)
        if left is None or self.at_once == 1:
            return left
        return Estimate(left.seconds / self.at_once, left.guessed)

    def text(self) -> str:
        """For the page: days done, and the estimate once there is one (the shared days
        file read once per refresh)."""
        if self.total_days == 0:
            return "loading the data and the features"
        days = self._all_days()
        done = f"{len(days)} of {self.total_days} days"
        left = self._estimate(days)
        if left is None:
            return f"{done}; the estimate comes after the first day"
        rough = ""
        if left.guessed:
            verb = "has" if len(left.guessed) == 1 else "have"
            rough = f" (rough until {' and '.join(left.guessed)} {verb} walked a check cycle)"
        return f"{done}; about {duration_text(left.seconds)} left{rough}"
