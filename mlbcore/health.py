"""Health of each back end in use, for `mlb status`: reachable or not, latency, version,
with passwords masked. Every probe has a short timeout and never raises."""

import sqlite3
import time
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.error import HTTPError
from urllib.parse import urlsplit, urlunsplit
from urllib.request import urlopen

from mlbcore.data.snapshot import read_manifest
from mlbcore.db.connection import connect, database_url, is_database_url, masked
from mlbcore.db.mlflow_store import roll_back_hot_journal
from mlbcore.errors import BackendError, MlbError
from mlbcore.feature_cache.store import cache_counters
from mlbcore.files import shown, unwritable, writable_folder
from mlbcore.settings import Settings


@dataclass
class BackendHealth:
    name: str  # data, mlflow, redis
    kind: str  # snapshot, postgresql, sqlite, http, redis, other, none
    address: str  # masked
    configured: bool
    up: bool
    latency_ms: float | None = None
    version: str | None = None
    detail: str = ""
    empty: bool = False  # up, but holds nothing yet (an MLflow store before any run)

    @property
    def state(self) -> str:
        """The word `mlb status` and the home notebook show."""
        if not self.configured:
            return "not configured"
        if not self.up:
            return "DOWN"
        return "empty" if self.empty else "up"


EMPTY_STORE = "no runs yet: `mlb train` logs the first"


def _postgres(name: str, url: str) -> BackendHealth:
    started = time.perf_counter()
    try:
        with connect(url) as conn:
            version = conn.execute("SHOW server_version").fetchone()
    except MlbError as error:
        return BackendHealth(name, "postgresql", masked(url), True, False, detail=str(error)[:200])
    latency = (time.perf_counter() - started) * 1e3
    server = str(version[0]) if version else None
    return BackendHealth(name, "postgresql", masked(url), True, True, latency, server)


def data_health(settings: Settings) -> BackendHealth:
    url = database_url(settings)
    if url:
        return _postgres("data", url)
    path = Path(settings.mlb_data)
    try:
        read_manifest(path)  # cheap: the tables are checked when a command loads them
    except MlbError as error:
        return BackendHealth("data", "snapshot", shown(path), True, False, detail=str(error)[:200])
    return BackendHealth("data", "snapshot", str(path), True, True)


MLFLOW_PROBE_TIMEOUT_SECONDS = 2.0


def mlflow_health(
    settings: Settings, timeout: float = MLFLOW_PROBE_TIMEOUT_SECONDS
) -> BackendHealth:
    """Probe the MLflow tracking store: a SQLite file is opened read-only and MLflow's
    ``experiments`` table read (a transaction a killed writer left is rolled back first);
    PostgreSQL is connected to; a tracking server must answer ``GET /health`` with ``OK``
    within ``timeout`` seconds. Other schemes are not probed."""
    uri = settings.tracking_uri
    if is_database_url(uri):
        return _postgres("mlflow", uri)
    if uri.startswith("sqlite:///"):
        return _sqlite_store(uri, timeout)
    if uri.startswith(("http://", "https://")):
        return _tracking_server(uri, timeout)
    return BackendHealth("mlflow", "other", masked(uri), True, True, detail="not probed")


def _sqlite_store(uri: str, timeout: float) -> BackendHealth:
    """A missing file, a database with no tables yet or a store with no runs is an empty
    store, not a down one: MLflow creates it on first use and `mlb train` fills it, so it
    counts as up and says "empty"."""

    def health(up: bool, detail: str, empty: bool = False, **more: Any) -> BackendHealth:
        return BackendHealth(
            "mlflow", "sqlite", masked(uri), True, up, detail=detail, empty=empty, **more
        )

    file = Path(uri.removeprefix("sqlite:///"))
    # SQLite writes beside its file; a read-only folder would fail every write, after
    # MLflow's retries (minutes), so it is down now.
    problem = unwritable(file.parent)
    if problem is not None:
        return health(False, f"cannot write in {shown(file.parent)} ({problem.strerror})")
    if not file.exists():
        return health(True, EMPTY_STORE, empty=True)
    if file.is_dir():
        return health(False, f"{file} is a folder, not a SQLite file")
    started = time.perf_counter()
    try:
        # A writer killed mid-transaction left a journal a read-only open cannot roll back
        # (the store would read as DOWN until some other command wrote to it): rolled back
        # first by a read-write open of the existing file, which SQLite makes do that.
        roll_back_hot_journal(file, timeout)
    except MlbError as error:
        return health(False, str(error)[:200])
    try:
        # Read-only, so a probe can never create, lock for writing or migrate the store.
        with closing(
            sqlite3.connect(f"{file.resolve().as_uri()}?mode=ro", uri=True, timeout=timeout)
        ) as conn:
            tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
            if not tables:
                return health(True, EMPTY_STORE, empty=True)
            if "experiments" not in tables:
                return health(False, "not an MLflow store: it has no experiments table")
            conn.execute("SELECT 1 FROM experiments LIMIT 1").fetchall()
            no_runs = "runs" in tables and not conn.execute("SELECT 1 FROM runs LIMIT 1").fetchall()
            revision = (
                conn.execute("SELECT version_num FROM alembic_version").fetchone()
                if "alembic_version" in tables
                else None
            )
    except sqlite3.Error as error:  # not a database, unreadable, locked past the timeout
        return health(False, str(error)[:200])
    latency = (time.perf_counter() - started) * 1e3
    schema = f", schema {revision[0]}" if revision else ""
    if no_runs:  # made by a command that only read it (`mlb status` does)
        return health(True, f"{EMPTY_STORE}{schema}", empty=True, latency_ms=latency)
    return health(True, f"store readable{schema}", latency_ms=latency)


def _tracking_server(uri: str, timeout: float) -> BackendHealth:
    """``GET {uri}/health`` must answer ``OK`` (an MLflow server's reply); ``/version`` is
    read, where the server has it, for the version. Credentials in the URI are masked and
    not sent: the health route needs none."""
    parts = urlsplit(uri)
    base = urlunsplit(parts._replace(netloc=parts.netloc.rpartition("@")[2])).rstrip("/")
    address = masked(uri)
    started = time.perf_counter()
    try:
        body = _get(f"{base}/health", timeout)
    except HTTPError as error:
        detail = f"/health answered HTTP {error.code}"
        return BackendHealth("mlflow", "http", address, True, False, detail=detail)
    except (OSError, ValueError) as error:  # URLError, HTTPError, timeouts, refused, bad URL
        reason = getattr(error, "reason", None) or error
        return BackendHealth("mlflow", "http", address, True, False, detail=str(reason)[:200])
    latency = (time.perf_counter() - started) * 1e3
    if body != "OK":
        detail = f"/health answered {body[:40]!r}, not MLflow's 'OK'"
        return BackendHealth("mlflow", "http", address, True, False, latency, detail=detail)
    try:
        version = _get(f"{base}/version", timeout) or None
    except (OSError, ValueError):
        version = None
    return BackendHealth(
        "mlflow", "http", address, True, True, latency, version, "server answering"
    )


def _get(url: str, timeout: float) -> str:
    """The start of a GET's body; raises ``OSError`` (``URLError``, ``HTTPError``,
    ``TimeoutError``) when the server does not answer 200 in ``timeout`` seconds."""
    with urlopen(url, timeout=timeout) as response:
        return response.read(64).decode(errors="replace").strip()


def redis_health(settings: Settings) -> BackendHealth:
    if not settings.redis_url:
        return BackendHealth(
            "redis", "none", "-", False, False, detail="REDIS_URL unset: no feature cache"
        )
    import redis

    address = masked(settings.redis_url)
    started = time.perf_counter()
    try:
        client = redis.Redis.from_url(
            settings.redis_url, socket_timeout=2, socket_connect_timeout=2
        )
    except ValueError:  # redis-py's word for a URL it cannot read
        detail = "not a redis://, rediss:// or unix:// URL: the feature cache is off"
        return BackendHealth("redis", "redis", address, True, False, detail=detail)
    try:
        client.ping()
        latency = (time.perf_counter() - started) * 1e3
        version = str(client.info("server").get("redis_version"))
    except redis.RedisError as error:
        detail = masked(str(error))[:160]
        return BackendHealth("redis", "redis", address, True, False, detail=detail)
    try:  # the server answers: junk where the counters belong does not make it DOWN
        detail = cache_counters(client)
    except redis.RedisError as error:
        detail = f"feature cache counters unreadable ({masked(str(error))[:120]})"
    return BackendHealth("redis", "redis", address, True, True, latency, version, detail)


def backend_health(settings: Settings) -> list[BackendHealth]:
    return [data_health(settings), mlflow_health(settings), redis_health(settings)]


def preflight(settings: Settings) -> None:
    """Before a job that ends by logging models: the state folder takes files, the MLflow
    store answers, and so does PostgreSQL when the ``DATABASE_*`` settings name it. Fails
    in seconds with one line (``BackendError``; ``MlbError`` for a path that can never
    work), not after minutes of training."""
    writable_folder(settings.mlb_state_dir, "MLB_STATE_DIR")
    for url in (database_url(settings), settings.tracking_uri):
        if is_database_url(url):
            connect(str(url)).close()  # its error names the URL, masked
    store = mlflow_health(settings)
    if store.configured and not store.up:
        raise BackendError(
            f"the MLflow store {store.address} is down ({store.detail}); "
            "bring it back or point MLFLOW_TRACKING_URI at one that answers"
        )
