"""Artifacts of the default MLflow store kept relative to the state folder.

MLflow records every artifact location as an absolute URI, so a state folder that moves
(a renamed checkout, a copied backup) leaves every model pointing at the old place. The
default store's experiment therefore keeps its artifacts at ``mlb-state:/mlartifacts``,
and this repository (registered with MLflow as the ``mlb-state`` scheme, see
pyproject.toml) finds them inside whichever state folder is in use now.
"""

from pathlib import Path

from mlflow.store.artifact.local_artifact_repo import LocalArtifactRepository

SCHEME = "mlb-state"
ARTIFACTS_URI = f"{SCHEME}:/mlartifacts"

_state_dir: Path | None = None  # set by ``use_state_dir``; else read from the settings


def use_state_dir(state_dir: Path) -> None:
    """Resolve ``mlb-state:`` URIs inside ``state_dir`` from now on (``tracking.configure``
    calls it with the configured state folder)."""
    global _state_dir
    _state_dir = state_dir


def state_dir() -> Path:
    if _state_dir is not None:
        return _state_dir
    # A process that loads models through MLflow alone (no ``configure``).
    from mlbcore.settings import load_settings

    return load_settings().mlb_state_dir


def local_path(uri: str) -> Path:
    """The file or folder ``mlb-state:/PATH`` names: PATH inside the state folder."""
    relative = uri.removeprefix(f"{SCHEME}:").lstrip("/")
    return state_dir().resolve() / relative


class StateArtifactRepository(LocalArtifactRepository):  # type: ignore[misc]
    """MLflow's local artifact repository, rooted inside the current state folder."""

    def __init__(
        self, artifact_uri: str, tracking_uri: str | None = None, registry_uri: str | None = None
    ) -> None:
        super().__init__(artifact_uri, tracking_uri, registry_uri)
        self._artifact_dir = str(local_path(artifact_uri))
