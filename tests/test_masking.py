"""One masking function for every form a password takes in a data location or a message."""

import logging
import os
import subprocess
import sys

import pytest

from mlbcore import masking, notebook
from mlbcore.db.connection import masked as masked_in_db
from mlbcore.errors import MlbError
from mlbcore.masking import masked

# (text, masked, without credentials): every form the issue found leaking, and their kin.
FORMS = [
    (
        "postgresql://root:secret1@127.0.0.1:5432/test?password=secret2",
        "postgresql://root:***@127.0.0.1:5432/test?password=***",
        "postgresql://127.0.0.1:5432/test",
    ),
    (  # an unencoded '@' in the password: all of it is masked, not the part before
        "postgresql://root:p@secret@127.0.0.1:5432/test",
        "postgresql://root:***@127.0.0.1:5432/test",
        "postgresql://127.0.0.1:5432/test",
    ),
    (
        "postgresql://root:a/b?c#secret@db.example:5432/test",
        "postgresql://root:***@db.example:5432/test",
        "postgresql://db.example:5432/test",
    ),
    (
        "postgresql://h1:5432,h2:5433/test?user=u&PassWord=secret&target_session_attrs=any",
        "postgresql://h1:5432,h2:5433/test?user=u&PassWord=***&target_session_attrs=any",
        "postgresql://h1:5432,h2:5433/test",
    ),
    (
        "postgresql:///test?host=/var/run/postgresql&sslpassword=secret",
        "postgresql:///test?host=/var/run/postgresql&sslpassword=***",
        "postgresql:///test",
    ),
    (
        "postgresql+psycopg://u:secret@h/db",
        "postgresql+psycopg://u:***@h/db",
        "postgresql+psycopg://h/db",
    ),
    ("redis://:secret@127.0.0.1:6379/0", "redis://:***@127.0.0.1:6379/0", "redis://127.0.0.1:6379/0"),
    (
        "redis://127.0.0.1:6379/0?password=secret",
        "redis://127.0.0.1:6379/0?password=***",
        "redis://127.0.0.1:6379/0",
    ),
    (
        "rediss://default:s%40secret@[::1]:6380/2",
        "rediss://default:***@[::1]:6380/2",
        "rediss://[::1]:6380/2",
    ),
    (
        "unix:///tmp/redis.sock?db=1&password=secret",
        "unix:///tmp/redis.sock?db=1&password=***",
        "unix:///tmp/redis.sock",
    ),
    ("http://user:secret@mlflow:5000", "http://user:***@mlflow:5000", "http://mlflow:5000"),
    (  # libpq conninfo, as given to --url
        "host=127.0.0.1 dbname=test user=root password=secret",
        "host=127.0.0.1 dbname=test user=root password=***",
        "host=127.0.0.1 dbname=test",
    ),
    (
        "host=127.0.0.1 password = 'se cret\\' x' dbname=test",
        "host=127.0.0.1 password = *** dbname=test",
        "host=127.0.0.1 dbname=test",
    ),
    (  # a message holding both
        "cannot connect to postgresql://u:x@secret@h/db: refused; also host=h password=secret",
        "cannot connect to postgresql://u:***@h/db: refused; also host=h password=***",
        "cannot connect to postgresql://h/db: refused; also host=h password=***",
    ),
    (
        "invalid setting DATABASE_PASSWORD='secret': too short",
        "invalid setting DATABASE_PASSWORD=***: too short",
        "invalid setting DATABASE_PASSWORD=***: too short",
    ),
    # Nothing to hide: left as it is (the query's '@' is not user info).
    ("/data/snapshots/demo", "/data/snapshots/demo", "/data/snapshots/demo"),
    ("sqlite:////tmp/state/mlflow.db", "sqlite:////tmp/state/mlflow.db", "sqlite:////tmp/state/mlflow.db"),
    (
        "postgresql://h/db?application_name=a@b",
        "postgresql://h/db?application_name=a@b",
        "postgresql://h/db",
    ),
    ("redis://u@h:6379/0", "redis://u@h:6379/0", "redis://h:6379/0"),
    ("notaurl", "notaurl", "notaurl"),
]  # fmt: skip


@pytest.mark.parametrize(("text", "shown", "stored"), FORMS)
def test_each_form_is_masked_and_stored_without_credentials(text, shown, stored):
    assert masked(text) == shown
    assert masked(text, drop_credentials=True) == stored
    assert "secret" not in shown + stored  # every password above is "secret"


def test_masking_twice_changes_nothing():
    for _, shown, stored in FORMS:
        assert masked(shown) == shown
        assert masked(stored, drop_credentials=True) == stored


def test_the_database_layer_uses_the_same_function():
    assert masked_in_db is masked


def test_a_notebook_shows_an_error_without_its_password():
    def job() -> None:
        raise MlbError("cannot connect to postgresql://u:secret@h/db?password=secret")

    outcome = notebook.run(job)
    assert outcome.error == "cannot connect to postgresql://u:***@h/db?password=***"


# What a library writes, through each way it reaches the terminal: MLflow's own handler
# (added when mlflow is imported, after the masking), the root's handler, logging's last
# resort (a logger with no handler), a logged exception, a warning, an exception uncaught
# in a thread, and one uncaught in the main thread.
LIBRARY_OUTPUT = """
import logging, sys, threading, warnings
from mlbcore.masking import mask_every_output
if sys.argv[1] == "masked":
    mask_every_output()
import mlflow  # noqa: F401
url = "postgresql://root:secret@h/db?password=secret"
logging.getLogger("mlflow.store.db.utils").warning("engine for %s failed", url)
logging.getLogger("sqlalchemy.pool").error("no connection to " + url)
logging.getLogger("alembic").addHandler(logging.StreamHandler(sys.stdout))
logging.getLogger("alembic").warning("migrating %s", url)
try:
    raise ConnectionError(f"cannot reach {url}")
except ConnectionError:
    logging.getLogger("redis.connection").exception("lost redis://:secret@h:6379/0")
logging.basicConfig(format="root: %(message)s")
logging.getLogger("psycopg").warning("conninfo host=h password=secret dbname=d")
warnings.warn(f"retrying {url}", RuntimeWarning, stacklevel=1)
def beat():
    raise OSError(f"heartbeat to {url} lost")
worker = threading.Thread(target=beat)
worker.start()
worker.join()
raise RuntimeError(f"API request to http://u:secret@h/api failed")
"""


@pytest.mark.parametrize("mode", ["plain", "masked"])
def test_every_log_record_warning_and_traceback_is_masked(mode):
    done = subprocess.run(
        [sys.executable, "-c", LIBRARY_OUTPUT, mode],
        capture_output=True,
        text=True,
        env=os.environ | {"PYTHONWARNINGS": "default"},
    )
    text = done.stdout + done.stderr
    shown = [
        "engine for postgresql://root:", "no connection to postgresql://root:",
        "migrating postgresql://root:", "ConnectionError: cannot reach postgresql://root:",
        "lost redis://:", "root: conninfo host=h password=", "RuntimeWarning: retrying",
        "RuntimeError: API request to http://u:", "OSError: heartbeat to postgresql://root:",
    ]  # fmt: skip
    assert all(line in text for line in shown), text  # every channel wrote its line
    if mode == "plain":  # without the masking each of them shows the password
        assert text.count("secret") >= len(shown), text
    else:
        assert "secret" not in text, text
        assert text.count("***") >= len(shown), text


def test_a_masked_record_keeps_the_arguments_its_formatter_unpacks(capsys):
    # uvicorn's access log unpacks a record's five arguments in its formatter: a record
    # flattened to a message with no arguments broke every request's log line.
    class AccessFormatter(logging.Formatter):
        def formatMessage(self, record):  # logging's name
            client, method, path, _version, status = record.args
            return f"{client} {method} {path} {status}"

    masking.mask_every_output()
    handler = logging.StreamHandler()
    handler.setFormatter(AccessFormatter())
    access = logging.getLogger("test.access")
    access.addHandler(handler)
    try:
        for path in ("/slate", "/x?db=postgresql://root:secret@h/d"):
            access.warning('%s - "%s %s HTTP/%s" %d', "127.0.0.1", "GET", path, "1.1", 200)
    finally:
        access.removeHandler(handler)
    err = capsys.readouterr().err
    assert "127.0.0.1 GET /slate 200" in err
    assert "127.0.0.1 GET /x?db=postgresql://root:***@h/d 200" in err
    assert "secret" not in err and "Logging error" not in err
