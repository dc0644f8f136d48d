"""How far a replay has walked, an honest estimate of what is left, and a cancel flag
that the walk checks between days, so a cancel stops after the day in hand."""

import statistics
import threading
from collections.abc import Sequence

from mlbcore.formatting import duration_text


def eta_seconds(day_seconds: Sequence[float], remaining_days: int) -> float | None:
    """Seconds left: the remaining days times the mean seconds per day so far; None
    before the first day is done. The mean, not the median: most days only predict and
    the few that fit a model take most of the time, which a median would leave out."""
    if not day_seconds:
        return None
    return max(remaining_days, 0) * statistics.fmean(day_seconds)


class ReplayProgress:
    """Days done out of the total (every target and policy walks the season), their
    durations, and the cancel flag. Shared between the walk and whoever watches it."""

    def __init__(self, total_days: int = 0) -> None:
        self.total_days = total_days
        self.day_seconds: list[float] = []
        self.step = ""
        self._cancel = threading.Event()

    def cancel(self) -> None:
        self._cancel.set()

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()

    def day_done(self, seconds: float) -> None:
        self.day_seconds.append(seconds)

    @property
    def days_done(self) -> int:
        return len(self.day_seconds)

    def eta(self) -> float | None:
        return eta_seconds(self.day_seconds, self.total_days - self.days_done)

    def text(self) -> str:
        """For the page: days done, and the estimate once there is one."""
        if self.total_days == 0:
            return "loading the data and the features"
        done = f"{self.days_done} of {self.total_days} days"
        left = self.eta()
        if left is None:
            return f"{done}; the estimate comes after the first day"
        return f"{done}; about {duration_text(left)} left"
