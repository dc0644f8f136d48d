"""MLflow experiment tracking: one run per trained target, logged by hand (autologging
costs seconds a fit), with the model registered as ``mlb-{games source}-{target}``.

Champions are kept per source of games (``demo``, ``retrosheet``; see
``Snapshot.games_source``): a model of the synthetic season is never the champion that
real games are scored with, and importing more seasons does not start a new registry.

Over ~300 lines on purpose: every MLflow call of the project: runs, champions and
artifact checks share the registry's names, tags and recovery; splitting it into a
package is still to do.
"""

import contextlib
import hashlib
import json
import logging
import re
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mlbcore.db import mlflow_artifacts
from mlbcore.db.mlflow_artifacts import ARTIFACTS_URI
from mlbcore.db.mlflow_store import StoreFault, prepare_tracking_store, relink_to_state_folder
from mlbcore.errors import BackendError, MlbError
from mlbcore.faults import pause_inside_sqlite_writes, pause_point
from mlbcore.files import writable_folder
from mlbcore.masking import masked
from mlbcore.processes import ProcessId, is_gone, this_process
from mlbcore.settings import Settings
from mlbcore.targets import PRIMARY_METRIC, Target
from mlbcore.training.market_line import market_line
from mlbcore.training.windows import Window

if TYPE_CHECKING:  # LightGBM loads only where a model is fitted or read, not for `mlb status`
    from mlbcore.training.target_model import TargetModel
    from mlbcore.training.trainer import TrainingResult

REGISTERED_MODEL_PREFIX = "mlb-"
CHAMPION, PREVIOUS_CHAMPION = "champion", "previous_champion"
# Model version tags: the saved model's files and their SHA-256, and why a version must
# never be served (its artifacts are incomplete, or its run never finished).
ARTIFACT_DIGESTS, UNUSABLE = "artifact_sha256", "unusable"
# Experiment tag: the champion moves a job has decided on, while it makes them.
PENDING_PROMOTION = "mlb.pending_promotion"


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
    # MLflow logs each database error with its traceback before raising it again; the
    # error itself reaches the user, as one line (``StoreFailures``).
    logging.getLogger("mlflow.store.db.utils").setLevel(logging.CRITICAL)
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


# Where a database driver's or SQLAlchemy's exceptions come from: the store failed.
_DATABASE_MODULES = ("sqlalchemy", "psycopg", "sqlite3")


def store_failure(error: BaseException) -> str | None:
    """Why the MLflow store failed, when ``error`` is its database's, or wraps one as its
    cause (MLflow's ``MlflowException`` wraps SQLAlchemy's, which wraps the driver's);
    else None. The words are the innermost error's (the driver's own), masked."""
    reason, seen = None, set()
    cause: BaseException | None = error
    while cause is not None and id(cause) not in seen:
        seen.add(id(cause))
        if any(k.__module__.startswith(_DATABASE_MODULES) for k in type(cause).__mro__):
            lines = [line.strip() for line in str(cause).splitlines() if line.strip()]
            # SQLAlchemy prefixes the driver's words with "(psycopg.OperationalError) ".
            reason = re.sub(r"^\([\w.]+\) ", "", lines[0]) if lines else type(cause).__name__
        cause = cause.__cause__
    return masked(reason)[:200] if reason is not None else None


@dataclass(frozen=True)
class StoreFailures:
    """A context (reusable) in which a failure of the MLflow store's database (a
    PostgreSQL server dying while runs are logged) leaves as one ``BackendError`` naming
    the store (masked), what was being done, its ``aftermath`` and what to do; other
    errors pass unchanged."""

    tracking_uri: str
    while_doing: str  # "logging runs"
    aftermath: str  # "no champion moved"

    def __enter__(self) -> None:
        return None

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, _: Any
    ) -> None:
        if error is None or isinstance(error, MlbError) or not isinstance(error, Exception):
            return
        reason = store_failure(error)
        if reason is None:
            return
        raise BackendError(
            f"the MLflow store at {masked(self.tracking_uri)} failed while {self.while_doing} "
            f"({reason}); {self.aftermath}: run the command again once the store answers "
            "(runs left RUNNING are then marked FAILED)"
        ) from error


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
        _versions_unusable_if_failed(),
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
    ``previous_champion`` alias and a tag saying why. Returns the replaced version. A
    version that is unusable (incomplete artifacts, a run that never finished) is refused
    with ``StoreFault`` and tagged so."""

    require_usable(registered_model_name(target.value, source), version)
    return _move_champion(target, source, version, reason)


def _move_champion(target: Target, source: str, version: int, reason: str) -> int | None:
    """``set_champion`` without the check, for moves already checked."""
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


def _log_target_model(model: "TargetModel", registered_name: str) -> Any:
    """Log ``model`` as the run's ``model`` (an MLflow pyfunc whose one artifact is the
    saved ``TargetModel``) and register it; returns MLflow's model info."""
    import tempfile
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
    from pathlib import Path

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


# --- surviving faults: incomplete models, killed runs, half-made promotions -------------


def file_digests(folder: Path) -> dict[str, str]:
    """Each file directly in ``folder`` and its SHA-256."""
    return {
        file.name: hashlib.sha256(file.read_bytes()).hexdigest()
        for file in sorted(folder.iterdir())
        if file.is_file()
    }


def stored_problem(name: str, version: int) -> str | None:
    """Why the registered ``version`` of ``name`` is not fit to serve, or None: tagged
    unusable, or its saved model's files missing or not as they were when logged
    (versions logged before checksums were recorded are judged on the tag alone)."""
    import tempfile

    from mlflow import MlflowClient
    from mlflow.exceptions import MlflowException
    from mlflow.store.artifact.artifact_repository_registry import get_artifact_repository

    from mlbcore.pyfunc_model import ARTIFACT  # MLflow's pyfunc: start-up cost

    tags = MlflowClient().get_model_version(name, str(version)).tags or {}
    if tags.get(UNUSABLE):
        return tags[UNUSABLE]
    if ARTIFACT_DIGESTS not in tags:
        return None
    expected: dict[str, str] = json.loads(tags[ARTIFACT_DIGESTS])
    with tempfile.TemporaryDirectory(prefix="mlb-check-") as folder:
        try:
            # The saved model alone (the logged model also holds a copy of uv.lock).
            repo = get_artifact_repository(f"models:/{name}/{version}")
            saved = Path(repo.download_artifacts(f"artifacts/{ARTIFACT}", dst_path=folder))
            has_mlmodel = any(f.path == "MLmodel" for f in repo.list_artifacts(""))
        except (MlflowException, OSError) as error:
            if store_failure(error) is not None:
                raise  # the store's database failed, not the model's files
            return f"its artifacts cannot be read ({' '.join(str(error).split())[:200]})"
        found = file_digests(saved) if saved.is_dir() else {}
    bad = sorted(n for n, digest in expected.items() if found.get(n) != digest)
    if bad or not has_mlmodel:
        missing = bad + ([] if has_mlmodel else ["MLmodel"])
        return f"incomplete artifacts: {', '.join(missing)} missing or cut short"
    return None


def mark_unusable(name: str, version: int | str, why: str) -> None:
    """Tag ``version`` unusable, as far as the store still lets us (the store may be what
    failed; the run's status then tells the same story)."""
    from mlflow import MlflowClient

    with contextlib.suppress(Exception):
        MlflowClient().set_model_version_tag(name, str(version), UNUSABLE, why[:4900])


def require_stored(name: str, version: int) -> None:
    """``StoreFault`` (after tagging the version unusable) unless the version's artifacts
    are complete."""
    problem = stored_problem(name, version)
    if problem is not None:
        mark_unusable(name, version, problem)
        raise StoreFault(
            f"{name} version {version} was not stored completely ({problem}); it is tagged "
            "unusable and nothing was promoted: free disk space and train again"
        )


def require_usable(name: str, version: int) -> None:
    """``StoreFault`` unless ``version`` may become champion: complete artifacts and a
    training run that finished."""
    from mlflow import MlflowClient

    require_stored(name, version)
    client = MlflowClient()
    run_id = client.get_model_version(name, str(version)).run_id
    status = client.get_run(str(run_id)).info.status if run_id else "FINISHED"
    if status != "FINISHED":
        why = f"its training run {run_id} is {status}, not FINISHED"
        mark_unusable(name, version, why)
        raise StoreFault(f"{name} version {version} cannot be champion: {why}")


@contextlib.contextmanager
def _versions_unusable_if_failed() -> Iterator[None]:
    """Inside a run: when it fails, every version it registered is tagged unusable."""
    import mlflow
    from mlflow import MlflowClient

    try:
        yield
    except BaseException as error:
        run = mlflow.active_run()
        if run is not None:
            with contextlib.suppress(Exception):
                for v in MlflowClient().search_model_versions(f"run_id = '{run.info.run_id}'"):
                    mark_unusable(v.name, v.version, f"its training run failed: {error!r}")
        raise


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
        _move_champion(Target(move["target"]), source, move["version"], reason)
    client.delete_experiment_tag(experiment_id, PENDING_PROMOTION)


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
            _restore_aliases(registered_model_name(move["target"], move["source"]), move["was"])
        client.delete_experiment_tag(experiment_id, PENDING_PROMOTION)
        return [f"undid the champion moves of a killed job ({names}): {error}"]
    for move in moves:
        _move_champion(Target(move["target"]), move["source"], move["version"], move["reason"])
    client.delete_experiment_tag(experiment_id, PENDING_PROMOTION)
    return [f"finished the champion moves of a job killed part-way: {names}"]


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


def _restore_aliases(name: str, was: dict[str, int | None]) -> None:
    from mlflow import MlflowClient

    client = MlflowClient()
    for alias, version in was.items():
        if version is None:
            with contextlib.suppress(Exception):
                client.delete_registered_model_alias(name, alias)
        else:
            client.set_registered_model_alias(name, alias, str(version))
