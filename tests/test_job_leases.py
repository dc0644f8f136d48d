"""Job-run leases: a running job whose lease ran out (its runner elsewhere stopped renewing
it) or whose process is gone is abandoned, and its slot is due once more; a renewed lease
and a live process on this host keep their job. On SQLite and PostgreSQL, and a state
store from before leases is migrated with its history."""

import sqlite3
import threading
from datetime import UTC, datetime, timedelta

import pytest

from mlbcore.db.migrations import MIGRATIONS
from mlbcore.lifecycle.scheduler import LEASE_SECONDS, due, expire_leases, heartbeat
from mlbcore.lifecycle.state_store import StateStore
from mlbcore.processes import ProcessId, this_process
from mlbcore.settings import load_settings

T0 = datetime(2016, 6, 5, 12, 0, tzinfo=UTC)
SLOT = datetime(2016, 6, 5, 6, 0, tzinfo=UTC)
ELSEWHERE = ProcessId("another-host", 4242, "1")
LEASE = timedelta(seconds=LEASE_SECONDS)


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request, state_dir) -> StateStore:
    if request.param == "postgresql":
        request.getfixturevalue("pg_schema")
    store = StateStore(load_settings())
    assert store.kind == request.param
    store.add_schedule("daily", 6, None, "retrain", None, [], T0 - timedelta(days=5))
    return store


def _claim(store: StateStore, owner: ProcessId, attempt: int = 1) -> int | None:
    return store.claim(1, SLOT, "retrain", T0, T0, attempt, T0 + LEASE, owner)


def test_a_lease_that_ran_out_elsewhere_is_abandoned_and_the_slot_due_again(store):
    job = _claim(store, ELSEWHERE)
    assert job is not None and _claim(store, ELSEWHERE) is None  # one runner per attempt
    assert due(store, T0) == []
    assert expire_leases(store, T0 + LEASE - timedelta(seconds=1)) == []
    (abandoned,) = expire_leases(store, T0 + LEASE + timedelta(seconds=1))
    assert abandoned.status == "abandoned" and "lease ran out" in (abandoned.error or "")
    assert [(slot, attempt) for _, slot, attempt in due(store, T0)] == [(SLOT, 2)]
    assert _claim(store, ELSEWHERE, attempt=2) is not None
    assert expire_leases(store, T0 + 3 * LEASE) != []
    assert due(store, T0) == []  # abandoned twice: never a third attempt


def test_a_renewed_lease_and_a_live_process_here_keep_their_job(store):
    job = _claim(store, ELSEWHERE)
    assert job is not None
    assert store.renew(job, T0 + LEASE / 2, T0 + 2 * LEASE)
    assert expire_leases(store, T0 + LEASE * 1.5) == []
    mine = store.claim(1, SLOT + timedelta(days=1), "retrain", T0, T0, 1, T0 + LEASE)
    assert mine is not None  # held by this (live) process
    abandoned = expire_leases(store, T0 + 3 * LEASE)
    assert [r.slot_utc for r in abandoned] == [SLOT]  # only the one elsewhere
    assert not store.renew(job, T0 + 3 * LEASE, T0 + 4 * LEASE)  # abandoned: no renewing


def test_the_heartbeat_renews_the_lease_while_the_job_runs(store):
    job = _claim(store, ELSEWHERE)  # judged by its lease alone, as a runner elsewhere is
    assert job is not None
    later = T0 + 10 * LEASE
    beats = 0
    renewed = threading.Event()

    def clock() -> datetime:
        # Called once per beat: the second call comes after the first beat's renewal.
        nonlocal beats
        beats += 1
        if beats == 2:
            renewed.set()
        return later

    with heartbeat(store, job, clock, lease_seconds=0.2):
        assert renewed.wait(timeout=120)  # an event: the beat happened, not a time budget
    (lease,) = store.running()["lease_expires_at_utc"].to_list()
    assert lease > later
    assert expire_leases(store, later) == []  # without beats its lease ended at T0 + LEASE


def test_a_job_whose_process_is_gone_is_abandoned_at_once(store):
    gone = ProcessId(this_process().host, 2**22 + 1, "1")  # above Linux's pid_max default
    assert _claim(store, gone) is not None
    (abandoned,) = expire_leases(store, T0)  # well inside its lease
    assert "ended without finishing it" in (abandoned.error or "")


def test_a_state_store_from_before_leases_keeps_its_history(state_dir):
    state_dir.mkdir(parents=True)
    with sqlite3.connect(state_dir / "state.db") as conn:
        for statement in MIGRATIONS[2].sqlite:  # a store of the version before leases
            conn.execute(statement)
        conn.execute(
            "INSERT INTO job_runs (schedule_id, slot_utc, job, as_of_utc, started_at_utc, "
            "status) VALUES (1, ?, 'retrain', ?, ?, 'running')",
            (SLOT.isoformat(), T0.isoformat(), T0.isoformat()),
        )
    store = StateStore(load_settings())
    runs = store.job_runs()
    assert runs["status"].to_list() == ["running"] and runs["attempt"].to_list() == [1]
    # Left running forever by a killed runner of the old version: abandoned one lease on.
    assert expire_leases(store, T0 + LEASE / 2) == []
    assert len(expire_leases(store, T0 + 2 * LEASE)) == 1
