"""`mlb bench slate`: how long the slate of one date takes here, the first time in a
process (data, imports, models read) and after it (the app's case: data and models kept),
and the home page's data function."""

import os
import statistics
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

from mlbcore.errors import MlbError
from mlbcore.settings import load_settings
from mlbcore.targets import Target


def _seconds(job: Callable[[], object]) -> float:
    started = time.perf_counter()
    job()
    return time.perf_counter() - started


def bench_slate(
    data: Path | str | None = None,
    day: date | None = None,
    repeat: int = 5,
    target: Target = Target.MONEYLINE_HOME_WIN,
) -> None:
    """Print medians: the slate of ``day`` (default: the data's latest date) the first
    time, with the data loaded each time, and with the data kept; and ``home_overview``."""
    if repeat < 1:
        raise MlbError(f"--repeat {repeat}: give at least 1 run")
    from mlbcore.data.source import load_data
    from mlbcore.lifecycle.slate import slate
    from mlbcore.notebook.jobs import home_overview

    settings = load_settings()
    load_before = os.getloadavg()
    first = _seconds(lambda: slate(settings, day, target, 0.02, 1000.0, data=data))
    snapshot = load_data(settings, data)
    day = day or snapshot.games["date"].max()  # pyright: ignore[reportAssignmentType]  # a date column's max is a date
    fresh = [
        _seconds(lambda: slate(settings, day, target, 0.02, 1000.0, data=data))
        for _ in range(repeat)
    ]
    kept = [
        _seconds(lambda: slate(settings, day, target, 0.02, 1000.0, snapshot=snapshot))
        for _ in range(repeat)
    ]
    home_first = _seconds(home_overview)
    home = [_seconds(home_overview) for _ in range(repeat)]
    load_after = os.getloadavg()
    print(f"slate of {day}, {target}; data {data or settings.mlb_data}; {repeat} runs each")
    # With REDIS_URL the first slate fills the feature cache and the rest read it warm.
    cache = "Redis, warm after the first slate" if settings.redis_url else "none (REDIS_URL unset)"
    print(f"feature cache: {cache}")
    print(f"machine: {os.cpu_count()} cores; load average {load_before[0]:.2f} before, "
          f"{load_after[0]:.2f} after (1 min)")  # fmt: skip
    rows = [
        ("slate, first in this process (imports, data, models)", [first]),
        ("slate after the first, data read again", fresh),
        ("slate after the first, data kept (the app)  goal < 2 s", kept),
        ("home page's data (home_overview), first", [home_first]),
        ("home page's data (home_overview)  goal < 1.5 s", home),
    ]
    width = max(len(r[0]) for r in rows)
    print(f"{'step':<{width}}  {'median s':>9}  {'runs':>4}")
    for name, values in rows:
        print(f"{name:<{width}}  {statistics.median(values):>9.2f}  {len(values):>4}")
