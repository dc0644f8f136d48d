"""The import commands: read a source, merge it into a snapshot, write it atomically.

Every import writes the whole snapshot to a temporary folder and renames it into place,
so one that fails half-way leaves the previous snapshot as it was; importing the same
files again gives the same content (lines of a book are replaced, not appended).
"""

from pathlib import Path

import polars as pl

from mlbcore.data.schema import GAMES_ADDED, TABLES
from mlbcore.data.snapshot import (
    MANIFEST,
    Snapshot,
    load_snapshot,
    read_manifest,
    write_snapshot,
)
from mlbcore.errors import MlbError
from mlbcore.importers.pinnacle import attach_pinnacle
from mlbcore.importers.report import RETROSHEET_NOTICE, ImportReport
from mlbcore.importers.retrosheet import read_game_logs
from mlbcore.importers.retrosplits import RETROSPLITS_NOTICE, merge_retrosplits, read_retrosplits
from mlbcore.importers.sbr import attach_sbr


def _empty(name: str) -> pl.DataFrame:
    return pl.DataFrame(schema=TABLES[name])


def import_retrosheet(paths: list[Path], out: Path, strict: bool = False) -> ImportReport:
    """Write the games and lineups of ``paths`` as the snapshot ``out``, keeping the odds,
    splits and team lines already attached there to games that are still in it."""
    games, lineups, report = read_game_logs(paths, strict)
    kept = {name: _empty(name) for name in TABLES if name not in ("games", "lineups")}
    notices: list[str] = []
    if (out / MANIFEST).is_file():
        previous = load_snapshot(out)
        ids = games["game_id"].implode()
        # What other imports attached stays with the games still here; player seasons
        # belong to no game and stay as they are.
        kept = {
            name: frame.filter(pl.col("game_id").is_in(ids))
            if "game_id" in frame.columns
            else frame
            for name in kept
            for frame in [previous.table(name)]
        }
        notices = list(previous.notices)
        # A scheduled first pitch from an odds import outranks the game log's estimate;
        # the starters odds imports announced stay with their games.
        listed = [c for c in GAMES_ADDED.names() if "_starter_" in c]
        games = (
            games.join(
                previous.games.select("game_id", *listed, kept=pl.col("first_pitch_utc")),
                on="game_id",
                how="left",
                maintain_order="left",
            )
            .with_columns(first_pitch_utc=pl.coalesce("kept", "first_pitch_utc"))
            .drop("kept")
        )
    seasons = sorted(games["season"].unique().to_list())
    write_snapshot(
        {"games": games, "lineups": lineups, **kept},
        out,
        f"Retrosheet game logs, seasons {seasons[0]}-{seasons[-1]}",
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
    snapshot_dir: Path, games_path: Path, lines_path: Path, strict: bool = False
) -> ImportReport:
    snapshot = _existing(snapshot_dir)
    games, odds, report = attach_pinnacle(
        snapshot.games, snapshot.odds_lines, games_path, lines_path, strict
    )
    _rewrite(snapshot_dir, snapshot, games=games, odds_lines=odds, added="Pinnacle lines")
    return report


def import_sbr(snapshot_dir: Path, paths: list[Path], strict: bool = False) -> ImportReport:
    snapshot = _existing(snapshot_dir)
    games, odds, report = attach_sbr(snapshot.games, snapshot.odds_lines, paths, strict)
    _rewrite(snapshot_dir, snapshot, games=games, odds_lines=odds, added="SBR lines")
    return report


def import_retrosplits(snapshot_dir: Path, paths: list[Path], strict: bool = False) -> ImportReport:
    """Team game lines and player splits (retrosplits files) into the snapshot's games:
    a season's file replaces that season's rows of its table, nothing else changes."""
    snapshot = _existing(snapshot_dir)
    if snapshot.games_source != "retrosheet":
        raise MlbError(
            f"{snapshot_dir} holds the synthetic demo season, not Retrosheet games; "
            "import game logs first (mlb import retrosheet ... --out SNAPSHOT)"
        )
    imported = read_retrosplits(paths, snapshot.games, strict)
    merged = merge_retrosplits({name: snapshot.table(name) for name in TABLES}, imported)
    description = _description(snapshot_dir, "retrosplits")
    write_snapshot(
        {name: snapshot.table(name) for name in TABLES} | merged,
        snapshot_dir,
        description,
        notices=list(dict.fromkeys([*snapshot.notices, RETROSHEET_NOTICE, RETROSPLITS_NOTICE])),
    )
    return imported.report


def _description(snapshot_dir: Path, added: str) -> str:
    description = str(read_manifest(snapshot_dir).get("description", ""))
    if added not in description:
        description = f"{description}; {added}" if description else added
    return description


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
