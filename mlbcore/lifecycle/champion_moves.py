"""Champion changes a person decides: promote a chosen version, or roll the champion back
to the one before it. Each moves the MLflow alias and tags the versions with the reason,
for `mlb promote`, `mlb rollback` and the train notebook's buttons.

A rolled-back version keeps the ``rolled_back_reason`` tag: it is never again the
champion of a past date (``tracking.champion_as_of``), and a second rollback goes further
back, not to it. Promoting it again by hand clears the tag.
"""

from dataclasses import dataclass

from mlbcore import tracking
from mlbcore.data.source import data_games_source
from mlbcore.errors import MlbError
from mlbcore.settings import Settings
from mlbcore.targets import Target
from mlbcore.tracking.champions import move_champion
from mlbcore.tracking.names import PREVIOUS_CHAMPION, REJECTED, ROLLED_BACK


@dataclass(frozen=True)
class ChampionMove:
    """What a promotion or a rollback did."""

    target: Target
    source: str
    champion: int  # the champion now
    replaced: int | None  # the champion before, None when nothing moved
    reason: str
    note: str = ""  # what a person should know (the version had failed the gate)

    def text(self) -> str:
        if self.replaced is None:
            return f"{self.target}: v{self.champion} is already the champion; nothing moved"
        return f"{self.target}: champion v{self.replaced} -> v{self.champion} ({self.reason})" + (
            f"; {self.note}" if self.note else ""
        )


def _client_and_name(settings: Settings, target: Target, data: str | None) -> tuple[str, str]:
    tracking.configure(settings)
    source = data_games_source(settings, data)
    return source, tracking.registered_model_name(target.value, source)


def _versions(name: str) -> dict[int, dict[str, str]]:
    """Each registered version of ``name`` and its tags."""
    from mlflow import MlflowClient

    return {
        int(v.version): dict(v.tags or {})
        for v in MlflowClient().search_model_versions(f"name='{name}'")
    }


def _require_fit(target: Target, name: str, version: int) -> None:
    """``MlbError`` (bad input, exit 2) when ``version`` may not become champion: its
    artifacts are incomplete or its run never finished (tagged unusable so)."""
    from mlflow import MlflowClient

    problem = tracking.stored_problem(name, version)
    if problem is None:
        run_id = MlflowClient().get_model_version(name, str(version)).run_id
        status = MlflowClient().get_run(str(run_id)).info.status if run_id else "FINISHED"
        problem = None if status == "FINISHED" else f"its training run is {status}"
    if problem is not None:
        tracking.mark_unusable(name, version, problem)
        raise MlbError(f"{target} v{version} cannot be champion: {problem}; pick another version")


def promote_version(
    settings: Settings, target: Target, version: int, reason: str, data: str | None = None
) -> ChampionMove:
    """Make registered ``version`` the champion of ``target`` for the data's games; the
    champion it replaces keeps the ``previous_champion`` alias."""
    from mlflow import MlflowClient

    source, name = _client_and_name(settings, target, data)
    versions = _versions(name)
    if version not in versions:
        known = ", ".join(f"v{v}" for v in sorted(versions)) or "none yet (run `mlb train`)"
        raise MlbError(f"{target} has no version {version} for {source} data; versions: {known}")
    if tracking.champion_version(target, source) == version:
        return ChampionMove(target, source, version, None, reason)
    _require_fit(target, name, version)
    if ROLLED_BACK in versions[version]:  # a person brings it back: the old verdict goes
        MlflowClient().delete_model_version_tag(name, str(version), ROLLED_BACK)
    replaced = move_champion(target, source, version, reason)
    gate = versions[version].get(REJECTED)
    note = f"it had failed the promotion gate ({gate})" if gate else ""
    return ChampionMove(target, source, version, replaced, reason, note)


def roll_back(
    settings: Settings, target: Target, reason: str, data: str | None = None
) -> ChampionMove:
    """Put back the champion before the current one (the ``previous_champion`` alias,
    else the newest version that was champion and was not rolled back); the current one
    is tagged ``rolled_back_reason`` with ``reason``."""
    from mlflow import MlflowClient

    source, name = _client_and_name(settings, target, data)
    current = tracking.champion_version(target, source)
    if current is None:
        raise MlbError(f"{target} has no champion for {source} data to roll back")
    earlier = _earlier_champions(target, source, current)
    if not earlier:
        raise MlbError(
            f"{target} v{current} is the only champion there has been for {source} data: "
            "nothing to roll back to (promote a version instead)"
        )
    back_to = earlier[0]
    _require_fit(target, name, back_to)
    client = MlflowClient()
    client.set_model_version_tag(name, str(current), ROLLED_BACK, reason)
    move_champion(target, source, back_to, f"rolled back from v{current}: {reason}")
    # The rolled-back version is not "previous": the one before back_to is, if any.
    if len(earlier) > 1:
        client.set_registered_model_alias(name, PREVIOUS_CHAMPION, str(earlier[1]))
    else:
        client.delete_registered_model_alias(name, PREVIOUS_CHAMPION)
    return ChampionMove(target, source, back_to, current, reason)


def _earlier_champions(target: Target, source: str, current: int) -> list[int]:
    """Versions that were champion before ``current`` and may be again, best first: the
    ``previous_champion`` alias, then the others newest first."""
    history = tracking.version_history(target, source)
    usable = [
        r.version
        for r in history
        if r.was_champion and r.version != current and r.status != "rolled back"
    ]
    alias = next((r.version for r in history if PREVIOUS_CHAMPION in r.aliases), None)
    return ([alias] if alias in usable else []) + [v for v in usable if v != alias]
