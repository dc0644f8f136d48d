"""Shared fixtures: the committed demo snapshot and an isolated MLflow state folder."""

from pathlib import Path

import polars as pl
import pytest

from mlbcore.data.snapshot import Snapshot, load_snapshot
from mlbcore.settings import DEMO_SNAPSHOT

PROJECT_ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def demo_snapshot() -> Snapshot:
    return load_snapshot(DEMO_SNAPSHOT)


@pytest.fixture(scope="session")
def early_season(demo_snapshot: Snapshot) -> Snapshot:
    """The first 300 games of the demo season with their lines and splits: small enough
    to rebuild features many times in a property test."""
    games = demo_snapshot.games.sort("first_pitch_utc").head(300)
    ids = games["game_id"]
    return Snapshot(
        games=games,
        odds_lines=demo_snapshot.odds_lines.filter(pl.col("game_id").is_in(ids.implode())),
        betting_splits=demo_snapshot.betting_splits.filter(pl.col("game_id").is_in(ids.implode())),
        data_version="early-season",
        source="test",
    )


@pytest.fixture
def state_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A throw-away state folder (MLflow SQLite store and artifacts) for this test."""
    state = tmp_path / "state"
    monkeypatch.setenv("MLB_STATE_DIR", str(state))
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    monkeypatch.delenv("MLFLOW_EXPERIMENT_NAME", raising=False)
    return state
