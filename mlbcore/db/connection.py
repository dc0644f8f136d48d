"""Connecting to PostgreSQL with a short timeout, and showing URLs without passwords."""

import re
from typing import TYPE_CHECKING
from urllib.parse import quote

from mlbcore.errors import BackendError
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


def masked(url: str) -> str:
    """The URL with its password replaced by ***, for logs, params and output."""
    return re.sub(r"(://[^:/@]*:)[^@]*@", r"\1***@", url)


def connect(url: str) -> "psycopg.Connection":
    """A connection, or a ``BackendError`` within the timeout that names the masked URL."""
    import psycopg

    plain = url.replace("postgresql+psycopg://", "postgresql://", 1)
    try:
        return psycopg.connect(plain, connect_timeout=CONNECT_TIMEOUT_SECONDS, autocommit=False)
    except psycopg.OperationalError as error:
        reason = " ".join(str(error).split()) or "unreachable"
        raise BackendError(f"cannot connect to PostgreSQL at {masked(url)}: {reason}") from None
