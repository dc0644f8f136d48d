"""Artifacts of the default MLflow store kept relative to the state folder.

MLflow records every artifact location as an absolute URI, so a state folder that moves
(a renamed checkout, a copied backup) leaves every model pointing at the old place. The
default store's experiment therefore keeps its artifacts at ``mlb-state:/mlartifacts``,
and ``state_artifact_repository`` (registered with MLflow for the ``mlb-state`` scheme in
pyproject.toml) finds them inside the state folder as it is now: the folder of the SQLite
store in use (``.mlb_state/mlflow.db`` -> ``.mlb_state``).

Loading this module never imports MLflow: MLflow loads it while it registers its
artifact repositories, before it could be imported whole.
"""

from pathlib import Path
from typing import Any

from mlbcore.settings import load_settings

SCHEME = "mlb-state"
ARTIFACTS_URI = f"{SCHEME}:/mlartifacts"


def state_dir(tracking_uri: str | None = None) -> Path:
    """The state folder: the folder of the SQLite store in use (``tracking_uri``, else
    MLflow's current one), else the configured ``MLB_STATE_DIR``."""
    import mlflow

    for uri in (tracking_uri, mlflow.get_tracking_uri()):
        if uri and uri.startswith("sqlite:///"):
            return Path(uri.removeprefix("sqlite:///")).parent
    return load_settings().mlb_state_dir


def local_path(uri: str, tracking_uri: str | None = None) -> Path:
    """The file or folder ``mlb-state:/PATH`` names: PATH inside the state folder."""
    relative = uri.removeprefix(f"{SCHEME}:").lstrip("/")
    return state_dir(tracking_uri).resolve() / relative


def state_artifact_repository(
    artifact_uri: str, tracking_uri: str | None = None, registry_uri: str | None = None
) -> Any:
    """MLflow's local artifact repository for ``artifact_uri``, inside the state folder."""
    from mlflow.store.artifact.local_artifact_repo import LocalArtifactRepository

    location = local_path(artifact_uri, tracking_uri).as_uri()
    return LocalArtifactRepository(location, tracking_uri, registry_uri)
