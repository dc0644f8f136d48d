"""What the schedule page does besides saving: tell whether a scheduler runner is alive
(its heartbeat in the state store), run a schedule's job now, and delete a schedule. On
SQLite and PostgreSQL."""

from datetime import UTC, datetime, timedelta

import pytest

from mlbcore.errors import MlbError
from mlbcore.lifecycle.runners import runner_heartbeat, runner_state
from mlbcore.lifecycle.scheduler import delete_schedule, due, run_now, schedule_overview
from mlbcore.lifecycle.state_store import StateStore
from mlbcore.processes import ProcessId, this_process
from mlbcore.settings import load_settings

T0 = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)
ELSEWHERE = ProcessId("another-host", 4242, "1")


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request, state_dir) -> StateStore:
    if request.param == "postgresql":
        request.getfixturevalue("pg_schema")
    store = StateStore(load_settings())
    assert store.kind == request.param
    return store


def test_a_runner_is_alive_while_it_beats_and_not_after(store):
    assert not runner_state(store.runners(), T0).alive
    assert "no scheduler runner has ever run" in runner_state(store.runners(), T0).text
    store.runner_seen(ELSEWHERE, T0, T0, 15.0)
    store.runner_seen(ELSEWHERE, T0, T0 + timedelta(seconds=30), 15.0)  # a later beat
    alive = runner_state(store.runners(), T0 + timedelta(seconds=50))
    assert alive.alive
    assert alive.text == ("scheduler runner alive: pid 4242 on another-host, last seen 20 s ago")
    silent = runner_state(store.runners(), T0 + timedelta(minutes=10))
    assert not silent.alive
    assert silent.text.startswith("no scheduler runner alive: not seen since 2026-12-06 12:00 UTC")
    assert "it stopped beating" in silent.text
    store.runner_stopped(ELSEWHERE, T0 + timedelta(seconds=31))
    stopped = runner_state(store.runners(), T0 + timedelta(seconds=32))
    assert not stopped.alive and stopped.text.endswith("it stopped)")


def test_the_runners_heartbeat_is_written_at_start_and_marked_stopped_at_the_end(store):
    with runner_heartbeat(store, lambda: T0, beat_seconds=3600):
        [row] = store.runners().iter_rows(named=True)
        assert row["pid"] == this_process().pid and row["stopped_at_utc"] is None
        assert runner_state(store.runners(), T0).alive
    assert store.runners()["stopped_at_utc"].to_list() == [T0]


def test_a_schedule_is_deleted_once_and_its_history_stays(store):
    first = store.add_schedule("daily", 6, None, "retrain", None, [], T0)
    second = store.add_schedule("daily", 7, None, "train", None, [], T0)
    delete_schedule(load_settings(), first)
    assert schedule_overview(load_settings(), T0)["id"].to_list() == [second]
    with pytest.raises(MlbError, match=f"no schedule {first}"):
        delete_schedule(load_settings(), first)


def test_run_now_runs_the_job_outside_its_slots(state_dir):
    settings = load_settings()
    store = StateStore(settings)
    created = datetime(2016, 6, 1, tzinfo=UTC)
    schedule = store.add_schedule("daily", 6, None, "train", 60, ["run_total_regression"], created)
    as_of = datetime(2016, 6, 20, 23, 59, tzinfo=UTC)
    result = run_now(settings, schedule, as_of)
    assert (result.status, result.slot_utc, len(result.mlflow_run_ids)) == ("succeeded", None, 1)
    [run] = store.job_runs().iter_rows(named=True)
    assert (run["schedule_id"], run["slot_utc"], run["status"]) == (schedule, None, "succeeded")
    # A run by hand stands for no slot: the schedule's own slot is still due.
    [(_, slot, attempt)] = due(store, as_of)
    assert (slot, attempt) == (datetime(2016, 6, 20, 6, 0, tzinfo=UTC), 1)
    with pytest.raises(MlbError, match="no schedule 99"):
        run_now(settings, 99, as_of)
