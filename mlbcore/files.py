"""Writing an output file so that no reader ever sees half of it."""

import os
import tempfile
from collections.abc import Callable
from pathlib import Path


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
