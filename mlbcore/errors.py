"""The exception types the CLI and notebooks show to people as a single line."""


class MlbError(Exception):
    """A problem with the user's input or environment: what was wrong and what to do.

    The CLI prints ``str(error)`` on one line and exits ``exit_code``; notebooks show it in
    a callout. Anything else that escapes is a bug and keeps its traceback.
    """

    exit_code = 2  # bad input: the command can never work as given


class TruncatedInput(MlbError):
    """An import file cut off before its end (a half-finished download): exit 1, not 2,
    so a script can tell "fetch it again" from "this file is wrong"."""

    exit_code = 1


class BackendError(MlbError):
    """A back end failed (a database, the MLflow store, the state folder, the disk): the
    same command may work once it is back, so the CLI exits 1, not 2."""

    exit_code = 1
