"""A quiet, fast start: `uv run mlb --help` prints the help and nothing on stderr (no
bytecode recompiled at every run)."""

import os
import shutil
import subprocess
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
