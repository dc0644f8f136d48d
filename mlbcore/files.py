"""Writing files: an output no reader ever sees half of, and folders proved writable
before a long job rather than after it."""

import errno
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import NoReturn

from mlbcore.errors import BackendError, MlbError

# The storage refusing (read-only, no permission, full, failing), not a wrong path: the
# same command works once the disk or its permissions are fixed.
_STORAGE_FAULTS = {errno.EROFS, errno.EACCES, errno.EPERM, errno.ENOSPC, errno.EDQUOT, errno.EIO}


def write_atomically(out: Path, write: Callable[[str], object]) -> None:
    """Call ``write`` with a temporary path beside ``out``, then rename it into place; on
    any failure the temporary file goes and ``out`` is untouched."""
    out.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{out.name}-", dir=out.parent)
    os.close(handle)
    try:
        write(temporary)
        os.chmod(temporary, 0o644)  # mkstemp makes it private; outputs are meant to be shared
        os.replace(temporary, out)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def shown(path: Path | str, limit: int = 120) -> str:
    """A path short enough for a one-line message (its start and its end)."""
    text = str(path)
    return text if len(text) <= limit else f"{text[: limit // 2]}...{text[-limit // 3 :]}"


def unwritable(folder: Path) -> OSError | None:
    """Why no file could be written in ``folder``, or None. A folder that does not exist
    yet is judged by the nearest one above it, where it would be made. The probe is a
    temporary file removed at once: nothing changes."""
    try:
        existing = Path(folder).absolute()
        while not existing.exists():
            existing = existing.parent
        if not existing.is_dir():
            return NotADirectoryError(errno.ENOTDIR, "a file, not a folder", str(existing))
        handle, probe = tempfile.mkstemp(prefix=".mlb-probe-", dir=existing)
        os.close(handle)
        os.unlink(probe)
    except OSError as error:
        return error
    return None


def writable_folder(folder: Path, setting: str) -> Path:
    """``folder``, made if absent, once a file can be written in it. Otherwise one line
    naming ``setting`` (the flag or variable that chose it): a ``BackendError`` when the
    storage refuses (read-only, permission, full disk), an ``MlbError`` when the path can
    never be a folder (a file, too long, under a folder that takes none)."""
    problem = unwritable(folder)
    if problem is None:
        try:
            Path(folder).mkdir(parents=True, exist_ok=True)
        except OSError as error:
            problem = error
    if problem is not None:
        _refuse(setting, folder, problem)
    return Path(folder)


def writable_file(out: Path, flag: str) -> None:
    """Refuse, before any work, an output file that could not be written: ``out`` is a
    folder, or its folder takes no files. Nothing is created."""
    try:
        is_folder = Path(out).is_dir()
    except OSError as error:
        _refuse(flag, out, error)
    if is_folder:
        raise MlbError(f"{flag}: {shown(out)} is a folder; give a file name")
    problem = unwritable(Path(out).parent)
    if problem is not None:
        _refuse(flag, Path(out).parent, problem)


def _refuse(setting: str, path: Path, problem: OSError) -> NoReturn:
    reason = problem.strerror or str(problem)
    message = (
        f"{setting}: cannot write in {shown(path)} ({reason}); "
        f"point {setting} at a folder that takes files"
    )
    raise (BackendError if problem.errno in _STORAGE_FAULTS else MlbError)(message)
