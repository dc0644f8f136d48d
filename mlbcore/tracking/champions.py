"""Champions: which registered version scores a target's games for a source, moving the
alias (with the reason tagged), and moving every target of a job together."""

import contextlib
import json
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from mlbcore.errors import MlbError
from mlbcore.faults import pause_point
from mlbcore.processes import this_process
from mlbcore.targets import PRIMARY_METRIC, Target
from mlbcore.tracking.integrity import require_usable
from mlbcore.tracking.names import (
    CHAMPION,
    PENDING_PROMOTION,
    PREVIOUS_CHAMPION,
    PROMOTED,
    REJECTED,
    REPLACED,
    registered_model_name,
)
from mlbcore.tracking.runs import run_trained_as_of


@dataclass(frozen=True)
class Champion:
    """A target's champion as the registry and its training run describe it."""

    target: Target
    source: str  # whose games it was trained on, and is champion for
    version: int
    run_id: str
    trained_as_of_utc: datetime
    primary_metric: str
    metric_at_training: float  # the primary metric on its held-out test dates
    window_start_date: date
    window_end_date: date

    @property
    def training_dates(self) -> tuple[date, date]:
        return self.window_start_date, self.window_end_date

    @property
    def uri(self) -> str:
        return f"models:/{registered_model_name(self.target.value, self.source)}/{self.version}"


def champion(target: Target, source: str) -> Champion | None:
    """The version holding the ``champion`` alias for ``source``'s games, or None when
    there is none. Call ``configure`` first."""
    from mlflow import MlflowClient
    from mlflow.exceptions import MlflowException

    client = MlflowClient()
    name = registered_model_name(target.value, source)
    try:
        version = client.get_model_version_by_alias(name, CHAMPION)
    except MlflowException:
        return None
    return champion_of(target, source, client.get_run(str(version.run_id)), int(version.version))


def champion_of(target: Target, source: str, run: Any, version: int) -> Champion:
    """``Champion`` of registered ``version``, described by its training ``run``."""
    name = registered_model_name(target.value, source)
    metric = PRIMARY_METRIC[target]
    params = run.data.params
    return Champion(
        target=target,
        source=source,
        version=version,
        run_id=str(run.info.run_id),
        trained_as_of_utc=run_trained_as_of(run, name, str(version)),
        primary_metric=metric,
        metric_at_training=float(run.data.metrics[f"test_{metric}"]),
        window_start_date=date.fromisoformat(params["window_start_date"]),
        window_end_date=date.fromisoformat(params["window_end_date"]),
    )


def require_champion(target: Target, source: str) -> Champion:
    """The champion, or an ``MlbError`` saying what to do when there is none."""
    found = champion(target, source)
    if found is None:
        raise MlbError(no_champion_message(target, source))
    return found


def no_champion_message(target: Target, source: str) -> str:
    """Why there is no champion for ``source``'s games, and what to do: train one, or
    (when the newest model failed the promotion gate) name it with ``--model``."""
    from mlflow import MlflowClient

    name = registered_model_name(target.value, source)
    versions = MlflowClient().search_model_versions(f"name='{name}'")
    if not versions:
        return f"{target} has no champion yet for {source} data; run `mlb train` first"
    newest = max(versions, key=lambda v: int(v.version))
    why = (newest.tags or {}).get(REJECTED)
    return (
        f"{target} has no champion for {source} data"
        + (f": its newest model (v{newest.version}, run {newest.run_id}) was not promoted ({why})"
           if why else "")
        + "; train a better one, or pass --model RUN_ID to use a model anyway"
    )  # fmt: skip


def set_champion(target: Target, source: str, version: int, reason: str) -> int | None:
    """Give ``version`` the champion alias; the version it replaces keeps the
    ``previous_champion`` alias and a tag saying why. Returns the replaced version. A
    version that is unusable (incomplete artifacts, a run that never finished) is refused
    with ``StoreFault`` and tagged so."""

    require_usable(registered_model_name(target.value, source), version)
    return move_champion(target, source, version, reason)


def move_champion(target: Target, source: str, version: int, reason: str) -> int | None:
    """``set_champion`` without the check, for moves already checked."""
    from mlflow import MlflowClient

    client = MlflowClient()
    name = registered_model_name(target.value, source)
    current = champion_version(target, source)
    client.set_model_version_tag(name, str(version), PROMOTED, reason)
    client.set_registered_model_alias(name, CHAMPION, str(version))
    if current is not None and current != version:
        client.set_registered_model_alias(name, PREVIOUS_CHAMPION, str(current))
        client.set_model_version_tag(name, str(current), REPLACED, reason)
        client.set_model_version_tag(name, str(current), "replaced_by_version", str(version))
    return current if current != version else None


def reject_challenger(target: Target, source: str, version: int, reason: str) -> None:
    """A challenger that lost keeps a tag saying why; the champion alias stays put."""
    from mlflow import MlflowClient

    name = registered_model_name(target.value, source)
    MlflowClient().set_model_version_tag(name, str(version), REJECTED, reason)


def champion_version(target: Target, source: str) -> int | None:
    from mlflow import MlflowClient
    from mlflow.exceptions import MlflowException

    try:
        registered = MlflowClient().get_registered_model(
            registered_model_name(target.value, source)
        )
    except MlflowException:
        return None
    # search_model_versions leaves aliases empty on some stores; the model itself has them.
    version = registered.aliases.get(CHAMPION)
    return int(version) if version is not None else None


def promote_together(
    experiment_id: str, source: str, versions: dict[Target, int], reason: str
) -> None:
    """Make each of ``versions`` its target's champion: all of them, or, when the process
    is killed part-way, all of them at the next start (``recover_interrupted`` finishes
    the moves recorded here first). Every version is checked before any alias moves."""
    from mlflow import MlflowClient

    if not versions:
        return
    for target, version in versions.items():
        require_usable(registered_model_name(target.value, source), version)
    moves = [
        {
            "target": target.value,
            "source": source,
            "version": version,
            "reason": reason,
            # The aliases as they were, to put back if the moves cannot be finished.
            "was": _aliases(registered_model_name(target.value, source)),
        }
        for target, version in versions.items()
    ]
    client = MlflowClient()
    pending = {"process": this_process().as_tags(), "moves": moves}
    client.set_experiment_tag(experiment_id, PENDING_PROMOTION, json.dumps(pending))
    for n, move in enumerate(moves):
        if n:
            pause_point("promoting")  # a test kills the job here: one champion moved
        move_champion(Target(move["target"]), source, move["version"], reason)
    client.delete_experiment_tag(experiment_id, PENDING_PROMOTION)


def _aliases(name: str) -> dict[str, int | None]:
    from mlflow import MlflowClient
    from mlflow.exceptions import MlflowException

    try:
        aliases = MlflowClient().get_registered_model(name).aliases
    except MlflowException:
        aliases = {}
    return {
        alias: int(aliases[alias]) if alias in aliases else None
        for alias in (CHAMPION, PREVIOUS_CHAMPION)
    }


def restore_aliases(name: str, was: dict[str, int | None]) -> None:
    from mlflow import MlflowClient

    client = MlflowClient()
    for alias, version in was.items():
        if version is None:
            with contextlib.suppress(Exception):
                client.delete_registered_model_alias(name, alias)
        else:
            client.set_registered_model_alias(name, alias, str(version))
