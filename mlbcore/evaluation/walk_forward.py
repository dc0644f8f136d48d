"""Walk-forward evaluation: at the start of each month, train a model and predict that
month's games, so every prediction is out of sample and made with what was known then.

Two ways to train each month:

- ``walk_forward_shipped``: exactly what `mlb train --as-of` (and so the scheduler and
  `mlb retrain`) ships: the last ``training_window_days`` game dates whose results were
  known at the month's first morning, the window's last dates held out for the estimate,
  then the model refitted on the whole window with the CV-chosen rounds (``Fit.shipped``),
  which predicts the month.
- ``walk_forward_all_history``: every earlier game (since the first imported season),
  rounds chosen by time-series CV inside that training set.

Settings come from time-series CV inside each training set, never from the months being
predicted.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import polars as pl

from mlbcore.data.timing import UNKNOWN_END_KNOWN_AT
from mlbcore.errors import MlbError
from mlbcore.parallel import run_tasks, task_settings
from mlbcore.settings import Settings
from mlbcore.targets import Target
from mlbcore.training.as_of import as_of_training_window, training_set
from mlbcore.training.boosting import lightgbm_params
from mlbcore.training.cross_validation import cross_validated_fit
from mlbcore.training.gate import gate_failures
from mlbcore.training.held_out import fit, fit_shipped
from mlbcore.training.labels import labelled_games
from mlbcore.training.target_model import TargetModel

# The seasons the quality bench scores (`mlb bench quality`): settings are chosen on
# seasons before the first of them (`mlb tune`), so no choice ever sees a scored month.
SCORED_SEASONS = (2014, 2015, 2016)


@dataclass(frozen=True)
class Variant:
    """A model to walk forward: ``features`` are the market part's inputs; without
    ``uses_market`` only the market-free part is fitted and it scores every game."""

    target: Target
    features: tuple[str, ...]
    label: str
    uses_market: bool = True


def _rounds(model: TargetModel) -> int:
    """The rounds of the part that scores priced games (the market-free part's when the
    model ignores the market)."""
    return model.market_rounds if model.uses_market else model.market_free_rounds


@dataclass
class WalkForward:
    """``predictions``: one row per predicted game (``game_id``, ``date``, ``label``,
    ``month``, ``prediction``, ``scored_by`` (market or market_free), ``rounds``,
    ``base_rate`` = the training label mean, ``n_train``). ``months``: one row per monthly
    model (``month``, ``as_of_utc``, ``window_start``/``window_end`` (null for all
    history), ``first_train_date``, ``last_train_date``, ``n_train``, ``rounds`` (the
    market part's, 0 = the market itself; the market-free part's for a variant without
    the market), ``market_free_rounds``, ``gate_failures``: the promotion gate's reasons
    joined by "; ", empty when it would pass, null where no gate applies)."""

    predictions: pl.DataFrame
    months: pl.DataFrame

    @property
    def gate_failed_months(self) -> int:
        return int(self.months["gate_failures"].str.len_chars().gt(0).sum())


def month_starts(season: int, first_month: int = 4, last_month: int = 10) -> list[date]:
    return [date(season, m, 1) for m in range(first_month, last_month + 1)]


def month_as_of(month: date) -> datetime:
    """The instant a month's model is trained: 10:00 UTC on its 1st, when every game of
    the day before is known (by its end time or the next-morning rule) and no game of the
    1st has reached its cutoff."""
    return datetime.combine(month, time(), UTC) + UNKNOWN_END_KNOWN_AT - timedelta(days=1)


def month_slices(
    labelled: pl.DataFrame, months: list[date], until: date | None = None
) -> list[tuple[date, pl.DataFrame]]:
    """Each month's labelled games; the last month runs to ``until`` (exclusive), by
    default to the end of the data. Months without games are left out."""
    slices = []
    for start, end in zip(months, [*months[1:], until], strict=True):
        test = labelled.filter(
            (pl.col("date") >= start) & ((pl.col("date") < end) if end else pl.lit(True))
        )
        if not test.is_empty():
            slices.append((start, test))
    return slices


def _predicted(
    test: pl.DataFrame, month: date, model: TargetModel, train: pl.DataFrame
) -> pl.DataFrame:
    return test.select("game_id", "date", "label").with_columns(
        month=pl.lit(month),
        prediction=pl.Series(model.predict(test), dtype=pl.Float64),
        scored_by=model.parts(test),
        rounds=pl.lit(_rounds(model)),
        base_rate=pl.lit(float(train["label"].mean())),  # pyright: ignore[reportArgumentType]  # polars hints a column's mean as any value
        n_train=pl.lit(train.height),
    )


def _month_row(
    month: date,
    train: pl.DataFrame,
    model: TargetModel,
    window: tuple[date, date] | None,
    failures: list[str] | None,
) -> dict[str, object]:
    return {
        "month": month,
        "as_of_utc": month_as_of(month),
        "window_start": window[0] if window else None,
        "window_end": window[1] if window else None,
        "first_train_date": train["date"].min(),
        "last_train_date": train["date"].max(),
        "n_train": train.height,
        "rounds": _rounds(model),
        "market_free_rounds": model.market_free_rounds,
        "gate_failures": None if failures is None else "; ".join(failures),
    }


def _shipped_month(
    task: tuple[date, pl.DataFrame, Variant, Settings, bool, bool], features: pl.DataFrame,
    games: pl.DataFrame,
) -> tuple[pl.DataFrame, dict[str, object]] | None:  # fmt: skip
    """One month of ``walk_forward_shipped``: its predictions and its model's row; None
    for a month that cannot be trained when the walk skips those."""
    month, test, variant, settings, skip_untrainable, judged = task
    target = variant.target
    as_of = month_as_of(month)
    config, training = settings.model_for(target), settings.training
    failures = None
    try:
        window = as_of_training_window(games, training.training_window_days, as_of)
        train = training_set(features, games, target, window, as_of)
        if judged:
            fitted = fit(
                target, train, window, config, training, fold_metrics=False,
                feature_names=variant.features, use_market=variant.uses_market,
            )  # fmt: skip
            shipped = fitted.shipped
            failures = gate_failures(target, fitted.gate, settings.promotion)
        else:
            shipped = fit_shipped(
                target, train, window, config, training, variant.features, variant.uses_market
            )
    except MlbError:
        if not skip_untrainable:
            raise
        return None
    window_dates = (window.start_date, window.end_date)
    return (
        _predicted(test, month, shipped, train),
        _month_row(month, train, shipped, window_dates, failures),
    )


def walk_forward_shipped(
    features: pl.DataFrame,
    games: pl.DataFrame,
    variant: Variant,
    months: list[date],
    settings: Settings,
    *,
    until: date | None = None,
    skip_untrainable: bool = False,
    on_month: Callable[[pl.DataFrame], None] | None = None,
    jobs: int | None = None,
    judged: bool = True,
) -> WalkForward:
    """Each month predicted by the model `mlb train --as-of <month's 1st, 10:00 UTC>`
    would ship: the last ``settings.training.training_window_days`` game dates known then
    (``as_of_training_window``, as the scheduler and `mlb retrain` train), ``fit`` with the
    target's model config, and the month predicted by ``Fit.shipped`` (refitted on the
    whole window). The gate is not applied; its verdict on each month's model is kept.

    The last month runs to ``until`` (exclusive; default the end of the data). With
    ``skip_untrainable`` a month whose window cannot be trained (too few labelled games)
    is left out instead of failing. The months are independent tasks, ``jobs`` at a time
    (``mlbcore.parallel``); with ``on_month`` they run here in order, and it gets the
    predictions so far after each month (a tuning trial reports its running score there,
    and may stop the walk by raising). With ``judged`` off each month's model is fitted
    without the held-out estimate the gate reads (``fit_shipped``: the same model, about
    a fifth fewer boosting rounds) and its row's ``gate_failures`` is null."""
    labelled = labelled_games(features, games, variant.target)
    each = task_settings(settings, jobs)
    tasks = [
        (month, test, variant, each, skip_untrainable, judged)
        for month, test in month_slices(labelled, months, until)
    ]
    if on_month is None:
        done = run_tasks(_shipped_month, tasks, (features, games), jobs, settings)
    else:
        done = []
        for task in tasks:
            done.append(_shipped_month(task, features, games))
            parts = [month[0] for month in done if month is not None]
            if parts:
                on_month(pl.concat(parts))
    months_done = [month for month in done if month is not None]
    if not months_done:
        raise MlbError(
            f"{variant.target}: no month of the walk has a window with "
            f"{settings.training.min_training_games} labelled games to train on"
        )
    return WalkForward(
        pl.concat([part for part, _ in months_done]), pl.DataFrame([r for _, r in months_done])
    )


def _all_history_month(
    task: tuple[date, pl.DataFrame, Variant, Settings], labelled: pl.DataFrame
) -> tuple[pl.DataFrame, dict[str, object]]:
    month, test, variant, settings = task
    train = labelled.filter(pl.col("date") < month)
    config = settings.model_for(variant.target)
    model = cross_validated_fit(
        variant.target,
        train,
        lightgbm_params(variant.target, config, settings.training),
        settings.training,
        variant.features,
        fold_metrics=False,
        use_market=variant.uses_market,
        market_offset_choice=config.market_offset,
    ).model
    return _predicted(test, month, model, train), _month_row(month, train, model, None, None)


def walk_forward_all_history(
    labelled: pl.DataFrame,
    variant: Variant,
    months: list[date],
    settings: Settings,
    *,
    jobs: int | None = None,
) -> WalkForward:
    """Each month predicted by a model of every earlier labelled game (no held-out
    estimate, no gate): the bench's yardstick before models were windowed. The months
    are independent tasks, ``jobs`` at a time."""
    each = task_settings(settings, jobs)
    tasks = [(month, test, variant, each) for month, test in month_slices(labelled, months)]
    done = run_tasks(_all_history_month, tasks, (labelled,), jobs, settings)
    return WalkForward(pl.concat([part for part, _ in done]), pl.DataFrame([r for _, r in done]))
