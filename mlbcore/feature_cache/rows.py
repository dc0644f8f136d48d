"""The feature cache's value format: a game's feature row as MessagePack, signed with
an HMAC of its key and row under this deployment's secret (``FEATURE_CACHE_KEY``, else a
random key in the state folder), and the checks a value must pass to be used: the tag,
the feature set's width and types, and quality columns that agree with the features.
Anything else reads as a miss. ``store`` moves these values to and from Redis.
"""

import contextlib
import functools
import hashlib
import hmac
import os
import secrets
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

import msgpack
import numpy as np
import polars as pl

from mlbcore.data.schema import GAMES, UTC
from mlbcore.features.build import GAME_COLUMNS
from mlbcore.features.registry import (
    FEATURE_NAMES,
    LISTED_STARTERS,
    QUALITY_MARKERS,
    SOURCES,
)
from mlbcore.settings import MIN_CACHE_KEY_CHARS, Settings

if TYPE_CHECKING:
    pass


# 2: values signed (an HMAC-SHA256 tag before the MessagePack row); format 1 values, never
# signed, read as misses
FORMAT = 2
QUALITY = ("completeness", "missing_features", "sources")
IDENTITY = GAME_COLUMNS  # not stored: the caller has them from the games
KEY_FILE = "feature_cache.key"  # the state folder's signing key when FEATURE_CACHE_KEY is unset
TAG_BYTES = hashlib.sha256().digest_size
_WIDTH = len(FEATURE_NAMES) + len(QUALITY) + 1
_MISSING_NAMES = frozenset((*FEATURE_NAMES, *QUALITY_MARKERS))
_SOURCE_NAMES = frozenset((*SOURCES, *LISTED_STARTERS))
_FEATURE_TYPES = {float, type(None)}
_COLUMN = {name: i for i, name in enumerate(FEATURE_NAMES)}
_FEATURE_COLUMNS = pl.Schema(dict.fromkeys(FEATURE_NAMES, pl.Float64))


class CacheKeyUnavailable(Exception):
    """No signing key: the state folder cannot hold one, or its key file holds junk."""


def cache_secret(settings: Settings) -> bytes:
    """The key that signs this deployment's cache values: ``FEATURE_CACHE_KEY``, else a
    random key made on first use in the state folder (``feature_cache.key``, mode 0600,
    shared by every process using that folder). Raises ``CacheKeyUnavailable``."""
    if settings.feature_cache_key is not None:
        return settings.feature_cache_key.get_secret_value().encode()
    path = Path(settings.mlb_state_dir) / KEY_FILE
    try:
        if not path.exists():
            _make_key_file(path)
        if path.stat().st_mode & 0o077:  # loosened by hand: only its owner may read it
            path.chmod(0o600)
        key = path.read_text(encoding="utf-8", errors="replace").strip()
    except OSError as error:
        raise CacheKeyUnavailable(f"no signing key in {path} ({error.strerror or error})") from None
    if len(key) < MIN_CACHE_KEY_CHARS:
        raise CacheKeyUnavailable(f"{path} holds no key; delete it and a new one is made")
    return key.encode()


def _make_key_file(path: Path) -> None:
    """Write a new random key to ``path`` whole, readable by its owner only; when two
    processes race, the first link wins and both use its key."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, draft = tempfile.mkstemp(dir=path.parent, prefix=f".{KEY_FILE}.")  # mode 0600
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(secrets.token_hex(32) + "\n")
        with contextlib.suppress(FileExistsError):
            os.link(draft, path)
    finally:
        os.unlink(draft)


def key_id(secret: bytes) -> str:
    """A short name for ``secret`` that reveals nothing of it: cache keys carry it, so
    deployments with different keys sharing one Redis never overwrite each other."""
    return hmac.new(secret, b"mlb feature cache key id", hashlib.sha256).hexdigest()[:8]


def signed(secret: bytes, key: bytes, payload: bytes) -> bytes:
    """``payload`` with its HMAC-SHA256 tag in front. The Redis key is signed too: a value
    copied to another game's key, another data version's or another cutoff's does not
    verify."""
    return hmac.digest(secret, key + b"\0" + payload, "sha256") + payload  # the C fast path


def pack_rows(frame: pl.DataFrame, keys: list[bytes], secret: bytes) -> list[bytes]:
    """One value per game (``keys`` in the frame's order): the HMAC tag, then the
    MessagePack row [format, features..., completeness, missing, sources]. Identity
    columns are not stored: the caller already has them from the games."""
    columns = [*FEATURE_NAMES, *QUALITY]
    packer = msgpack.Packer(use_bin_type=True)
    payloads = [packer.pack([FORMAT, *row]) for row in frame.select(columns).iter_rows()]
    return [signed(secret, k, p) for k, p in zip(keys, payloads, strict=True)]


def _decoded(value: bytes, key: bytes, secret: bytes) -> list[Any] | None:
    """The stored columns in ``value`` if it is signed with ``secret`` for ``key`` and has
    the row's width and types (features float or null, completeness a float, the quality
    lists of known names); None otherwise."""
    payload = value[TAG_BYTES:]
    if not hmac.compare_digest(value, signed(secret, key, payload)):
        return None
    try:
        row = msgpack.unpackb(payload, raw=False)
    except (msgpack.ExtraData, msgpack.FormatError, msgpack.StackError, ValueError, TypeError):
        return None
    if not (isinstance(row, list) and len(row) == _WIDTH and row[0] == FORMAT):
        return None
    completeness, missing, sources = row[-3:]
    valid = (
        set(map(type, row[1:-3])) <= _FEATURE_TYPES
        and type(completeness) is float
        and type(missing) is list
        and all(type(m) is str and m in _MISSING_NAMES for m in missing)
        and type(sources) is list
        and all(type(s) is str and s in _SOURCE_NAMES for s in sources)
    )
    return row[1:] if valid else None


def unpack_rows(
    values: list[bytes | None], keys: list[bytes], secret: bytes
) -> tuple[list[list[Any] | None], int]:
    """The stored columns of each value (None for a miss), and how many values were
    rejected: present, but not signed by ``secret`` for their key, or not a row of this
    feature set (junk, another format, another program's value, wrong types or width,
    quality columns that disagree with the features). Absent values are misses only."""
    rows = [
        _decoded(value, key, secret) if value is not None else None
        for value, key in zip(values, keys, strict=True)
    ]
    found = [(i, row) for i, row in enumerate(rows) if row is not None]
    checks = quality_consistent([row for _, row in found])
    for (i, _), consistent in zip(found, checks, strict=True):
        if not consistent:
            rows[i] = None
    return rows, sum(v is not None for v in values) - sum(r is not None for r in rows)


def quality_consistent(rows: list[list[Any]]) -> np.ndarray:
    """Per row (stored columns, types already checked): ``missing_features`` names exactly
    the absent features (null or NaN), beside any markers, and ``completeness`` is the
    share present, as ``build_features`` makes them. A row that says otherwise was not
    written by it. One matrix for all rows, so a season costs milliseconds."""
    width = len(FEATURE_NAMES)
    if not rows:
        return np.zeros(0, dtype=bool)
    absent = np.isnan(np.array([row[:width] for row in rows], dtype=float))  # None: NaN
    claimed = np.zeros_like(absent)
    named = [
        (i, _COLUMN[name])
        for i, row in enumerate(rows)
        for name in row[width + 1]
        if name in _COLUMN
    ]
    if named:
        claimed[tuple(np.array(named).T)] = True
    share = 1 - absent.sum(axis=1) / width
    completeness = np.array([row[width] for row in rows])
    return (claimed == absent).all(axis=1) & (np.abs(completeness - share) < 1e-9)


def rows_to_frame(games: pl.DataFrame, rows: list[list[Any]], schema: pl.Schema) -> pl.DataFrame:
    """Cached rows (one per game of ``games``, in its order) back into a feature frame,
    with identity columns from ``games``. The features as one row-oriented Float64 block
    (None null, NaN NaN), the quality lists from joined names: a fraction of the time
    polars takes for rows of lists."""
    width = len(FEATURE_NAMES)
    values = (
        pl.DataFrame([row[:width] for row in rows], schema=_FEATURE_COLUMNS, orient="row")
        .with_columns(
            pl.Series("completeness", [row[width] for row in rows], dtype=pl.Float64),
            *[
                pl.Series(name, [",".join(row[width + i]) for row in rows], pl.String)
                for i, name in ((1, "missing_features"), (2, "sources"))
            ],
        )
        .with_columns(
            pl.when(pl.col(name) == "")
            .then(pl.lit([], dtype=pl.List(pl.String)))
            .otherwise(pl.col(name).str.split(","))
            .alias(name)
            for name in ("missing_features", "sources")
        )
    )
    frame = pl.concat([games.select(IDENTITY), values], how="horizontal")
    return frame if frame.columns == schema.names() else frame.select(schema.names())


@functools.cache
def feature_schema() -> pl.Schema:
    """The feature frame's column types, as ``build_features`` returns them (one object:
    do not change it)."""
    return pl.Schema(
        {
            **{c: UTC if c == "cutoff_utc" else GAMES[c] for c in IDENTITY},
            **_FEATURE_COLUMNS,
            "completeness": pl.Float64,
            "missing_features": pl.List(pl.String),
            "sources": pl.List(pl.String),
        }
    )
