"""Run the `mlb` CLI as a user would, in a subprocess, and check what a hostile or unlucky
case must give: the exit code, at most three lines of output, no traceback, and files as
they were (or as documented)."""

import hashlib
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

# The variables a developer's shell may set that would point a case at a shared back end.
_SCRUBBED = (
    "DATABASE_HOST", "DATABASE_NAME", "DATABASE_USERNAME", "DATABASE_PASSWORD",
    "DATABASE_SCHEMA", "REDIS_URL", "MLFLOW_TRACKING_URI", "MLB_DATA", "MLB_CONFIG_FILE",
    "MLFLOW_UI_URL", "MLFLOW_EXPERIMENT_NAME",
)  # fmt: skip
MAX_LINES = 3
BAD_INPUT, FAILED_BACKEND = 2, 1


@dataclass(frozen=True)
class Outcome:
    code: int
    stdout: str
    stderr: str

    @property
    def lines(self) -> list[str]:
        return [line for line in (self.stdout + self.stderr).splitlines() if line.strip()]


def run_mlb(
    args: list[str],
    state_dir: Path,
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
    timeout: float | None = None,
) -> Outcome:
    """``mlb ARGS`` in a fresh interpreter with its own state folder and ``env`` on top of
    a scrubbed environment; it waits for the process to exit, however long a loaded
    machine makes that (``timeout`` only for a case that tests a hang)."""
    base = {k: v for k, v in os.environ.items() if k not in _SCRUBBED}
    base |= {"MLB_STATE_DIR": str(state_dir), "PYTHONWARNINGS": "ignore"}
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from mlbcore.cli.main import main; sys.exit(main())",
            *args,
        ],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=base | (env or {}),
        timeout=timeout,
    )
    return Outcome(done.returncode, done.stdout, done.stderr)


def assert_one_clear_line(outcome: Outcome, code: int, mentions: str | None = None) -> None:
    """Exit ``code``, no traceback, at most ``MAX_LINES`` lines, naming ``mentions``."""
    text = outcome.stdout + outcome.stderr
    assert "Traceback" not in text, text
    assert outcome.code == code, (outcome.code, text)
    assert len(outcome.lines) <= MAX_LINES, text
    if mentions is not None:
        assert mentions.lower() in text.lower(), text


def tree_digest(path: Path) -> str:
    """Every file under ``path`` (names and bytes): equal digests, nothing changed."""
    digest = hashlib.sha256()
    files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
    for file in files:
        digest.update(str(file.relative_to(path) if path.is_dir() else file.name).encode())
        digest.update(file.read_bytes())
    return digest.hexdigest()
