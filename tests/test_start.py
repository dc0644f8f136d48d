"""A quiet, fast start: `uv run mlb --help` prints the help and nothing on stderr (no
bytecode recompiled at every run), and the light commands load no model library."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def test_uv_run_mlb_help_prints_the_help_and_nothing_on_stderr():
    uv = shutil.which("uv")
    if uv is None:
        pytest.fail("uv must be installed: the README's commands are `uv run ...`")
    env = {k: v for k, v in os.environ.items() if not k.startswith("UV_")}
    done = subprocess.run(
        [uv, "run", "--frozen", "mlb", "--help"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert "usage: mlb" in done.stdout and done.stderr == ""


# What a light command must not load: the model libraries (LightGBM 2.3 s and 294 MB with
# scikit-learn, MLflow) and the notebooks' (Altair, marimo).
HEAVY = ("lightgbm", "sklearn", "mlflow", "altair", "marimo")
_PROBE = f"""
import json, sys
from mlbcore.cli.main import main
try:
    code = main(sys.argv[1:])
except SystemExit as stop:  # --help
    code = stop.code or 0
print(json.dumps([code, sorted(m for m in {HEAVY!r} if m in sys.modules)]))
"""


def heavy_loaded(args: list[str]) -> list[str]:
    """Run ``mlb ARGS`` in a fresh interpreter (the test's environment: its state folder,
    its back ends) and return the heavy libraries it imported; the command must succeed."""
    done = subprocess.run([sys.executable, "-c", _PROBE, *args], capture_output=True, text=True)
    assert done.returncode == 0 and done.stdout, done.stderr
    code, loaded = json.loads(done.stdout.splitlines()[-1])
    assert code == 0, done.stdout + done.stderr
    return loaded


def test_help_and_the_schedule_commands_load_no_heavy_library(state_dir):
    for args in (
        ["--help"],
        ["schedule", "--schedule-type", "daily", "--hour", "6"],
        ["schedule", "list"],
        ["schedule", "history"],
        ["schedule", "remove", "1"],
    ):
        assert heavy_loaded(args) == [], args


def test_db_migrate_loads_no_heavy_library(state_dir, pg_schema):
    assert heavy_loaded(["db", "migrate"]) == []


def test_status_on_the_embedded_default_loads_no_model_library(state_dir):
    # MLflow it needs: the champions are read through MLflow's registry, and a first
    # command makes the store (its schema is MLflow's), finishing what a killed job left.
    assert heavy_loaded(["status"]) == ["mlflow"]
