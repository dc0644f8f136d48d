"""Issue 12, item 8, past the project's own prints: MLflow, SQLAlchemy, alembic, psycopg
and redis log, warn and raise with the URL they were given. Whatever they write, through
whichever logger, warning or exception, no password reaches stdout or stderr.

Each case runs the CLI with warnings shown (``PYTHONWARNINGS=default``, where the harness
hides them) against a back end that fails the way the case says: a server of the test's
own, a port nothing listens on, or the machine's PostgreSQL (trust authentication: any
password is accepted, so it travels all the way through)."""

import contextlib
import http.server
import socket
import threading
from collections.abc import Iterator

import pytest
from servers import own_redis, refused_port

from hostile.harness import BAD_INPUT, FAILED_BACKEND, Outcome, assert_one_clear_line, run_mlb

SECRET = "pw-Lq7-secret"  # every password below; found nowhere in any output
PG = "127.0.0.1:5432"
SMALL = ["--targets", "run_total_regression", "--days", "30"]  # a few seconds' training
WARNINGS_SHOWN = {"PYTHONWARNINGS": "default"}


def _output(outcome: Outcome) -> str:
    text = outcome.stdout + outcome.stderr
    assert SECRET not in text, text
    return text


class _HealthyButFailing(http.server.BaseHTTPRequestHandler):
    """An MLflow tracking server as a broken proxy shows it: ``/health`` answers ``OK``,
    every API call has its connection dropped without a reply."""

    def do_GET(self) -> None:
        if self.path.startswith("/health"):
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"OK")
            return
        self.close_connection = True
        self.connection.shutdown(socket.SHUT_RDWR)

    do_POST = do_GET

    def log_message(self, *args: object) -> None:  # not the test's output
        pass


@contextlib.contextmanager
def failing_tracking_server() -> Iterator[int]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _HealthyButFailing)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield int(server.server_address[1])
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize("command", [["status"], ["train", *SMALL]])
def test_a_tracking_server_failing_its_calls_is_one_line_without_the_password(tmp_path, command):
    # MLflow raises "API request to http://user:PASSWORD@host/... failed": it was a
    # traceback holding the password.
    with failing_tracking_server() as port:
        env = WARNINGS_SHOWN | {
            "MLFLOW_TRACKING_URI": f"http://mlb:{SECRET}@127.0.0.1:{port}",
            "MLFLOW_HTTP_REQUEST_MAX_RETRIES": "0",  # fail on the first dropped call
        }
        outcome = run_mlb(command, tmp_path / "state", env=env)
    text = _output(outcome)
    assert "Traceback" not in text and outcome.code == FAILED_BACKEND, text
    # The progress so far, then the failure in one line, naming the server.
    assert outcome.stderr.splitlines()[-1].startswith("mlb: error: MlflowException: API request"), (
        text
    )
    assert "http://mlb:***@127.0.0.1" in outcome.stderr, text


# Passwords libpq cannot read: its error quotes the token it stopped at, password and all.
UNREADABLE = [
    ("user info", ["db", "migrate", "--url", f"postgresql://root:ab%zz{SECRET}@{PG}/test"], {}),
    (
        "query parameter",
        ["train", *SMALL],
        {"MLFLOW_TRACKING_URI": f"postgresql://root@{PG}/test?password=%zz{SECRET}"},
    ),
]


@pytest.mark.parametrize(("case", "args", "env"), UNREADABLE, ids=[c[0] for c in UNREADABLE])
def test_a_password_libpq_cannot_read_is_refused_without_echoing_it(tmp_path, case, args, env):
    outcome = run_mlb(args, tmp_path / "state", env=WARNINGS_SHOWN | env)
    assert_one_clear_line(outcome, BAD_INPUT, mentions="percent-encoded")
    _output(outcome)


def test_mlflow_creating_its_tables_in_postgresql_shows_no_password(tmp_path, mlflow_database):
    # A first run: MLflow and alembic create the schema, SQLAlchemy opens its engine, with
    # the password in the user info and in the query; the feature cache's Redis has one too.
    uri = f"postgresql+psycopg://root:{SECRET}@{PG}/{mlflow_database}?password={SECRET}"
    with own_redis(tmp_path) as url:
        env = WARNINGS_SHOWN | {"MLFLOW_TRACKING_URI": uri, "REDIS_URL": f"{url}?password={SECRET}"}
        outcome = run_mlb(["train", *SMALL], tmp_path / "state", env=env)
    assert outcome.code == 0, outcome
    _output(outcome)


# Back ends that are down or refuse, each named with a password in every form it takes.
DOWN = [
    (
        "MLflow at a closed port",
        {"MLFLOW_TRACKING_URI": f"postgresql://root:{SECRET}@127.0.0.1:PORT/db?password={SECRET}"},
    ),
    (
        "DATABASE_PASSWORD at a closed port",
        {
            "DATABASE_HOST": "127.0.0.1",
            "DATABASE_PORT": "PORT",
            "DATABASE_USERNAME": "root",
            "DATABASE_PASSWORD": SECRET,
        },
    ),
    (
        "Redis at a closed port",
        {"REDIS_URL": f"redis://:{SECRET}@127.0.0.1:PORT/0?password={SECRET}"},
    ),
]


@pytest.mark.parametrize(("case", "env"), DOWN, ids=[c[0] for c in DOWN])
@pytest.mark.parametrize("command", [["status"], ["train", *SMALL]])
def test_a_back_end_that_is_down_is_named_without_its_password(tmp_path, case, env, command):
    with refused_port() as port:  # held bound: nothing else can answer there meanwhile
        env = {name: value.replace("PORT", str(port)) for name, value in env.items()}
        outcome = run_mlb(command, tmp_path / "state", env=WARNINGS_SHOWN | env)
    assert "Traceback" not in _output(outcome)
