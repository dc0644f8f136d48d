"""Logging a training run (params, metrics, the pyfunc model, its charts) and reading
back what a logged model is and when its training data ended."""

import json
import tempfile
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mlbcore.errors import MlbError
from mlbcore.faults import pause_point
from mlbcore.processes import this_process
from mlbcore.targets import Target
from mlbcore.tracking.integrity import file_digests, require_stored, versions_unusable_if_failed
from mlbcore.tracking.names import ARTIFACT_DIGESTS, registered_model_name
from mlbcore.training.market_line import market_line
from mlbcore.training.windows import Window

if TYPE_CHECKING:  # LightGBM loads only where a model is fitted or read, not for `mlb status`
    from mlbcore.training.target_model import TargetModel
    from mlbcore.training.trainer import TrainingResult


def run_name(target: str, started_at: datetime) -> str:
    return f"{target}_{started_at.astimezone(UTC):%Y%m%d_%H%M%S}"


def log_training_run(
    result: "TrainingResult",
    experiment_id: str,
    started_at: datetime,
    lineage: dict[str, Any],
    tags: dict[str, str] | None = None,
    figures: dict[str, bytes] | None = None,
) -> tuple[str, int]:
    """Log one training result as a finished run, with ``figures`` (name: PNG, drawn by
    the caller) under ``charts/``; return its id and registered version. A failure while
    logging ends the run as FAILED (MLflow's context manager), never RUNNING."""
    import mlflow

    target = result.target.value
    with (
        mlflow.start_run(
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
                # Which process logs it: a later command can tell a killed run from a live one.
                **this_process().as_tags(),
                **(tags or {}),
            },
        ) as run,
        versions_unusable_if_failed(),
    ):
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
        name = registered_model_name(target, lineage["games_source"])
        info = _log_target_model(result.model, name)
        pause_point("model-logged")
        require_stored(name, int(info.registered_model_version or 0))
        gate = result.gate
        mlflow.log_metrics(
            result.metrics
            | {f"quality_{k}": v for k, v in result.quality.items()}
            | {"gate_prediction_spread": gate.prediction_spread}
        )
        if result.notes:
            mlflow.set_tag("notes", "; ".join(result.notes)[:4900])
        mlflow.log_dict(result.feature_names, "feature_names.json")  # pyright: ignore[reportArgumentType]  # any JSON value works; hinted dict
        mlflow.log_dict({"importance": result.importance.to_dicts()}, "feature_importance.json")
        mlflow.log_dict({"calibration": result.calibration.to_dicts()}, "calibration.json")
        mlflow.log_text(json.dumps(result.quality, indent=2), "feature_quality.json")
        mlflow.log_text(result.game_quality.write_csv(), "feature_quality_games.csv")
        log_figures(figures or {})
        return str(run.info.run_id), int(info.registered_model_version or 0)


def log_figures(figures: dict[str, bytes]) -> None:
    """Log each PNG as ``charts/{name}.png`` on the active run, so the MLflow UI shows the
    charts too."""
    import mlflow

    if not figures:
        return
    with tempfile.TemporaryDirectory(prefix="mlb-charts-") as folder:
        for name, png in figures.items():
            (Path(folder) / f"{name}.png").write_bytes(png)
        mlflow.log_artifacts(folder, "charts")


def _log_target_model(model: "TargetModel", registered_name: str) -> Any:
    """Log ``model`` as the run's ``model`` (an MLflow pyfunc whose one artifact is the
    saved ``TargetModel``) and register it; returns MLflow's model info."""
    import warnings

    import lightgbm
    import mlflow
    import numpy as np
    import polars as pl
    from mlflow.models import infer_signature

    from mlbcore.pyfunc_model import ARTIFACT, TargetModelPyfunc, model_input  # start-up cost

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
        digests = file_digests(saved)
        # pip_requirements skips MLflow's ~2.5 s requirement inference.
        info = mlflow.pyfunc.log_model(
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
    if info.registered_model_version:
        # What a complete copy holds: checked before the version may become champion.
        mlflow.MlflowClient().set_model_version_tag(
            registered_name, str(info.registered_model_version), ARTIFACT_DIGESTS,
            json.dumps(digests),
        )  # fmt: skip
    return info


def load_model(uri: str, num_threads: int) -> "TargetModel":
    """The ``TargetModel`` logged at ``uri`` (``models:/name/N``, ``runs:/id/model``),
    read straight from its artifact folder: the same object the pyfunc wraps, without
    unpickling the wrapper; it predicts with ``num_threads`` LightGBM threads."""

    from mlflow.artifacts import download_artifacts

    from mlbcore.pyfunc_model import ARTIFACT
    from mlbcore.training.target_model import TargetModel  # LightGBM: start-up cost

    local = Path(download_artifacts(artifact_uri=uri))
    folder = local / "artifacts" / ARTIFACT
    if not folder.is_dir():
        raise MlbError(
            f"{uri} is not a target model (no {ARTIFACT} artifact): it predates the market "
            "offset; retrain it with `mlb train`"
        )
    return TargetModel.load(folder, num_threads)


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
    return run_trained_as_of(run, name, version)


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


def run_trained_as_of(run: Any, name: str, version: str) -> datetime:
    """The ``trained_as_of_utc`` a training run recorded (a tag; a param on older runs)."""
    data = run.data
    stamp = data.tags.get("trained_as_of_utc") or data.params.get("trained_as_of_utc")
    if stamp is None:
        raise MlbError(
            f"{name} version {version} has no trained_as_of_utc, so its out-of-sample games "
            "are unknown; retrain it with `mlb train` (it predates the model lifecycle)"
        )
    return datetime.fromisoformat(stamp)
