"""Where a job's data lives, a PostgreSQL database or a snapshot folder, and whose games
it holds, found without reading the tables or loading the trainer: what `mlb status` and
the notebooks need to find the right champions."""

from pathlib import Path

from mlbcore.data.snapshot import games_source, read_manifest
from mlbcore.db.connection import database_url, is_database_url
from mlbcore.settings import Settings


def data_location(settings: Settings, data: Path | str | None) -> tuple[str | None, Path]:
    """Where ``data`` lives: a PostgreSQL URL (``data`` itself, or the ``DATABASE_*``
    settings when ``data`` is None), else a snapshot folder (``data`` or ``MLB_DATA``)."""
    url = str(data) if is_database_url(data) else None
    if data is None:
        url = database_url(settings)
    return url, Path(data) if data is not None else settings.mlb_data


def data_games_source(settings: Settings, data: Path | str | None = None) -> str:
    """Whose games ``data`` (as ``load_data`` reads it) holds, without loading the tables."""
    url, folder = data_location(settings, data)
    if url:
        from mlbcore.db.jobs import read_notices  # psycopg loads only for PostgreSQL's data

        return games_source(read_notices(settings, url))
    notices = read_manifest(folder).get("notices", [])
    return games_source([str(n) for n in notices])
