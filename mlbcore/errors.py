"""The one exception type the CLI and notebooks show to people as a single line."""


class MlbError(Exception):
    """A problem with the user's input or environment: what was wrong and what to do.

    The CLI prints ``str(error)`` on one line and exits with ``exit_code`` (2: bad input);
    notebooks show it in a callout. Anything else that escapes is a bug and keeps its
    traceback.
    """

    exit_code = 2  # bad input


class TruncatedInput(MlbError):
    """An import file cut off before its end (a half-finished download): exit 1, not 2,
    so a script can tell "fetch it again" from "this file is wrong"."""

    exit_code = 1


class BackendUnavailable(MlbError):
    """A back end (PostgreSQL, Redis, MLflow) failed or cannot be reached: the CLI exits 1,
    not 2, since the input was fine."""

    exit_code = 1
