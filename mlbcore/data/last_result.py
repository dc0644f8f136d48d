"""The data's own "now": the instant its last result became known. Ages, health and the
champion a page shows are measured in the data's time (this instant, or a date a person
picks), never the wall clock: a 2016 season read in 2026 is not ten years stale."""

import contextlib
from datetime import datetime
from pathlib import Path

import polars as pl

from mlbcore.data.source import _data_location, load_data
from mlbcore.data.timing import finished_results
from mlbcore.settings import Settings

_COLUMNS = ("date", "game_end_utc", "home_score", "away_score")


def last_result_utc(settings: Settings, data: Path | str | None = None) -> datetime | None:
    """When the last finished game of ``data`` (as ``load_data`` reads it) became known,
    UTC (``data/timing.py``'s rule); None when no game has a result."""
    url, folder = _data_location(settings, data)
    games = None
    if not url:
        # The games table's four columns only: the status pages need no other table.
        with contextlib.suppress(pl.exceptions.PolarsError, OSError):
            games = pl.read_parquet(Path(folder) / "games.parquet", columns=list(_COLUMNS))
    if games is None:  # PostgreSQL; or a snapshot load_data says, in one line, is damaged
        games = load_data(settings, url or folder).games.select(_COLUMNS)
    return latest_result_utc(games)


def latest_result_utc(games: pl.DataFrame) -> datetime | None:
    """When the last finished game of ``games`` became known, UTC; None without one."""
    known = finished_results(games)["result_known_at_utc"].max()
    assert known is None or isinstance(known, datetime)
    return known
