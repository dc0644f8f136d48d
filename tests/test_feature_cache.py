"""The Redis feature cache against real Redis servers: the machine's (in this session's
own database, ``redis_url``), and ones of the test's own."""

import dataclasses
import os
import stat
import subprocess
import sys
from datetime import date, timedelta

import msgpack
import polars as pl
import pytest
import redis
from hostile.harness import BAD_INPUT, FAILED_BACKEND, assert_one_clear_line, run_mlb
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from servers import own_redis, refused_port

from mlbcore.bench.store import before_results_from
from mlbcore.data.snapshot import Snapshot, load_snapshot
from mlbcore.data.timing import cutoff_utc, finished_results
from mlbcore.errors import MlbError
from mlbcore.feature_cache.cached_features import (
    build_features_cached,
    features_for,
    features_of,
    keyed_games,
    slate_features,
    slate_features_cached,
)
from mlbcore.feature_cache.knowledge import RESULT_COLUMNS
from mlbcore.feature_cache.rows import (
    FORMAT,
    IDENTITY,
    KEY_FILE,
    QUALITY,
    TAG_BYTES,
    CacheKeyUnavailable,
    cache_secret,
    feature_schema,
    pack_rows,
    rows_to_frame,
    signed,
    unpack_rows,
)
from mlbcore.feature_cache.store import STATS_KEY, CacheStats, cache_counters
from mlbcore.features.build import build_features
from mlbcore.features.registry import FEATURE_NAMES, LISTED_STARTERS, QUALITY_MARKERS, SOURCES
from mlbcore.settings import load_settings

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


def test_keys_carry_feature_set_and_what_each_game_knew(demo_snapshot, redis_url):
    from mlbcore.features.registry import FEATURE_SET_VERSION

    _cached(demo_snapshot, redis_url, CacheStats())
    keyed = keyed_games(demo_snapshot, 60)
    key = next(redis.Redis.from_url(redis_url).scan_iter("mlb:features:v*")).decode()
    _, game_id, knowledge = key.rsplit(":", 2)
    assert FEATURE_SET_VERSION in key
    assert keyed.filter(pl.col("game_id") == game_id)["knowledge"].item() == int(knowledge)
    assert keyed["knowledge"].n_unique() == keyed.height  # one per game
    # The same tables under another data version: the same knowledge, all hits.
    relabelled = Snapshot(
        demo_snapshot.games,
        demo_snapshot.odds_lines,
        demo_snapshot.betting_splits,
        "another-data-version",
        "test",
        lineups=demo_snapshot.lineups,
        team_games=demo_snapshot.team_games,
        pitcher_splits=demo_snapshot.pitcher_splits,
        batter_splits=demo_snapshot.batter_splits,
    )
    stats = CacheStats()
    _cached(relabelled, redis_url, stats)
    assert (stats.hits, stats.misses) == (keyed.height, 0)


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
        "from mlbcore.feature_cache.rows import cache_secret;"
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


# --- keys by what each game knew at its cutoff, incremental reads, the slate ---------------


def _knowledge(snapshot, lineups: bool = True) -> dict[str, int]:
    keyed = keyed_games(snapshot, 60, lineups)
    return dict(zip(keyed["game_id"], keyed["knowledge"], strict=True))


def _changed(before, after) -> set[str]:
    old, new = _knowledge(before), _knowledge(after)
    assert old.keys() == new.keys()
    return {g for g in new if old[g] != new[g]}


def _games_of(snapshot, ids) -> Snapshot:
    """``snapshot`` with only the games ``ids`` and their rows of every per-game table."""
    keep = pl.col("game_id").is_in(pl.Series(ids).implode())
    return dataclasses.replace(
        snapshot,
        games=snapshot.games.filter(keep),
        odds_lines=snapshot.odds_lines.filter(keep),
        betting_splits=snapshot.betting_splits.filter(keep),
        lineups=snapshot.lineups.filter(keep),
        team_games=snapshot.team_games.filter(keep),
        data_version="part",
    )


@pytest.fixture(scope="module")
def small(demo_snapshot) -> Snapshot:
    """The demo's first 300 games with all their rows: cheap to build many times."""
    return _games_of(demo_snapshot, demo_snapshot.games.sort("first_pitch_utc")["game_id"][:300])


@pytest.fixture(scope="module")
def two_seasons(small) -> Snapshot:
    """``small`` as 2016 and again, a year on, as 2017 (new ids, stamps 364 days later),
    with the 2015 player splits copied as 2016's, so 2017 looks back on 2016."""
    year = timedelta(days=364)  # a weekday stays a weekday
    renamed = pl.col("game_id").str.replace("2016", "2017")
    shifted = {
        "games": small.games.with_columns(
            renamed,
            pl.col("season") + 1,
            *[pl.col(c) + year for c in ("date", "first_pitch_utc", "game_end_utc")],
        ),
        "odds_lines": small.odds_lines.with_columns(renamed, pl.col("entered_at_utc") + year),
        "betting_splits": small.betting_splits.with_columns(
            renamed, pl.col("captured_at_utc") + year
        ),
        "lineups": small.lineups.with_columns(renamed),
        "team_games": small.team_games.with_columns(renamed),
    }
    tables = {name: pl.concat([small.table(name), later]) for name, later in shifted.items()}
    splits = {
        name: pl.concat([small.table(name), small.table(name).with_columns(season=pl.lit(2016))])
        for name in ("pitcher_splits", "batter_splits")
    }
    return dataclasses.replace(small, **tables, **splits, data_version="two seasons")


def test_a_days_results_change_only_the_keys_of_games_whose_cutoff_follows_them(
    demo_snapshot, redis_url
):
    day = date(2016, 7, 2)
    before, after = (
        before_results_from(demo_snapshot, day),
        before_results_from(demo_snapshot, day + timedelta(days=1)),
    )
    results = finished_results(after.games.filter(pl.col("date") == day))
    assert results.height == 15  # the day's games, now finished
    keyed = keyed_games(after, 60)
    after_them = set(
        keyed.filter(pl.col("cutoff_utc") >= results["result_known_at_utc"].min())["game_id"]
    )
    changed = _changed(before, after)
    assert changed == after_them
    # Later games changed; the day's own games only where an earlier one had ended by
    # their cutoff (a night game out west after an afternoon game's result).
    assert 0 < len(changed) < keyed.height
    assert 0 < len(set(results["game_id"]) - changed) < results.height
    # A season read after the day's results computes exactly those games.
    _cached(before, redis_url, CacheStats())
    stats = CacheStats()
    assert _cached(after, redis_url, stats).equals(build_features(after))
    assert (stats.hits, stats.misses) == (keyed.height - len(changed), len(changed))


def _with_value(table: pl.DataFrame, row: int, column: str, value) -> pl.DataFrame:
    return table.with_columns(
        pl.when(pl.int_range(pl.len()) == row).then(value).otherwise(pl.col(column)).alias(column)
    )


def test_an_odds_line_counts_for_its_own_game_only_and_only_by_its_cutoff(small, redis_url):
    keyed = keyed_games(small, 60)
    lines = small.odds_lines.with_row_index().join(
        keyed.select("game_id", "cutoff_utc"), on="game_id"
    )
    game = keyed["game_id"][200]
    own = lines.filter(pl.col("game_id") == game)
    late = own.filter(pl.col("entered_at_utc") > pl.col("cutoff_utc"))["index"][0]
    early = own.filter(pl.col("entered_at_utc") <= pl.col("cutoff_utc"))["index"][-1]
    moved = pl.col("moneyline_home") + 25

    def changed_line(row: int) -> Snapshot:
        return dataclasses.replace(
            small, odds_lines=_with_value(small.odds_lines, row, "moneyline_home", moved)
        )

    assert _changed(small, changed_line(late)) == set()
    assert _changed(small, changed_line(early)) == {game}
    _cached(small, redis_url, CacheStats())
    for row in (late, early):
        stats = CacheStats()
        assert _cached(changed_line(row), redis_url, stats).equals(
            build_features(changed_line(row))
        )
    assert (stats.hits, stats.misses) == (keyed.height - 1, 1)


def test_a_player_split_counts_only_for_the_seasons_that_look_back_on_it(two_seasons):
    season_of = dict(zip(two_seasons.games["game_id"], two_seasons.games["season"], strict=True))

    def seasons_changed(table: str, change) -> set[int]:
        changed = dataclasses.replace(two_seasons, **{table: change(two_seasons.table(table))})
        games = _changed(two_seasons, changed)
        seasons = {season_of[g] for g in games}
        # Every game of a season that looks back on the row changes, no other game.
        assert games == {g for g, s in season_of.items() if s in seasons}
        return seasons

    def first_of(season: int, column: str):
        def change(table: pl.DataFrame) -> pl.DataFrame:
            row = table.with_row_index().filter(pl.col("season") == season)["index"][0]
            return _with_value(table, row, column, pl.col(column) + 9)

        return change

    def own_season_row(table: pl.DataFrame) -> pl.DataFrame:  # 2017's, known only after it
        return pl.concat([table, table.tail(1).with_columns(season=pl.lit(2017, pl.Int32))])

    assert seasons_changed("pitcher_splits", first_of(2016, "strikeouts")) == {2017}
    assert seasons_changed("batter_splits", first_of(2016, "hits")) == {2017}
    assert seasons_changed("pitcher_splits", first_of(2015, "walks")) == {2016, 2017}
    assert seasons_changed("pitcher_splits", own_season_row) == set()


def _unplayed(snapshot: Snapshot, day: date) -> Snapshot:
    """``snapshot`` with ``day``'s games not finished (as before their results came in)."""
    games = snapshot.games.with_columns(
        pl.when(pl.col("date") == day).then(None).otherwise(pl.col(c)).alias(c)
        for c in RESULT_COLUMNS
    )
    ids = snapshot.games.filter(pl.col("date") == day).select("game_id")
    return dataclasses.replace(
        snapshot, games=games, team_games=snapshot.team_games.join(ids, on="game_id", how="anti")
    )


def _nudged(table: str, column: str, change, row_of=None):
    """A perturbation: a row of ``table`` gets ``change`` in ``column``: row ``k``
    (modulo the height), or ``row_of(snapshot, k)``."""

    def perturb(snapshot: Snapshot, k: int) -> Snapshot:
        frame = snapshot.table(table)
        row = row_of(snapshot, k) if row_of else k % frame.height
        return dataclasses.replace(snapshot, **{table: _with_value(frame, row, column, change)})

    return perturb


def _a_games_own(table: str, stamp: str, by_cutoff: bool, read: pl.Expr | None = None):
    """The row of ``table`` that a game's features read at its cutoff (its last one
    stamped by then, among those where ``read`` holds), or with ``by_cutoff`` off its
    first one stamped after: of the ``k``-th game (modulo) that has one."""

    def row_of(snapshot: Snapshot, k: int) -> int:
        cutoffs = snapshot.games.with_columns(cutoff_utc(60)).select("game_id", "cutoff_utc")
        rows = snapshot.table(table).with_row_index().join(cutoffs, on="game_id")
        rows = rows.filter(read) if read is not None else rows
        rows = rows.filter((pl.col(stamp) <= pl.col("cutoff_utc")) == by_cutoff)
        games = rows["game_id"].unique().sort()
        own = rows.filter(pl.col("game_id") == games[k % games.len()]).sort(stamp, "index")
        return int(own["index"][-1 if by_cutoff else 0])

    return row_of


def _other_row(column: str, step: int):
    """Row ``k + step``'s value of ``column`` (a value of the same kind, another one)."""
    return pl.col(column).shift(-step).fill_null(pl.col(column))


HOME_MONEYLINE = (pl.col("market") == "moneyline") & (pl.col("side") == "home")  # read: the
# public's share on the home moneyline and the over; the other sides are their complements

# Every kind of input a game's features read, changed where it counts: each must change
# the keys of the games that read it, or the warm cache serves a stale row.
PERTURBATIONS = {
    "a day's results not in yet": lambda s, k: _unplayed(
        s, s.games["date"].unique().sort()[k % s.games["date"].n_unique()]
    ),
    "a score": _nudged("games", "home_score", pl.col("home_score") + 1),
    "a game that ended later": _nudged(
        "games", "game_end_utc", pl.col("game_end_utc") + timedelta(hours=3)
    ),
    "an earlier first pitch": _nudged(
        "games", "first_pitch_utc", pl.col("first_pitch_utc") - timedelta(minutes=90)
    ),
    "another park": _nudged("games", "park_id", _other_row("park_id", 7)),
    "a listed starter": _nudged(
        "games", "home_starter_listed_id", pl.col("away_starting_pitcher_id")
    ),
    "the price at a cutoff": _nudged(
        "odds_lines",
        "moneyline_home",
        pl.col("moneyline_home") + 25,
        _a_games_own("odds_lines", "entered_at_utc", by_cutoff=True),
    ),
    "a late line posted by the cutoff": _nudged(
        "odds_lines",
        "entered_at_utc",
        pl.col("entered_at_utc") - timedelta(hours=3),
        _a_games_own("odds_lines", "entered_at_utc", by_cutoff=False),
    ),
    "the split at a cutoff": _nudged(
        "betting_splits",
        "ticket_pct",
        pl.col("ticket_pct") + 5,
        _a_games_own("betting_splits", "captured_at_utc", True, HOME_MONEYLINE),
    ),
    "a late capture taken by the cutoff": _nudged(
        "betting_splits",
        "captured_at_utc",
        pl.col("captured_at_utc") - timedelta(hours=3),
        _a_games_own("betting_splits", "captured_at_utc", False, HOME_MONEYLINE),
    ),
    "a batter in a lineup": _nudged("lineups", "player_id", _other_row("player_id", 40)),
    "a team pitching line": _nudged("team_games", "strikeouts", pl.col("strikeouts") + 3),
    "pitches thrown": _nudged("team_games", "pitches", pl.col("pitches") + 30),
    "a pitcher's split": _nudged("pitcher_splits", "strikeouts", pl.col("strikeouts") + 9),
    "a batter's split": _nudged("batter_splits", "hits", pl.col("hits") + 9),
}


@pytest.mark.parametrize("kind", sorted(PERTURBATIONS))
@settings(
    max_examples=3,
    deadline=None,
    phases=[Phase.explicit, Phase.reuse, Phase.generate],  # k is an index: nothing to shrink
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(k=st.integers(0, 10**6))
def test_a_warm_cache_never_serves_a_row_the_changed_data_would_not_build(
    small, redis_url, kind, k
):
    _cached(small, redis_url, CacheStats())  # warm with the data as it was (hits after once)
    changed = PERTURBATIONS[kind](small, k)
    stats = CacheStats()
    assert _cached(changed, redis_url, stats).equals(build_features(changed)), kind
    assert stats.hits + stats.misses == small.games.height


def test_a_game_not_yet_played_counts_for_the_games_after_its_first_pitch(small, redis_url):
    # The time-zone shift reads the park of a team's previous game, played or not: a
    # game without a result is known to later games by its schedule row alone.
    day = date(2016, 4, 10)
    base = before_results_from(small, day)
    games = base.games.sort("first_pitch_utc")
    moved = games.filter(pl.col("date") == day)["game_id"][0]
    zones = base.games.filter(pl.col("park_id") == "SEA03")  # far from the eastern parks
    assert zones.height and games.filter(pl.col("game_id") == moved)["park_id"].item() != "SEA03"
    changed = dataclasses.replace(
        base,
        games=base.games.with_columns(
            park_id=pl.when(pl.col("game_id") == moved).then(pl.lit("SEA03")).otherwise("park_id")
        ),
    )
    first_pitch = games.filter(pl.col("game_id") == moved)["first_pitch_utc"].item()
    keyed = keyed_games(base, 60)
    assert _changed(base, changed) == {moved} | set(
        keyed.filter(pl.col("cutoff_utc") >= first_pitch)["game_id"]
    )
    fresh = build_features(changed)
    assert not fresh.equals(build_features(base))  # the change reaches some features
    _cached(base, redis_url, CacheStats())
    assert _cached(changed, redis_url, CacheStats()).equals(fresh)


@pytest.fixture(scope="module")
def demo_features(demo_snapshot) -> pl.DataFrame:
    return build_features(demo_snapshot)


def _slate(snapshot, day, url, stats, index=None):
    return slate_features_cached(
        snapshot, day, 60, None, url, 900, stats, secret=SECRET, index=index
    )


@pytest.mark.parametrize("day", [date(2016, 4, 3), date(2016, 7, 2), date(2016, 10, 1)])
def test_a_dates_slate_is_served_as_build_features_gives_it(
    demo_snapshot, demo_features, redis_url, day
):
    want = demo_features.filter(pl.col("date") == day)
    assert want.height > 0
    cold, warm, indexed = CacheStats(), CacheStats(), CacheStats()
    assert _slate(demo_snapshot, day, redis_url, cold).equals(want)
    assert (cold.hits, cold.misses) == (0, want.height)
    assert _slate(demo_snapshot, day, redis_url, warm).equals(want)
    assert (warm.hits, warm.misses) == (want.height, 0)
    index = keyed_games(demo_snapshot, 60)
    assert _slate(demo_snapshot, day, redis_url, indexed, index).equals(want)
    assert indexed.hits == want.height
    # One game's row gone: only it is computed, the others read.
    client = redis.Redis.from_url(redis_url)
    client.delete(next(client.scan_iter(f"mlb:features:v*:{want['game_id'][3]}:*")))
    one = CacheStats()
    assert _slate(demo_snapshot, day, redis_url, one).equals(want)
    assert (one.hits, one.misses) == (want.height - 1, 1)


def test_a_slate_without_a_cache_is_the_same_rows(demo_snapshot, demo_features, tmp_path):
    day = date(2016, 8, 14)
    stats = CacheStats()
    served = slate_features(demo_snapshot, load_settings(mlb_state_dir=tmp_path), day, stats)
    assert served.equals(demo_features.filter(pl.col("date") == day))
    assert (stats.hits, stats.misses, stats.warnings) == (0, 0, [])
    assert slate_features(demo_snapshot, load_settings(), date(2016, 12, 25)).is_empty()


def test_the_history_of_the_data_s_first_game_alone_builds_its_row(demo_snapshot):
    # Opening night with one game: its history is that game alone, and Polars computes a
    # one-row frame's quotients differently (the history keeps two games for that).
    first_day = demo_snapshot.games.filter(pl.col("date") == date(2016, 4, 3))
    opener = first_day.sort("first_pitch_utc")["game_id"][0]
    dropped = first_day.filter(pl.col("game_id") != opener).select("game_id")
    snapshot = dataclasses.replace(
        demo_snapshot, games=demo_snapshot.games.join(dropped, on="game_id", how="anti")
    )
    games = keyed_games(snapshot, 60, day=date(2016, 4, 3)).drop("knowledge")
    assert games["game_id"].to_list() == [opener]
    want = build_features(snapshot).filter(pl.col("game_id") == opener)
    assert features_of(snapshot, games, 60, None).equals(want)


def test_mlb_features_warm_fills_a_dates_slate_then_finds_it_cached(redis_url, tmp_path):
    env = {"REDIS_URL": redis_url}
    first = run_mlb(["features", "warm", "--date", "2016-07-02"], tmp_path / "state", env=env)
    assert (first.code, first.lines) == (0, [first.stdout.strip()]), first.stderr
    assert "warmed 15 games of 2016-07-02" in first.stdout
    assert "0 already cached, 15 computed" in first.stdout
    again = run_mlb(["features", "warm", "--date", "2016-07-02"], tmp_path / "state", env=env)
    assert "15 already cached, 0 computed" in again.stdout and again.code == 0
    off_day = run_mlb(["features", "warm", "--date", "2016-12-25"], tmp_path / "state", env=env)
    assert off_day.code == 0 and "no games on 2016-12-25" in off_day.stdout


@pytest.mark.parametrize(
    ("env", "code", "says"),
    [
        ({}, BAD_INPUT, "REDIS_URL is unset"),
        ({"REDIS_URL": "not-a-url"}, BAD_INPUT, "not a redis://"),
        ({"REDIS_URL": "redis://127.0.0.1:1/0"}, FAILED_BACKEND, "not answering"),
    ],
)
def test_mlb_features_warm_without_a_cache_is_one_clear_line(tmp_path, env, code, says):
    outcome = run_mlb(["features", "warm", "--date", "2016-07-02"], tmp_path / "state", env=env)
    assert_one_clear_line(outcome, code, says)


def test_real_results_no_game_knew_yet_change_no_row_and_no_key(real_snapshot_dir, redis_url):
    # Retrosheet's 2015-16 games under the next-morning rule: a team's doubleheader
    # results are known at one instant. Their order once depended on how a sort broke the
    # tie, and so on which other games were in the data: the last day's results, known
    # after every cutoff, changed "last 10" features of games a year before, and a warm
    # cache served rows build_features no longer gave.
    snapshot = load_snapshot(real_snapshot_dir)
    before = before_results_from(snapshot, snapshot.games["date"].max())
    assert build_features(before).equals(build_features(snapshot))
    _cached(snapshot, redis_url, CacheStats())
    stats = CacheStats()
    assert _cached(before, redis_url, stats).equals(build_features(before))
    assert (stats.hits, stats.misses) == (snapshot.games.height, 0)
