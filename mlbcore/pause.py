"""A test-only hook: a process stops at a named step, so a test can fault a back end
there (stop a server, fill a disk) at a known point rather than on a timing guess.

``MLB_TEST_PAUSE_AT=STEP`` and ``MLB_TEST_PAUSE_MARKER=FILE``: on reaching ``STEP`` the
process writes its pid to ``FILE`` and waits until the test removes it. Unset, each
pause point is one environment look-up."""

import os
import time
from pathlib import Path


def pause_point(step: str) -> None:
    if os.environ.get("MLB_TEST_PAUSE_AT") != step:
        return
    marker = Path(os.environ["MLB_TEST_PAUSE_MARKER"])
    marker.write_text(str(os.getpid()))
    while marker.exists():  # the test removes it once the fault is in place
        time.sleep(0.02)
