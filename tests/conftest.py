"""Shared fixtures: the committed demo snapshot, an isolated MLflow state folder, and the
machine's PostgreSQL and Redis taken so that a second test suite can run beside this one
(a schema of each test's own; a Redis database of this session's own)."""

import contextlib
import dataclasses
import os
import socket
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import polars as pl
import psycopg
import pytest
import redis

from mlbcore.data.snapshot import Snapshot, load_snapshot
from mlbcore.settings import DEMO_SNAPSHOT

PROJECT_ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def embedded_defaults(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Every test starts from the embedded default, whatever the developer's shell sets;
    tests of a back end set its variables themselves. The one exception is the state
    folder: the default's is inside the clone, which a second suite may be running from,
    so a test that names none gets one of its own (``state_dir`` names the same one)."""
    for name in (
        "DATABASE_HOST", "DATABASE_NAME", "DATABASE_USERNAME", "DATABASE_PASSWORD",
        "DATABASE_SCHEMA", "REDIS_URL", "MLFLOW_TRACKING_URI", "MLB_DATA", "MLB_CONFIG_FILE",
        "MLFLOW_UI_URL",
    ):  # fmt: skip
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("MLB_STATE_DIR", str(tmp_path / "state"))


@pytest.fixture(scope="session")
def demo_snapshot() -> Snapshot:
    return load_snapshot(DEMO_SNAPSHOT)


@pytest.fixture(scope="session")
def early_season(demo_snapshot: Snapshot) -> Snapshot:
    """The first 300 games of the demo season with their lines and splits: small enough
    to rebuild features many times in a property test."""
    games = demo_snapshot.games.sort("first_pitch_utc").head(300)
    ids = games["game_id"]
    return Snapshot(
        games=games,
        odds_lines=demo_snapshot.odds_lines.filter(pl.col("game_id").is_in(ids.implode())),
        betting_splits=demo_snapshot.betting_splits.filter(pl.col("game_id").is_in(ids.implode())),
        data_version="early-season",
        source="test",
    )


@pytest.fixture
def state_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A throw-away state folder (MLflow SQLite store and artifacts) for this test."""
    state = tmp_path / "state"
    monkeypatch.setenv("MLB_STATE_DIR", str(state))
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    monkeypatch.delenv("MLFLOW_EXPERIMENT_NAME", raising=False)
    return state


@pytest.fixture
def gate_off(monkeypatch: pytest.MonkeyPatch) -> None:
    """The promotion gate switched off. On the demo season the moneyline and over/under
    models early-stop after a few rounds and fail the gate, as they should; tests of what
    happens to a champion downstream (evaluate, drift, reports, notebooks) need one."""
    monkeypatch.setenv("PROMOTION__ENABLED", "false")


SHARED_DATA = PROJECT_ROOT.parent / "shared" / "data"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The real public data of ``../shared/data``: skipped where it is absent, except in
    CI, which has it and must never pass by skipping."""
    import os

    if not (SHARED_DATA / "retrosheet" / "GL2016.TXT").is_file():
        message = f"real MLB data belongs in {SHARED_DATA} (see the README's data section)"
        if os.environ.get("CI"):
            pytest.fail(f"CI must have the real data: {message}")
        pytest.skip(message)
    return SHARED_DATA


@pytest.fixture(scope="session")
def real_snapshot_dir(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Retrosheet 2015-2016 with SBR 2015-2016 and Pinnacle 2016 attached."""
    from mlbcore.importers.jobs import import_pinnacle, import_retrosheet, import_sbr

    out = tmp_path_factory.mktemp("real") / "snapshot"
    retro = shared_data / "retrosheet"
    import_retrosheet([retro / "GL2015.TXT", retro / "GL2016.TXT"], out)
    sbr = shared_data / "sbr"
    import_sbr(out, [sbr / "mlb odds 2015.xlsx", sbr / "mlb odds 2016.xlsx"])
    pinnacle = shared_data / "pinnacle"
    import_pinnacle(out, pinnacle / "mlb2016_games.csv", pinnacle / "mlb2016_lines.csv.gz")
    return out


PG_URL = "postgresql://root@127.0.0.1:5432/test"


@pytest.fixture
def pg_schema(monkeypatch):
    try:
        psycopg.connect(PG_URL, connect_timeout=5).close()
    except psycopg.OperationalError:
        pytest.fail("PostgreSQL must run on 127.0.0.1:5432 with database test (.ci/run starts it)")
    schema = f"test_{uuid.uuid4().hex[:12]}"
    for name, value in {
        "DATABASE_HOST": "127.0.0.1",
        "DATABASE_NAME": "test",
        "DATABASE_USERNAME": "root",
        "DATABASE_SCHEMA": schema,
    }.items():
        monkeypatch.setenv(name, value)
    yield schema
    with psycopg.connect(PG_URL, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


SHARED_REDIS = "redis://127.0.0.1:6379"
# Claims live in database 0, one key per database number; the numbers 1..15 are handed out,
# each only if empty or marked as a test session's (someone's own data there is left alone).
CLAIM_KEY = "mlb-tests:claimed-redis-db:{}"
TESTS_MARK = "mlb-tests:a-test-sessions-database"
CLAIM_SECONDS = 600  # how long the claim of a session that died (kill -9) outlives it
RENEW_EVERY_SECONDS = 30  # a live session renews its claim far more often than that
# Renew the claim if it is ours, take it back if it lapsed; 0 if another session holds it.
_HOLD = """
local holder = redis.call('GET', KEYS[1])
if holder and holder ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
return 1
"""
_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


@dataclasses.dataclass(frozen=True)
class RedisClaim:
    """This session's claim of database ``number`` of the machine's Redis."""

    registry: redis.Redis  # database 0, where the claims are
    number: int
    token: str

    @property
    def key(self) -> str:
        return CLAIM_KEY.format(self.number)

    @property
    def url(self) -> str:
        return f"{SHARED_REDIS}/{self.number}"

    def hold(self) -> bool:
        """Renew the claim; False if another session holds the database now."""
        return bool(self.registry.eval(_HOLD, 1, self.key, self.token, CLAIM_SECONDS))

    def empty(self) -> None:
        """Empty the database but for the mark that says a test session may empty it."""
        database = redis.Redis.from_url(self.url)
        database.flushdb()
        database.set(TESTS_MARK, "emptied by the test session that holds its claim")


def _database_count(registry: redis.Redis) -> int:
    try:
        return int(registry.config_get("databases").get("databases", 16))
    except redis.ResponseError:  # CONFIG renamed away: Redis's default
        return 16


def _claim(registry: redis.Redis, numbers: range, token: str) -> int | None:
    """The first database number no other session claims and nobody keeps data in."""
    for number in numbers:
        key = CLAIM_KEY.format(number)
        if not registry.set(key, token, nx=True, ex=CLAIM_SECONDS):
            continue  # another session's
        database = redis.Redis.from_url(f"{SHARED_REDIS}/{number}")
        if database.dbsize() == 0 or database.exists(TESTS_MARK):
            return number  # empty, or what a test session that died left there
        registry.eval(_RELEASE, 1, key, token)  # someone's own data: not ours to empty
    return None


@pytest.fixture(scope="session")
def redis_claim() -> Iterator[RedisClaim]:
    """A database of the machine's Redis that is this test session's alone: claimed with
    ``SET NX`` in database 0 (a second suite beside this one claims another number),
    renewed while the session lives, emptied when claimed and when given back."""
    registry = redis.Redis.from_url(f"{SHARED_REDIS}/0")
    try:
        registry.ping()
    except redis.ConnectionError:
        pytest.fail("Redis must run on 127.0.0.1:6379 (.ci/run starts it)")
    token = f"{socket.gethostname()} pid {os.getpid()} {uuid.uuid4().hex[:8]}"
    numbers = range(1, _database_count(registry))
    number = _claim(registry, numbers, token)
    if number is None:
        pytest.fail(
            f"no Redis database {numbers.start}..{numbers.stop - 1} of {SHARED_REDIS} is free: "
            f"each is claimed by another test session (keys {CLAIM_KEY.format('*')} in "
            "database 0) or holds data that is not a test session's; wait for a session to "
            "end, or free a database"
        )
    claim = RedisClaim(registry, number, token)
    done = threading.Event()

    def renew() -> None:
        while not done.wait(RENEW_EVERY_SECONDS):
            with contextlib.suppress(redis.RedisError):
                claim.hold()

    renewer = threading.Thread(target=renew, daemon=True)
    renewer.start()
    claim.empty()  # of what a session that died holding it left there
    try:
        yield claim
    finally:
        done.set()
        renewer.join()
        if claim.hold():
            redis.Redis.from_url(claim.url).flushdb()  # mark and all: empty for anyone
        registry.eval(_RELEASE, 1, claim.key, token)


@pytest.fixture
def redis_url(redis_claim: RedisClaim) -> Iterator[str]:
    """The machine's Redis as tests use it: this session's own database, emptied after
    each test."""
    if not redis_claim.hold():
        pytest.fail(f"another test session took Redis database {redis_claim.number} from this one")
    yield redis_claim.url
    redis_claim.empty()


CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium driven by Playwright: skipped where it is not installed, except
    in CI, which installs it (.ci/run) and must never pass by skipping."""
    import os

    if not CHROMIUM.exists():
        if os.environ.get("CI"):
            pytest.fail("CI needs /usr/bin/chromium (.ci/run installs it with apt)")
        pytest.skip("no /usr/bin/chromium: apt-get install chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


# --- player tables for feature tests -------------------------------------------------------
# The importer and the demo generator of these tables are written elsewhere; feature tests
# build their own, deterministic and consistent with the games they are given.

BATTERS_PER_TEAM = 13
PRIOR_SEASONS = 3


def synthetic_player_tables(games: pl.DataFrame, seed: int = 7) -> dict[str, pl.DataFrame]:
    """Lineups, team game lines and pitcher/batter splits for ``games`` (one season):
    splits for the 3 seasons before it and for its own season (which features must
    ignore); every 8th pitcher and every 6th batter has only the game's own season, so
    markers have players to mark. Starters are the games' own; batters are made up, 13 per
    team; team lines exist for every game with both scores."""
    from mlbcore.data.schema import (
        BATTER_SPLITS,
        LINEUPS,
        PITCHER_SPLITS,
        TEAM_GAMES,
    )

    rng = np.random.default_rng(seed)
    season = int(games["season"].min())
    seasons = pl.DataFrame(
        {"season": list(range(season - PRIOR_SEASONS, season + 1))}, schema={"season": pl.Int32}
    )
    hands = pl.DataFrame({"facing_hand": ["L", "R"]})

    def counts(frame: pl.DataFrame, k_rate: np.ndarray) -> pl.DataFrame:
        n = frame.height
        pa = rng.integers(20, 400, n)
        walks = rng.binomial(pa, 0.08)
        hbp = rng.binomial(pa, 0.01)
        sf = rng.binomial(pa, 0.01)
        ab = pa - walks - hbp - sf
        strikeouts = rng.binomial(ab, k_rate)
        hits = rng.binomial(ab - strikeouts, 0.33)
        home_runs = rng.binomial(hits, 0.12)
        extra = rng.binomial(hits - home_runs, 0.25)
        return frame.with_columns(
            plate_appearances=pl.Series(pa),
            at_bats=pl.Series(ab),
            hits=pl.Series(hits),
            total_bases=pl.Series(hits + 3 * home_runs + extra),
            home_runs=pl.Series(home_runs),
            walks=pl.Series(walks),
            intentional_walks=pl.Series(rng.binomial(walks, 0.1)),
            strikeouts=pl.Series(strikeouts),
            hit_by_pitch=pl.Series(hbp),
            sacrifice_flies=pl.Series(sf),
        )

    def players(ids: list[str], every: int, id_col: str, own_hand: str) -> pl.DataFrame:
        frame = pl.DataFrame({id_col: ids}).with_row_index("n")
        frame = frame.with_columns(
            pl.when(pl.col("n") % 3 == 0).then(pl.lit("L")).otherwise(pl.lit("R")).alias(own_hand),
            talent=pl.Series(rng.normal(0.2, 0.05, len(ids)).clip(0.05, 0.4)),
        )
        rows = frame.join(seasons, how="cross").join(hands, how="cross")
        # Every ``every``-th player: no prior season, only the game's own.
        rows = rows.filter((pl.col("n") % every != 0) | (pl.col("season") == season))
        return counts(rows, rows["talent"].to_numpy())

    starters = games.select(
        pl.concat_list("home_starting_pitcher_id", "away_starting_pitcher_id").alias("p")
    ).explode("p")
    pitcher_ids = sorted(starters["p"].drop_nulls().unique().to_list())
    pitcher_splits = players(pitcher_ids, 8, "pitcher_id", "pitcher_hand").rename(
        {"facing_hand": "batter_hand"}
    )
    teams = sorted(set(games["home_team"]) | set(games["away_team"]))
    batter_ids = [f"{t.lower()}{i:02d}b" for t in teams for i in range(BATTERS_PER_TEAM)]
    batter_splits = players(batter_ids, 6, "batter_id", "batter_hand").rename(
        {"facing_hand": "pitcher_hand"}
    )

    order = pl.DataFrame({"batting_order": list(range(1, 10))}, schema={"batting_order": pl.Int8})
    lineups = (
        games.with_row_index("g")
        .select(
            "game_id",
            "g",
            side=pl.lit(["home", "away"]),
            team=pl.concat_list("home_team", "away_team"),
        )
        .explode("side", "team")
        .join(order, how="cross")
        .with_columns(
            player_id=pl.col("team").str.to_lowercase()
            + ((pl.col("g") + pl.col("batting_order")) % BATTERS_PER_TEAM)
            .cast(pl.String)
            .str.zfill(2)
            + "b",
            position=pl.col("batting_order"),
        )
    )
    finished = games.filter(pl.col("home_score").is_not_null() & pl.col("away_score").is_not_null())
    lines = finished.select(
        "game_id",
        side=pl.lit(["home", "away"]),
        team=pl.concat_list("home_team", "away_team"),
        runs_allowed=pl.concat_list("away_score", "home_score"),
    ).explode("side", "team", "runs_allowed")
    n = lines.height
    batters_faced = rng.integers(32, 44, n)
    team_games = lines.with_columns(
        pitches=pl.Series(batters_faced * 4 + rng.integers(-10, 10, n)),
        batters_faced=pl.Series(batters_faced),
        outs=pl.lit(27),
        strikeouts=pl.Series(rng.binomial(batters_faced, 0.21)),
        walks=pl.Series(rng.binomial(batters_faced, 0.08)),
        hit_by_pitch=pl.Series(rng.binomial(batters_faced, 0.01)),
        home_runs=pl.Series(rng.binomial(batters_faced, 0.03)),
    )

    def typed(frame: pl.DataFrame, schema: pl.Schema) -> pl.DataFrame:
        return frame.select([pl.col(c).cast(t) for c, t in schema.items()])

    return {
        "lineups": typed(lineups, LINEUPS),
        "team_games": typed(team_games, TEAM_GAMES),
        "pitcher_splits": typed(pitcher_splits, PITCHER_SPLITS),
        "batter_splits": typed(batter_splits, BATTER_SPLITS),
    }


def with_player_tables(snapshot: Snapshot, seed: int = 7) -> Snapshot:
    return dataclasses.replace(snapshot, **synthetic_player_tables(snapshot.games, seed))


@pytest.fixture(scope="session")
def early_season_players(early_season: Snapshot) -> Snapshot:
    """The early season with synthetic lineups, team lines and splits."""
    return with_player_tables(early_season)


@pytest.fixture(scope="session")
def demo_players(demo_snapshot: Snapshot) -> Snapshot:
    """The whole demo season with synthetic lineups, team lines and splits."""
    return with_player_tables(demo_snapshot)
