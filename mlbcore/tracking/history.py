"""A target's registered versions as a history, and the champion in place at an instant
of the data's time.

The champion "as of" an instant: the current champion when its training data ended at or
before that instant; otherwise, of the versions that were ever champion (and neither
rolled back nor unusable), the one whose training data ended last at or before it. A
model trained on games after that instant is never used to score it: the slate of a past
date, a status "as of" a date, and ages are judged in the data's time, not the wall clock.
"""

from dataclasses import dataclass
from datetime import UTC, datetime

from mlbcore.errors import MlbError
from mlbcore.targets import Target
from mlbcore.tracking.champions import Champion, champion_of
from mlbcore.tracking.names import (
    CHAMPION,
    PREVIOUS_CHAMPION,
    PROMOTED,
    REJECTED,
    REPLACED,
    ROLLED_BACK,
    UNUSABLE,
    registered_model_name,
)


@dataclass(frozen=True)
class VersionRecord:
    """One registered version: its training run and what happened to it."""

    champion: Champion  # the version described as a champion would be (run, window, metric)
    aliases: tuple[str, ...]  # champion, previous_champion
    status: str  # champion, previous champion, replaced, rolled back, rejected, unusable, new
    reason: str  # the tag behind the status
    created_utc: datetime

    @property
    def version(self) -> int:
        return self.champion.version

    @property
    def was_champion(self) -> bool:
        return self.status in ("champion", "previous champion", "replaced")


def _status(tags: dict[str, str], aliases: tuple[str, ...]) -> tuple[str, str]:
    """The word for a version and the tag's words behind it, most telling first."""
    if UNUSABLE in tags:
        return "unusable", tags[UNUSABLE]
    if CHAMPION in aliases:
        return "champion", tags.get(PROMOTED, "")
    if ROLLED_BACK in tags:
        return "rolled back", tags[ROLLED_BACK]
    if PREVIOUS_CHAMPION in aliases:
        return "previous champion", tags.get(REPLACED, "")
    if PROMOTED in tags:
        return "replaced", tags.get(REPLACED, "")
    if REJECTED in tags:
        return "rejected", tags[REJECTED]
    return "new", ""


def version_history(target: Target, source: str) -> list[VersionRecord]:
    """Every registered version of ``target`` for ``source``'s games, newest first;
    versions whose run cannot be read (deleted, or logged before the lifecycle) are left
    out. Call ``tracking.configure`` first."""
    from mlflow import MlflowClient
    from mlflow.exceptions import MlflowException

    client = MlflowClient()
    name = registered_model_name(target.value, source)
    try:
        aliases = client.get_registered_model(name).aliases  # name: version
    except MlflowException:
        return []
    by_version: dict[int, tuple[str, ...]] = {}
    for alias, version in aliases.items():
        by_version[int(version)] = (*by_version.get(int(version), ()), alias)
    records = []
    for v in client.search_model_versions(f"name='{name}'"):
        version = int(v.version)
        try:
            described = champion_of(target, source, client.get_run(str(v.run_id)), version)
        except (MlflowException, MlbError, KeyError, ValueError):
            continue
        status, reason = _status(dict(v.tags or {}), by_version.get(version, ()))
        created = datetime.fromtimestamp(int(v.creation_timestamp) / 1000, tz=UTC)
        records.append(
            VersionRecord(described, by_version.get(version, ()), status, reason, created)
        )
    return sorted(records, key=lambda r: -r.version)


def champion_as_of(
    target: Target, source: str, as_of: datetime, history: list[VersionRecord] | None = None
) -> Champion | None:
    """The champion in place at ``as_of`` (a UTC instant of the data's time; see the
    module's words), or None when no champion had been trained by then. ``history`` is
    ``version_history(target, source)`` when the caller has it (a slate asks for many
    instants), else it is read."""
    history = version_history(target, source) if history is None else history
    current = next((r for r in history if r.status == "champion"), None)
    if current is not None and current.champion.trained_as_of_utc <= as_of:
        return current.champion
    earlier = [
        r.champion for r in history if r.was_champion and r.champion.trained_as_of_utc <= as_of
    ]
    return max(earlier, key=lambda c: (c.trained_as_of_utc, c.version), default=None)
