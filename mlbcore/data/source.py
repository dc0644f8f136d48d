"""Where the data comes from: a snapshot folder or PostgreSQL, as the settings say."""

from pathlib import Path

from mlbcore.data.snapshot import Snapshot, games_source, load_snapshot, read_manifest
from mlbcore.db.connection import database_url, is_database_url
from mlbcore.db.jobs import read_database, read_notices
from mlbcore.settings import Settings


def _data_location(settings: Settings, data: Path | str | None) -> tuple[str | None, Path]:
    """Where ``data`` lives: a PostgreSQL URL (``data`` itself, or the ``DATABASE_*``
    settings when ``data`` is None), else a snapshot folder (``data`` or ``MLB_DATA``)."""
    url = str(data) if is_database_url(data) else None
    if data is None:
        url = database_url(settings)
    return url, Path(data) if data is not None else settings.mlb_data


def load_data(settings: Settings, data: Path | str | None = None) -> Snapshot:
    """The games, lines and splits from ``data``: a snapshot folder or a PostgreSQL URL;
    without it, PostgreSQL when the ``DATABASE_*`` settings name one, else ``MLB_DATA``."""
    url, folder = _data_location(settings, data)
    if url:
        return read_database(settings, url)
    return load_snapshot(folder)


def data_games_source(settings: Settings, data: Path | str | None = None) -> str:
    """Whose games ``data`` (as ``load_data`` reads it) holds, without loading the tables:
    what `mlb status` and the notebooks need to find the right champions."""
    url, folder = _data_location(settings, data)
    if url:
        return games_source(read_notices(settings, url))
    notices = read_manifest(folder).get("notices", [])
    return games_source([str(n) for n in notices] if isinstance(notices, list) else [])
