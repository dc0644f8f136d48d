"""MLflow experiment tracking: one run per trained target, logged by hand (autologging
costs seconds a fit), with the model registered as ``mlb-{target}``."""

import json
import logging
from datetime import UTC, datetime
from typing import Any

from mlbcore.settings import Settings
from mlbcore.training.trainer import TrainingResult

REGISTERED_MODEL_PREFIX = "mlb-"


def registered_model_name(target: str) -> str:
    return f"{REGISTERED_MODEL_PREFIX}{target}"


def configure(settings: Settings) -> str:
    """Point MLflow at the configured store and return the experiment's id, creating the
    experiment with its artifacts inside the state folder (not ``./mlruns`` of whichever
    folder the process started in)."""
    import mlflow

    # MLflow's INFO lines (schema set-up, uv detection) and its pip-version warning would
    # bury the progress display; real problems still raise.
    logging.getLogger("mlflow").setLevel(logging.WARNING)
    logging.getLogger("mlflow.utils.environment").setLevel(logging.ERROR)
    logging.getLogger("psycopg").setLevel(logging.ERROR)
    logging.getLogger("alembic").setLevel(logging.WARNING)
    settings.mlb_state_dir.mkdir(parents=True, exist_ok=True)
    from mlbcore.db.mlflow_store import prepare_tracking_store

    prepare_tracking_store(settings.tracking_uri, settings.artifact_location)
    mlflow.set_tracking_uri(settings.tracking_uri)
    experiment = mlflow.get_experiment_by_name(settings.mlflow_experiment_name)
    if experiment is not None:
        return str(experiment.experiment_id)
    return str(
        mlflow.create_experiment(
            settings.mlflow_experiment_name, artifact_location=settings.artifact_location
        )
    )


def run_name(target: str, started_at: datetime) -> str:
    return f"{target}_{started_at.astimezone(UTC):%Y%m%d_%H%M%S}"


def log_training_run(
    result: TrainingResult,
    experiment_id: str,
    started_at: datetime,
    lineage: dict[str, Any],
) -> str:
    """Log one training result as a finished run and return its id. A failure while
    logging ends the run as FAILED (MLflow's context manager), never RUNNING."""
    import lightgbm
    import mlflow
    from mlflow.models import infer_signature

    target = result.target.value
    with mlflow.start_run(
        experiment_id=experiment_id,
        run_name=run_name(target, started_at),
        tags={"target": target, "feature_set_version": lineage["feature_set_version"]},
    ) as run:
        mlflow.log_params(
            {
                **{f"model_{k}": v for k, v in result.params.items()},
                "num_boost_round": result.num_boost_round,
                "window_start_date": result.window.start_date.isoformat(),
                "window_end_date": result.window.end_date.isoformat(),
                "window_days": result.window.days,
                "n_train": result.n_train,
                "n_test": result.n_test,
                **lineage,
            }
        )
        features = _signature_frame(result.feature_names)
        signature = infer_signature(features, result.booster.predict(features.to_numpy()))
        # Registering through log_model keeps one call; pip_requirements skips the ~2.5 s
        # requirement inference.
        mlflow.lightgbm.log_model(
            result.booster,
            name="model",
            signature=signature,
            pip_requirements=[f"lightgbm=={lightgbm.__version__}"],
            registered_model_name=registered_model_name(target),
        )
        mlflow.log_metrics(result.metrics | {f"quality_{k}": v for k, v in result.quality.items()})
        mlflow.log_dict(result.feature_names, "feature_names.json")
        mlflow.log_dict({"importance": result.importance.to_dicts()}, "feature_importance.json")
        mlflow.log_dict({"calibration": result.calibration.to_dicts()}, "calibration.json")
        mlflow.log_text(json.dumps(result.quality, indent=2), "feature_quality.json")
        mlflow.log_text(result.game_quality.write_csv(), "feature_quality_games.csv")
        return str(run.info.run_id)


def _signature_frame(feature_names: list[str]) -> Any:
    """One row of model input as pandas: the signature needs only names and types."""
    import numpy as np
    import pandas as pd

    return pd.DataFrame(np.zeros((1, len(feature_names))), columns=feature_names)
