"""Feature rows through the Redis feature cache: every game of a snapshot (training), or
the slate of one date (serving, and `mlb features warm`).

One MGET reads the wanted games' rows, each under a key that carries what the game could
know at its cutoff (``knowledge``). Only the misses are computed, by ``build_features``
on the history they need (``knowledge.history_for``), and written back. What comes out
equals ``build_features`` on the whole snapshot (the wanted games' rows, in its order),
whatever was cached. Redis down, or junk in it, is a warning and the computed rows.

Over ~300 lines on purpose: the season, slate and warm reads share one read-through
path.
"""

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import polars as pl

from mlbcore.data.snapshot import Snapshot
from mlbcore.data.source import load_data
from mlbcore.data.timing import cutoff_utc
from mlbcore.errors import BackendError, MlbError
from mlbcore.feature_cache.knowledge import history_for, knowledge_hashes
from mlbcore.feature_cache.rows import (
    CacheKeyUnavailable,
    cache_secret,
    feature_schema,
    rows_to_frame,
)
from mlbcore.feature_cache.store import (
    STATS_KEY,
    CacheStats,
    FeatureCache,
    feature_namespace,
    reachable_cache,
)
from mlbcore.features.build import build_features
from mlbcore.masking import masked
from mlbcore.settings import Settings

PREFIX = STATS_KEY.removesuffix(":stats")  # every key's start: "mlb:features"


def keyed_games(
    snapshot: Snapshot, cutoff_minutes: int, lineups: bool = True, day: date | None = None
) -> pl.DataFrame:
    """The snapshot's games (only ``day``'s when given) in ``build_features``' order, with
    ``cutoff_utc`` and ``knowledge`` (``knowledge_hashes``). Of every game, it is the key
    index a serving process builds once per data load and looks each slate up in."""
    games = snapshot.games.with_columns(cutoff_utc(cutoff_minutes))
    if day is not None:
        games = games.filter(pl.col("date") == day)
    games = games.sort("first_pitch_utc", "game_id")
    hashes = knowledge_hashes(snapshot, games, lineups=lineups)
    return games.with_columns(knowledge=hashes["knowledge"])


def features_of(
    snapshot: Snapshot,
    games: pl.DataFrame,
    cutoff_minutes: int,
    market_book: str | None,
    lineups: bool = True,
) -> pl.DataFrame:
    """``build_features``' rows of ``games`` (rows of ``snapshot.games`` with
    ``cutoff_utc``), in its order, computed from only the history they need."""
    if games.is_empty():
        return pl.DataFrame(schema=feature_schema())
    everything = games.height == snapshot.games.height
    history = snapshot if everything else history_for(snapshot, games)
    built = build_features(history, cutoff_minutes, market_book, lineups=lineups)
    return built if everything else built.join(games.select("game_id"), on="game_id", how="semi")


def build_features_cached(
    snapshot: Snapshot,
    cutoff_minutes: int,
    market_book: str | None,
    redis_url: str,
    ttl_seconds: int,
    stats: CacheStats,
    *,
    secret: bytes,
    lineups: bool = True,
    prefix: str = PREFIX,
) -> pl.DataFrame:
    """``build_features`` through the cache: cached rows are read, only the missing ones
    computed (from the history they need) and written back, signed with ``secret``.
    Only values signed with ``secret`` that are valid rows are read; any other is a miss
    (counted in ``stats.rejected``) and is overwritten. Any Redis failure, or a
    ``redis_url`` that is not a Redis URL, is a warning in ``stats`` and the computed
    frame, never an error. ``prefix`` starts every key (a bench keeps its own)."""
    keyed = keyed_games(snapshot, cutoff_minutes, lineups)
    how = _Through(cutoff_minutes, market_book, redis_url, ttl_seconds, secret, lineups, prefix)
    return _through_cache(snapshot, keyed, how, stats)


def slate_features_cached(
    snapshot: Snapshot,
    day: date,
    cutoff_minutes: int,
    market_book: str | None,
    redis_url: str,
    ttl_seconds: int,
    stats: CacheStats,
    *,
    secret: bytes,
    lineups: bool = True,
    index: pl.DataFrame | None = None,
    prefix: str = PREFIX,
) -> pl.DataFrame:
    """The feature rows of ``day``'s games, as ``build_features`` on the whole snapshot
    gives them, through the cache as ``build_features_cached`` reads a season. ``index``
    is ``keyed_games`` of this snapshot and settings, kept by a process that serves many
    slates; without it only the day's games are hashed."""
    if index is None:
        keyed = keyed_games(snapshot, cutoff_minutes, lineups, day)
    else:
        keyed = index.filter(pl.col("date") == day)
    how = _Through(cutoff_minutes, market_book, redis_url, ttl_seconds, secret, lineups, prefix)
    return _through_cache(snapshot, keyed, how, stats)


@dataclass(frozen=True)
class _Through:
    """How rows go through the cache: the feature settings and the cache's."""

    cutoff_minutes: int
    market_book: str | None
    redis_url: str
    ttl_seconds: int
    secret: bytes
    lineups: bool
    prefix: str


def _through_cache(
    snapshot: Snapshot, keyed: pl.DataFrame, how: _Through, stats: CacheStats
) -> pl.DataFrame:
    """The rows of ``keyed``'s games: hits from one MGET, misses computed and written."""
    import redis

    def computed(games: pl.DataFrame) -> pl.DataFrame:
        return features_of(snapshot, games, how.cutoff_minutes, how.market_book, how.lineups)

    namespace = feature_namespace(how.cutoff_minutes, how.market_book, how.lineups)
    try:
        cache = FeatureCache(how.redis_url, namespace, how.secret, how.ttl_seconds, how.prefix)
        rows, stats.rejected = cache.read(cache.keys(keyed))
    except ValueError:  # redis-py's word for a URL it cannot read
        stats.warnings.append(
            f"REDIS_URL {masked(how.redis_url)!r} is not a redis://, rediss:// or unix:// URL; "
            "computing features without the cache (fix or unset REDIS_URL)"
        )
        return computed(keyed)
    except redis.RedisError as error:
        stats.warnings.append(
            f"feature cache unavailable ({masked(str(error))}); computing features without it"
        )
        return computed(keyed)
    hit = pl.Series([row is not None for row in rows], dtype=pl.Boolean)
    stats.hits = int(hit.sum())
    stats.misses = len(rows) - stats.hits
    _count(cache, f"{how.prefix}:stats", stats)
    found = [row for row in rows if row is not None]
    cached = rows_to_frame(keyed.filter(hit), found, feature_schema()) if found else None
    if not stats.misses:
        return cached if cached is not None else pl.DataFrame(schema=feature_schema())
    missing = keyed.filter(~hit)
    fresh = computed(missing)
    try:
        keys = cache.keys(fresh.join(missing.select("game_id", "knowledge"), on="game_id"))
        cache.write(fresh, keys)
    except redis.RedisError as error:
        stats.warnings.append(
            f"feature cache write failed ({masked(str(error))}); results are unaffected"
        )
    if cached is None:
        return fresh
    return pl.concat([cached, fresh]).sort("first_pitch_utc", "game_id")


def _count(cache: FeatureCache, counters: str, stats: CacheStats) -> None:
    """Add this read's hits, misses and rejections to the running totals `mlb status`
    shows; a failure is a warning."""
    import redis

    try:
        pipe = cache.client.pipeline(transaction=False)
        counts = {"hits": stats.hits, "misses": stats.misses, "rejected": stats.rejected}
        for name, count in counts.items():
            pipe.hincrby(counters, name, count)
        pipe.execute()
    except redis.RedisError as error:
        stats.warnings.append(f"feature cache counters not updated ({masked(str(error))})")


def slate_features(
    snapshot: Snapshot, settings: Settings, day: date, stats: CacheStats | None = None
) -> pl.DataFrame:
    """The feature rows of ``day``'s games (lineup features as ``FEATURES__LINEUPS``
    says), through the Redis cache when ``REDIS_URL`` is set and ``use_cached_features``
    is on, as ``features_for`` reads a season; otherwise computed from the history they
    need."""
    stats = stats if stats is not None else CacheStats()
    lineups = settings.features.lineups
    secret = _configured_secret(settings, stats)
    if settings.redis_url and secret is not None:
        return slate_features_cached(
            snapshot,
            day,
            settings.ml_cutoff_minutes,
            settings.market_book,
            settings.redis_url,
            settings.feature_cache_ttl_seconds,
            stats,
            secret=secret,
            lineups=lineups,
        )
    games = keyed_games(snapshot, settings.ml_cutoff_minutes, lineups, day).drop("knowledge")
    return features_of(snapshot, games, settings.ml_cutoff_minutes, settings.market_book, lineups)


def _configured_secret(settings: Settings, stats: CacheStats) -> bytes | None:
    """The signing key when ``settings`` turn the cache on (``REDIS_URL`` set and
    ``use_cached_features``); None when they don't, or, with a warning in ``stats``,
    when no key can be had."""
    if not (settings.redis_url and settings.training.use_cached_features):
        return None
    try:
        return cache_secret(settings)
    except CacheKeyUnavailable as error:
        stats.warnings.append(f"feature cache off: {error}")
        return None


def cache_to_warm(settings: Settings) -> bytes:
    """The signing key of the cache ``settings`` name, once its Redis answers: checked
    before a warming job loads any data. Raises ``MlbError`` without a usable
    ``REDIS_URL`` or signing key, ``BackendError`` when Redis does not answer."""
    if not settings.redis_url:
        raise MlbError("REDIS_URL is unset, so there is no feature cache to warm; set it")
    reachable_cache(settings.redis_url, "-", b"-", named="REDIS_URL ", fix="fix REDIS_URL")
    try:
        return cache_secret(settings)
    except CacheKeyUnavailable as error:
        raise MlbError(f"feature cache off: {error}") from None


def warm_slate(
    snapshot: Snapshot, settings: Settings, day: date, secret: bytes
) -> tuple[int, CacheStats]:
    """Fill the cache with ``day``'s feature rows (computing and writing only those not
    cached yet), signed with ``secret`` (``cache_to_warm``): how many games the day has,
    and the cache's hits and misses. Raises ``BackendError`` when Redis fails on the way
    (a warming job that warmed nothing has failed)."""
    stats = CacheStats()
    frame = slate_features_cached(
        snapshot,
        day,
        settings.ml_cutoff_minutes,
        settings.market_book,
        settings.redis_url or "",  # set: cache_to_warm checked it
        settings.feature_cache_ttl_seconds,
        stats,
        secret=secret,
        lineups=settings.features.lineups,
    )
    if stats.warnings:
        raise BackendError(stats.warnings[0])
    return frame.height, stats


def features_for(
    snapshot: Snapshot, settings: Settings, stats: CacheStats | None = None
) -> pl.DataFrame:
    """Every game's features (lineup features as ``FEATURES__LINEUPS`` says), through the
    Redis cache when ``REDIS_URL`` is set and ``use_cached_features`` is on (hits and
    misses counted in ``stats``). Without a signing key the cache is skipped, with a
    warning."""
    lineups = settings.features.lineups
    stats = stats if stats is not None else CacheStats()
    secret = _configured_secret(settings, stats)
    if settings.redis_url and secret is not None:
        return build_features_cached(
            snapshot,
            settings.ml_cutoff_minutes,
            settings.market_book,
            settings.redis_url,
            settings.feature_cache_ttl_seconds,
            stats,
            secret=secret,
            lineups=lineups,
        )
    return build_features(
        snapshot, settings.ml_cutoff_minutes, settings.market_book, lineups=lineups
    )


def data_and_features(
    settings: Settings,
    data: Path | str | None,
    loaded: tuple[Snapshot, pl.DataFrame] | None = None,
) -> tuple[Snapshot, pl.DataFrame]:
    """``loaded`` when a caller already has the data and its features (a report runs
    several jobs on them), else both read now."""
    if loaded is not None:
        return loaded
    snapshot = load_data(settings, data)
    return snapshot, features_for(snapshot, settings)
