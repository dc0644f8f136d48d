"""The notebooks run headless as plain scripts, as CI runs them."""

import os
import subprocess
import sys
from pathlib import Path

import mlflow

from mlbcore.settings import load_settings

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"


def _run(notebook: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(NOTEBOOKS / notebook), *args],
        capture_output=True,
        text=True,
        env=dict(os.environ),
        timeout=300,
    )


def test_train_notebook_trains_with_its_command_line_values(state_dir):
    done = _run("train.py", "--targets", "moneyline_home_win", "--days", "60")
    assert done.returncode == 0, done.stderr
    settings = load_settings()
    mlflow.set_tracking_uri(settings.tracking_uri)
    experiment = mlflow.get_experiment_by_name(settings.mlflow_experiment_name)
    runs = mlflow.search_runs([experiment.experiment_id], output_format="list")
    assert [(r.data.tags["target"], r.data.params["window_days"], r.info.status) for r in runs] == [
        ("moneyline_home_win", "60", "FINISHED")
    ]


def test_train_notebook_exits_non_zero_on_bad_input(state_dir):
    done = _run("train.py", "--targets", "spread")
    assert done.returncode != 0
    assert "--targets" in done.stderr
