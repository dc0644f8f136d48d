"""Pointing MLflow at the configured store: its experiment, with artifacts inside the
state folder, and the clean-up after killed processes every command starts with."""

import logging
import os
import sys
from pathlib import Path

from mlbcore.db import mlflow_artifacts
from mlbcore.db.mlflow_artifacts import ARTIFACTS_URI
from mlbcore.db.mlflow_store import prepare_tracking_store, relink_to_state_folder
from mlbcore.faults import pause_inside_sqlite_writes
from mlbcore.files import writable_folder
from mlbcore.settings import Settings
from mlbcore.tracking.recovery import recover_interrupted


def configure(settings: Settings) -> str:
    """Point MLflow at the configured store and return the experiment's id, creating the
    experiment with its artifacts inside the state folder (not ``./mlruns`` of whichever
    folder the process started in)."""
    import mlflow

    # MLflow's INFO lines (schema set-up, uv detection) and its pip-version warning would
    # bury the progress display; real problems still raise.
    logging.getLogger("mlflow").setLevel(logging.WARNING)
    logging.getLogger("mlflow.utils.environment").setLevel(logging.ERROR)
    # The pyfunc wrapper is pickled by reference to its importable class (mlbcore is
    # installed wherever models load), so MLflow's generic CloudPickle warning is noise.
    logging.getLogger("mlflow.pyfunc").setLevel(logging.ERROR)
    logging.getLogger("psycopg").setLevel(logging.ERROR)
    logging.getLogger("alembic").setLevel(logging.WARNING)
    # MLflow logs each database error with its traceback before raising it again; the
    # error itself reaches the user, as one line (``StoreFailures``).
    logging.getLogger("mlflow.store.db.utils").setLevel(logging.CRITICAL)
    # MLflow draws a progress bar for each artifact download once tqdm is installed
    # (Optuna brings it): lines of bars between a command's own, for files of kilobytes.
    os.environ.setdefault("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")
    # A folder MLflow cannot write in would fail after its retries (minutes): fail now.
    writable_folder(settings.mlb_state_dir, "MLB_STATE_DIR")
    notices = prepare_tracking_store(settings.tracking_uri, settings.artifact_location)
    if not settings.mlflow_tracking_uri:  # the default store, inside the state folder
        notices += relink_to_state_folder(
            Path(settings.tracking_uri.removeprefix("sqlite:///")),
            settings.mlb_state_dir,
            mlflow_artifacts.ARTIFACTS_URI,
        )
    mlflow.set_tracking_uri(settings.tracking_uri)
    pause_inside_sqlite_writes("mlflow-write")  # tests only: see mlbcore.faults
    experiment_id = _experiment_id(settings)
    # What a killed process left: runs still RUNNING, a job's champion moves half made.
    for notice in notices + recover_interrupted(experiment_id):
        print(f"mlb: {notice}", file=sys.stderr)
    return experiment_id


def _experiment_id(settings: Settings) -> str:
    """The experiment's id, creating it if needed. The default store's experiment keeps
    its artifacts relative to the state folder (``mlb-state:/mlartifacts``), so the folder
    can move; a configured store's, at the state folder's absolute path."""
    import mlflow
    from mlflow.exceptions import MlflowException

    name = settings.mlflow_experiment_name
    experiment = mlflow.get_experiment_by_name(name)
    if experiment is not None:
        return str(experiment.experiment_id)
    location = settings.artifact_location if settings.mlflow_tracking_uri else ARTIFACTS_URI
    try:
        return str(mlflow.create_experiment(name, artifact_location=location))
    except MlflowException:
        # Another process's first run created it a moment ago.
        experiment = mlflow.get_experiment_by_name(name)
        if experiment is None:
            raise
        return str(experiment.experiment_id)
