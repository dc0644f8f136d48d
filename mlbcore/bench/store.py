"""`mlb bench store`: MessagePack against JSON for feature rows, the Redis cache's batch
and single-game reads on loopback, and what the cache saves: a season read cold and warm,
the games a day's new results make it recompute, and a date's slate served warm."""

import contextlib
import dataclasses
import json
import secrets
import statistics
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import TypeVar

import msgpack
import numpy as np
import polars as pl
import redis

from mlbcore.data.snapshot import Snapshot, load_snapshot
from mlbcore.errors import BackendError, MlbError
from mlbcore.feature_cache.cached_features import (
    build_features_cached,
    keyed_games,
    slate_features_cached,
)
from mlbcore.feature_cache.knowledge import RESULT_COLUMNS
from mlbcore.feature_cache.rows import QUALITY
from mlbcore.feature_cache.store import CacheStats, FeatureCache, reachable_cache
from mlbcore.features.build import build_features
from mlbcore.features.registry import FEATURE_NAMES
from mlbcore.masking import masked
from mlbcore.settings import load_settings

BENCH_PREFIX = "mlb:bench"  # every key the bench writes starts so, and is deleted after
CUTOFF_MINUTES = 60


def _median_seconds(work: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


Result = TypeVar("Result")


def _timed(work: Callable[[], Result]) -> tuple[Result, float]:
    started = time.perf_counter()
    result = work()
    return result, time.perf_counter() - started


def _reachable_cache(redis_url: str) -> FeatureCache:
    """The bench's cache (its own key prefix and a throw-away signing key), answering a
    PING; checked before the minutes of feature building, not after."""
    return reachable_cache(
        redis_url,
        "bench",
        secrets.token_bytes(32),
        named="",
        fix="pass --redis-url",
        prefix=BENCH_PREFIX,
    )


def before_results_from(snapshot: Snapshot, day: date) -> Snapshot:
    """``snapshot`` as it stood on the morning of ``day``: the games of ``day`` and later
    scheduled but not played (no scores, end or innings, no team pitching lines)."""
    unplayed = pl.col("date") >= day
    games = snapshot.games.with_columns(
        pl.when(unplayed).then(None).otherwise(pl.col(c)).alias(c) for c in RESULT_COLUMNS
    )
    later = snapshot.games.filter(unplayed).select("game_id")
    return dataclasses.replace(
        snapshot,
        games=games,
        team_games=snapshot.team_games.join(later, on="game_id", how="anti"),
        data_version=f"{snapshot.data_version[:16]} before {day}",
    )


def _clear(client: redis.Redis) -> None:
    """Delete the bench's keys, as far as the server still answers."""
    with contextlib.suppress(redis.RedisError):
        keys = list(client.scan_iter(f"{BENCH_PREFIX}:*", count=1000))
        for start in range(0, len(keys), 500):
            client.delete(*keys[start : start + 500])


def _timed_reads(
    cache: FeatureCache, frame: pl.DataFrame, repeat: int, single_reads: int
) -> tuple[float, list[float]]:
    """The season read's median seconds and each single-game read's seconds."""
    keyed = frame.select("game_id", knowledge=pl.lit(0, pl.UInt64))
    keys = cache.keys(keyed)
    cache.write(frame, keys)
    batch = _median_seconds(lambda: cache.read(keys), repeat)
    rng = np.random.default_rng(0)
    singles = []
    for key in rng.choice(np.array(keys, dtype=object), size=single_reads):
        started = time.perf_counter()
        cache.read([key])
        singles.append(time.perf_counter() - started)
    return batch, singles


def _line(name: str, value: str, note: str = "") -> None:
    print(f"{name:<58} {value:>10}" + (f"   {note}" if note else ""))


def _formats(frame: pl.DataFrame, repeat: int) -> None:
    rows = [list(r) for r in frame.select(*FEATURE_NAMES, *QUALITY).iter_rows()]
    print(f"{'measure':<46} {'msgpack':>10} {'json':>10} {'json/msgpack':>13}")
    for label, n in (("a day's games (15)", 15), (f"a season ({frame.height:,})", frame.height)):
        part_rows = rows[:n]
        # Both start from the same Python rows, one value per game, as the cache stores them.
        packed = _median_seconds(
            lambda r=part_rows: [msgpack.unpackb(msgpack.packb(x)) for x in r], repeat
        )
        as_json = _median_seconds(
            lambda r=part_rows: [json.loads(json.dumps(x)) for x in r], repeat
        )
        size_m = sum(len(msgpack.packb(x)) for x in part_rows)  # pyright: ignore[reportArgumentType]  # bytes: no stream given
        size_j = sum(len(json.dumps(x).encode()) for x in part_rows)
        name = f"encode+decode {label}, ms"
        print(f"{name:<46} {packed * 1e3:>10.3f} {as_json * 1e3:>10.3f} {as_json / packed:>12.2f}x")
        print(f"{'bytes, ' + label:<46} {size_m:>10} {size_j:>10} {size_j / size_m:>12.2f}x")


def bench_store(
    redis_url: str,
    repeat: int = 20,
    single_reads: int = 2000,
    data: Path | None = None,
    slate_reads: int = 200,
) -> None:
    cache = _reachable_cache(redis_url)
    snapshot = load_snapshot(data or load_settings().mlb_data)
    frame, build_seconds = _timed(lambda: build_features(snapshot))
    print(
        f"data: {masked(snapshot.source)} ({frame.height:,} games); "
        f"{len(FEATURE_NAMES)} features + quality; Redis at {masked(redis_url)}"
    )
    _formats(frame, repeat)
    try:
        batch, singles = _timed_reads(cache, frame, repeat, single_reads)
        p50, p99 = np.percentile(singles, [50, 99]) * 1e3
        _line("cache read of every game, MGET + verify + decode, ms", f"{batch * 1e3:.2f}")
        _line("single-game read p50, ms", f"{p50:.3f}")
        _line("single-game read p99, ms", f"{p99:.3f}", "(goal < 1 ms)")
        _clear(cache.client)
        print()
        _through_the_cache(snapshot, redis_url, build_seconds, repeat, slate_reads)
    except redis.RedisError as error:
        raise BackendError(
            f"Redis at {masked(redis_url)} failed during the bench ({masked(str(error))}); "
            "check the server and run it again"
        ) from None
    finally:
        _clear(cache.client)


def _through_the_cache(
    snapshot: Snapshot, redis_url: str, build_seconds: float, repeat: int, slate_reads: int
) -> None:
    """(a) every game cold and warm, (b) the next day's read after a day's results,
    (c) the slate of the data's last date served warm."""
    # Namespaces of the bench's own, new each run, one per part, so that each part's first
    # read finds nothing another part wrote.
    secret, next_day_secret, slate_secret = (secrets.token_bytes(32) for _ in range(3))

    def season(snap: Snapshot, key: bytes = secret) -> tuple[pl.DataFrame, CacheStats]:
        stats = CacheStats()
        frame = build_features_cached(
            snap, CUTOFF_MINUTES, None, redis_url, 3600, stats, secret=key, prefix=BENCH_PREFIX
        )
        return frame, _checked(stats)

    def slate(
        snap: Snapshot, day: date, index: pl.DataFrame | None = None
    ) -> tuple[pl.DataFrame, CacheStats]:
        stats = CacheStats()
        frame = slate_features_cached(
            snap, day, CUTOFF_MINUTES, None, redis_url, 3600, stats,
            secret=slate_secret, index=index, prefix=BENCH_PREFIX,
        )  # fmt: skip
        return frame, _checked(stats)

    games = snapshot.games.height
    _line("build_features, every game (no cache), s", f"{build_seconds:.2f}")
    keys = _median_seconds(lambda: keyed_games(snapshot, CUTOFF_MINUTES), 5)
    _line("keys of every game (knowledge hashes), ms", f"{keys * 1e3:.1f}")
    (_, cold), seconds = _timed(lambda: season(snapshot))
    _line(f"(a) every game, cold: {cold.misses:,} computed, s", f"{seconds:.2f}")
    warm = _median_seconds(lambda: season(snapshot), repeat)
    faster = f"({build_seconds / warm:.0f}x faster than building)"
    _line("(a) every game, warm (keys + MGET + decode), ms", f"{warm * 1e3:.1f}", faster)

    dates = snapshot.games["date"].unique().sort()
    yesterday, today = dates[-2], dates[-1]
    before, after = before_results_from(snapshot, yesterday), before_results_from(snapshot, today)
    season(before, next_day_secret)
    (read, next_day), seconds = _timed(lambda: season(after, next_day_secret))
    same = "yes" if read.equals(build_features(after)) else "NO"
    _line(
        f"(b) after {yesterday}'s results: {next_day.misses:,} of {games:,} recomputed, s",
        f"{seconds:.2f}",
        f"(equals build_features: {same})",
    )

    (served, _), seconds = _timed(lambda: slate(after, today))
    _line(f"(c) slate of {today} ({served.height} games), cold, s", f"{seconds:.2f}")
    index = keyed_games(after, CUTOFF_MINUTES)
    built = _median_seconds(lambda: keyed_games(after, CUTOFF_MINUTES), 5)
    _line("(c) key index of every game, once per data load, ms", f"{built * 1e3:.1f}")
    with_index = _median_seconds(lambda: slate(after, today, index), slate_reads)
    lookup = _median_seconds(lambda: index.filter(pl.col("date") == today), slate_reads)
    _line("(c) slate warm, keys from the index, ms", f"{with_index * 1e3:.2f}", "(goal < 5 ms)")
    _line("    of which the index lookup, ms", f"{lookup * 1e3:.3f}")
    per_read = _median_seconds(lambda: slate(after, today), slate_reads)
    hashed = _median_seconds(lambda: keyed_games(after, CUTOFF_MINUTES, day=today), slate_reads)
    _line("(c) slate warm, keys hashed at each read, ms", f"{per_read * 1e3:.2f}")
    _line("    of which hashing the slate's keys, ms", f"{hashed * 1e3:.2f}")
    if not slate(after, today, index)[0].equals(
        build_features(after).filter(pl.col("date") == today)
    ):
        raise MlbError("the slate served from the cache differs from build_features")


def _checked(stats: CacheStats) -> CacheStats:
    """``stats`` of a read whose cache worked; ``BackendError`` otherwise (a bench of a
    cache that failed would time the fallback)."""
    if stats.warnings:
        raise BackendError(f"the bench's cache failed: {stats.warnings[0]}")
    return stats
