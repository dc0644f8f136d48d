"""Which process did a piece of work, and is it still alive: what tells a run or a job
that is still going from one whose process was killed (kill -9 leaves it "running")."""

import os
import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class ProcessId:
    """A process as it can be found again: host, pid, and (on Linux) when it started, so a
    pid the system has since given to another process is not taken for it."""

    host: str
    pid: int
    started: str = ""  # clock ticks after boot (/proc/PID/stat field 22); "" where unknown

    def as_tags(self) -> dict[str, str]:
        return {"host": self.host, "pid": str(self.pid), "pid_started": self.started}

    @classmethod
    def from_tags(cls, tags: dict[str, str]) -> "ProcessId | None":
        """The process recorded in ``tags``, or None when they name none (older runs)."""
        if not tags.get("host") or not str(tags.get("pid", "")).isdigit():
            return None
        return cls(tags["host"], int(tags["pid"]), tags.get("pid_started", ""))


def this_process() -> ProcessId:
    return ProcessId(socket.gethostname(), os.getpid(), _started(os.getpid()))


def is_gone(process: ProcessId) -> bool:
    """True only when ``process`` ran on this host and is certainly no longer running; a
    process on another host is never judged from here."""
    if process.host != socket.gethostname():
        return False
    try:
        os.kill(process.pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # alive, another user's
        pass
    state, started = _stat(process.pid)
    if state == "Z":  # killed, waiting only for its parent to collect its exit status
        return True
    # The pid is alive but belongs to a process that started at another time: reused.
    return bool(process.started and started and started != process.started)


def _started(pid: int) -> str:
    return _stat(pid)[1]


def _stat(pid: int) -> tuple[str, str]:
    """The process's state letter and start time (clock ticks after boot); "" unknown."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return "", ""
    # The command name (field 2) may hold spaces; the fields after its ")" are plain:
    # field 3 (state) first, field 22 (start time) twentieth.
    fields = stat.rpartition(")")[2].split()
    return fields[0], fields[19]


@contextmanager
def repeating(every_seconds: float, action: Callable[[], None], name: str) -> Iterator[None]:
    """Run ``action`` every ``every_seconds`` on a thread of its own while the block runs
    (a heartbeat that a long job in the main thread does not silence). A failed action
    is tried again at the next beat; the thread is stopped and joined when the block ends."""
    stop = threading.Event()

    def loop() -> None:
        while not stop.wait(every_seconds):
            with suppress(Exception):
                action()

    thread = threading.Thread(target=loop, name=name, daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()
