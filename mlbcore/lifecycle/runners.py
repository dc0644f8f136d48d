"""Is a scheduler runner alive? Each `mlb scheduler run` process writes a heartbeat
(``last_seen_utc``) to the state store every ``beat_seconds``, from a thread of its own,
so a long job does not silence it; the app reads the heartbeats and says which runner is
alive, or since when none has been seen."""

from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import datetime, timedelta

import polars as pl

from mlbcore.formatting import duration_text
from mlbcore.lifecycle.state_store import StateStore
from mlbcore.processes import repeating, this_process

BEAT_SECONDS = 15.0
MISSED_BEATS = 3  # a runner silent for this many beats is taken for gone


@dataclass(frozen=True)
class RunnerState:
    alive: bool
    text: str


@contextmanager
def runner_heartbeat(
    store: StateStore, clock: Callable[[], datetime], beat_seconds: float = BEAT_SECONDS
) -> Iterator[None]:
    """Beat at once and every ``beat_seconds`` while the block runs; mark the runner
    stopped when it ends."""
    me, started = this_process(), clock()
    store.runner_seen(me, started, started, beat_seconds)
    try:
        with repeating(
            beat_seconds,
            lambda: store.runner_seen(me, started, clock(), beat_seconds),
            "scheduler-heartbeat",
        ):
            yield
    finally:
        with suppress(Exception):
            store.runner_stopped(me, clock())


def runner_state(runners: pl.DataFrame, now: datetime) -> RunnerState:
    """Alive when a runner that has not stopped beat within its last ``MISSED_BEATS``
    beats at ``now`` (the wall clock: this is about processes, not the data's time)."""
    if runners.is_empty():
        return RunnerState(
            False,
            "no scheduler runner has ever run against this state store: schedules run only "
            "while one does (`mlb scheduler run`, or `mlb scheduler tick` from cron)",
        )
    for row in runners.iter_rows(named=True):
        silent = (now - row["last_seen_utc"]).total_seconds()
        grace = timedelta(seconds=MISSED_BEATS * row["beat_seconds"]).total_seconds()
        if row["stopped_at_utc"] is None and silent <= grace:
            return RunnerState(
                True,
                f"scheduler runner alive: pid {row['pid']} on {row['host']}, "
                f"last seen {duration_text(silent, ago=True)}",
            )
    last = runners.row(0, named=True)
    how = "it stopped" if last["stopped_at_utc"] is not None else "it stopped beating"
    seen = last["last_seen_utc"]
    return RunnerState(
        False,
        f"no scheduler runner alive: not seen since {seen:%Y-%m-%d %H:%M} UTC "
        f"({duration_text((now - seen).total_seconds(), ago=True)}; "
        f"pid {last['pid']} on {last['host']}, {how})",
    )
