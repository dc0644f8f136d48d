"""The SQLite MLflow store made ready before MLflow opens it: built once, whole, and still
readable after a writer was killed mid-transaction."""

import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from mlbcore.db.mlflow_store import prepare_sqlite_store

# A writer that changes every row inside one transaction, says so, and waits to be killed.
_WRITER = """
import sqlite3, sys, time
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("PRAGMA cache_size=1")  # spill to the file, so the journal is needed
conn.execute("BEGIN")
conn.execute("UPDATE experiments SET name = name || '-changed'")
rows = [(str(i), "x" * 500) for i in range(5000)]
conn.executemany("INSERT INTO experiment_tags VALUES (?, ?, 0)", rows)
open(sys.argv[2], "w").write("in the middle")
time.sleep(600)
"""


def test_a_writer_killed_mid_transaction_leaves_a_readable_store(tmp_path: Path):
    db = tmp_path / "mlflow.db"
    assert prepare_sqlite_store(db) == []
    with sqlite3.connect(db) as conn:
        conn.execute(
            "INSERT INTO experiments (name, artifact_location, lifecycle_stage) "
            "VALUES ('kept', 'x', 'active')"
        )
    marker = tmp_path / "marker"
    writer = subprocess.Popen([sys.executable, "-c", _WRITER, str(db), str(marker)])
    while not marker.exists():  # the writer's own signal, not a time guess
        assert writer.poll() is None
        time.sleep(0.05)
    writer.kill()
    writer.wait()
    assert Path(f"{db}-journal").exists()
    assert prepare_sqlite_store(db) == []  # no "cannot be read", no rebuild
    assert not Path(f"{db}-journal").exists()
    with sqlite3.connect(f"{db.as_uri()}?mode=ro", uri=True) as conn:
        names = {row[0] for row in conn.execute("SELECT name FROM experiments")}
        tags = conn.execute("SELECT count(*) FROM experiment_tags").fetchone()[0]
    assert "kept" in names and tags == 0  # the killed transaction rolled back whole
    assert not list(tmp_path.glob("mlflow.db.broken*"))
