"""The `mlb` command: the parser and the one place errors become a line and an exit code.
Each command group registers its commands from a module of its own (cli/train, slate,
champions, lifecycle, schedules, data, features, bench, report, tune); a group's handlers load
the heavy libraries only when they run."""

import argparse
import os
import signal
import sys
from collections.abc import Sequence
from types import FrameType
from typing import NoReturn

from mlbcore.cli import (
    bench,
    champions,
    data,
    features,
    lifecycle,
    report,
    schedules,
    slate,
    train,
    tune,
)
from mlbcore.cli.arguments import HelpFormatter
from mlbcore.errors import BackendError, MlbError
from mlbcore.masking import mask_every_output, masked
from mlbcore.settings import DEMO_SNAPSHOT, IMPORTED_SNAPSHOT


class _Parser(argparse.ArgumentParser):
    """A usage error is one line that points at the help, not the usage block."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see `{self.prog} --help`)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="mlb",
        description="Train and track LightGBM models of MLB games for betting.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for group in (
        train,
        tune,
        slate,
        champions,
        lifecycle,
        schedules,
        report,
        data,
        features,
        bench,
    ):
        group.register(commands)
    _say_defaults(parser)
    return parser


def _say_defaults(parser: argparse.ArgumentParser) -> None:
    """Every command's help says its options' defaults (``HelpFormatter``)."""
    parser.formatter_class = HelpFormatter
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for command in action.choices.values():
                _say_defaults(command)


def _terminate(signum: int, frame: FrameType | None) -> None:
    # SIGTERM becomes an exception so open MLflow runs end as FAILED, not RUNNING.
    raise SystemExit(128 + signum)


def main(argv: Sequence[str] | None = None) -> int:
    signal.signal(signal.SIGTERM, _terminate)
    mask_every_output()  # what MLflow and the drivers log, warn or raise names their URLs
    args = build_parser().parse_args(argv)
    if getattr(args, "kind", None) == "demo" and args.out is None:
        args.out = DEMO_SNAPSHOT
    if args.command == "import":
        for name in ("out", "data"):
            if hasattr(args, name) and getattr(args, name) is None:
                setattr(args, name, IMPORTED_SNAPSHOT)
    try:
        code: int = args.handler(args)
    except MlbError as error:
        print(f"mlb: error: {masked(str(error))}", file=sys.stderr)
        return error.exit_code
    except KeyboardInterrupt:
        print("mlb: interrupted", file=sys.stderr)
        return 130
    except Exception as error:
        if not _backend_failure(error) or os.environ.get("MLB_DEBUG"):
            raise
        print(f"mlb: error: {_one_line(error)}", file=sys.stderr)
        return BackendError.exit_code
    return code


# Modules whose exceptions mean a store or server failed, not a bug of ours. Checked by
# name so the CLI imports none of them to start.
_BACKEND_MODULES = ("sqlite3", "psycopg", "sqlalchemy", "redis", "mlflow.store.db")


def _backend_failure(error: BaseException) -> bool:
    """A file system, database or server refused: ``OSError`` (read-only, full disk,
    connection refused) or an exception of a database driver."""
    if isinstance(error, OSError) or any(
        kind.__module__.startswith(_BACKEND_MODULES) for kind in type(error).__mro__
    ):
        return True
    # MLflow raises its own exception for a tracking server that fails a request.
    cause = error.__cause__ or error.__context__
    from_mlflow = type(error).__module__.startswith("mlflow")
    return from_mlflow and cause is not None and _backend_failure(cause)


def _one_line(error: BaseException) -> str:
    """What failed, on one line: the error's first line (drivers append the SQL and
    links below it), and how to see the rest."""
    first = next((line for line in str(error).splitlines() if line.strip()), "")
    what = f"{type(error).__name__}: {first.strip()}" if first else type(error).__name__
    return f"{masked(what)[:300]} (a back end or the disk failed; MLB_DEBUG=1 shows the traceback)"


if __name__ == "__main__":
    sys.exit(main())
