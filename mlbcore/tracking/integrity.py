"""Whether a registered version is fit to serve: its artifacts complete (checksums
recorded when logged) and its run finished; versions that are not get tagged unusable."""

import contextlib
import hashlib
import json
import tempfile
from collections.abc import Iterator
from pathlib import Path

from mlbcore.db.mlflow_store import StoreFault
from mlbcore.tracking.failures import store_failure
from mlbcore.tracking.names import ARTIFACT_DIGESTS, UNUSABLE


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
def versions_unusable_if_failed() -> Iterator[None]:
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
