"""The MLflow health check probes the store for real: a SQLite file MLflow made, a corrupt
one, a missing one, and HTTP servers that answer like MLflow, unlike it, or not at all."""

import socket
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import closing, contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import pytest

from mlbcore.cli.main import main
from mlbcore.health import mlflow_health
from mlbcore.settings import load_settings


def _probe(uri: str, timeout: float = 2.0):
    return mlflow_health(load_settings(mlflow_tracking_uri=uri), timeout=timeout)


def test_a_store_mlflow_made_is_read(tmp_path):
    from mlflow import MlflowClient

    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    client = MlflowClient(tracking_uri=uri)
    experiment = client.create_experiment("probed")
    health = _probe(uri)
    assert (health.kind, health.state, health.up) == ("sqlite", "empty", True)
    assert health.detail.startswith("no runs yet") and "schema " in health.detail
    client.create_run(experiment)
    health = _probe(uri)
    assert (health.kind, health.state, health.up) == ("sqlite", "up", True)
    assert health.detail.startswith("store readable, schema ") and health.latency_ms is not None


def test_a_corrupt_store_is_down(tmp_path):
    store = tmp_path / "mlflow.db"
    store.write_bytes(b"this is not a database, just bytes " * 200)
    health = _probe(f"sqlite:///{store}")
    assert (health.state, health.up) == ("DOWN", False)
    assert "not a database" in health.detail


def test_another_programs_database_is_not_an_mlflow_store(tmp_path):
    store = tmp_path / "other.db"
    with closing(sqlite3.connect(store)) as conn:
        conn.execute("CREATE TABLE notes (body TEXT)")
        conn.commit()
    health = _probe(f"sqlite:///{store}")
    assert health.state == "DOWN" and "not an MLflow store" in health.detail


def test_a_missing_store_is_empty_not_down_and_the_probe_creates_nothing(tmp_path):
    store = tmp_path / "state" / "mlflow.db"
    health = _probe(f"sqlite:///{store}")
    assert (health.state, health.up) == ("empty", True)
    assert "no runs yet" in health.detail
    assert not store.exists() and not store.parent.exists()


def test_status_shows_an_empty_store_and_fails_check_on_a_corrupt_one(
    state_dir, monkeypatch, capsys
):
    assert main(["status", "--check"]) == 0
    assert "mlflow  sqlite      empty" in capsys.readouterr().out
    state_dir.mkdir(parents=True, exist_ok=True)  # status itself may have made the store
    (state_dir / "mlflow.db").write_bytes(b"\x00garbage" * 512)
    assert main(["status", "--check"]) == 1
    out = capsys.readouterr().out
    assert "mlflow  sqlite      DOWN" in out and "not a database" in out


class _MlflowLike(BaseHTTPRequestHandler):
    """Answers as an MLflow tracking server does: /health is OK, /version the version."""

    answers: ClassVar[dict[str, str]] = {"/health": "OK", "/version": "3.17.2"}

    def do_GET(self) -> None:
        body = self.answers.get(self.path)
        self.send_response(200 if body is not None else 404)
        self.end_headers()
        self.wfile.write((body or "not found").encode())

    def log_message(self, *args: object) -> None:
        pass


class _SomethingElse(_MlflowLike):
    answers: ClassVar[dict[str, str]] = {"/health": "<html>a web page</html>"}


@contextmanager
def _serving(handler: type[BaseHTTPRequestHandler]) -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()  # shutdown() has returned: serve_forever is over


def test_a_server_answering_like_mlflow_is_up():
    with _serving(_MlflowLike) as url:
        health = _probe(url + "/")
        assert (health.kind, health.state, health.version) == ("http", "up", "3.17.2")
        # Credentials are masked in the output and not needed by /health.
        secret = _probe(url.replace("://", "://alice:hunter2@"))
        assert secret.up and "hunter2" not in secret.address and "alice:***@" in secret.address


def test_a_server_answering_something_else_is_down():
    with _serving(_SomethingElse) as url:
        health = _probe(url)
    assert health.state == "DOWN" and "not MLflow's 'OK'" in health.detail


def test_a_server_without_a_health_route_is_down():
    class NoRoutes(_MlflowLike):
        answers: ClassVar[dict[str, str]] = {}

    with _serving(NoRoutes) as url:
        health = _probe(url)
    assert health.state == "DOWN" and health.detail == "/health answered HTTP 404"


def test_a_silent_server_times_out_and_a_closed_port_is_refused():
    # Listening but never accepting: the connection completes in the backlog, no reply comes.
    with closing(socket.socket()) as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(1)
        health = _probe(f"http://127.0.0.1:{silent.getsockname()[1]}", timeout=0.5)
    assert health.state == "DOWN" and "timed out" in health.detail
    with closing(socket.socket()) as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]  # bound, not listening: connections are refused
        health = _probe(f"http://127.0.0.1:{port}")
    assert health.state == "DOWN" and "refused" in health.detail


@pytest.mark.parametrize("uri", ["file:///tmp/mlruns", "databricks"])
def test_schemes_without_a_probe_say_so(uri):
    assert _probe(uri).detail == "not probed"


def test_a_store_path_that_is_a_folder_is_down(tmp_path: Path):
    health = _probe(f"sqlite:///{tmp_path}")
    assert health.state == "DOWN" and "a folder, not a SQLite file" in health.detail
