"""Issue 12, items 7 and 8 and their one-line cases, through the CLI: a poisoned feature
cache never feeds training, a coin-like model is never promoted, Redis faults only warn
(or exit 1 where Redis is the point), and no password reaches the output or MLflow.

Redis faults use a redis-server of the test's own on a free port; secrets use the
machine's PostgreSQL (trust authentication accepts any password, so a password in the URL
is carried all the way through without being needed)."""

import json
import sqlite3
import uuid
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import msgpack
import numpy as np
import psycopg
import pytest
import redis
from servers import own_redis, refused_port

from hostile.harness import (
    BAD_INPUT,
    FAILED_BACKEND,
    Outcome,
    assert_one_clear_line,
    run_mlb,
    tree_digest,
)
from mlbcore.data.snapshot import load_snapshot
from mlbcore.feature_cache.cached_features import keyed_games
from mlbcore.feature_cache.rows import FORMAT, KEY_FILE, signed
from mlbcore.feature_cache.store import STATS_KEY, FeatureCache, feature_namespace
from mlbcore.features.registry import FEATURE_NAMES
from mlbcore.settings import DEMO_SNAPSHOT

SECRET = "s3cr3t-8Zq"  # every password below; found nowhere after a run
PG = "127.0.0.1:5432/test"
SMALL = ["--targets", "run_total_regression", "--days", "30"]  # a few seconds' training


def _no_traceback(outcome: Outcome, code: int = 0) -> str:
    text = outcome.stdout + outcome.stderr
    assert "Traceback" not in text, text
    assert outcome.code == code, (outcome.code, text)
    return text


def _game_keys(url: str, state: Path, secret: bytes | None = None) -> list[bytes]:
    """The Redis keys of the demo season's rows as `mlb train` with this state folder
    writes them (the key id comes from its signing key)."""
    snapshot = load_snapshot(DEMO_SNAPSHOT)
    key = secret or (state / KEY_FILE).read_text().strip().encode()
    cache = FeatureCache(url, feature_namespace(60, None, True), key)
    return cache.keys(keyed_games(snapshot, 60))


def _metrics(outcome: Outcome) -> dict:
    (target,) = json.loads(outcome.stdout)["targets"]
    return target["metrics"]


# --- item 7: the poisoned cache ---------------------------------------------------------------


def test_a_poisoned_cache_is_rejected_and_training_sees_the_real_features(tmp_path):
    state = tmp_path / "state"
    with own_redis(tmp_path) as url:
        env = {"REDIS_URL": url, "OMP_NUM_THREADS": "1"}  # one thread: the same fit twice
        first = run_mlb(["train", *SMALL, "--json"], state, env=env)
        assert "0 hits, 2430 misses" in _no_traceback(first)
        # Rows shaped like ours, of constants, with a bad missing_features: unsigned, as
        # anyone who can reach the Redis could write them.
        poison = msgpack.packb([FORMAT, *[0.5] * len(FEATURE_NAMES), 1.0, ["x"], ["schedule"]])
        client = redis.Redis.from_url(url)
        client.mset(dict.fromkeys(_game_keys(url, state), poison))
        poisoned = run_mlb(["train", *SMALL, "--json"], state, env=env)
        text = _no_traceback(poisoned)
        assert "0 hits, 2430 misses (2430 rejected" in text
        assert _metrics(poisoned) == _metrics(first)  # the same features, the same model
        assert int(client.hget(STATS_KEY, "rejected")) == 2430
        healed = run_mlb(["train", *SMALL], state, env=env)
        assert "2430 hits, 0 misses" in _no_traceback(healed)  # the poison was overwritten


def test_signed_rows_of_noise_still_cannot_promote_a_coin(tmp_path):
    # Whatever fed it (here rows signed with the deployment's own key, as a bug or a
    # leaked key would give), a model that ranks like a coin after one round is not
    # promoted. The spread rule is relaxed so that only the chance rule can stop it.
    state = tmp_path / "state"
    key = "a key the test holds, long enough"
    width = len(FEATURE_NAMES)
    with own_redis(tmp_path) as url:
        keys = _game_keys(url, state, key.encode())
        noise = np.random.default_rng(3).uniform(0, 1, len(keys))  # one constant per game
        values = {
            k: signed(key.encode(), k, msgpack.packb([FORMAT, *[v] * width, 1.0, [], ["schedule"]]))
            for k, v in zip(keys, noise.tolist(), strict=True)
        }
        redis.Redis.from_url(url).mset(values)
        env = {
            "REDIS_URL": url,
            "FEATURE_CACHE_KEY": key,
            "PROMOTION__MIN_PROBABILITY_SPREAD": "0",
        }
        outcome = run_mlb(["train", "--targets", "moneyline_home_win"], state, env=env)
    text = _no_traceback(outcome)
    assert "2430 hits" in text  # the cache fed it: signed, well-formed rows
    assert "NOT promoted: degenerate: it ranks its test games like a coin" in text


# --- Redis faults: one line where Redis is the point, a warning where it is optional --------


def _bench_store(url: str, state: Path) -> Outcome:
    return run_mlb(["bench", "store", "--redis-url", url], state)


def test_bench_store_with_redis_down_is_one_line_and_exit_1(tmp_path):
    with refused_port() as port:  # nothing answers there, and nothing else can meanwhile
        outcome = _bench_store(f"redis://127.0.0.1:{port}/0", tmp_path / "state")
    assert_one_clear_line(outcome, FAILED_BACKEND, mentions="Redis at redis://127.0.0.1")


def test_bench_store_with_a_url_that_is_not_redis_is_one_line_and_exit_2(tmp_path):
    outcome = _bench_store(f"http://user:{SECRET}@127.0.0.1:1/", tmp_path / "state")
    assert_one_clear_line(outcome, BAD_INPUT, mentions="not a redis://")
    assert SECRET not in outcome.stdout + outcome.stderr


JUNK_COUNTERS = [
    ("a hash of non-numbers", lambda c: c.hset(STATS_KEY, "hits", "lots"), "non-number"),
    ("a string", lambda c: c.set(STATS_KEY, "junk"), "is a string, not a hash"),
]


@pytest.mark.parametrize(("case", "junk", "says"), JUNK_COUNTERS, ids=[c[0] for c in JUNK_COUNTERS])
def test_junk_counters_leave_a_healthy_redis_up(tmp_path, case, junk, says):
    state = tmp_path / "state"
    with own_redis(tmp_path) as url:
        junk(redis.Redis.from_url(url))
        status = run_mlb(["status", "--check"], state, env={"REDIS_URL": url})
        train = run_mlb(["train", *SMALL], state, env={"REDIS_URL": url})
    (line,) = [x for x in _no_traceback(status).splitlines() if x.startswith("redis")]
    assert " up " in line and says in line, line
    assert "counters not updated" in _no_traceback(train)  # a warning; training goes on


def test_a_redis_url_that_is_not_one_is_a_warning(tmp_path):
    state = tmp_path / "state"
    env = {"REDIS_URL": "notaurl"}
    status = run_mlb(["status"], state, env=env)
    (line,) = [x for x in _no_traceback(status).splitlines() if x.startswith("redis")]
    assert "DOWN" in line and "not a redis://" in line
    train = run_mlb(["train", *SMALL], state, env=env)
    warnings = [x for x in _no_traceback(train).splitlines() if "warning" in x]
    assert len(warnings) == 1 and "REDIS_URL 'notaurl' is not a redis://" in warnings[0]


# --- item 8: no password in any output, or in MLflow ----------------------------------------


@pytest.fixture
def pg_schema() -> Iterator[str]:
    schema = f"test_secrets_{uuid.uuid4().hex[:10]}"
    yield schema
    with psycopg.connect(f"postgresql://root@{PG}", autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


MIGRATE = ["db", "migrate", "--url"]
CONNINFO = "host=127.0.0.1 port=5432 dbname=test user=root"
# (case, arguments, exit code): each form a password takes, given to the CLI.
LEAKS = [
    ("URL with ?password=", [*MIGRATE, f"postgresql://root:{SECRET}@{PG}?password={SECRET}"], 0),
    ("libpq conninfo", [*MIGRATE, f"{CONNINFO} password={SECRET}"], 0),
    ("quoted conninfo", [*MIGRATE, f"{CONNINFO} password = '{SECRET} x'"], 0),
    ("unencoded @ in the password", [*MIGRATE, f"postgresql://root:p@{SECRET}@{PG}"], BAD_INPUT),
    ("conninfo given as --data", ["train", "--data", f"{CONNINFO} password={SECRET}"], BAD_INPUT),
]


@pytest.mark.parametrize(("case", "args", "code"), LEAKS, ids=[c[0] for c in LEAKS])
def test_no_form_of_password_is_shown(tmp_path, pg_schema, case, args, code):
    outcome = run_mlb(args, tmp_path / "state", env={"DATABASE_SCHEMA": pg_schema})
    text = _no_traceback(outcome, code)
    assert SECRET not in text, text
    if code:
        assert_one_clear_line(outcome, code)
    if case == "unencoded @ in the password":
        assert "%40" in text


def test_status_shows_no_password_of_any_back_end(tmp_path, pg_schema):
    with own_redis(tmp_path) as url:
        env = {
            "REDIS_URL": f"{url}?password={SECRET}",
            "DATABASE_HOST": "127.0.0.1",
            "DATABASE_NAME": "test",
            "DATABASE_USERNAME": "root",
            "DATABASE_PASSWORD": SECRET,
            "DATABASE_SCHEMA": pg_schema,  # empty: status names each back end, then stops
            "MLFLOW_TRACKING_URI": f"postgresql://root:{SECRET}@{PG}?password={SECRET}",
        }
        outcome = run_mlb(["status"], tmp_path / "state", env=env)
    text = _no_traceback(outcome, BAD_INPUT)
    assert "has no data in schema" in text
    assert SECRET not in text, text
    backends = [line for line in text.splitlines() if line.startswith(("data", "mlflow", "redis"))]
    assert len(backends) == 3 and all("***" in line for line in backends), text


def test_a_short_feature_cache_key_is_refused_without_echoing_it(tmp_path):
    outcome = run_mlb(["status"], tmp_path / "state", env={"FEATURE_CACHE_KEY": "hunter2"})
    assert_one_clear_line(outcome, BAD_INPUT, mentions="FEATURE_CACHE_KEY")
    assert "hunter2" not in outcome.stdout + outcome.stderr


def _rows_holding(database: str, text: str) -> list[str]:
    """Every table of ``database`` whose rows, as text, hold ``text``."""
    with psycopg.connect(f"postgresql://root@127.0.0.1:5432/{database}") as conn:
        tables = [
            row[0]
            for row in conn.execute(
                "SELECT quote_ident(table_name) FROM information_schema.tables"
                " WHERE table_schema = 'public'"
            )
        ]
        return [
            table
            for table in tables
            if conn.execute(
                f"SELECT 1 FROM {table} t WHERE t::text LIKE %s LIMIT 1", (f"%{text}%",)
            ).fetchone()
        ]


@pytest.mark.parametrize("store", ["sqlite", "postgresql"])
def test_training_from_postgresql_leaks_no_password_to_output_or_mlflow(
    tmp_path, pg_schema, request, store
):
    state = tmp_path / "state"
    url = f"postgresql://root:{SECRET}@{PG}?password={SECRET}&application_name=mlb-test"
    env = {"DATABASE_SCHEMA": pg_schema}
    if store == "postgresql":
        database = request.getfixturevalue("mlflow_database")
        env["MLFLOW_TRACKING_URI"] = (
            f"postgresql+psycopg://root:{SECRET}@127.0.0.1:5432/{database}?password={SECRET}"
        )
    snapshot_before = tree_digest(DEMO_SNAPSHOT)
    load = run_mlb(["db", "load", "--data", str(DEMO_SNAPSHOT), "--url", url], state, env=env)
    assert SECRET not in _no_traceback(load)
    train = run_mlb(["train", *SMALL, "--data", url], state, env=env)
    text = _no_traceback(train)
    assert SECRET not in text and "data postgresql://root:***@" in text
    # Nothing under the state folder holds it (a SQLite store, every artifact), nor any
    # table of a PostgreSQL store (params, tags, the registry).
    for file in (p for p in state.rglob("*") if p.is_file()):
        assert SECRET.encode() not in file.read_bytes(), file
    if store == "sqlite":
        with sqlite3.connect(state / "mlflow.db") as db:
            (source,) = db.execute("SELECT value FROM params WHERE key = 'data_source'").fetchone()
    else:
        assert _rows_holding(database, SECRET) == []
        assert "params" in _rows_holding(database, PG)  # the scan does find what is there
        with psycopg.connect(f"postgresql://root@127.0.0.1:5432/{database}") as conn:
            (source,) = conn.execute(
                "SELECT value FROM params WHERE key = 'data_source'"
            ).fetchone()
    assert source == f"postgresql://{PG}"  # where the data came from, without who or how
    assert tree_digest(DEMO_SNAPSHOT) == snapshot_before


def test_a_failed_scheduled_job_keeps_no_password(tmp_path):
    # The job's error is kept in the state store and shown by `mlb schedule list`.
    state = tmp_path / "state"
    saved = run_mlb(
        ["schedule", "--schedule-type", "daily", "--hour", "6", "--job", "train"], state
    )
    _no_traceback(saved)
    as_of = f"{date.today() + timedelta(days=2)}T12:00"
    data = f"host=127.0.0.1 dbname=test password={SECRET}"
    tick = run_mlb(["scheduler", "tick", "--as-of", as_of, "--data", data], state)
    listed = run_mlb(["schedule", "list"], state)
    text = _no_traceback(tick, FAILED_BACKEND) + _no_traceback(listed)  # a failed job: exit 1
    assert "failed" in text and "password=***" in text
    assert SECRET not in text
    for file in (p for p in state.rglob("*") if p.is_file()):
        assert SECRET.encode() not in file.read_bytes(), file
