"""Where a study lives, and opening it: a journal file in the state folder (processes of
one machine share it), or PostgreSQL (``--storage postgresql://...`` or the
``DATABASE_*`` settings), which the same command on other machines joins. A study
remembers its target, data version and tuning seasons; opening it for others is refused.
Opening a study is serialised (``opening_lock``) so that commands started at the same
moment against an empty PostgreSQL do not collide creating Optuna's tables."""

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import optuna
from optuna.storages.journal import JournalFileBackend, JournalFileOpenLock

from mlbcore.db.connection import connect, database_url, is_database_url
from mlbcore.errors import MlbError
from mlbcore.masking import masked
from mlbcore.settings import Settings
from mlbcore.targets import Target

JOURNAL = "journal"
POSTGRESQL = "postgresql"
# A PostgreSQL that does not answer fails the connection within this (seconds).
CONNECT_TIMEOUT_SECONDS = 5
# The advisory lock every `mlb tune` on a database takes while it opens a study.
OPENING_LOCK_KEY = int.from_bytes(
    hashlib.blake2b(b"mlb tune: opening a study", digest_size=8).digest(), "big", signed=True
)


@dataclass(frozen=True)
class StudyStorage:
    """``kind`` journal (``location`` a file path) or postgresql (``location`` a
    SQLAlchemy URL with the psycopg 3 driver). Plain data: it travels to worker processes,
    each of which opens its own connection (``open``)."""

    kind: str
    location: str

    @property
    def shown(self) -> str:
        """Fit to print or log: without the password."""
        return masked(self.location, drop_credentials=True)

    def open(self) -> optuna.storages.BaseStorage:
        if self.kind == JOURNAL:
            Path(self.location).parent.mkdir(parents=True, exist_ok=True)
            backend = JournalFileBackend(self.location)
            return optuna.storages.JournalStorage(backend)
        try:
            return optuna.storages.RDBStorage(
                self.location,
                engine_kwargs={"connect_args": {"connect_timeout": CONNECT_TIMEOUT_SECONDS}},
                # A killed worker's trial is failed by the others after the grace period.
                heartbeat_interval=30,
                grace_period=120,
            )
        except Exception as error:  # SQLAlchemy's OperationalError, wrapped or not
            raise MlbError(
                f"cannot open the study storage at {self.shown}: {_first_line(error)}"
            ) from None


@contextmanager
def opening_lock(storage: StudyStorage) -> Iterator[None]:
    """Held while a study storage is first opened and a study created and given its
    identity and trial 0: Optuna creates its tables on first use with SQLAlchemy's
    ``create_all``, which two processes on an empty PostgreSQL run into each other with
    (a duplicate type or table), and a study loaded before its creator set its identity
    would skip the check that it fits. PostgreSQL: a session advisory lock; a journal
    file: a lock file beside it (Optuna's, forcibly released 30 s after a crash)."""
    if storage.kind == POSTGRESQL:
        with connect(storage.location) as connection:
            connection.execute("SELECT pg_advisory_lock(%s)", (OPENING_LOCK_KEY,))
            try:
                yield
            finally:
                connection.execute("SELECT pg_advisory_unlock(%s)", (OPENING_LOCK_KEY,))
        return
    Path(storage.location).parent.mkdir(parents=True, exist_ok=True)
    lock = JournalFileOpenLock(f"{storage.location}.opening")
    lock.acquire()
    try:
        yield
    finally:
        lock.release()


def _first_line(error: BaseException) -> str:
    text = next((line for line in str(error).splitlines() if line.strip()), type(error).__name__)
    return masked(text.strip())[:200]


def sqlalchemy_url(url: str) -> str:
    """``postgresql://`` (or ``postgres://``) as SQLAlchemy reaches it with psycopg 3."""
    for prefix in ("postgresql+psycopg://", "postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url.removeprefix(prefix)
    return url


def chosen_storage(settings: Settings, storage: str | None) -> StudyStorage | None:
    """The storage ``--storage`` names, else PostgreSQL when the ``DATABASE_*`` settings
    name one, else None (the default journal file, ``journal_storage``). PostgreSQL must
    answer within 5 s (``BackendError``, one line); an unknown scheme is refused."""
    if storage is None:
        storage = database_url(settings)
        if storage is None:
            return None
    if is_database_url(storage):
        connect(storage).close()  # PostgreSQL down: one line within the timeout
        return StudyStorage(POSTGRESQL, sqlalchemy_url(storage))
    scheme = urlsplit(storage).scheme.lower() if "://" in storage else ""
    if scheme == JOURNAL:
        return StudyStorage(JOURNAL, str(Path(storage.partition("://")[2]).resolve()))
    if scheme:
        raise MlbError(
            f"unknown study storage scheme {scheme}://; use postgresql://USER@HOST:PORT/DB "
            "(shared across machines) or a journal file, journal:///PATH or a plain path"
        )
    return StudyStorage(JOURNAL, str(Path(storage).resolve()))


def journal_storage(settings: Settings, study_name: str) -> StudyStorage:
    """The default: ``<MLB_STATE_DIR>/optuna/<study>.log``."""
    path = settings.mlb_state_dir / "optuna" / f"{study_name}.log"
    return StudyStorage(JOURNAL, str(path.resolve()))


def default_study_name(target: Target, data_version: str) -> str:
    return f"mlb-{target.value}-{data_version[:12]}"


@dataclass(frozen=True)
class StudyIdentity:
    """What a study is of: its attributes, set by whoever creates it."""

    target: str
    data_version: str
    tuning_seasons: tuple[int, ...]
    searched: tuple[str, ...]  # the settings searched (``space.tuned_names``)

    def as_attrs(self) -> dict[str, Any]:
        return {
            "target": self.target,
            "data_version": self.data_version,
            "tuning_seasons": list(self.tuning_seasons),
            "searched": list(self.searched),
        }


def open_study(
    storage: StudyStorage, name: str, identity: StudyIdentity, current: dict[str, Any]
) -> tuple[optuna.Study, bool]:
    """The study ``name`` (created with ``identity`` as user attributes and ``current``
    enqueued as trial 0, the current settings on the same folds), and whether this call
    created it. A study of another target, data version or tuning seasons is refused."""
    with opening_lock(storage):
        store = storage.open()
        try:
            study = optuna.create_study(study_name=name, storage=store, direction="minimize")
        except optuna.exceptions.DuplicatedStudyError:
            study = optuna.load_study(study_name=name, storage=store)
        else:
            for key, value in identity.as_attrs().items():
                study.set_user_attr(key, value)
            study.enqueue_trial(current, user_attrs={"current_settings": True})
            return study, True
    attrs = study.user_attrs
    for key, wanted in identity.as_attrs().items():
        if key in attrs and attrs[key] != wanted:
            raise MlbError(
                f"study {name} in {storage.shown} was created for {key} {attrs[key]}, not "
                f"{wanted}; give another --study name (or the study's own target and data)"
            )
    return study, False
