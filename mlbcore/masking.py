"""The one place that hides credentials: every URL, libpq conninfo string, log line, error
message, status line and MLflow param that may name a data location passes through
``masked`` before anyone sees it.

It finds passwords where people put them: ``user:password@`` (also with an unencoded
``@`` in the password), query parameters such as ``?password=`` (libpq and redis-py both
read them), and ``password=...`` in a conninfo string (``host=h dbname=d password=x``),
also when the whole thing sits inside a longer message.

``mask_every_output`` puts the same function between the libraries and the terminal: log
records of every logger (MLflow, SQLAlchemy, alembic, psycopg, redis), warnings and the
traceback of an uncaught exception.
"""

import logging
import re
import sys
import threading
import traceback
import warnings
from collections.abc import Callable
from types import TracebackType
from typing import Any

# Query or conninfo keys whose values are secrets (libpq's password and sslpassword,
# redis-py's password, and the usual names of tokens and keys).
_SECRET_KEY = r"[\w.\-]*(?:password|passwd|pwd|secret|token|api_?key|credential)[\w.\-]*|pass"
_SCHEME = re.compile(r"[a-zA-Z][a-zA-Z0-9+.\-]*://")
_URL = re.compile(_SCHEME.pattern + r"[^\s'\"<>]*")  # a URL inside a message ends at a space
_SECRET_PARAM = re.compile(rf"([?&;](?:{_SECRET_KEY})=)[^&;#]*", re.IGNORECASE)
# key = value pairs as libpq reads them: a value is single-quoted (with \' escapes) or bare.
_CONNINFO_VALUE = r"'(?:\\.|[^'\\])*'|[^\s'&;,]+"
_MASKED_OR_VALUE = r"\*\*\*(?=[\s:;,&)]|$)|" + _CONNINFO_VALUE  # masking twice changes nothing
_SECRET_PAIR = re.compile(rf"\b((?:{_SECRET_KEY})\s*=\s*)(?:{_MASKED_OR_VALUE})", re.IGNORECASE)
_CONNINFO = re.compile(r"^\s*\w+\s*=")
_CONNINFO_PAIR = re.compile(rf"(\w+)\s*=\s*({_CONNINFO_VALUE})")
_CONNINFO_LOCATION = ("host", "hostaddr", "port", "dbname")  # all that names the data
# What may follow a user info's '@': host names and addresses, a port, a comma-separated
# host list (libpq), percent-encoded socket paths; nothing that ends a query value.
_HOSTS = re.compile(r"[\w.\-\[\]:,%]*")
_MASK = "***"


def masked(text: str, drop_credentials: bool = False) -> str:
    """``text`` with every password replaced by ``***``: a URL, a conninfo string, or a
    message holding them. With ``drop_credentials`` (for MLflow params and tags) a URL
    keeps only its scheme, hosts, port and path, and a conninfo string only ``host``,
    ``hostaddr``, ``port`` and ``dbname``: no user name, no password, no query."""
    if drop_credentials and _CONNINFO.match(text) and "://" not in text:
        return " ".join(
            f"{key}={value}"
            for key, value in _CONNINFO_PAIR.findall(text)
            if key.lower() in _CONNINFO_LOCATION
        )
    if _SCHEME.match(text):  # a location: all of it is the URL, spaces and all
        return _masked_url(text, drop_credentials)
    return masked_message(text, drop_credentials)


def masked_message(text: str, drop_credentials: bool = False) -> str:
    """``text`` read as a message, even when it starts with a URL: each URL in it ends at
    a space, and KEY=value pairs (conninfo, settings) outside them are masked too."""
    parts = re.split(f"({_URL.pattern})", text)
    return "".join(
        _masked_url(part, drop_credentials) if i % 2 else _SECRET_PAIR.sub(rf"\g<1>{_MASK}", part)
        for i, part in enumerate(parts)
    )


def _userinfo_end(rest: str) -> int | None:
    """Where the user info of ``rest`` (a URL after ``scheme://``) ends: the last ``@``
    followed by a host list, so a password holding ``@`` or ``/`` is all user info. None
    when there is no user info."""
    ats = [i for i, char in enumerate(rest) if char == "@" and _may_end_userinfo(rest[:i])]
    for at in reversed(ats):
        hosts = re.match(r"[^/?#]*", rest[at + 1 :])
        if hosts and _HOSTS.fullmatch(hosts.group()):
            return at
    return ats[-1] if ats else None  # odd text after it: hide too much, never too little


def _may_end_userinfo(before: str) -> bool:
    """An '@' after what looks like a path or query ends user info only if a ':' (a
    password's start) came before that path: ``u:pa/ss@h`` yes, ``h/db?name=a@b`` no."""
    head = re.split(r"[/?#]", before, maxsplit=1)
    return len(head) == 1 or ":" in head[0]


def _masked_url(url: str, drop_credentials: bool) -> str:
    scheme, _, rest = url.partition("://")
    at = _userinfo_end(rest)
    prefix = ""
    if at is not None:
        user, has_password, _ = rest[:at].partition(":")
        rest = rest[at + 1 :]
        if re.search(r"[/?#=&]", user):  # not a user name: a path or query went with it
            user = _MASK
        if not drop_credentials:
            prefix = f"{user}:{_MASK}@" if has_password else f"{user}@"
    if drop_credentials:
        rest = re.split(r"[?#]", rest, maxsplit=1)[0]
    else:
        rest = _SECRET_PARAM.sub(rf"\g<1>{_MASK}", rest)
    return f"{scheme}://{prefix}{rest}"


def mask_every_output() -> None:
    """From now on, what libraries write passes through ``masked_message``: every log
    record, whichever logger made it and whichever handlers show it (the root's, MLflow's
    own, logging's last resort), every warning, and the traceback of an uncaught
    exception. For an entry point (the CLI, a notebook); calling it again changes
    nothing."""
    factory = logging.getLogRecordFactory()
    if not getattr(factory, "masks_secrets", False):
        logging.setLogRecordFactory(_masking_records(factory))
    if not getattr(warnings.formatwarning, "masks_secrets", False):
        warnings.formatwarning = _masking_warnings(warnings.formatwarning)
    if sys.excepthook is sys.__excepthook__:  # a debugger's or an IDE's hook stays
        sys.excepthook = print_masked_traceback
    if threading.excepthook is threading.__excepthook__:  # a job's heartbeat, a worker
        threading.excepthook = _print_masked_thread_traceback


def print_masked_traceback(
    kind: type[BaseException], error: BaseException, trace: TracebackType | None
) -> None:
    """Python's report of an uncaught exception, with every password masked: drivers and
    MLflow put the URL they were given in their errors."""
    sys.stderr.write(masked_message("".join(traceback.format_exception(kind, error, trace))))


def _print_masked_thread_traceback(args: threading.ExceptHookArgs) -> None:
    """Python's report of an exception uncaught in a thread, masked like the main one's."""
    if args.exc_type is SystemExit:
        return
    name = args.thread.name if args.thread is not None else "?"
    sys.stderr.write(f"Exception in thread {name}:\n")
    print_masked_traceback(args.exc_type, args.exc_value or args.exc_type(), args.exc_traceback)


def _masking_records(factory: Callable[..., logging.LogRecord]) -> Callable[..., logging.LogRecord]:
    """A log record factory that renders each record's message (and its exception's
    traceback) at once, masked: a filter on a handler would miss the handlers libraries
    add later (MLflow adds its own when imported), and records rendered only there."""

    def make(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = factory(*args, **kwargs)
        try:
            message = record.getMessage()
        except Exception:  # a bad format: logging reports it when the record is shown
            return record
        if masked_message(message) != message:
            _mask_record_message(record, message)
        if record.exc_info and record.exc_info[0] is not None and not record.exc_text:
            shown = "".join(traceback.format_exception(*record.exc_info))
            record.exc_text = masked_message(shown.removesuffix("\n"))
        if record.stack_info:
            record.stack_info = masked_message(record.stack_info)
        return record

    make.masks_secrets = True  # pyright: ignore[reportFunctionMemberAccess]  # marks it installed
    return make


def _mask_record_message(record: logging.LogRecord, message: str) -> None:
    """Mask ``record``'s message in place. Its arguments keep their shape where masking
    them one by one is enough: formatters such as uvicorn's access log unpack them."""
    args = record.args
    if isinstance(args, tuple):
        record.args = tuple(masked_message(a) if isinstance(a, str) else a for a in args)
    elif isinstance(args, dict):
        record.args = {k: masked_message(v) if isinstance(v, str) else v for k, v in args.items()}
    if isinstance(record.msg, str):
        record.msg = masked_message(record.msg)
    try:
        clean = masked_message(record.getMessage()) == record.getMessage()
    except Exception:
        clean = False
    if not clean:  # the secret was in an argument that is not a string: render it masked
        record.msg, record.args = masked_message(message), ()


def _masking_warnings(formatwarning: Callable[..., str]) -> Callable[..., str]:
    """``warnings.formatwarning`` masked: Python's own display of warnings and logging's
    ``captureWarnings`` both render through it."""

    def format_masked(*args: Any, **kwargs: Any) -> str:
        return masked_message(formatwarning(*args, **kwargs))

    format_masked.masks_secrets = True  # pyright: ignore[reportFunctionMemberAccess]  # marks it installed
    return format_masked
