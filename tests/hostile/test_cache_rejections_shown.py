"""Issue 12, item 7, beyond training: `mlb predict` and `mlb replay` read the same feature
cache, so they show what `mlb train` shows of it, the rows a poisoned cache had rejected
and the warning when Redis is gone; the replay notebook shows them beside its result.

The cache is a redis-server of the test's own on a free port."""

from pathlib import Path

import msgpack
import pytest
import redis
from servers import own_redis

from hostile.harness import Outcome, run_mlb
from hostile.test_cache_and_secrets import SMALL, _game_keys
from mlbcore import notebook
from mlbcore.feature_cache.rows import FORMAT
from mlbcore.features.registry import FEATURE_NAMES

REJECTED = (
    "feature cache: 0 hits, 2430 misses"
    " (2430 rejected: unsigned, wrongly signed or not valid rows)"
)  # what `mlb train` prints of a poisoned demo season
TARGET = ["--targets", "run_total_regression"]
PREDICT = ["predict", *TARGET, "--start", "2016-09-25", "--end", "2016-09-27"]
REPLAY = ["replay", "--season", "2016", *TARGET, "--policies", "never"]


def _poison(url: str, state: Path) -> None:
    """Rows shaped like ours, of constants, unsigned: what anyone who can reach the Redis
    could write over every game of the demo season."""
    poison = msgpack.packb([FORMAT, *[0.5] * len(FEATURE_NAMES), 1.0, ["x"], ["schedule"]])
    redis.Redis.from_url(url).mset(dict.fromkeys(_game_keys(url, state), poison))


def _output(outcome: Outcome) -> str:
    text = outcome.stdout + outcome.stderr
    assert outcome.code == 0 and "Traceback" not in text, text
    return text


def test_predict_and_replay_show_the_rows_a_poisoned_cache_had_rejected(tmp_path):
    state = tmp_path / "state"
    predict = [*PREDICT, "--out", str(tmp_path / "predictions.csv")]
    with own_redis(tmp_path) as url:
        env = {"REDIS_URL": url}
        assert "0 hits, 2430 misses" in _output(run_mlb(["train", *SMALL], state, env=env))
        _poison(url, state)
        assert REJECTED in _output(run_mlb(predict, state, env=env))
        # predict wrote good rows back: poison them again for the replay.
        _poison(url, state)
        replay = [*REPLAY, "--out", str(tmp_path / "replay.csv")]
        assert REJECTED in _output(run_mlb(replay, state, env=env))
    # Redis gone: the same warning as `mlb train` gives, and the predictions still come.
    text = _output(run_mlb(predict, state, env=env))
    assert "warning: feature cache unavailable" in text
    assert "wrote" in text and (tmp_path / "predictions.csv").exists()


def test_the_replay_notebook_gets_the_rejections_to_show(tmp_path, monkeypatch: pytest.MonkeyPatch):
    state = tmp_path / "state"
    with own_redis(tmp_path) as url:
        assert "0 hits" in _output(run_mlb(["train", *SMALL], state, env={"REDIS_URL": url}))
        _poison(url, state)
        monkeypatch.setenv("MLB_STATE_DIR", str(state))
        monkeypatch.setenv("REDIS_URL", url)
        poisoned = notebook.replay(2016, "daily", ["run_total_regression"], ["never"], {})
        # The rows were rewritten: a healthy cache leaves nothing to show beside the result.
        healed = notebook.replay(2016, "daily", ["run_total_regression"], ["never"], {})
    assert poisoned.error is None and healed.error is None, (poisoned.error, healed.error)
    assert poisoned.value.notices == (REJECTED,)
    assert healed.value.notices == ()
