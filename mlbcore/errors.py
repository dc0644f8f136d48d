"""The one exception type the CLI and notebooks show to people as a single line."""


class MlbError(Exception):
    """A problem with the user's input or environment: what was wrong and what to do.

    The CLI prints ``str(error)`` on one line and exits with ``exit_code`` (2: bad input);
    notebooks show it in a callout. Anything else that escapes is a bug and keeps its
    traceback.
    """

    exit_code = 2
