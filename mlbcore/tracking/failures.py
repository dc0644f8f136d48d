"""Telling a failure of the MLflow store's database apart from other errors, and saying
it in one line."""

import re
from dataclasses import dataclass
from typing import Any

from mlbcore.errors import BackendError, MlbError
from mlbcore.masking import masked

# Where a database driver's or SQLAlchemy's exceptions come from: the store failed.
_DATABASE_MODULES = ("sqlalchemy", "psycopg", "sqlite3")


def store_failure(error: BaseException) -> str | None:
    """Why the MLflow store failed, when ``error`` is its database's, or wraps one as its
    cause (MLflow's ``MlflowException`` wraps SQLAlchemy's, which wraps the driver's);
    else None. The words are the innermost error's (the driver's own), masked."""
    reason, seen = None, set()
    cause: BaseException | None = error
    while cause is not None and id(cause) not in seen:
        seen.add(id(cause))
        if any(k.__module__.startswith(_DATABASE_MODULES) for k in type(cause).__mro__):
            lines = [line.strip() for line in str(cause).splitlines() if line.strip()]
            # SQLAlchemy prefixes the driver's words with "(psycopg.OperationalError) ".
            reason = re.sub(r"^\([\w.]+\) ", "", lines[0]) if lines else type(cause).__name__
        cause = cause.__cause__
    return masked(reason)[:200] if reason is not None else None


@dataclass(frozen=True)
class StoreFailures:
    """A context (reusable) in which a failure of the MLflow store's database (a
    PostgreSQL server dying while runs are logged) leaves as one ``BackendError`` naming
    the store (masked), what was being done, its ``aftermath`` and what to do; other
    errors pass unchanged."""

    tracking_uri: str
    while_doing: str  # "logging runs"
    aftermath: str  # "no champion moved"

    def __enter__(self) -> None:
        return None

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, _: Any
    ) -> None:
        if error is None or isinstance(error, MlbError) or not isinstance(error, Exception):
            return
        reason = store_failure(error)
        if reason is None:
            return
        raise BackendError(
            f"the MLflow store at {masked(self.tracking_uri)} failed while {self.while_doing} "
            f"({reason}); {self.aftermath}: run the command again once the store answers "
            "(runs left RUNNING are then marked FAILED)"
        ) from error
