"""Connecting to PostgreSQL with a short timeout, and showing URLs without passwords."""

import re
from typing import TYPE_CHECKING
from urllib.parse import quote

from mlbcore.errors import BackendError, MlbError
from mlbcore.masking import masked
from mlbcore.settings import Settings

if TYPE_CHECKING:
    import psycopg

CONNECT_TIMEOUT_SECONDS = 5


def is_database_url(value: object) -> bool:
    return str(value).startswith(("postgresql://", "postgresql+psycopg://", "postgres://"))


def database_url(settings: Settings) -> str | None:
    """The URL built from the ``DATABASE_*`` settings, or None when no host is set."""
    if not settings.database_host:
        return None
    user = quote(settings.database_username or "", safe="")
    password = settings.database_password.get_secret_value() if settings.database_password else ""
    credentials = (
        f"{user}:{quote(password, safe='')}@" if password else (f"{user}@" if user else "")
    )
    name = settings.database_name or "postgres"
    return f"postgresql://{credentials}{settings.database_host}:{settings.database_port}/{name}"


__all__ = ["connect", "database_url", "is_database_url", "masked"]


def _refuse_unencoded_at(url: str) -> None:
    """libpq ends a URL's user info at its first '@', so a password holding an unencoded
    '@' is split and its tail lands in the driver's error as a host name."""
    authority = url.partition("://")[2].split("/", 1)[0]
    if authority.count("@") > 1:
        raise MlbError(
            f"the password in {masked(url)} holds an unencoded '@'; percent-encode it as %40"
        )


def connect(url: str) -> "psycopg.Connection":
    """A connection, or a ``BackendError`` within the timeout that names the masked URL
    (``MlbError`` for a URL that libpq cannot read)."""
    import psycopg

    plain = url.replace("postgresql+psycopg://", "postgresql://", 1)
    if is_database_url(plain):
        _refuse_unencoded_at(plain)
    try:
        return psycopg.connect(plain, connect_timeout=CONNECT_TIMEOUT_SECONDS, autocommit=False)
    except psycopg.OperationalError as error:
        reason = masked(" ".join(str(error).split())) or "unreachable"
        raise BackendError(f"cannot connect to PostgreSQL at {masked(url)}: {reason}") from None
    except psycopg.ProgrammingError as error:  # libpq cannot read the URL or conninfo
        # Its message quotes the token it stopped at, which may be the password: only its
        # own words (a '=', a parameter's name) are shown.
        known = {"=", *(option.keyword.decode() for option in psycopg.pq.Conninfo.get_defaults())}
        reason = re.sub(
            r'"([^"]*)"',
            lambda quoted: quoted.group() if quoted.group(1) in known else "(not shown)",
            " ".join(str(error).split()),
        )
        raise MlbError(
            f"libpq cannot read {masked(url)}: {reason}; percent-encode special characters "
            "(% as %25, @ as %40) in a URL, quote values with spaces in conninfo"
        ) from None
