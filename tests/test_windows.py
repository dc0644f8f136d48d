from datetime import date, timedelta

import numpy as np
import polars as pl
import pytest

from mlbcore.errors import MlbError
from mlbcore.training.windows import chronological_split, date_folds, resolve_window


def _dates(n_dates: int, per_day: int = 3) -> pl.Series:
    start = date(2016, 4, 3)
    return pl.Series([start + timedelta(days=d) for d in range(n_dates) for _ in range(per_day)])


def test_window_ends_at_the_last_date_by_default_and_counts_calendar_days():
    window = resolve_window(_dates(100), days=30, end_date=None)
    assert window.end_date == date(2016, 4, 3) + timedelta(days=99)
    assert (window.end_date - window.start_date).days == 29


@pytest.mark.parametrize(
    ("days", "end", "message"),
    [
        (0, None, "--days must be a positive"),
        (-5, None, "--days must be a positive"),
        (30, date(2017, 1, 1), "outside the data, which covers 2016-04-03 to"),
    ],
)
def test_bad_windows_say_what_is_wrong(days, end, message):
    with pytest.raises(MlbError, match=message):
        resolve_window(_dates(100), days=days, end_date=end)


def test_test_set_is_the_last_fifth_of_dates_and_never_splits_a_date():
    dates = _dates(50)
    train, test = chronological_split(dates, 0.2)
    assert len(set(dates.gather(train)) & set(dates.gather(test))) == 0
    assert max(dates.gather(train)) < min(dates.gather(test))
    assert dates.gather(test).n_unique() == 10


def test_cv_folds_are_chronological_with_a_gap_and_never_split_a_date():
    dates = _dates(40)
    folds = date_folds(dates, n_folds=5, gap_days=1)
    assert len(folds) == 5
    for train, valid in folds:
        train_dates, valid_dates = set(dates.gather(train)), set(dates.gather(valid))
        assert not train_dates & valid_dates
        # one whole date left out between the two
        assert (min(valid_dates) - max(train_dates)).days == 2
    assert np.concatenate([v for _, v in folds]).size == len(
        set(np.concatenate([v for _, v in folds]))
    )


def test_too_few_dates_for_cv_is_a_clear_error():
    with pytest.raises(
        MlbError, match="has 5 game dates; 5-fold time-series CV with a 1-day gap needs at least 7"
    ):
        date_folds(_dates(5), n_folds=5, gap_days=1)
