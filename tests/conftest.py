"""Shared fixtures: the committed demo snapshot and an isolated MLflow state folder."""

import uuid
from pathlib import Path

import polars as pl
import psycopg
import pytest

from mlbcore.data.snapshot import Snapshot, load_snapshot
from mlbcore.settings import DEMO_SNAPSHOT

PROJECT_ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def embedded_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test starts from the embedded default, whatever the developer's shell sets;
    tests of a back end set its variables themselves."""
    for name in (
        "DATABASE_HOST", "DATABASE_NAME", "DATABASE_USERNAME", "DATABASE_PASSWORD",
        "DATABASE_SCHEMA", "REDIS_URL", "MLFLOW_TRACKING_URI", "MLB_DATA", "MLB_CONFIG_FILE",
        "MLFLOW_UI_URL",
    ):  # fmt: skip
        monkeypatch.delenv(name, raising=False)


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


@pytest.fixture
def gate_off(monkeypatch: pytest.MonkeyPatch) -> None:
    """The promotion gate switched off. On the demo season the moneyline and over/under
    models early-stop after a few rounds and fail the gate, as they should; tests of what
    happens to a champion downstream (evaluate, drift, reports, notebooks) need one."""
    monkeypatch.setenv("PROMOTION__ENABLED", "false")


SHARED_DATA = PROJECT_ROOT.parent / "shared" / "data"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The real public data of ``../shared/data``: skipped where it is absent, except in
    CI, which has it and must never pass by skipping."""
    import os

    if not (SHARED_DATA / "retrosheet" / "GL2016.TXT").is_file():
        message = f"real MLB data belongs in {SHARED_DATA} (see the README's data section)"
        if os.environ.get("CI"):
            pytest.fail(f"CI must have the real data: {message}")
        pytest.skip(message)
    return SHARED_DATA


@pytest.fixture(scope="session")
def real_snapshot_dir(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Retrosheet 2015-2016 with SBR 2015-2016 and Pinnacle 2016 attached."""
    from mlbcore.importers.jobs import import_pinnacle, import_retrosheet, import_sbr

    out = tmp_path_factory.mktemp("real") / "snapshot"
    retro = shared_data / "retrosheet"
    import_retrosheet([retro / "GL2015.TXT", retro / "GL2016.TXT"], out)
    sbr = shared_data / "sbr"
    import_sbr(out, [sbr / "mlb odds 2015.xlsx", sbr / "mlb odds 2016.xlsx"])
    pinnacle = shared_data / "pinnacle"
    import_pinnacle(out, pinnacle / "mlb2016_games.csv", pinnacle / "mlb2016_lines.csv.gz")
    return out


PG_URL = "postgresql://root@127.0.0.1:5432/test"


@pytest.fixture
def pg_schema(monkeypatch):
    try:
        psycopg.connect(PG_URL, connect_timeout=5).close()
    except psycopg.OperationalError:
        pytest.fail("PostgreSQL must run on 127.0.0.1:5432 with database test (.ci/run starts it)")
    schema = f"test_{uuid.uuid4().hex[:12]}"
    for name, value in {
        "DATABASE_HOST": "127.0.0.1",
        "DATABASE_NAME": "test",
        "DATABASE_USERNAME": "root",
        "DATABASE_SCHEMA": schema,
    }.items():
        monkeypatch.setenv(name, value)
    yield schema
    with psycopg.connect(PG_URL, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium driven by Playwright: skipped where it is not installed, except
    in CI, which installs it (.ci/run) and must never pass by skipping."""
    import os

    if not CHROMIUM.exists():
        if os.environ.get("CI"):
            pytest.fail("CI needs /usr/bin/chromium (.ci/run installs it with apt)")
        pytest.skip("no /usr/bin/chromium: apt-get install chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()
