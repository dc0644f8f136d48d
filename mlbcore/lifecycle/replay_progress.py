"""How far a replay has walked, an honest estimate of what is left, and a cancel flag
that the walk checks between days, so a cancel stops after the day in hand.

A replay run as parallel tasks (``--jobs`` above 1) walks in other processes. Each
task gets a ``DayMarks``: a folder the parent made, where a cancel is a marker file the
task checks between days and each walked day is a line the parent counts. On a Dask
worker of another machine the folder does not exist: that task's days are counted when
it returns, and a cancel is heard only by tasks not yet started there."""

import os
import statistics
import threading
from collections.abc import Sequence
from pathlib import Path

CANCELLED, DAYS = "cancelled", "days"


class DayMarks:
    """A replay task's view of the ReplayProgress of a parent process (picklable)."""

    def __init__(self, folder: str) -> None:
        self.folder = folder
        self.unshared: list[float] = []  # days walked where the folder is not (another machine)

    @property
    def cancelled(self) -> bool:
        return os.path.exists(os.path.join(self.folder, CANCELLED))

    def day_done(self, seconds: float) -> None:
        if not os.path.isdir(self.folder):
            self.unshared.append(seconds)
            return
        # One short O_APPEND write per day: lines from several processes never interleave.
        with open(os.path.join(self.folder, DAYS), "a") as days:
            days.write(f"{seconds}\n")


def eta_seconds(day_seconds: Sequence[float], remaining_days: int) -> float | None:
    """Seconds left: the remaining days times the mean seconds per day so far; None
    before the first day is done. The mean, not the median: most days only predict and
    the few that fit a model take most of the time, which a median would leave out."""
    if not day_seconds:
        return None
    return max(remaining_days, 0) * statistics.fmean(day_seconds)


def duration_text(seconds: float) -> str:
    """A duration a person reads at a glance."""
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 90 * 60:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


class ReplayProgress:
    """Days done out of the total (every target and policy walks the season), their
    durations, and the cancel flag. Shared between the walk and whoever watches it."""

    def __init__(self, total_days: int = 0) -> None:
        self.total_days = total_days
        self.day_seconds: list[float] = []
        self.step = ""
        self._cancel = threading.Event()
        self._marks: Path | None = None
        self.at_once = 1  # tasks walking at once: the estimate divides by it

    def cancel(self) -> None:
        self._cancel.set()
        if self._marks is not None:
            (self._marks / CANCELLED).touch()

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()

    def day_done(self, seconds: float) -> None:
        self.day_seconds.append(seconds)

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
        self.day_seconds = self._all_days()
        self._marks, self.at_once = None, 1

    def _all_days(self) -> list[float]:
        days = self._marks / DAYS if self._marks is not None else None
        if days is None or not days.exists():
            return self.day_seconds
        return self.day_seconds + [float(line) for line in days.read_text().split()]

    @property
    def days_done(self) -> int:
        return len(self._all_days())

    def eta(self) -> float | None:
        left = eta_seconds(self._all_days(), self.total_days - self.days_done)
        return None if left is None else left / self.at_once

    def text(self) -> str:
        """For the page: days done, and the estimate once there is one."""
        if self.total_days == 0:
            return "loading the data and the features"
        done = f"{self.days_done} of {self.total_days} days"
        left = self.eta()
        if left is None:
            return f"{done}; the estimate comes after the first day"
        return f"{done}; about {duration_text(left)} left"
