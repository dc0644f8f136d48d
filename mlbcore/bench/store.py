"""`mlb bench store`: MessagePack against JSON for feature rows, and the Redis cache's
batch and single-game reads on loopback, measured side by side in one run."""

import contextlib
import json
import secrets
import statistics
import time
from collections.abc import Callable

import msgpack
import numpy as np
import polars as pl
import redis

from mlbcore.data.snapshot import load_snapshot
from mlbcore.errors import BackendError, MlbError
from mlbcore.features.build import build_features
from mlbcore.features.registry import FEATURE_NAMES
from mlbcore.masking import masked
from mlbcore.settings import load_settings
from mlbcore.store.feature_cache import QUALITY, FeatureCache


def _median_seconds(work: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def _reachable_cache(redis_url: str) -> FeatureCache:
    """The bench's cache (its own key prefix and a throw-away signing key), answering a
    PING; ``MlbError`` for a URL that is not Redis's, ``BackendError`` when the server
    does not answer. Checked before the minutes of feature building, not after."""
    where = masked(redis_url)
    try:
        cache = FeatureCache(redis_url, "bench", secrets.token_bytes(32), prefix="mlb:bench")
    except ValueError:
        raise MlbError(
            f"{where!r} is not a redis://, rediss:// or unix:// URL; pass --redis-url"
        ) from None
    try:
        cache.client.ping()
    except redis.RedisError as error:
        raise BackendError(
            f"Redis at {where} is not answering ({masked(str(error))}); start it or pass "
            "--redis-url"
        ) from None
    return cache


def _timed_reads(
    cache: FeatureCache, frame: pl.DataFrame, repeat: int, single_reads: int
) -> tuple[float, list[float]]:
    """The season read's median seconds and each single-game read's seconds; the bench's
    keys are deleted afterwards, as far as the server still answers."""
    ids = frame["game_id"].to_list()
    try:
        cache.write(frame)
        batch = _median_seconds(lambda: cache.read(ids), repeat)
        rng = np.random.default_rng(0)
        singles = []
        for game_id in rng.choice(ids, size=single_reads):
            started = time.perf_counter()
            cache.read([str(game_id)])
            singles.append(time.perf_counter() - started)
    finally:
        keys = [cache.key(g) for g in ids]
        with contextlib.suppress(redis.RedisError):
            for start in range(0, len(keys), 500):
                cache.client.delete(*keys[start : start + 500])
    return batch, singles


def bench_store(redis_url: str, repeat: int = 20, single_reads: int = 2000) -> None:
    cache = _reachable_cache(redis_url)
    settings = load_settings()
    frame = build_features(load_snapshot(settings.mlb_data))
    rows = [list(r) for r in frame.select(*FEATURE_NAMES, *QUALITY).iter_rows()]
    print(f"feature rows: {len(FEATURE_NAMES)} features + quality; Redis at {masked(redis_url)}")
    print(f"{'measure':<46} {'msgpack':>10} {'json':>10} {'json/msgpack':>13}")
    for label, n in (("a day's games (15)", 15), ("a season (2,430)", frame.height)):
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

    try:
        batch, singles = _timed_reads(cache, frame, repeat, single_reads)
    except redis.RedisError as error:
        raise BackendError(
            f"Redis at {masked(redis_url)} failed during the bench ({masked(str(error))}); "
            "check the server and run it again"
        ) from None
    p50, p99 = np.percentile(singles, [50, 99]) * 1e3
    name = "cache read of a season, MGET + verify + decode, ms"
    print(f"{name:<46} {batch * 1e3:>10.2f}   (goal < 50 ms)")
    print(f"{'single-game read p50, ms':<46} {p50:>10.3f}")
    print(f"{'single-game read p99, ms':<46} {p99:>10.3f}   (goal < 1 ms)")
