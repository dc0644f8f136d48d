"""Health of each back end in use, for `mlb status`: reachable or not, latency, version,
with passwords masked. Every probe has a short timeout and never raises."""

import time
from dataclasses import dataclass
from pathlib import Path

from mlbcore.db.connection import connect, database_url, is_database_url, masked
from mlbcore.errors import MlbError
from mlbcore.settings import Settings
from mlbcore.store.feature_cache import STATS_KEY as CACHE_STATS_KEY


@dataclass
class BackendHealth:
    name: str  # data, mlflow, redis
    kind: str  # snapshot, postgresql, sqlite, redis, other, none
    address: str  # masked
    configured: bool
    up: bool
    latency_ms: float | None = None
    version: str | None = None
    detail: str = ""


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
    manifest = path / "manifest.json"
    up = manifest.is_file()
    return BackendHealth(
        "data", "snapshot", str(path), True, up, detail="" if up else "no manifest.json"
    )


def mlflow_health(settings: Settings) -> BackendHealth:
    uri = settings.tracking_uri
    if is_database_url(uri):
        return _postgres("mlflow", uri)
    if uri.startswith("sqlite:///"):
        file = Path(uri.removeprefix("sqlite:///"))
        exists = file.is_file()
        return BackendHealth(
            "mlflow",
            "sqlite",
            uri,
            True,
            True,
            detail="store exists" if exists else "created on first training run",
        )
    return BackendHealth("mlflow", "other", masked(uri), True, True, detail="not probed")


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
        client.ping()
        latency = (time.perf_counter() - started) * 1e3
        version = str(client.info("server").get("redis_version"))
        stats = {k.decode(): int(v) for k, v in client.hgetall(CACHE_STATS_KEY).items()}
        detail = f"feature cache hits {stats.get('hits', 0)}, misses {stats.get('misses', 0)}"
        return BackendHealth("redis", "redis", address, True, True, latency, version, detail)
    except redis.RedisError as error:
        return BackendHealth("redis", "redis", address, True, False, detail=str(error)[:160])


def backend_health(settings: Settings) -> list[BackendHealth]:
    return [data_health(settings), mlflow_health(settings), redis_health(settings)]
