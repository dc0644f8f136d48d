"""MLflow experiment tracking: one run per trained target, logged by hand (autologging
costs seconds a fit), with the model registered as ``mlb-{games source}-{target}``.

Champions are kept per source of games (``demo``, ``retrosheet``; see
``Snapshot.games_source``): a model of the synthetic season is never the champion that
real games are scored with, and importing more seasons does not start a new registry."""

import json
import logging
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from mlbcore.errors import MlbError
from mlbcore.files import writable_folder
from mlbcore.settings import Settings
from mlbcore.targets import Target
from mlbcore.training.metrics import PRIMARY_METRIC
from mlbcore.training.target_model import TargetModel
from mlbcore.training.trainer import TrainingResult
from mlbcore.training.windows import Window

REGISTERED_MODEL_PREFIX = "mlb-"
CHAMPION, PREVIOUS_CHAMPION = "champion", "previous_champion"


def registered_model_name(target: str, source: str) -> str:
    return f"{REGISTERED_MODEL_PREFIX}{source}-{target}"


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
    # A folder MLflow cannot write in would fail after its retries (minutes): fail now.
    writable_folder(settings.mlb_state_dir, "MLB_STATE_DIR")
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
    tags: dict[str, str] | None = None,
) -> tuple[str, int]:
    """Log one training result as a finished run; return its id and registered version.
    A failure while logging ends the run as FAILED (MLflow's context manager), never
    RUNNING."""
    import mlflow

    from mlbcore.training.market_line import market_line

    target = result.target.value
    with mlflow.start_run(
        experiment_id=experiment_id,
        run_name=run_name(target, started_at),
        tags={
            "target": target,
            "run_type": "training",
            "feature_set_version": lineage["feature_set_version"],
            "trained_as_of_utc": lineage["trained_as_of_utc"],
            "games_source": lineage["games_source"],
            # The registered model is refitted on the whole window; the test_* metrics are
            # the estimate, measured by the same configuration fitted without the test dates.
            "refit_on_whole_window": "true",
            # The product line: the model against the market on the priced test games.
            "vs_market": market_line(result.comparisons.get("market")),
            "market_rounds": str(result.market_rounds),
            "market_part": result.model.market_words,
            **{
                f"verdict_vs_{name}": interval.verdict
                for name, interval in result.comparisons.items()
            },
            **(tags or {}),
        },
    ) as run:
        mlflow.log_params(
            {
                **{f"model_{k}": v for k, v in result.params.items()},
                "market_rounds": result.market_rounds,
                "market_free_rounds": result.market_free_rounds,
                # The shipped model's a + b·offset (0 and 1: the market as it is).
                "offset_intercept": result.model.offset_calibration.intercept,
                "offset_slope": result.model.offset_calibration.slope,
                "window_start_date": result.window.start_date.isoformat(),
                "window_end_date": result.window.end_date.isoformat(),
                "window_days": result.window.days,
                "n_train": result.n_train,
                "n_test": result.n_test,
                **lineage,
            }
        )
        info = _log_target_model(
            result.model, registered_model_name(target, lineage["games_source"])
        )
        gate = result.gate
        mlflow.log_metrics(
            result.metrics
            | {f"quality_{k}": v for k, v in result.quality.items()}
            | {"gate_prediction_spread": gate.prediction_spread}
        )
        if result.notes:
            mlflow.set_tag("notes", "; ".join(result.notes)[:4900])
        mlflow.log_dict(result.feature_names, "feature_names.json")
        mlflow.log_dict({"importance": result.importance.to_dicts()}, "feature_importance.json")
        mlflow.log_dict({"calibration": result.calibration.to_dicts()}, "calibration.json")
        mlflow.log_text(json.dumps(result.quality, indent=2), "feature_quality.json")
        mlflow.log_text(result.game_quality.write_csv(), "feature_quality_games.csv")
        from mlbcore import charts

        charts.log_to_mlflow(
            {
                "importance": charts.importance_chart(result.target, result.importance),
                "calibration": charts.calibration_chart(result.target, result.calibration),
            }
        )
        return str(run.info.run_id), int(info.registered_model_version or 0)


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
    run = client.get_run(str(version.run_id))
    metric = PRIMARY_METRIC[target]
    params = run.data.params
    return Champion(
        target=target,
        source=source,
        version=int(version.version),
        run_id=str(version.run_id),
        trained_as_of_utc=_trained_as_of(run, name, str(version.version)),
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
    why = (newest.tags or {}).get("rejected_reason")
    return (
        f"{target} has no champion for {source} data"
        + (f": its newest model (v{newest.version}, run {newest.run_id}) was not promoted ({why})"
           if why else "")
        + "; train a better one, or pass --model RUN_ID to use a model anyway"
    )  # fmt: skip


def set_champion(target: Target, source: str, version: int, reason: str) -> int | None:
    """Give ``version`` the champion alias; the version it replaces keeps the
    ``previous_champion`` alias and a tag saying why. Returns the replaced version."""
    from mlflow import MlflowClient

    client = MlflowClient()
    name = registered_model_name(target.value, source)
    current = champion_version(target, source)
    client.set_model_version_tag(name, str(version), "promoted_reason", reason)
    client.set_registered_model_alias(name, CHAMPION, str(version))
    if current is not None and current != version:
        client.set_registered_model_alias(name, PREVIOUS_CHAMPION, str(current))
        client.set_model_version_tag(name, str(current), "replaced_reason", reason)
        client.set_model_version_tag(name, str(current), "replaced_by_version", str(version))
    return current if current != version else None


def reject_challenger(target: Target, source: str, version: int, reason: str) -> None:
    """A challenger that lost keeps a tag saying why; the champion alias stays put."""
    from mlflow import MlflowClient

    name = registered_model_name(target.value, source)
    MlflowClient().set_model_version_tag(name, str(version), "rejected_reason", reason)


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


def _log_target_model(model: TargetModel, registered_name: str) -> Any:
    """Log ``model`` as the run's ``model`` (an MLflow pyfunc whose one artifact is the
    saved ``TargetModel``) and register it; returns MLflow's model info."""
    import tempfile
    import warnings
    from pathlib import Path

    import lightgbm
    import mlflow
    import numpy as np
    import polars as pl
    from mlflow.models import infer_signature

    from mlbcore.pyfunc_model import ARTIFACT, TargetModelPyfunc, model_input

    # One row of missing values: the signature needs names and types (float64, so NaN
    # passes), and the prediction's type.
    features = model.input_features
    example = model_input(pl.DataFrame({name: [None] for name in features}), features)
    signature = infer_signature(example, np.zeros(1))
    with tempfile.TemporaryDirectory(prefix="mlb-model-") as folder, warnings.catch_warnings():
        # The signature is given; MLflow still advises an input example, which would cost a
        # predict at logging time and store a row of NaNs.
        warnings.filterwarnings("ignore", message=".*input example was not provided")
        saved = model.save(Path(folder) / ARTIFACT)
        # pip_requirements skips MLflow's ~2.5 s requirement inference.
        return mlflow.pyfunc.log_model(
            name="model",
            python_model=TargetModelPyfunc(),
            artifacts={ARTIFACT: str(saved)},
            signature=signature,
            pip_requirements=[
                f"lightgbm=={lightgbm.__version__}",
                f"polars=={pl.__version__}",
                f"numpy=={np.__version__}",
            ],
            registered_model_name=registered_name,
        )


def load_model(uri: str) -> TargetModel:
    """The ``TargetModel`` logged at ``uri`` (``models:/name/N``, ``runs:/id/model``),
    read straight from its artifact folder: the same object the pyfunc wraps, without
    unpickling the wrapper."""
    from pathlib import Path

    import mlflow

    from mlbcore.pyfunc_model import ARTIFACT

    local = Path(mlflow.artifacts.download_artifacts(artifact_uri=uri))
    folder = local / "artifacts" / ARTIFACT
    if not folder.is_dir():
        raise MlbError(
            f"{uri} is not a target model (no {ARTIFACT} artifact): it predates the market "
            "offset; retrain it with `mlb train`"
        )
    return TargetModel.load(folder)


def newest_trained_as_of(target: Target, source: str) -> datetime | None:
    """When the newest registered version of ``target`` (champion or not) was trained."""
    from mlflow import MlflowClient

    client = MlflowClient()
    name = registered_model_name(target.value, source)
    versions = client.search_model_versions(f"name='{name}'")
    if not versions:
        return None
    newest = max(versions, key=lambda v: int(v.version))
    stamp = client.get_run(str(newest.run_id)).data.tags.get("trained_as_of_utc")
    return datetime.fromisoformat(stamp) if stamp else None


def trained_as_of(uri: str) -> datetime:
    """When the training data of the registered model at ``uri`` (``models:/name/N``)
    ended: games that started later are out of sample for it."""
    from mlflow import MlflowClient

    name, version = uri.removeprefix("models:/").split("/")
    client = MlflowClient()
    run = client.get_run(str(client.get_model_version(name, version).run_id))
    return _trained_as_of(run, name, version)


def training_window(uri: str) -> Window | None:
    """The window of game dates the training run of the registered model at ``uri``
    (``models:/name/N``) logged (``window_start_date``..``window_end_date``, local game
    dates), or None for a run that logged none."""
    from mlflow import MlflowClient

    name, version = uri.removeprefix("models:/").split("/")
    client = MlflowClient()
    params = client.get_run(str(client.get_model_version(name, version).run_id)).data.params
    if not {"window_start_date", "window_end_date"} <= params.keys():
        return None
    start = date.fromisoformat(params["window_start_date"])
    end = date.fromisoformat(params["window_end_date"])
    return Window(start, end, int(params.get("window_days", (end - start).days + 1)))


def _trained_as_of(run: Any, name: str, version: str) -> datetime:
    """The ``trained_as_of_utc`` a training run recorded (a tag; a param on older runs)."""
    data = run.data
    stamp = data.tags.get("trained_as_of_utc") or data.params.get("trained_as_of_utc")
    if stamp is None:
        raise MlbError(
            f"{name} version {version} has no trained_as_of_utc, so its out-of-sample games "
            "are unknown; retrain it with `mlb train` (it predates the model lifecycle)"
        )
    return datetime.fromisoformat(stamp)
