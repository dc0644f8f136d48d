"""A test-only hook that stops a process at a named step, so a test can kill it there
(kill -9) or let it go on, instead of guessing when to strike.

``MLB_TEST_PAUSE_AT=STEP`` and ``MLB_TEST_PAUSE_MARKER=FILE``: on first reaching ``STEP``
the process writes its id to ``FILE`` and waits while ``FILE`` exists. Unset (always, outside
tests), ``pause_point`` does nothing.
"""

import os
import time
from pathlib import Path

PAUSE_AT = "MLB_TEST_PAUSE_AT"
PAUSE_MARKER = "MLB_TEST_PAUSE_MARKER"


_paused: set[str] = set()


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
