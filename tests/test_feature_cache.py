"""The Redis feature cache against real Redis servers: the machine's (in this session's
own database, ``redis_url``), and ones of the test's own."""

import dataclasses
import os
import stat
import subprocess
import sys

import msgpack
import polars as pl
import pytest
import redis
from servers import own_redis, refused_port

from mlbcore.errors import MlbError
from mlbcore.features.build import build_features
from mlbcore.features.registry import FEATURE_NAMES, LISTED_STARTERS, QUALITY_MARKERS, SOURCES
from mlbcore.settings import load_settings
from mlbcore.store.feature_cache import (
    FORMAT,
    IDENTITY,
    KEY_FILE,
    QUALITY,
    STATS_KEY,
    TAG_BYTES,
    CacheKeyUnavailable,
    CacheStats,
    build_features_cached,
    cache_counters,
    cache_secret,
    feature_schema,
    pack_rows,
    rows_to_frame,
    signed,
    unpack_rows,
)
from mlbcore.training.as_of import features_for

SECRET = b"the tests' own feature cache key"


def _cached(snapshot, url, stats):
    return build_features_cached(snapshot, 60, None, url, 900, stats, secret=SECRET)


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
    off = build_features_cached(
        demo_snapshot, 60, None, redis_url, 900, stats, secret=SECRET, lineups=False
    )
    assert (stats.hits, stats.misses) == (0, off.height)  # never the lineups-on rows
    assert off.equals(build_features(demo_snapshot, lineups=False))


def test_junk_values_are_misses_and_get_overwritten(demo_snapshot, redis_url):
    computed = build_features(demo_snapshot)
    _cached(demo_snapshot, redis_url, CacheStats())
    client = redis.Redis.from_url(redis_url)
    keys = sorted(client.scan_iter("mlb:features:v*"))[:3]  # rows, not the counters
    client.set(keys[0], b"\xc1not msgpack")
    client.set(keys[1], b'{"json": "from another program"}')
    client.set(keys[2], pack_rows(computed.head(1), [keys[2]], SECRET)[0][:-5])  # truncated
    stats = CacheStats()
    assert _cached(demo_snapshot, redis_url, stats).equals(computed)
    assert stats.misses == 3 and stats.rejected == 3
    again = CacheStats()
    _cached(demo_snapshot, redis_url, again)
    assert again.misses == 0


def test_an_old_format_value_is_a_miss():
    assert unpack_rows([b"\x93\x00\x01\x02", None], [b"a", b"b"], SECRET) == ([None, None], 1)


def test_redis_down_is_a_warning_and_the_same_features(demo_snapshot, tmp_path):
    computed = build_features(demo_snapshot)
    with own_redis(tmp_path) as url:
        _cached(demo_snapshot, url, CacheStats())
    # Down now: nothing answers at the address (a port held so that no other server can).
    with refused_port() as port:
        stats = CacheStats()
        assert _cached(demo_snapshot, f"redis://127.0.0.1:{port}/0", stats).equals(computed)
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


# --- a poisoned cache: only this deployment's valid rows are read ---------------------------


def _keys(client: redis.Redis) -> list[bytes]:
    return sorted(k for k in client.scan_iter("mlb:features:v*"))


def test_unsigned_foreign_and_replayed_values_are_rejected_and_overwritten(
    demo_snapshot, redis_url
):
    computed = build_features(demo_snapshot)
    _cached(demo_snapshot, redis_url, CacheStats())
    client = redis.Redis.from_url(redis_url)
    keys = _keys(client)
    genuine = client.get(keys[0])
    payload = genuine[TAG_BYTES:]
    width = len(FEATURE_NAMES)
    client.set(keys[0], payload)  # the row without its tag
    client.set(keys[1], signed(b"another deployment's key", keys[1], payload))
    client.set(keys[2], genuine)  # game 0's signed value copied to game 2's key
    client.set(keys[3], msgpack.packb([1, *[0.5] * width, 1.0, [], ["schedule"]]))  # format 1
    stats = CacheStats()
    assert _cached(demo_snapshot, redis_url, stats).equals(computed)
    assert (stats.misses, stats.rejected) == (4, 4)
    again = CacheStats()
    assert _cached(demo_snapshot, redis_url, again).equals(computed)
    assert (again.hits, again.misses, again.rejected) == (computed.height, 0, 0)


def test_a_season_of_unsigned_constant_rows_is_all_misses(demo_snapshot, redis_url):
    # The case: every game's key held a row of constants with a bad
    # missing_features, and all 2,430 were taken as hits.
    computed = build_features(demo_snapshot)
    _cached(demo_snapshot, redis_url, CacheStats())
    client = redis.Redis.from_url(redis_url)
    poison = msgpack.packb([FORMAT, *[0.5] * len(FEATURE_NAMES), 1.0, ["bogus"], ["schedule"]])
    pipe = client.pipeline()
    for key in _keys(client):
        pipe.set(key, poison)
    pipe.execute()
    stats = CacheStats()
    assert _cached(demo_snapshot, redis_url, stats).equals(computed)
    assert (stats.hits, stats.rejected) == (0, computed.height)


def _genuine_row(frame) -> list:
    return [FORMAT, *frame.select(*FEATURE_NAMES, *QUALITY).row(0)]


def _with(row: list, index: int, value) -> list:
    return [*row[:index], value, *row[index + 1 :]]


FIRST, COMPLETENESS, MISSING, SOURCES_AT = 1, -3, -2, -1
# (what is wrong, how the genuine row is changed): each signed with the right key, so only
# the row's validation can refuse it.
BAD_ROWS = [
    ("one feature short", lambda r: [*r[:1], *r[2:]]),
    ("one column too many", lambda r: [*r, 0.5]),
    ("a feature as text", lambda r: _with(r, FIRST, "0.5")),
    ("a feature as an integer", lambda r: _with(r, FIRST, 1)),
    ("a feature as a boolean", lambda r: _with(r, FIRST, True)),
    ("a feature as a list", lambda r: _with(r, FIRST, [0.5])),
    ("completeness as text", lambda r: _with(r, COMPLETENESS, "1.0")),
    ("completeness that is not the share present", lambda r: _with(r, COMPLETENESS, 1.0)),
    ("missing_features as text", lambda r: _with(r, MISSING, "month")),
    ("missing_features naming no feature", lambda r: _with(r, MISSING, ["bogus"])),
    ("missing_features leaving out an absent feature", lambda r: _with(r, MISSING, [])),
    ("missing_features naming a present feature", lambda r: _with(r, MISSING, ["month"])),
    ("sources naming no source", lambda r: _with(r, SOURCES_AT, ["somewhere"])),
    ("another format", lambda r: _with(r, 0, 1)),
    ("not a list", lambda r: dict(enumerate(r))),
]


@pytest.mark.parametrize(("case", "change"), BAD_ROWS, ids=[c for c, _ in BAD_ROWS])
def test_signed_rows_of_the_wrong_shape_or_types_are_rejected(demo_snapshot, case, change):
    frame = build_features(demo_snapshot).filter(pl.col("completeness") < 1).head(1)
    row = _genuine_row(frame)
    assert row[MISSING] and "month" not in row[MISSING]  # the changes above mean something
    key = b"mlb:features:test:g1"
    good = signed(SECRET, key, msgpack.packb(row))
    assert unpack_rows([good], [key], SECRET) == ([row[1:]], 0)  # the genuine row is read
    bad = signed(SECRET, key, msgpack.packb(change(row)))
    assert unpack_rows([bad], [key], SECRET) == ([None], 1), case


def test_rows_come_back_exactly_as_written(demo_snapshot):
    frame = build_features(demo_snapshot)
    keys = [f"k:{g}".encode() for g in frame["game_id"]]
    rows, rejected = unpack_rows(pack_rows(frame, keys, SECRET), keys, SECRET)
    assert rejected == 0
    games = frame.select(*IDENTITY)  # already in the frame's order
    assert rows_to_frame(games, rows, feature_schema()).equals(frame)


# --- the signing key --------------------------------------------------------------------------


def test_the_state_folder_key_is_made_once_readable_by_its_owner_only(tmp_path):
    settings = load_settings(mlb_state_dir=tmp_path / "state")
    key = cache_secret(settings)
    file = tmp_path / "state" / KEY_FILE
    assert len(key) >= 32 and stat.S_IMODE(file.stat().st_mode) == 0o600
    assert cache_secret(settings) == key  # the same key next time
    assert cache_secret(load_settings(mlb_state_dir=tmp_path / "other")) != key
    file.chmod(0o644)  # loosened by hand: tightened again
    assert cache_secret(settings) == key and stat.S_IMODE(file.stat().st_mode) == 0o600


def test_feature_cache_key_wins_over_the_state_folder(tmp_path):
    chosen = "a team's shared key, 16+ characters"
    settings = load_settings(mlb_state_dir=tmp_path / "state", feature_cache_key=chosen)
    assert cache_secret(settings) == chosen.encode()
    assert not (tmp_path / "state" / KEY_FILE).exists()


def test_a_short_feature_cache_key_is_refused_without_echoing_it(monkeypatch):
    monkeypatch.setenv("FEATURE_CACHE_KEY", "hunter2")
    with pytest.raises(MlbError) as refused:
        load_settings()
    assert "FEATURE_CACHE_KEY" in str(refused.value) and "hunter2" not in str(refused.value)


@pytest.mark.parametrize("case", ["state folder under a file", "junk key file"])
def test_no_usable_key_turns_the_cache_off_with_a_warning(demo_snapshot, tmp_path, redis_url, case):
    if case == "junk key file":
        state = tmp_path / "state"
        state.mkdir()
        (state / KEY_FILE).write_text("short\n")
    else:
        (tmp_path / "file").write_text("x")
        state = tmp_path / "file" / "state"
    settings = load_settings(mlb_state_dir=state, redis_url=redis_url)
    with pytest.raises(CacheKeyUnavailable):
        cache_secret(settings)
    stats = CacheStats()
    assert features_for(demo_snapshot, settings, stats).equals(build_features(demo_snapshot))
    assert len(stats.warnings) == 1 and "feature cache off" in stats.warnings[0]
    assert stats.hits == stats.misses == 0


def test_processes_racing_for_the_first_key_all_get_the_same_one(tmp_path):
    script = (
        "from mlbcore.settings import load_settings;"
        "from mlbcore.store.feature_cache import cache_secret;"
        "print(cache_secret(load_settings()).decode())"
    )
    env = dict(os.environ, MLB_STATE_DIR=str(tmp_path / "state"))
    racers = [
        subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, env=env, text=True)
        for _ in range(4)
    ]
    keys = {racer.communicate()[0].strip() for racer in racers}
    assert len(keys) == 1 and keys.pop() == (tmp_path / "state" / KEY_FILE).read_text().strip()
    assert [p.name for p in (tmp_path / "state").iterdir()] == [KEY_FILE]  # no drafts left


# --- a REDIS_URL that is not one, and junk where the counters belong -------------------------


def test_a_redis_url_that_is_not_one_is_a_warning_and_the_same_features(demo_snapshot):
    stats = CacheStats()
    features = build_features_cached(demo_snapshot, 60, None, "notaurl", 900, stats, secret=SECRET)
    assert features.equals(build_features(demo_snapshot))
    assert len(stats.warnings) == 1 and "not a redis://" in stats.warnings[0]


@pytest.mark.parametrize(
    ("junk", "says"),
    [
        (lambda c: c.hset(STATS_KEY, mapping={"hits": "many", "misses": 3}), "non-number"),
        (lambda c: c.set(STATS_KEY, "a string"), "is a string, not a hash"),
        (lambda c: c.rpush(STATS_KEY, "a", "list"), "is a list, not a hash"),
        (lambda c: c.hset(STATS_KEY, mapping={"hits": 5, "misses": 2, "rejected": 1}), "hits 5"),
    ],
)
def test_junk_counters_are_named_never_fatal(tmp_path, demo_snapshot, junk, says):
    with own_redis(tmp_path) as url:
        client = redis.Redis.from_url(url)
        junk(client)
        assert says in cache_counters(client)
        # A run beside the junk still gets its features (the counters only warn).
        stats = CacheStats()
        assert _cached(demo_snapshot, url, stats).equals(build_features(demo_snapshot))


def test_the_registry_names_every_quality_value_build_features_writes(demo_players):
    # The cache refuses names the registry does not know: markers and listed starters.
    games = demo_players.games.head(50).with_columns(
        home_starter_listed_id=pl.col("home_starting_pitcher_id"),
        away_starter_listed_id=pl.col("away_starting_pitcher_id"),
    )
    frame = build_features(dataclasses.replace(demo_players, games=games))
    missing = set(frame["missing_features"].explode().drop_nulls())
    sources = set(frame["sources"].explode().drop_nulls())
    assert missing - set(FEATURE_NAMES) and sources & set(LISTED_STARTERS)  # both present
    assert missing <= {*FEATURE_NAMES, *QUALITY_MARKERS}
    assert sources <= {*SOURCES, *LISTED_STARTERS}
    keys = [f"k:{g}".encode() for g in frame["game_id"]]
    rows, rejected = unpack_rows(pack_rows(frame, keys, SECRET), keys, SECRET)
    assert None not in rows and rejected == 0
