"""What a model trained as of an instant may see: the results known by then, the
window of game dates before it, and the labelled training set."""

from datetime import datetime

import polars as pl

from mlbcore.data.timing import result_known_at_utc
from mlbcore.settings import Settings
from mlbcore.targets import Target
from mlbcore.training.held_out import Challenger, fit_challenger
from mlbcore.training.labels import labelled_games
from mlbcore.training.windows import Window, as_of_window, in_window


def known_results(games: pl.DataFrame, as_of: datetime | None) -> pl.DataFrame:
    """``game_id``, ``date`` and ``result_known_at_utc`` of the games whose results were
    known at ``as_of`` (every game when it is None)."""
    known = games.select("game_id", "date", result_known_at_utc())
    return known if as_of is None else known.filter(pl.col("result_known_at_utc") <= as_of)


def known_labelled(
    features: pl.DataFrame, games: pl.DataFrame, target: Target, as_of: datetime | None
) -> pl.DataFrame:
    """The target's labelled games whose results were known at ``as_of`` (all when None),
    with ``result_known_at_utc``."""
    known = known_results(games, as_of).select("game_id", "result_known_at_utc")
    return labelled_games(features.join(known, on="game_id"), games, target)


def as_of_training_window(games: pl.DataFrame, days: int, as_of: datetime) -> Window:
    """The last ``days`` game dates whose results were known at ``as_of``."""
    return as_of_window(known_results(games, as_of)["date"], days, f"{as_of:%Y-%m-%d %H:%M} UTC")


def challenger_as_of(
    settings: Settings,
    target: Target,
    features: pl.DataFrame,
    games: pl.DataFrame,
    as_of: datetime,
) -> tuple[Window, Challenger]:
    """A model fitted (not logged) as ``mlb train --as-of`` would fit it, for the replay
    and for drift against a model that has no earlier version."""
    window = as_of_training_window(games, settings.training.training_window_days, as_of)
    labelled = training_set(features, games, target, window, as_of)
    return window, fit_challenger(
        target, labelled, window, settings.model_for(target), settings.training
    )


def training_set(
    features: pl.DataFrame,
    games: pl.DataFrame,
    target: Target,
    window: Window,
    as_of: datetime | None,
) -> pl.DataFrame:
    """The target's labelled games inside ``window`` whose results were known at ``as_of``."""
    known = known_results(games, as_of).select("game_id")
    return labelled_games(
        features.filter(in_window(window)).join(known, on="game_id", how="semi"), games, target
    )
