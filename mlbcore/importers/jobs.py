"""The import commands: read a source, merge it into a snapshot, write it atomically.

An import adds and updates; it never removes what its files do not mention (a game, a
line, a split row), unless ``replace`` says the files are the whole truth for what they
cover. Every file is read and checked before anything is written, and the whole snapshot
is written to a temporary folder and renamed into place, so one that fails half-way
leaves the previous snapshot as it was; importing the same files again changes nothing.
"""

from dataclasses import replace as replace_counts
from pathlib import Path

import polars as pl

from mlbcore.data.schema import GAMES_ADDED, TABLES, empty_table
from mlbcore.data.snapshot import (
    MANIFEST,
    Snapshot,
    load_snapshot,
    prepare_out,
    read_manifest,
    write_snapshot,
)
from mlbcore.errors import MlbError
from mlbcore.importers.merge import remove, upsert
from mlbcore.importers.pinnacle import attach_pinnacle
from mlbcore.importers.report import RETROSHEET_NOTICE, ImportReport, TableCounts
from mlbcore.importers.retrosheet import read_game_logs
from mlbcore.importers.retrosplits import RETROSPLITS_NOTICE, merge_retrosplits, read_retrosplits
from mlbcore.importers.sbr import attach_sbr

LINEUP_KEY = ["game_id", "side", "batting_order"]
GAME_TABLES = ("odds_lines", "betting_splits", "team_games")  # rows of a game, not of the logs


def _with_kept_columns(games: pl.DataFrame, previous: pl.DataFrame) -> pl.DataFrame:
    """The game logs' games with what other imports gave the snapshot's copy of each: a
    scheduled first pitch from an odds import outranks the game log's estimate, and the
    starters odds imports announced stay with their games."""
    listed = [c for c in GAMES_ADDED.names() if "_starter_" in c]
    return (
        games.join(
            previous.select("game_id", *listed, kept=pl.col("first_pitch_utc")),
            on="game_id",
            how="left",
            maintain_order="left",
        )
        .with_columns(first_pitch_utc=pl.coalesce("kept", "first_pitch_utc"))
        .drop("kept")
    )


def import_retrosheet(
    paths: list[Path],
    out: Path,
    strict: bool = False,
    allow_partial: bool = False,
    replace: bool = False,
    force: bool = False,
) -> ImportReport:
    """Add the games and lineups of ``paths`` to the snapshot ``out`` (a new one where
    there is none), keeping everything else there. With ``replace`` the snapshot's games
    become exactly the files' (the others go, with their lines, splits and lineups). A
    snapshot of the demo season at ``out`` is replaced only with ``force``."""
    games, lineups, report = read_game_logs(paths, strict, allow_partial)
    previous = prepare_out(out, "retrosheet", force)
    tables = {name: previous.table(name) if previous else empty_table(name) for name in TABLES}
    notices = list(previous.notices) if previous else []
    games = _with_kept_columns(games, tables["games"])
    skipped = {name: counts.skipped for name, counts in report.tables.items()}
    counts = {}
    tables["games"], counts["games"] = upsert(
        tables["games"], games, ["game_id"], skipped=skipped.get("games", 0)
    )
    tables["lineups"], counts["lineups"] = upsert(
        tables["lineups"], lineups, LINEUP_KEY, skipped=skipped.get("lineups", 0)
    )
    if replace:
        ids = games["game_id"].implode()
        for name in ("games", *GAME_TABLES):
            tables[name], removed = remove(tables[name], ~pl.col("game_id").is_in(ids))
            counts[name] = replace_counts(counts.get(name, TableCounts()), removed=removed)
        # A game's lineups are the files' (a side they skip loses its old lineup).
        tables["lineups"], removed = remove(tables["lineups"], pl.lit(True), lineups[LINEUP_KEY])
        counts["lineups"] = replace_counts(counts["lineups"], removed=removed)
    report.tables = {
        name: c for name, c in counts.items() if name in ("games", "lineups") or c.removed
    }
    seasons = sorted(tables["games"]["season"].unique().to_list())
    write_snapshot(
        tables,
        out,
        _description(
            out if previous else None, f"Retrosheet game logs, seasons {seasons[0]}-{seasons[-1]}"
        ),
        notices=list(dict.fromkeys([*notices, RETROSHEET_NOTICE])),
    )
    return report


def _existing(snapshot_dir: Path) -> Snapshot:
    if not (snapshot_dir / MANIFEST).is_file():
        raise MlbError(
            f"{snapshot_dir} is not a snapshot; import games first (mlb import retrosheet ...)"
        )
    return load_snapshot(snapshot_dir)


def import_pinnacle(
    snapshot_dir: Path,
    games_path: Path,
    lines_path: Path,
    strict: bool = False,
    allow_partial: bool = False,
    replace: bool = False,
) -> ImportReport:
    """Add Pinnacle's lines to the snapshot's games (see ``attach_pinnacle``)."""
    snapshot = _existing(snapshot_dir)
    games, odds, report = attach_pinnacle(
        snapshot.games, snapshot.odds_lines, games_path, lines_path, strict, allow_partial, replace
    )
    _rewrite(snapshot_dir, snapshot, games=games, odds_lines=odds, added="Pinnacle lines")
    return report


def import_sbr(
    snapshot_dir: Path, paths: list[Path], strict: bool = False, replace: bool = False
) -> ImportReport:
    """Add the SBR archive's lines to the snapshot's games (see ``attach_sbr``)."""
    snapshot = _existing(snapshot_dir)
    games, odds, report = attach_sbr(snapshot.games, snapshot.odds_lines, paths, strict, replace)
    _rewrite(snapshot_dir, snapshot, games=games, odds_lines=odds, added="SBR lines")
    return report


def import_retrosplits(
    snapshot_dir: Path,
    paths: list[Path],
    strict: bool = False,
    allow_partial: bool = False,
    replace: bool = False,
) -> ImportReport:
    """Team game lines and player splits (retrosplits files) into the snapshot's games:
    rows are added and updated by their keys; with ``replace`` a file's season replaces
    that season's rows of its table. Nothing else changes."""
    snapshot = _existing(snapshot_dir)
    if snapshot.games_source != "retrosheet":
        raise MlbError(
            f"{snapshot_dir} holds the synthetic demo season, not Retrosheet games; "
            "import game logs first (mlb import retrosheet ... --out SNAPSHOT)"
        )
    imported = read_retrosplits(paths, snapshot.games, strict, allow_partial)
    previous = {name: snapshot.table(name) for name in TABLES}
    merged = merge_retrosplits(previous, imported, snapshot.games, replace)
    write_snapshot(
        previous | merged,
        snapshot_dir,
        _description(snapshot_dir, "retrosplits"),
        notices=list(dict.fromkeys([*snapshot.notices, RETROSHEET_NOTICE, RETROSPLITS_NOTICE])),
    )
    return imported.report


def _description(snapshot_dir: Path | None, added: str) -> str:
    """The snapshot's description with ``added``: a Retrosheet import's seasons replace
    the earlier seasons' words, anything else is appended once."""
    description = str(read_manifest(snapshot_dir).get("description", "")) if snapshot_dir else ""
    parts = [p for p in description.split("; ") if p]
    if added.startswith("Retrosheet game logs"):
        parts = [added, *[p for p in parts if not p.startswith("Retrosheet game logs")]]
    elif added not in parts:
        parts.append(added)
    return "; ".join(parts)


def _rewrite(
    snapshot_dir: Path,
    snapshot: Snapshot,
    games: pl.DataFrame,
    odds_lines: pl.DataFrame,
    added: str,
) -> None:
    write_snapshot(
        {name: snapshot.table(name) for name in TABLES}
        | {"games": games, "odds_lines": odds_lines},
        snapshot_dir,
        _description(snapshot_dir, added),
        notices=snapshot.notices,
    )
