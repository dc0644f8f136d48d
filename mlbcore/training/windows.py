"""Calendar windows and chronological splits that never cut a game date in two, and the
dates and instants a command accepts (`--as-of`)."""

import math
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import polars as pl

from mlbcore.clock import require_positive_days
from mlbcore.errors import MlbError


@dataclass(frozen=True)
class Window:
    """Calendar days ``(end_date - days, end_date]`` of local game dates."""

    start_date: date
    end_date: date
    days: int


def coverage(dates: pl.Series) -> str:
    """ "the data covers FIRST to LAST", for messages about dates outside the data."""
    return f"the data covers {dates.min()} to {dates.max()}"


def resolve_window(data_dates: pl.Series, days: int, end_date: date | None) -> Window:
    """The window ending at ``end_date`` (default: the data's last date), checked against
    the dates the data covers."""
    require_positive_days(days)
    first, last = data_dates.min(), data_dates.max()
    if first is None or last is None:
        raise MlbError("the data has no games")
    assert isinstance(first, date) and isinstance(last, date)
    end = end_date or last
    if not first <= end <= last:
        raise MlbError(f"end date {end} is outside the data, which covers {first} to {last}")
    return Window(start_date=end - timedelta(days=days - 1), end_date=end, days=days)


def as_of_window(known_dates: pl.Series, days: int, as_of_label: str) -> Window:
    """The last ``days`` game dates among ``known_dates`` (dates of games whose results
    were known at the as-of instant). Game dates, not calendar days: an April window then
    reaches back over the winter into last season instead of holding a week of games."""
    require_positive_days(days)
    unique = known_dates.unique().sort()
    if unique.is_empty():
        raise MlbError(f"no game results were known by {as_of_label}")
    chosen = unique.tail(days)
    return Window(start_date=chosen[0], end_date=chosen[-1], days=days)


def in_window(window: Window) -> pl.Expr:
    return pl.col("date").is_between(window.start_date, window.end_date)


def chronological_split(dates: pl.Series, test_size: float) -> tuple[np.ndarray, np.ndarray]:
    """Row indices of train and test: the test set is the last ``test_size`` share of the
    window's game dates, so no date is split between the two. ``dates`` must be sorted."""
    unique = dates.unique(maintain_order=True)
    n_test_dates = max(1, math.ceil(test_size * len(unique)))
    if n_test_dates >= len(unique):
        raise MlbError(f"the window has {len(unique)} game dates: too few to hold out a test set")
    first_test = unique[len(unique) - n_test_dates]
    is_test = (dates >= first_test).to_numpy()
    return np.flatnonzero(~is_test), np.flatnonzero(is_test)


def date_folds(
    dates: pl.Series, n_folds: int, gap_days: int
) -> list[tuple[np.ndarray, np.ndarray]]:
    """Expanding-window time-series CV folds (scikit-learn's TimeSeriesSplit) over game
    dates, mapped to rows, with ``gap_days`` dates left out before each validation block."""
    unique = dates.unique(maintain_order=True)
    needed = n_folds + 1 + gap_days
    if len(unique) < needed:
        raise MlbError(
            f"the training part of the window has {len(unique)} game dates; "
            f"{n_folds}-fold time-series CV with a {gap_days}-day gap needs at least {needed}"
        )
    # scikit-learn takes about a second to import: loaded here, where folds are cut, so the
    # commands that only check a date (`mlb schedule`, `mlb status`) start without it.
    from sklearn.model_selection import TimeSeriesSplit

    date_index = dates.rank("dense").cast(pl.Int64).to_numpy() - 1
    try:
        splits = list(TimeSeriesSplit(n_splits=n_folds, gap=gap_days).split(np.arange(len(unique))))
    except ValueError as error:
        raise MlbError(
            f"the training part of the window has {len(unique)} game dates: too few for "
            f"{n_folds}-fold time-series CV with a {gap_days}-day gap ({error}); widen --days"
        ) from None
    folds = []
    for train_dates, valid_dates in splits:
        folds.append(
            (
                np.flatnonzero(np.isin(date_index, train_dates)),
                np.flatnonzero(np.isin(date_index, valid_dates)),
            )
        )
    return folds
