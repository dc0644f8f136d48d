"""The Redis feature cache against real Redis servers: the machine's, and one of our own
that the test stops."""

import contextlib
import shutil
import socket
import subprocess
import threading
from collections.abc import Iterator

import pytest
import redis

from mlbcore.features.build import build_features
from mlbcore.store.feature_cache import CacheStats, build_features_cached, pack_rows, unpack_rows

DB = 13  # the tests' own database number on the machine's Redis


@pytest.fixture
def redis_url():
    url = f"redis://127.0.0.1:6379/{DB}"
    client = redis.Redis.from_url(url)
    try:
        client.ping()
    except redis.ConnectionError:
        pytest.fail("Redis must run on 127.0.0.1:6379 (.ci/run starts it)")
    yield url
    for key in client.scan_iter("mlb:features:*"):
        client.delete(key)


def _cached(snapshot, url, stats):
    return build_features_cached(snapshot, 60, None, url, 900, stats)


def test_second_build_is_all_hits_and_identical(demo_snapshot, redis_url):
    computed = build_features(demo_snapshot)
    first, second = CacheStats(), CacheStats()
    assert _cached(demo_snapshot, redis_url, first).equals(computed)
    assert (first.hits, first.misses) == (0, computed.height)
    assert _cached(demo_snapshot, redis_url, second).equals(computed)
    assert (second.hits, second.misses) == (computed.height, 0)
    ttl = redis.Redis.from_url(redis_url).ttl(
        next(redis.Redis.from_url(redis_url).scan_iter("mlb:features:v*"))
    )
    assert 0 < ttl <= 900


def test_keys_carry_feature_set_and_data_version(demo_snapshot, redis_url):
    from mlbcore.data.snapshot import Snapshot
    from mlbcore.features.registry import FEATURE_SET_VERSION

    _cached(demo_snapshot, redis_url, CacheStats())
    key = next(redis.Redis.from_url(redis_url).scan_iter("mlb:features:v*")).decode()
    assert FEATURE_SET_VERSION in key and demo_snapshot.data_version[:16] in key
    other_data = Snapshot(
        demo_snapshot.games,
        demo_snapshot.odds_lines,
        demo_snapshot.betting_splits,
        "another-data-version",
        "test",
    )
    stats = CacheStats()
    _cached(other_data, redis_url, stats)
    assert stats.hits == 0  # new data never reads the old data's rows


def test_lineup_features_on_and_off_are_cached_apart(demo_snapshot, redis_url):
    _cached(demo_snapshot, redis_url, CacheStats())
    stats = CacheStats()
    off = build_features_cached(demo_snapshot, 60, None, redis_url, 900, stats, lineups=False)
    assert (stats.hits, stats.misses) == (0, off.height)  # never the lineups-on rows
    assert off.equals(build_features(demo_snapshot, lineups=False))


def test_junk_values_are_misses_and_get_overwritten(demo_snapshot, redis_url):
    computed = build_features(demo_snapshot)
    _cached(demo_snapshot, redis_url, CacheStats())
    client = redis.Redis.from_url(redis_url)
    keys = sorted(client.scan_iter("mlb:features:v*"))[:3]  # rows, not the counters
    client.set(keys[0], b"\xc1not msgpack")
    client.set(keys[1], b'{"json": "from another program"}')
    client.set(keys[2], pack_rows(computed.head(1))[0][:-5])  # truncated
    stats = CacheStats()
    assert _cached(demo_snapshot, redis_url, stats).equals(computed)
    assert stats.misses == 3
    again = CacheStats()
    _cached(demo_snapshot, redis_url, again)
    assert again.misses == 0


def test_an_old_format_value_is_a_miss():
    assert unpack_rows([b"\x93\x00\x01\x02", None]) == [None, None]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def own_redis(folder, *options: str) -> Iterator[str]:
    """A Redis server of the test's own on a free loopback port: yields its URL, and is
    stopped when the block ends."""
    if shutil.which("redis-server") is None:
        pytest.fail("redis-server must be installed (.ci/run installs it)")
    port = _free_port()
    server = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
         "--appendonly", "no", "--dir", str(folder), *options],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    # Redis says when it listens: wait for that line (or its exit), not for a time.
    started = []
    for line in server.stdout or ():
        started.append(line)
        if "Ready to accept connections" in line:
            break
    assert server.poll() is None, "".join(started)
    drain = threading.Thread(target=server.communicate, daemon=True)  # the rest of its log
    drain.start()
    try:
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        server.terminate()
        drain.join()


def test_redis_down_is_a_warning_and_the_same_features(demo_snapshot, tmp_path):
    computed = build_features(demo_snapshot)
    with own_redis(tmp_path) as url:
        _cached(demo_snapshot, url, CacheStats())
    # The server is stopped now: same features, one warning.
    stats = CacheStats()
    assert _cached(demo_snapshot, url, stats).equals(computed)
    assert len(stats.warnings) == 1 and "feature cache unavailable" in stats.warnings[0]


def test_a_server_that_refuses_writes_mid_run_is_a_warning_and_the_same_features(
    demo_snapshot, tmp_path
):
    # Reads work, then every write is refused (a full server with no eviction): the run
    # goes on with the computed features.
    with own_redis(tmp_path, "--maxmemory", "1mb", "--maxmemory-policy", "noeviction") as url:
        stats = CacheStats()
        assert _cached(demo_snapshot, url, stats).equals(build_features(demo_snapshot))
        assert stats.misses == demo_snapshot.games.height
        assert any("write failed" in w for w in stats.warnings)
