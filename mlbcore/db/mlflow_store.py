"""MLflow's tracking store, made ready before MLflow opens it.

MLflow creates its schema on first use, one migration after another, with no lock: a
process killed part-way (or two first runs at once) leaves a store that every later
command fails on (``table logged_models already exists``). So the schema is created here
first, once, under a lock:

- PostgreSQL: checked for reachability with a short timeout (MLflow itself waits ~100 s
  and then raises a raw SQLAlchemy error), then created or upgraded under an advisory lock
  (its migrations are transactional).
- SQLite (the default store): under a file lock, built or upgraded in a file beside the
  store and renamed onto it, so a process killed meanwhile leaves the store as it was. A
  half-migrated store left by an older version is rebuilt when it holds nothing, and
  refused with one line when it holds runs.

Over ~300 lines on purpose: the store's set-up, repair and relinking share its lock.
"""

import fcntl
import functools
import os
import sqlite3
import time
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path
from typing import IO

from mlbcore.db.connection import connect, is_database_url
from mlbcore.errors import MlbError
from mlbcore.faults import pause_point

LOCK_TIMEOUT_SECONDS = 120.0  # building the schema takes ~1.5 s; more means a stuck process


class StoreFault(MlbError):
    """The MLflow store cannot be used as it is (damaged, unwritable, locked, or a model
    stored incompletely): a failed back end, exit 1."""

    exit_code = 1


def prepare_tracking_store(tracking_uri: str, artifact_location: str) -> list[str]:
    """Make the store at ``tracking_uri`` ready for MLflow (see the module's docstring);
    return notices for the user (a store that had to be rebuilt). Other URIs (a tracking
    server) are left to MLflow."""
    if is_database_url(tracking_uri):
        _prepare_postgresql(tracking_uri, artifact_location)
        return []
    if tracking_uri.startswith("sqlite:///"):
        return prepare_sqlite_store(Path(tracking_uri.removeprefix("sqlite:///")))
    return []


def _prepare_postgresql(tracking_uri: str, artifact_location: str) -> None:
    from mlflow.store.tracking.sqlalchemy_store import SqlAlchemyStore

    with connect(tracking_uri) as conn:
        conn.execute("SELECT pg_advisory_lock(hashtext('mlb-mlflow-schema'))")
        try:
            SqlAlchemyStore(tracking_uri, artifact_location)  # creates or upgrades the schema
        finally:
            conn.execute("SELECT pg_advisory_unlock(hashtext('mlb-mlflow-schema'))")


def prepare_sqlite_store(path: Path) -> list[str]:
    """Create or upgrade MLflow's schema in the SQLite file ``path`` so that no process
    ever sees it half-made; see the module's docstring."""
    if _is_current(path):  # the usual case: no lock, no writes
        return []
    if path.is_dir():
        raise StoreFault(f"the MLflow store {path} is a folder, not a SQLite file; move it away")
    lock_path = path.with_name(f"{path.name}.lock")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle = open(lock_path, "a")  # noqa: SIM115 (closed by the with below)
    except OSError as error:
        raise StoreFault(
            f"cannot create the MLflow store in {path.parent} ({error.strerror}); "
            "make MLB_STATE_DIR a writable folder"
        ) from None
    with handle, _locked(handle, lock_path):
        # Only a lock holder builds, so any partial file here is a killed builder's.
        for stale in path.parent.glob(f".{path.name}.partial-*"):
            stale.unlink(missing_ok=True)
        roll_back_hot_journal(path)
        if _is_current(path):  # another process built it while this one waited
            return []
        existing = bool(_tables(path))
        try:
            # From nothing, or from a copy of the store: an upgrade, or a half-migrated
            # store's repair.
            _build(path, start_from=path if existing else None)
        except MlbError:
            raise
        except Exception as error:
            if existing and _schema_conflict(error):
                return [_set_aside_or_refuse(path, error)]
            raise StoreFault(f"cannot set up the MLflow store {path}: {_one_line(error)}") from None
    return []


def _schema_conflict(error: Exception) -> bool:
    """What MLflow's migrations raise on a schema another process half-made."""
    text = str(error).lower()
    return any(
        words in text
        for words in ("already exists", "duplicate column", "no such table", "no such column")
    )


def _one_line(error: Exception) -> str:
    return " ".join(str(error).split("[SQL:")[0].split())[:200] or type(error).__name__


def _set_aside_or_refuse(path: Path, error: Exception) -> str:
    """A store whose schema cannot be completed: rebuilt when it holds no run and no model
    (a first run was interrupted; nothing to lose), else refused with what to do."""
    runs, models = _count(path, "runs"), _count(path, "registered_models")
    revision = _revision(path) or "none"
    if runs or models:
        reason = " ".join(str(error).split())[:120]
        raise StoreFault(
            f"the MLflow store {path} is half-migrated (schema {revision}: {reason}) and holds "
            f"{runs} runs and {models} models; restore it from a backup, or move it away and "
            "retrain to start a new store"
        )
    aside = _free_name(path.with_name(f"{path.name}.broken"))
    os.replace(path, aside)
    try:
        _build(path, start_from=None)
    except Exception as rebuild_error:
        raise StoreFault(
            f"cannot rebuild the MLflow store {path} (the half-made one is {aside.name}): "
            f"{_one_line(rebuild_error)}"
        ) from None
    return (
        f"the MLflow store {path} had been left half-created (schema {revision}) by an "
        f"interrupted first run and held nothing; it is set aside as {aside.name} and rebuilt"
    )


def _build(path: Path, start_from: Path | None) -> None:
    """MLflow's schema, made in a partial file (empty, or a copy of ``start_from``) beside
    ``path`` and renamed onto it once complete."""
    import sqlalchemy
    from mlflow.store.db.utils import _upgrade_db
    from mlflow.store.tracking.dbmodels.initial_models import Base as InitialBase

    partial = path.with_name(f".{path.name}.partial-{os.getpid()}")
    partial.unlink(missing_ok=True)
    try:
        if start_from is not None:
            # SQLite's backup, not a file copy: it rolls back a killed writer's hot journal.
            with (
                closing(sqlite3.connect(start_from)) as source,
                closing(sqlite3.connect(partial)) as copy,
            ):
                source.backup(copy)
        engine = sqlalchemy.create_engine(f"sqlite:///{partial}")
        try:
            InitialBase.metadata.create_all(engine)  # the tables the first migration expects
            pause_point("mlflow-schema")
            _upgrade_db(engine)
        finally:
            engine.dispose()
        if not _is_current(partial):
            raise StoreFault(f"MLflow's schema could not be completed in {partial}")
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)


def roll_back_hot_journal(path: Path, timeout: float = 30.0) -> None:
    """A writer killed mid-transaction leaves a journal that read-only connections cannot
    roll back (they fail with "attempt to write a readonly database"); a read-write
    connection rolls it back on its first read, under SQLite's own locks, as any SQLite
    reader that may write does. ``StoreFault`` if the store cannot be read even so."""
    if not path.with_name(f"{path.name}-journal").exists() or not path.is_file():
        return
    try:
        # mode=rw: never creates the store, only opens it for writing.
        with closing(
            sqlite3.connect(f"{path.resolve().as_uri()}?mode=rw", uri=True, timeout=timeout)
        ) as conn:
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlite3.Error as error:
        if "locked" in str(error):  # a live writer's commit outlasted the timeout
            raise StoreFault(
                f"the MLflow store {path} is locked by another process ({error}); "
                "try again when it is done"
            ) from None
        raise StoreFault(f"the MLflow store {path} cannot be read ({error}); restore it") from None


@functools.cache
def _head_revision() -> str:
    from mlflow.store.db.utils import _get_latest_schema_revision

    return str(_get_latest_schema_revision())


def _expected_tables() -> set[str]:
    # Importing MLflow's db utilities registers every ORM table with Base.metadata.
    import mlflow.store.db.utils  # noqa: F401
    from mlflow.store.db.base_sql_model import Base

    return set(Base.metadata.tables)


def _is_current(path: Path) -> bool:
    """Every table MLflow expects exists and the schema is at MLflow's head revision."""
    if not path.is_file():
        return False
    try:
        tables = _tables(path)
        return _expected_tables() <= tables and _revision(path) == _head_revision()
    except MlbError:
        return False


def _read_only(path: Path) -> "closing[sqlite3.Connection]":
    return closing(sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=30))


def _tables(path: Path) -> set[str]:
    if not path.is_file() or path.stat().st_size == 0:
        return set()
    try:
        with _read_only(path) as conn:
            return {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
    except sqlite3.DatabaseError as error:
        raise StoreFault(
            f"the MLflow store {path} cannot be read ({error}); restore it from a backup, or "
            "move it away to start a new store"
        ) from None


def _revision(path: Path) -> str | None:
    if "alembic_version" not in _tables(path):
        return None
    with _read_only(path) as conn:
        row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
    return str(row[0]) if row else None


def _count(path: Path, table: str) -> int:
    if table not in _tables(path):
        return 0
    with _read_only(path) as conn:
        return int(conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0])


def _free_name(path: Path) -> Path:
    """``path``, or ``path-2``, ``path-3``, ... whichever does not exist yet."""
    candidate, n = path, 1
    while candidate.exists():
        n += 1
        candidate = path.with_name(f"{path.name}-{n}")
    return candidate


@contextmanager
def _locked(handle: IO[str], path: Path, timeout: float = LOCK_TIMEOUT_SECONDS) -> Iterator[None]:
    """An exclusive lock on the open file ``path`` (the kernel releases it if the holder
    dies, so a killed process never leaves it locked)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            break
        except BlockingIOError:
            pause_point("mlflow-lock-busy")  # tests: proof that a second process waited here
            if time.monotonic() > deadline:
                raise StoreFault(
                    f"another process has held {path} for {timeout:.0f} s while setting up "
                    "the MLflow store; stop it, or try again when it is done"
                ) from None
            time.sleep(0.05)
    try:
        yield
    finally:
        fcntl.flock(handle, fcntl.LOCK_UN)


# Every column where MLflow 3 records where a run's or a model's artifacts are.
ARTIFACT_COLUMNS = (
    ("experiments", "artifact_location"),
    ("runs", "artifact_uri"),
    ("logged_models", "artifact_location"),
    ("model_versions", "storage_location"),
    ("model_versions", "source"),
)


def relink_to_state_folder(path: Path, state_dir: Path, relative_uri: str) -> list[str]:
    """Rewrite the absolute ``file://…/mlartifacts`` locations an older version recorded in
    the default store at ``path`` to ``relative_uri`` (resolved inside ``state_dir``), when
    they name ``state_dir``'s artifacts: where it is now, or where it was before it moved
    (that folder gone, this one holding the artifacts). Returns a notice when it did."""
    here = (state_dir / "mlartifacts").resolve()
    if not path.is_file():
        return []
    with _read_only(path) as conn:
        if "experiments" not in {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}:
            return []
        locations = {
            str(row[0])
            for row in conn.execute(
                "SELECT artifact_location FROM experiments "
                "WHERE artifact_location LIKE 'file:%/mlartifacts'"
            )
        }
    from mlflow.utils.file_utils import local_file_uri_to_path

    ours = [
        uri
        for uri in locations
        if Path(local_file_uri_to_path(uri)).resolve() == here
        or (not Path(local_file_uri_to_path(uri)).exists() and here.is_dir())
    ]
    if not ours:
        return []
    try:
        _rewrite_locations(path, ours, relative_uri)
    except (OSError, sqlite3.OperationalError):
        return []  # a read-only state folder: the locations stay as they were
    return [
        f"the MLflow store {path} now finds its artifacts inside the state folder "
        f"({relative_uri}), wherever it moves; they were at {', '.join(sorted(ours))}"
    ]


def _rewrite_locations(path: Path, prefixes: list[str], relative_uri: str) -> None:
    """Replace each of ``prefixes`` by ``relative_uri`` in every artifact column, in one
    transaction."""
    with (
        open(path.with_name(f"{path.name}.lock"), "a") as handle,
        _locked(handle, path.with_name(f"{path.name}.lock")),
        closing(sqlite3.connect(path, timeout=30, isolation_level=None)) as conn,
    ):
        conn.execute("BEGIN IMMEDIATE")
        for old in prefixes:
            for table, column in ARTIFACT_COLUMNS:
                conn.execute(
                    f"UPDATE {table} SET {column} = ? || substr({column}, length(?) + 1) "
                    f"WHERE {column} = ? OR substr({column}, 1, length(?) + 1) = ? || '/'",
                    (relative_uri, old, old, old, old),
                )
        conn.execute("COMMIT")
