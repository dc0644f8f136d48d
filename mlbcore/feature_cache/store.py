"""A Redis cache of per-game feature rows, serialised with MessagePack and signed.

A game's key carries the feature-set version, the cutoff, the book, the lineups switch,
the signing key's id and a hash of what the game's features could know at its cutoff
(``knowledge``: the rule is written there), so new features, new settings or new data
never read stale rows, and new results make new keys only for the games after them.
Reads and writes are one round trip each (MGET, and a pipeline of SETs with the TTL);
``cached_features`` reads seasons and slates through it. The cache only ever saves work:
Redis down, slow or holding junk means a warning and the features computed as if there
were no cache.

Anyone who can write to the Redis could otherwise feed training whatever rows they like.
So each value carries an HMAC of its key and row under this deployment's secret
(``FEATURE_CACHE_KEY``, else a random key in the state folder), and a row is used only if
the tag verifies and the row has the feature set's width, types and consistent quality
columns. Anything else is a miss, counted as rejected, and overwritten.

The value format, its signature and its checks are in ``rows``.
"""

import functools
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import polars as pl

from mlbcore.errors import BackendError, MlbError
from mlbcore.feature_cache.rows import key_id, pack_rows, unpack_rows
from mlbcore.features.registry import (
    FEATURE_SET_VERSION,
)
from mlbcore.masking import masked

if TYPE_CHECKING:
    import redis


DEFAULT_TTL_SECONDS = 15 * 60
STATS_KEY = "mlb:features:stats"  # hash of hit, miss and rejected totals, read by `mlb status`


@dataclass
class CacheStats:
    hits: int = 0
    misses: int = 0  # every game not read from the cache, the rejected ones included
    rejected: int = 0  # values found but unsigned, wrongly signed or not a valid row
    warnings: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        """What a job shows of the cache (train, predict and replay alike): each warning,
        and, when the cache was read, its hits and misses with the rows it rejected."""
        lines = [f"warning: {warning}" for warning in self.warnings]
        if self.hits or self.misses:
            rejected = (
                f" ({self.rejected} rejected: unsigned, wrongly signed or not valid rows)"
                if self.rejected
                else ""
            )
            lines.append(f"feature cache: {self.hits} hits, {self.misses} misses{rejected}")
        return lines

    @property
    def troubled(self) -> bool:
        """A warning or a rejected row: worth showing beside the result, not only as
        progress."""
        return bool(self.warnings or self.rejected)


def cache_counters(client: "redis.Redis") -> str:
    """The running totals at ``STATS_KEY`` in words for `mlb status`; a key that is not
    our hash of counts is named, never fatal (raises only redis connection errors)."""
    kind = client.type(STATS_KEY).decode()  # pyright: ignore[reportAttributeAccessIssue]  # bytes: the client does not decode responses
    if kind == "none":
        return "feature cache hits 0, misses 0"
    if kind != "hash":
        return f"feature cache counters unreadable: {STATS_KEY} is a {kind}, not a hash"
    counts = {}
    for name, value in client.hgetall(STATS_KEY).items():
        try:
            counts[name.decode(errors="replace")] = int(value)  # pyright: ignore[reportAttributeAccessIssue]  # bytes: the client does not decode responses
        except ValueError:
            return f"feature cache counters unreadable: {STATS_KEY} holds a non-number"
    rejected = counts.get("rejected", 0)
    return f"feature cache hits {counts.get('hits', 0)}, misses {counts.get('misses', 0)}" + (
        f" ({rejected} rejected: unsigned or invalid)" if rejected else ""
    )


@functools.lru_cache(maxsize=16)
def _client(url: str, timeout_seconds: float) -> "redis.Redis":
    """One client (and connection pool) per Redis URL in a process: a slate read then
    costs a round trip, not a connection and its handshake. Raises ``ValueError`` for a
    URL that is not a Redis URL."""
    import redis

    return redis.Redis.from_url(
        url, socket_timeout=timeout_seconds, socket_connect_timeout=timeout_seconds
    )


class FeatureCache:
    """Signed feature rows in Redis, one key per game and knowledge hash under
    ``{prefix}:{feature set}:{cutoff}:{book}:{lineups}:{key id}:{game_id}:{knowledge}``.
    Raises ``ValueError`` for a URL that is not a Redis URL."""

    def __init__(
        self,
        url: str,
        namespace: str,
        secret: bytes,
        ttl_seconds: int = DEFAULT_TTL_SECONDS,
        prefix: str = "mlb:features",
        timeout_seconds: float = 1.0,
    ) -> None:
        self.client = _client(url, timeout_seconds)
        self.key_prefix = f"{prefix}:{namespace}:{key_id(secret)}:"
        self.secret = secret
        self.ttl_seconds = ttl_seconds

    def key(self, game_id: str, knowledge: int) -> str:
        return f"{self.key_prefix}{game_id}:{knowledge}"

    def keys(self, keyed: pl.DataFrame) -> list[bytes]:
        """The keys of ``keyed``'s games (``game_id`` and ``knowledge`` columns), in its
        order: one string expression for all of them."""
        text = pl.concat_str(
            pl.lit(self.key_prefix), "game_id", pl.lit(":"), pl.col("knowledge").cast(pl.String)
        )
        return [k.encode() for k in keyed.select(text).to_series()]

    def read(self, keys: list[bytes]) -> tuple[list[list[Any] | None], int]:
        """Rows at ``keys`` in one MGET (None for a miss), and how many values were
        rejected; raises redis errors for the caller to handle."""
        if not keys:
            return [], 0
        return unpack_rows(self.client.mget(keys), keys, self.secret)  # pyright: ignore[reportArgumentType]  # bytes: the client does not decode responses

    def write(self, frame: pl.DataFrame, keys: list[bytes]) -> None:
        """Every row of ``frame`` (a feature frame) at ``keys`` (in its order) in one
        pipelined round trip."""
        pipe = self.client.pipeline(transaction=False)
        for key, value in zip(keys, pack_rows(frame, keys, self.secret), strict=True):
            pipe.set(key, value, ex=self.ttl_seconds)
        pipe.execute()


def reachable_cache(
    url: str, namespace: str, secret: bytes, *, named: str, fix: str, prefix: str = "mlb:features"
) -> FeatureCache:
    """A cache at ``url`` whose Redis answered a PING, checked before any work. Otherwise
    one line: ``MlbError`` for a URL that is not Redis's, ``BackendError`` when the server
    does not answer. ``named`` says where the URL came from (``"REDIS_URL "`` or ``""``),
    ``fix`` what to do about it."""
    import redis

    where = masked(url)
    try:
        cache = FeatureCache(url, namespace, secret, prefix=prefix)
    except ValueError:  # redis-py's word for a URL it cannot read
        raise MlbError(
            f"{named}{where!r} is not a redis://, rediss:// or unix:// URL; {fix}"
        ) from None
    try:
        cache.client.ping()
    except redis.RedisError as error:
        raise BackendError(
            f"Redis at {where} is not answering ({masked(str(error))}); start it or {fix}"
        ) from None
    return cache


def feature_namespace(cutoff_minutes: int, market_book: str | None, lineups: bool) -> str:
    """What a cached row depends on besides its game and what it knew: the feature set,
    the cutoff, the book, and whether lineup features were computed."""
    return (
        f"{FEATURE_SET_VERSION}:{cutoff_minutes}:{market_book or '-'}"
        f":{'lineups' if lineups else 'no-lineups'}"
    )
