"""A Redis cache of per-game feature rows, serialised with MessagePack.

Keys carry the feature-set version, the data version and the cutoff, so new features or
new data never read stale rows. Reads and writes are one round trip each (MGET, and a
pipeline of SETs with the TTL). The cache only ever saves work: Redis down, slow or
holding junk means a warning and the features computed as if there were no cache.
"""

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import msgpack
import polars as pl

from mlbcore.features.build import GAME_COLUMNS
from mlbcore.features.registry import FEATURE_NAMES, FEATURE_SET_VERSION

if TYPE_CHECKING:
    from mlbcore.data.snapshot import Snapshot

FORMAT = 1  # bump when the packed layout changes: old values then read as misses
QUALITY = ("completeness", "missing_features", "sources")
IDENTITY = GAME_COLUMNS  # not stored: the caller has them from the games
DEFAULT_TTL_SECONDS = 15 * 60
STATS_KEY = "mlb:features:stats"  # hash of hit and miss totals, read by `mlb status`


@dataclass
class CacheStats:
    hits: int = 0
    misses: int = 0
    warnings: list[str] = field(default_factory=list)


def pack_rows(frame: pl.DataFrame) -> list[bytes]:
    """One MessagePack value per game: [format, features..., completeness, missing, sources].
    Identity columns are not stored: the caller already has them from the games."""
    columns = [*FEATURE_NAMES, *QUALITY]
    packer = msgpack.Packer(use_bin_type=True)
    return [packer.pack([FORMAT, *row]) for row in frame.select(columns).iter_rows()]


def unpack_rows(values: list[bytes | None]) -> list[list[Any] | None]:
    """Decoded rows, None for a miss or for anything we did not write (junk, another
    format, another program's value)."""
    width = len(FEATURE_NAMES) + len(QUALITY) + 1
    rows: list[list[Any] | None] = []
    for value in values:
        try:
            row = msgpack.unpackb(value, raw=False) if value is not None else None
        except (msgpack.ExtraData, msgpack.FormatError, msgpack.StackError, ValueError, TypeError):
            row = None
        valid = isinstance(row, list) and len(row) == width and row[0] == FORMAT
        rows.append(row[1:] if valid else None)  # type: ignore[index]
    return rows


class FeatureCache:
    """Feature rows in Redis, one key per game under
    ``{prefix}:{feature set}:{data version}:{cutoff}:{book}:{lineups}:{game_id}``."""

    def __init__(
        self,
        url: str,
        namespace: str,
        ttl_seconds: int = DEFAULT_TTL_SECONDS,
        prefix: str = "mlb:features",
        timeout_seconds: float = 1.0,
    ) -> None:
        import redis

        self.client = redis.Redis.from_url(
            url, socket_timeout=timeout_seconds, socket_connect_timeout=timeout_seconds
        )
        self.key_prefix = f"{prefix}:{namespace}:"
        self.ttl_seconds = ttl_seconds

    def key(self, game_id: str) -> str:
        return self.key_prefix + game_id

    def read(self, game_ids: list[str]) -> list[list[Any] | None]:
        """Rows for ``game_ids`` in one MGET; raises redis errors for the caller to handle."""
        if not game_ids:
            return []
        return unpack_rows(self.client.mget([self.key(g) for g in game_ids]))

    def write(self, frame: pl.DataFrame) -> None:
        """Every row of ``frame`` (a feature frame) in one pipelined round trip."""
        pipe = self.client.pipeline(transaction=False)
        for game_id, value in zip(frame["game_id"], pack_rows(frame), strict=True):
            pipe.set(self.key(game_id), value, ex=self.ttl_seconds)
        pipe.execute()


def rows_to_frame(games: pl.DataFrame, rows: list[list[Any]], schema: pl.Schema) -> pl.DataFrame:
    """Cached rows back into a feature frame, with identity columns from ``games``."""
    values = pl.DataFrame(
        rows,
        schema={name: schema[name] for name in (*FEATURE_NAMES, *QUALITY)},
        orient="row",
    )
    return pl.concat([games.select(IDENTITY), values], how="horizontal").select(schema.names())


def feature_schema() -> pl.Schema:
    """The feature frame's column types, as ``build_features`` returns them."""
    from mlbcore.data.schema import GAMES, UTC

    return pl.Schema(
        {
            **{c: UTC if c == "cutoff_utc" else GAMES[c] for c in IDENTITY},
            **dict.fromkeys(FEATURE_NAMES, pl.Float64),
            "completeness": pl.Float64,
            "missing_features": pl.List(pl.String),
            "sources": pl.List(pl.String),
        }
    )


def feature_namespace(
    data_version: str, cutoff_minutes: int, market_book: str | None, lineups: bool
) -> str:
    """What a cached row depends on besides its game: the feature set, the data, the
    cutoff, the book, and whether lineup features were computed."""
    return (
        f"{FEATURE_SET_VERSION}:{data_version[:16]}:{cutoff_minutes}:{market_book or '-'}"
        f":{'lineups' if lineups else 'no-lineups'}"
    )


def build_features_cached(
    snapshot: "Snapshot",
    cutoff_minutes: int,
    market_book: str | None,
    redis_url: str,
    ttl_seconds: int,
    stats: CacheStats,
    *,
    lineups: bool = True,
) -> pl.DataFrame:
    """``build_features`` through the cache: when every game is cached nothing is
    computed; otherwise the frame is computed and the missing rows written back. Any
    Redis failure is a warning in ``stats`` and the computed frame, never an error."""
    import redis

    from mlbcore.features.build import build_features
    from mlbcore.features.timing import cutoff_utc

    namespace = feature_namespace(snapshot.data_version, cutoff_minutes, market_book, lineups)
    games = snapshot.games.with_columns(cutoff_utc(cutoff_minutes)).sort(
        "first_pitch_utc", "game_id"
    )
    ids = games["game_id"].to_list()
    try:
        cache = FeatureCache(redis_url, namespace, ttl_seconds)
        rows = cache.read(ids)
    except redis.RedisError as error:
        stats.warnings.append(f"feature cache unavailable ({error}); computing features without it")
        return build_features(snapshot, cutoff_minutes, market_book, lineups=lineups)
    found = [row for row in rows if row is not None]
    stats.hits, stats.misses = len(found), len(rows) - len(found)
    try:  # running totals for `mlb status`
        pipe = cache.client.pipeline(transaction=False)
        pipe.hincrby(STATS_KEY, "hits", stats.hits).hincrby(STATS_KEY, "misses", stats.misses)
        pipe.execute()
    except redis.RedisError as error:
        stats.warnings.append(f"feature cache counters not updated ({error})")
    if not stats.misses:
        return rows_to_frame(games, found, feature_schema())
    frame = build_features(snapshot, cutoff_minutes, market_book, lineups=lineups)
    missing = [game_id for game_id, row in zip(ids, rows, strict=True) if row is None]
    try:
        cache.write(frame.filter(pl.col("game_id").is_in(missing)))
    except redis.RedisError as error:
        stats.warnings.append(f"feature cache write failed ({error}); results are unaffected")
    return frame
