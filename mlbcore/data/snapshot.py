"""Snapshots on disk: a folder of Parquet tables plus ``manifest.json``.

The manifest records row counts, the schema version, a SHA-256 of each file (checked on
every load, so a damaged or hand-edited snapshot is refused) and a content hash of the
data itself (the *data version* logged with every model). The content hash is taken
over a canonical CSV rendering of each table in its sort order, so it does not change
when a Parquet writer encodes the same data differently.

Over ~300 lines on purpose: a snapshot's files, manifest and checks belong together.
"""

import hashlib
import json
import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from mlbcore.data.schema import (
    ADDED_COLUMNS,
    ADDED_TABLES,
    SCHEMA_VERSION,
    SORT_KEYS,
    TABLES,
    empty_table,
    full_schema,
    games_problem,
    table_problem,
    with_added_columns,
)
from mlbcore.errors import MlbError
from mlbcore.files import shown

MANIFEST = "manifest.json"


@dataclass(frozen=True)
class Snapshot:
    """The tables of one data source, and the version of their content. The tables added
    after schema version 1 (``ADDED_TABLES``) are empty where a source has none."""

    games: pl.DataFrame
    odds_lines: pl.DataFrame
    betting_splits: pl.DataFrame
    data_version: str
    source: str
    notices: tuple[str, ...] = ()  # what the data's publishers ask users to be shown
    lineups: pl.DataFrame = field(default_factory=lambda: empty_table("lineups"))
    team_games: pl.DataFrame = field(default_factory=lambda: empty_table("team_games"))
    pitcher_splits: pl.DataFrame = field(default_factory=lambda: empty_table("pitcher_splits"))
    batter_splits: pl.DataFrame = field(default_factory=lambda: empty_table("batter_splits"))

    def table(self, name: str) -> pl.DataFrame:
        frame: pl.DataFrame = getattr(self, name)
        return frame

    @property
    def games_source(self) -> str:
        return games_source(self.notices)


def games_source(notices: "tuple[str, ...] | list[str]") -> str:
    """Whose games these are: the identity models are registered and championed under, so
    a model of the synthetic season never scores real games unasked. ``retrosheet`` when
    Retrosheet's notice travels with the data (every Retrosheet import adds it), else
    ``demo``, the synthetic season (the only other source of games). Importing more
    seasons or books does not change it; the data version does."""
    return "retrosheet" if any("Retrosheet" in notice for notice in notices) else "demo"


def canonical(name: str, frame: pl.DataFrame) -> pl.DataFrame:
    """The table in its schema's column order, types and sort order; columns added since
    schema version 1 that ``frame`` lacks are nulls."""
    schema = TABLES[name]
    missing = [c for c in schema.names() if c not in frame.columns]
    if missing:
        raise MlbError(f"table {name} lacks columns {missing}; expected {schema.names()}")
    frame = with_added_columns(name, frame)
    return frame.select([pl.col(c).cast(t) for c, t in full_schema(name).items()]).sort(
        SORT_KEYS[name], nulls_last=True, maintain_order=True
    )


def content_hash(tables: dict[str, pl.DataFrame]) -> str:
    """SHA-256 over the canonical CSV of every table: the data version. An added column
    that is null throughout, and an added table that is empty, are left out, so the same
    data hashes the same whether it was written before they existed or after."""
    digest = hashlib.sha256()
    for name in sorted(TABLES):
        frame = canonical(name, tables.get(name, empty_table(name)))
        if name in ADDED_TABLES and frame.is_empty():
            continue
        empty = [c for c in ADDED_COLUMNS.get(name, {}) if frame[c].null_count() == frame.height]
        digest.update(name.encode())
        digest.update(frame.drop(empty).write_csv().encode())
    return digest.hexdigest()


def _file_sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _refuse_to_replace(out_dir: Path) -> None:
    """Refuse (MlbError) an ``out_dir`` a snapshot must not replace: a file (or a path
    inside one), or a folder that holds files but no manifest (someone's work)."""
    existing = next((p for p in (out_dir, *out_dir.parents) if p.exists()), None)
    if existing is not None and not existing.is_dir():
        raise MlbError(f"{existing} is a file, not a snapshot folder; give a new or empty folder")
    if out_dir.is_dir() and not (out_dir / MANIFEST).is_file() and any(out_dir.iterdir()):
        raise MlbError(
            f"{out_dir} is not a snapshot (it holds files but no {MANIFEST}); give a new or "
            "empty folder: nothing there was changed"
        )


def write_snapshot(
    tables: dict[str, pl.DataFrame],
    out_dir: Path,
    description: str,
    notices: Sequence[str] = (),
) -> dict[str, Any]:
    """Write the tables and manifest to ``out_dir`` atomically; return the manifest.

    Everything is written to a temporary sibling folder which then replaces ``out_dir``,
    so a failure half-way leaves the previous snapshot as it was. Only a snapshot or an
    empty folder is ever replaced (see ``prepare_out``).
    """
    out_dir = Path(out_dir)
    frames = {name: canonical(name, tables.get(name, empty_table(name))) for name in TABLES}
    _refuse_to_replace(out_dir)
    problem = games_problem(frames["games"])
    if problem is not None:  # never write a snapshot that would be refused on loading
        raise MlbError(f"cannot write snapshot {shown(out_dir)}: {problem}")
    try:
        out_dir.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}-", dir=out_dir.parent))
    except OSError as error:
        raise MlbError(
            f"cannot write a snapshot at {shown(out_dir)} ({error.strerror}); give a folder "
            "you can write to"
        ) from None
    try:
        files = {}
        for name, frame in frames.items():
            path = staging / f"{name}.parquet"
            frame.write_parquet(path, compression="zstd", compression_level=9, statistics=False)
            files[path.name] = _file_sha256(path)
        manifest: dict[str, Any] = {
            "schema_version": SCHEMA_VERSION,
            "description": description,
            "content_hash": content_hash(frames),
            "row_counts": {name: frame.height for name, frame in frames.items()},
            "files": files,
            "notices": list(notices),
        }
        (staging / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
        # Beside the staging folder and as unique: never a name someone's file may have.
        backup = staging.with_name(f"{staging.name}.old")
        if out_dir.exists():
            out_dir.rename(backup)
        staging.rename(out_dir)
        shutil.rmtree(backup, ignore_errors=True)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return manifest


SOURCE_WORDS = {"demo": "the synthetic demo season", "retrosheet": "Retrosheet games"}


def prepare_out(
    out: Path, source: str, force: bool = False, load: bool = True
) -> "Snapshot | None":
    """The snapshot at ``out`` that a new snapshot of ``source`` (``demo`` or
    ``retrosheet``) adds to, or None where there is none to keep: ``out`` is absent, an
    empty folder, or (with ``force``) a snapshot of another source, or one that cannot be
    read. Refuses (MlbError, nothing written) a file, a folder of other files, and
    without ``force`` a snapshot of another source. ``load=False`` checks without
    reading the tables (and returns None)."""
    out = Path(out)
    _refuse_to_replace(out)
    if not out.is_dir() or not any(out.iterdir()):
        return None
    try:
        notices = read_manifest(out).get("notices")
        theirs = games_source([str(n) for n in notices] if isinstance(notices, list) else [])
        if theirs == source:
            return load_snapshot(out) if load else None
    except MlbError as error:
        if force:
            return None
        raise MlbError(f"{error}, or pass --force to replace it") from None
    if force:
        return None
    raise MlbError(
        f"{out} holds a snapshot of {SOURCE_WORDS[theirs]}; pass --force to replace it with "
        f"{SOURCE_WORDS[source]}, or give another --out"
    )


class Manifest(BaseModel):
    """``manifest.json`` as every snapshot has it; the schema version is checked apart,
    with its own message."""

    model_config = ConfigDict(extra="allow")

    schema_version: Any = None
    description: str = ""
    content_hash: str = Field(pattern=r"^[0-9a-f]{64}$")
    row_counts: dict[str, int] = Field(default_factory=dict)
    files: dict[str, str]
    notices: list[str] = Field(default_factory=list)


def read_manifest(path: Path) -> dict[str, Any]:
    """The snapshot's manifest as a dict, validated; ``MlbError`` for a folder that is not
    a snapshot or a manifest that is not one."""
    return _manifest(Path(path)).model_dump()


def _manifest(path: Path) -> Manifest:
    manifest_path = path / MANIFEST
    try:
        if not path.is_dir():
            raise MlbError(
                f"snapshot folder {shown(path)} does not exist; "
                "run `mlb snapshot demo` to create one"
            )
        if not manifest_path.is_file():
            raise MlbError(f"{shown(path)} has no {MANIFEST}; it is not a snapshot folder")
        text = manifest_path.read_bytes().decode()
    except OSError as error:  # a name too long, a folder we may not read
        raise MlbError(f"cannot read snapshot {shown(path)}: {error.strerror}") from None
    except UnicodeDecodeError:
        raise MlbError(f"{shown(manifest_path)} is not UTF-8; regenerate the snapshot") from None
    try:
        return Manifest.model_validate(json.loads(text))
    except json.JSONDecodeError as error:
        raise MlbError(
            f"{shown(manifest_path)} is not valid JSON ({error.msg}); regenerate the snapshot"
        ) from None
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "the whole file"
        raise MlbError(
            f"{shown(manifest_path)} is not a snapshot manifest ({where}: {first['msg']}); "
            "regenerate the snapshot"
        ) from None


def _read_table(path: Path, name: str, row_count: int | None) -> pl.DataFrame:
    """Table ``name`` from its Parquet file, refused unless it has the schema's columns,
    types and the manifest's row count. The file's hash was checked before: this catches
    a snapshot written wrong, or a manifest rewritten to match damaged files."""
    file = path / f"{name}.parquet"
    try:
        frame = pl.read_parquet(file)
    except (pl.exceptions.PolarsError, pl.exceptions.PanicException, OSError) as error:
        reason = (str(error).strip().splitlines() or [type(error).__name__])[0][:160]
        raise MlbError(
            f"snapshot {shown(path)}: {file.name} is not readable Parquet ({reason}); "
            "regenerate the snapshot"
        ) from None
    problem = table_problem(name, frame)
    if problem is None and row_count is not None and frame.height != row_count:
        problem = f"{file.name} has {frame.height} rows, its manifest says {row_count}"
    if problem is None and name == "games":
        problem = games_problem(frame)
    if problem is not None:
        raise MlbError(f"snapshot {shown(path)}: {problem}; regenerate or re-import it")
    return frame


def load_snapshot(path: Path) -> Snapshot:
    """Read a snapshot folder, refusing one whose files do not match its manifest."""
    path = Path(path)
    manifest = _manifest(path)
    if manifest.schema_version != SCHEMA_VERSION:
        raise MlbError(
            f"snapshot {path} has schema version {manifest.schema_version!r}, "
            f"this version of mlbcore reads {SCHEMA_VERSION!r}; regenerate it"
        )
    tables = {}
    for name in TABLES:
        file = path / f"{name}.parquet"
        if name in ADDED_TABLES and file.name not in manifest.files:  # written before it
            tables[name] = empty_table(name)
            continue
        if not file.is_file():
            raise MlbError(f"snapshot {path} is missing {file.name}; regenerate it")
        if _file_sha256(file) != manifest.files.get(file.name):
            raise MlbError(
                f"{file} does not match the hash in its manifest (changed or damaged); "
                "regenerate the snapshot"
            )
        tables[name] = _read_table(path, name, manifest.row_counts.get(name))
    return Snapshot(
        games=with_added_columns("games", tables["games"]),  # older snapshots lack some
        odds_lines=tables["odds_lines"],
        betting_splits=tables["betting_splits"],
        data_version=manifest.content_hash,
        source=str(path),
        notices=tuple(manifest.notices),
        **{name: canonical(name, tables[name]) for name in ADDED_TABLES},
    )
