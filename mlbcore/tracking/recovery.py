"""What a killed process left behind: runs still RUNNING become FAILED (tag ``reaped``),
and a job's champion moves left half made are finished or undone."""

import json

from mlbcore.errors import MlbError
from mlbcore.processes import ProcessId, is_gone
from mlbcore.targets import Target
from mlbcore.tracking.champions import move_champion, restore_aliases
from mlbcore.tracking.integrity import mark_unusable, require_usable
from mlbcore.tracking.names import PENDING_PROMOTION, registered_model_name


def recover_interrupted(experiment_id: str) -> list[str]:
    """Clear up after processes that were killed: their runs still RUNNING become FAILED
    (tag ``reaped``; versions they registered, unusable), and a job's champion moves left
    half made are finished (or, if a version became unusable since, undone). Returns one
    line per thing done. Processes on other hosts are never judged from here."""
    return _reap_runs(experiment_id) + _finish_promotion(experiment_id)


def _reap_runs(experiment_id: str) -> list[str]:
    from mlflow import MlflowClient

    client = MlflowClient()
    reaped = []
    for run in client.search_runs([experiment_id], "attributes.status = 'RUNNING'"):
        owner = ProcessId.from_tags(run.data.tags)
        if owner is None or not is_gone(owner):
            continue
        run_id = run.info.run_id
        client.set_tag(
            run_id, "reaped", f"process {owner.pid} on {owner.host} ended before the run did"
        )
        client.set_terminated(run_id, "FAILED")
        for v in client.search_model_versions(f"run_id = '{run_id}'"):
            mark_unusable(v.name, v.version, "its training run was killed before it finished")
        reaped.append(run_id)
    if not reaped:
        return []
    return [
        f"marked {len(reaped)} run(s) of killed processes FAILED (tag reaped): {', '.join(reaped)}"
    ]


def _finish_promotion(experiment_id: str) -> list[str]:
    from mlflow import MlflowClient

    client = MlflowClient()
    raw = client.get_experiment(experiment_id).tags.get(PENDING_PROMOTION)
    if not raw:
        return []
    pending = json.loads(raw)
    owner = ProcessId.from_tags(pending.get("process", {}))
    if owner is None or not is_gone(owner):
        return []  # still promoting, or on another host
    moves = pending["moves"]
    names = ", ".join(f"{m['target']} v{m['version']}" for m in moves)
    try:
        for move in moves:
            require_usable(registered_model_name(move["target"], move["source"]), move["version"])
    except MlbError as error:
        for move in moves:
            restore_aliases(registered_model_name(move["target"], move["source"]), move["was"])
        client.delete_experiment_tag(experiment_id, PENDING_PROMOTION)
        return [f"undid the champion moves of a killed job ({names}): {error}"]
    for move in moves:
        move_champion(Target(move["target"]), move["source"], move["version"], move["reason"])
    client.delete_experiment_tag(experiment_id, PENDING_PROMOTION)
    return [f"finished the champion moves of a job killed part-way: {names}"]
