"""A tuning study in MLflow: one parent run per `mlb tune` invocation, each trial a run
nested under it (``mlflow.parentRunId``) with its params, score, duration and state.

Every call goes through ``MlflowClient`` with an explicit run id, never the fluent API's
active run: several worker processes log under one parent at once, and each run ends in
a ``finally`` (FINISHED, or FAILED), so none stays RUNNING; a killed process's runs carry
its pid and are reaped by the next command (``recover_interrupted``)."""

import time
from typing import Any

from mlbcore.processes import this_process

PARENT_RUN_TAG = "mlflow.parentRunId"  # what MLflow's UI nests runs by
TUNING, TUNING_TRIAL = "tuning", "tuning_trial"


def _metric(key: str, value: float) -> Any:
    from mlflow.entities import Metric

    return Metric(key, float(value), int(time.time() * 1000), 0)


def start_study_run(experiment_id: str, study: str, tags: dict[str, str]) -> str:
    """A RUNNING parent run for this invocation of a study; returns its id."""
    from mlflow import MlflowClient

    run = MlflowClient().create_run(
        experiment_id,
        run_name=f"tune {study}",
        tags={"run_type": TUNING, "study": study, **this_process().as_tags(), **tags},
    )
    return str(run.info.run_id)


def end_study_run(run_id: str, best: dict[str, Any] | None, interrupted: bool) -> None:
    """End the parent run: FINISHED, or KILLED when a signal stopped the study; with the
    best trial so far as params and metrics."""
    from mlflow import MlflowClient
    from mlflow.entities import Param, RunTag

    client = MlflowClient()
    try:
        if best is not None:
            client.log_batch(
                run_id,
                metrics=[_metric("best_score", best["score"])],
                params=[Param(f"best_{k}", str(v)) for k, v in best["params"].items()],
                tags=[RunTag("best_trial", str(best["number"]))],
            )
    finally:
        client.set_terminated(run_id, "KILLED" if interrupted else "FINISHED")


def start_trial_run(
    experiment_id: str, parent_run_id: str, study: str, number: int, params: dict[str, Any]
) -> str:
    """A RUNNING run for trial ``number``, nested under the parent, with its params."""
    from mlflow import MlflowClient
    from mlflow.entities import Param

    client = MlflowClient()
    run = client.create_run(
        experiment_id,
        run_name=f"{study} trial {number}",
        tags={
            PARENT_RUN_TAG: parent_run_id,
            "run_type": TUNING_TRIAL,
            "study": study,
            "trial": str(number),
            **this_process().as_tags(),
        },
    )
    run_id = str(run.info.run_id)
    try:
        client.log_batch(run_id, params=[Param(k, str(v)) for k, v in params.items()])
    except Exception:
        client.set_terminated(run_id, "FAILED")
        raise
    return run_id


def end_trial_run(
    run_id: str, state: str, seconds: float, score: float | None, months: int
) -> None:
    """End a trial's run: its ``state`` (complete, pruned, failed) as a tag, the score
    (the pruned trial's last running score), the months walked and the duration."""
    from mlflow import MlflowClient
    from mlflow.entities import RunTag

    client = MlflowClient()
    metrics = [_metric("duration_seconds", seconds), _metric("months", months)]
    if score is not None:
        metrics.append(_metric("score", score))
    try:
        client.log_batch(run_id, metrics=metrics, tags=[RunTag("trial_state", state)])
    finally:
        client.set_terminated(run_id, "FAILED" if state == "failed" else "FINISHED")
