"""A test-only hook that stops a process at a named step, so a test can kill it there
(kill -9) or let it go on, instead of guessing when to strike.

``MLB_TEST_PAUSE_AT=STEP`` and ``MLB_TEST_PAUSE_MARKER=FILE``: on first reaching ``STEP``
the process writes its id to ``FILE`` and waits while ``FILE`` exists. Unset (always, outside
tests), ``pause_point`` does nothing. ``pause_inside_sqlite_writes`` makes the step a
point inside a SQLite write transaction (of MLflow's store) instead of a line of ours.
"""

import os
import time
from pathlib import Path

PAUSE_AT = "MLB_TEST_PAUSE_AT"
PAUSE_MARKER = "MLB_TEST_PAUSE_MARKER"


_paused: set[str] = set()
_listening: set[str] = set()  # steps whose SQLAlchemy listeners are in place


def pause_point(step: str) -> None:
    """Pause here the first time the process reaches ``step``, when ``MLB_TEST_PAUSE_AT``
    names it (see the module's docstring)."""
    if os.environ.get(PAUSE_AT) != step or not os.environ.get(PAUSE_MARKER) or step in _paused:
        return
    _paused.add(step)
    marker = Path(os.environ[PAUSE_MARKER])
    # Written whole, then renamed: the test never reads half a process id.
    partial = marker.with_name(f".{marker.name}.{os.getpid()}")
    partial.write_text(str(os.getpid()))
    os.replace(partial, marker)
    while marker.exists():
        time.sleep(0.05)


def pause_inside_sqlite_writes(step: str) -> None:
    """When ``MLB_TEST_PAUSE_AT`` names ``step``: pause at the first SQLAlchemy commit of
    a transaction that wrote to a SQLite file (MLflow's store), its rows written and not
    yet committed, so a test can kill the process there. Otherwise it does nothing.

    The process's SQLite connections get a one-page cache, so SQLite writes changed pages
    to the file before the commit (as it does for any transaction larger than its cache),
    its rollback journal already synced: killed there, the writer leaves the hot journal
    that a kill inside a commit leaves."""
    if os.environ.get(PAUSE_AT) != step or step in _listening:
        return
    import sqlite3

    from sqlalchemy import event
    from sqlalchemy.engine import Connection, Engine
    from sqlalchemy.pool import Pool

    def small_cache(driver: object, _: object) -> None:
        if isinstance(driver, sqlite3.Connection):
            driver.execute("PRAGMA cache_size = 1")
            driver.execute("PRAGMA cache_spill = 1")

    def before_commit(connection: Connection) -> None:
        driver = connection.connection.dbapi_connection
        if isinstance(driver, sqlite3.Connection) and driver.in_transaction:
            pause_point(step)

    event.listen(Pool, "connect", small_cache)
    event.listen(Engine, "commit", before_commit)
    _listening.add(step)
