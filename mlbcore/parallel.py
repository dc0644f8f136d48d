"""Independent tasks run as joblib tasks: on this machine's cores (loky processes), or on
a Dask cluster through joblib's dask backend.

``run_tasks(function, tasks, shared, jobs, settings)`` calls ``function(task, *shared)``
for each task and returns the results in task order, whatever order they finish in.

- ``jobs`` 1 calls them here, one after another: no pool, no copies, today's serial path.
- ``MLB_PARALLEL_BACKEND=loky`` (default): ``jobs`` processes (``--jobs``, ``MLB_JOBS``,
  default the core count). The ``shared`` polars frames (the snapshot's games, the
  features) are written once to Arrow IPC files in a temporary folder; a task carries
  their paths and each worker process reads them once (cached by path) for all its tasks.
- ``MLB_PARALLEL_BACKEND=dask`` with ``DASK_SCHEDULER_ADDRESS``: the same tasks go to the
  cluster's workers; joblib's dask backend scatters each ``shared`` object once per call
  and the tasks carry its key. The workers need this package installed (the same
  checkout, `uv run dask worker ...`); they read nothing by path.

Each task runs ``threads_per_task(jobs)`` OpenMP and BLAS threads (threadpoolctl) and
should give LightGBM the same count: the cores divided by the jobs, at least one and
never more than ``TRAINING__NUM_THREADS``, so the machine is never oversubscribed. On
Dask each task runs ``TRAINING__NUM_THREADS`` threads: size the workers' ``--nthreads``
to their cores. The threads change no result (LightGBM is deterministic whatever the
threads; BLAS is, at one thread each, the default).
"""

import functools
import os
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl
from threadpoolctl import threadpool_limits

from mlbcore.errors import MlbError
from mlbcore.settings import Settings, load_settings

CONNECT_TIMEOUT = "5s"  # an unreachable scheduler is one line within seconds


def cores() -> int:
    """The cores this process may run on (its affinity, not the machine's count)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def resolved_jobs(jobs: int | None, settings: Settings) -> int:
    """``jobs`` if given (``--jobs``), else ``MLB_JOBS``, else the core count."""
    if jobs is not None and jobs < 1:
        raise MlbError(f"--jobs {jobs}: give at least 1 (tasks run at once; default: cores)")
    return jobs or settings.mlb_jobs or cores()


def threads_per_task(jobs: int, configured: int | None = None) -> int:
    """Threads for each of ``jobs`` tasks run at once on this machine: its share of the
    cores, never more than ``configured`` (TRAINING__NUM_THREADS), at least one."""
    configured = configured or load_settings().training.num_threads
    return max(1, min(configured, cores() // max(1, jobs)))


def task_settings(settings: Settings, jobs: int | None = None) -> Settings:
    """``settings`` as a task of ``run_tasks(..., jobs, settings)`` should train with:
    LightGBM's ``num_threads`` is the threads each task gets (``threads_per_task`` on this
    machine; ``TRAINING__NUM_THREADS`` as it is in-process and on Dask)."""
    if settings.mlb_parallel_backend == "dask" or resolved_jobs(jobs, settings) == 1:
        return settings
    threads = threads_per_task(resolved_jobs(jobs, settings), settings.training.num_threads)
    training = settings.training.model_copy(update={"num_threads": threads})
    return settings.model_copy(update={"training": training})


@dataclass(frozen=True)
class _SharedFrame:
    """A frame written once by the parent; a loky task carries only its path."""

    path: str


@functools.lru_cache(maxsize=4)
def _read_once(path: str) -> pl.DataFrame:
    # Once per worker process: every later task of the same call reuses the frame.
    return pl.read_ipc(path)


def _resolved(value: Any) -> Any:
    return _read_once(value.path) if isinstance(value, _SharedFrame) else value


def _call(function: Callable[..., Any], task: Any, threads: int, *shared: Any) -> Any:
    """One task in a worker: its threads capped, its shared inputs read. The shared
    inputs are arguments of their own, so that joblib's dask backend swaps each for the
    key of its one scattered copy."""
    with threadpool_limits(limits=threads):
        return function(task, *[_resolved(value) for value in shared])


@contextmanager
def _written(shared: Sequence[Any]) -> Iterator[list[Any]]:
    """``shared`` with each polars frame written to an Arrow IPC file for the call."""
    with tempfile.TemporaryDirectory(prefix="mlb-shared-") as folder:
        out: list[Any] = []
        for n, value in enumerate(shared):
            if isinstance(value, pl.DataFrame):
                path = Path(folder) / f"shared-{n}.arrow"
                value.write_ipc(path, compression="uncompressed")  # mappable as it is
                out.append(_SharedFrame(str(path)))
            else:
                out.append(value)
        yield out


def _dask_client(settings: Settings) -> Any:
    address = settings.dask_scheduler_address
    if not address:  # settings validation says so first; kept for a caller's overrides
        raise MlbError("MLB_PARALLEL_BACKEND=dask needs DASK_SCHEDULER_ADDRESS=tcp://HOST:8786")
    from distributed import Client

    try:
        return Client(address, timeout=CONNECT_TIMEOUT, set_as_default=False)
    except (OSError, TimeoutError) as error:
        raise MlbError(
            f"cannot reach the Dask scheduler at {address} (DASK_SCHEDULER_ADDRESS) within "
            f"{CONNECT_TIMEOUT}: {type(error).__name__}; start one (`uv run dask scheduler`) "
            "or unset MLB_PARALLEL_BACKEND to run here"
        ) from None


def runs_here(jobs: int | None, settings: Settings, n_tasks: int) -> bool:
    """Whether ``run_tasks`` calls ``n_tasks`` tasks in this process, one after another."""
    if settings.mlb_parallel_backend == "dask":
        return False
    return resolved_jobs(jobs, settings) == 1 or n_tasks <= 1


def check_backend(settings: Settings) -> None:
    """At a command's start: with the dask backend, the scheduler answers (else one line
    within ``CONNECT_TIMEOUT``), before any long work."""
    if settings.mlb_parallel_backend == "dask":
        _dask_client(settings).close()


def run_tasks(
    function: Callable[..., Any],
    tasks: Sequence[Any],
    shared: Sequence[Any] = (),
    jobs: int | None = None,
    settings: Settings | None = None,
) -> list[Any]:
    """``[function(task, *shared) for task in tasks]``, run as joblib tasks ``jobs`` at
    a time (default ``MLB_JOBS``, else the core count) on the configured backend. The
    results come back in task order. ``function`` must be a module-level function
    (workers import it); an exception in a task is raised here."""
    settings = settings or load_settings()
    configured = settings.training.num_threads
    if settings.mlb_parallel_backend == "dask":
        import joblib

        # Unless --jobs or MLB_JOBS says otherwise, as many at once as the cluster has threads.
        given = -1 if jobs is None and settings.mlb_jobs is None else resolved_jobs(jobs, settings)
        client = _dask_client(settings)
        try:
            # Each shared input scattered once, to every worker; a task carries its key.
            with joblib.parallel_config(backend="dask", client=client, scatter=list(shared)):
                run = joblib.Parallel(n_jobs=given, batch_size=1)  # pyright: ignore[reportArgumentType]  # joblib hints batch_size as "auto" only; it takes an int
                return list(
                    run(joblib.delayed(_call)(function, t, configured, *shared) for t in tasks)
                )
        finally:
            client.close()
    if runs_here(jobs, settings, len(tasks)):
        return [function(task, *shared) for task in tasks]  # here: the serial path
    import joblib

    jobs = resolved_jobs(jobs, settings)
    threads = threads_per_task(jobs, configured)
    with _written(shared) as by_path:
        run = joblib.Parallel(
            n_jobs=min(jobs, len(tasks)),
            backend="loky",
            # Tasks are long and uneven: one at a time per worker (joblib hints "auto" only).
            batch_size=1,  # pyright: ignore[reportArgumentType]
            inner_max_num_threads=threads,
        )
        return list(run(joblib.delayed(_call)(function, t, threads, *by_path) for t in tasks))
