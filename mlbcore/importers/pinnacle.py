"""Pinnacle's time-stamped line history (the ``pinnacle.data`` MLB format: a games file
and a lines file) attached to the games of a snapshot.

Every posted line keeps its time stamp, so the market features see exactly the line that
was up at each game's cutoff. Matched games also take Pinnacle's scheduled first pitch,
which replaces the estimate of a Retrosheet import.
"""

import dataclasses
from datetime import timedelta
from pathlib import Path

import polars as pl

from mlbcore.data.teams import resolve_teams
from mlbcore.errors import MlbError
from mlbcore.importers.matching import game_sequence, local_date, match_games
from mlbcore.importers.merge import ODDS_KEY, ODDS_MARKETS, remove, upsert
from mlbcore.importers.report import (
    ImportReport,
    Problem,
    collect_problems,
    cut_off_problems,
)
from mlbcore.importers.sbr import BOOK as SBR_BOOK
from mlbcore.importers.source_files import read_text_file
from mlbcore.importers.starters import apply_listings, listing_notes, listings_of, resolve_listings
from mlbcore.importers.values import (
    finite,
    finite_problem,
    price,
    price_problem,
    season_problem,
)

BOOK = "pinnacle"
GAME_COLUMNS = (
    "event_id", "retro_game_id", "first_pitch_utc", "away_team", "home_team",
    "doubleheader_game", "away_starting_pitcher", "home_starting_pitcher", "away_score",
    "home_score",
)  # fmt: skip
LINE_COLUMNS = (
    "event_id", "entered_at_utc", "moneyline_away", "moneyline_home", "spread_away",
    "spread_price_away", "spread_price_home", "total", "over_price", "under_price",
)  # fmt: skip
UTC_FORMATS = ("%Y-%m-%dT%H:%M:%S%.fZ", "%Y-%m-%dT%H:%M:%SZ")


WHAT = "Pinnacle's MLB files (mlbYYYY_games.csv and mlbYYYY_lines.csv.gz)"


def _split_lines(
    path: Path, columns: tuple[str, ...], allow_partial: bool
) -> tuple[pl.DataFrame, Problem | None]:
    """Each data line's number and its comma-separated cells (these files quote nothing),
    with ``reason`` set where the line has the wrong number of cells; refuses a file
    whose header is not the format's. Also the cut-off last line of a truncated file
    read in part (``allow_partial``)."""
    source = read_text_file(Path(path), WHAT, allow_partial, "utf-8-sig")
    header = source.lines[0] if source.lines else ""
    if header.strip() != ",".join(columns):
        raise MlbError(f"{path}:1: header is not the Pinnacle format ({','.join(columns)})")
    lines = pl.DataFrame(
        {"line": range(1, len(source.lines) + 1), "text": source.lines},
        schema={"line": pl.Int64, "text": pl.String},
    )
    cells = (
        lines.slice(1)
        .filter(pl.col("text").str.strip_chars() != "")
        .with_columns(cells=pl.col("text").str.split(","))
    )
    frame = cells.with_columns(
        reason=pl.when(pl.col("cells").list.len() != len(columns)).then(
            pl.format(
                "expected {} cells, found {}", pl.lit(len(columns)), pl.col("cells").list.len()
            )
        ),
        **{
            name: pl.col("cells").list.get(i, null_on_oob=True).replace("", None)
            for i, name in enumerate(columns)
        },
    ).drop("text", "cells")
    return frame, source.cut_off


def _utc(column: str) -> pl.Expr:
    text = pl.col(column)
    return pl.coalesce(
        *[
            text.str.to_datetime(f, time_unit="us", time_zone="UTC", strict=False)
            for f in UTC_FORMATS
        ]
    )


def read_games(path: Path, strict: bool, allow_partial: bool = False) -> tuple[pl.DataFrame, list]:
    rows, cut_off = _split_lines(Path(path), GAME_COLUMNS, allow_partial)
    rows = rows.with_columns(
        first_pitch=_utc("first_pitch_utc"), event=pl.col("event_id").cast(pl.Int64, strict=False)
    )
    scores = [
        pl.when(pl.col(c).is_not_null() & ~(pl.col(c).cast(pl.Int32, strict=False) >= 0)).then(
            pl.format(f"{c} {{}} is not a score (a whole number, 0 or more)", pl.col(c))
        )
        for c in ("away_score", "home_score")
    ]
    rows = rows.with_columns(
        reason=pl.coalesce(
            "reason",
            pl.when(pl.col("event").is_null()).then(pl.lit("event_id is not a number")),
            pl.when(pl.col("first_pitch").is_null()).then(
                pl.format("first_pitch_utc {} is not a UTC time", pl.col("first_pitch_utc"))
            ),
            season_problem(pl.col("first_pitch"), pl.col("first_pitch_utc"), "first_pitch_utc"),
            pl.when(~pl.col("doubleheader_game").is_in(["0", "1", "2"])).then(
                pl.lit("doubleheader_game is not 0, 1 or 2")
            ),
            *scores,
        )
    )
    problems = collect_problems(rows, "reason", str(path), "line", strict)
    problems += cut_off_problems(cut_off, strict)
    games = rows.filter(pl.col("reason").is_null()).select(
        "line",
        "retro_game_id",
        "away_team",
        "home_team",
        event_id=pl.col("event"),
        first_pitch_utc=pl.col("first_pitch"),
        doubleheader=pl.col("doubleheader_game").cast(pl.Int8),
        season=pl.col("first_pitch").dt.year().cast(pl.Int32),
        source_home_team=pl.col("home_team"),
        home_listed=pl.col("home_starting_pitcher"),
        away_listed=pl.col("away_starting_pitcher"),
    )
    return games, problems


PRICES = (
    "moneyline_away", "moneyline_home", "spread_price_away", "spread_price_home", "over_price",
    "under_price",
)  # fmt: skip
RUNS = ("spread_away", "total")


def read_lines(path: Path, strict: bool, allow_partial: bool = False) -> tuple[pl.DataFrame, list]:
    rows, cut_off = _split_lines(Path(path), LINE_COLUMNS, allow_partial)
    rows = rows.with_columns(
        event=pl.col("event_id").cast(pl.Int64, strict=False), entered=_utc("entered_at_utc")
    )
    rows = rows.with_columns(
        reason=pl.coalesce(
            "reason",
            pl.when(pl.col("event").is_null()).then(pl.lit("event_id is not a number")),
            pl.when(pl.col("entered").is_null()).then(
                pl.format("entered_at_utc {} is not a UTC time", pl.col("entered_at_utc"))
            ),
            season_problem(pl.col("entered"), pl.col("entered_at_utc"), "entered_at_utc"),
            *[price_problem(pl.col(c), c) for c in PRICES],
            *[finite_problem(pl.col(c), c) for c in RUNS],
        )
    ).with_columns(
        *[price(pl.col(c)).alias(c) for c in PRICES], *[finite(pl.col(c)).alias(c) for c in RUNS]
    )
    problems = collect_problems(rows, "reason", str(path), "line", strict)
    problems += cut_off_problems(cut_off, strict)
    return rows.filter(pl.col("reason").is_null()), problems


def attach_pinnacle(
    games: pl.DataFrame,
    odds_lines: pl.DataFrame,
    games_path: Path,
    lines_path: Path,
    strict: bool = False,
    allow_partial: bool = False,
    replace: bool = False,
) -> tuple[pl.DataFrame, pl.DataFrame, ImportReport]:
    """New ``games`` (first pitch and announced starters from Pinnacle where matched) and
    ``odds_lines`` (the file's lines of matched games added or updated by book, game,
    time stamp and market; with ``replace`` this book's other lines of those games go),
    and the report."""
    report = ImportReport(source=f"pinnacle ({games_path}, {lines_path})")
    events, game_problems = read_games(games_path, strict, allow_partial)
    lines, line_problems = read_lines(lines_path, strict, allow_partial)
    report.problems = game_problems + line_problems
    report.rows_read = events.height + len(game_problems) + lines.height + len(line_problems)

    events = resolve_teams(events, ["home_team", "away_team"], "season", scheme="name")
    events = events.with_columns(local_date("first_pitch_utc", "home_team")).with_columns(
        game_sequence(["doubleheader", "first_pitch_utc"])
    )
    matched = match_games(events, games)
    report.unmatched = matched.filter(pl.col("game_id").is_null()).select(
        "line", "event_id", "retro_game_id", "date", home=pl.col("source_home_team")
    )
    keys = matched.filter(pl.col("game_id").is_not_null()).select(
        "event_id", "game_id", "first_pitch_utc"
    )

    new_lines = lines.join(keys, left_on="event", right_on="event_id", how="inner").select(
        "game_id",
        book=pl.lit(BOOK),
        entered_at_utc=pl.col("entered"),
        moneyline_home=pl.col("moneyline_home"),
        moneyline_away=pl.col("moneyline_away"),
        total=pl.col("total"),
        over_price=pl.col("over_price"),
        under_price=pl.col("under_price"),
        run_line_home=-pl.col("spread_away"),
        run_line_home_price=pl.col("spread_price_home"),
        run_line_away_price=pl.col("spread_price_away"),
    )
    orphan_lines = lines.join(keys, left_on="event", right_on="event_id", how="anti")
    report.rows_imported = new_lines.height
    if orphan_lines.height:
        report.notes.append(
            f"{orphan_lines.height} lines of games that matched nothing were not attached"
        )
    moved = games.join(
        keys.select("game_id", scheduled=pl.col("first_pitch_utc")), on="game_id", how="left"
    ).with_columns(moved_by=pl.col("scheduled") - pl.col("first_pitch_utc"))
    # SBR lines are stamped relative to first pitch: they move with it.
    moves = (pl.col("book") == SBR_BOOK) & (pl.col("moved_by") != timedelta(0)).fill_null(False)
    shifted = odds_lines.join(
        moved.select("game_id", "moved_by"), on="game_id", how="left", maintain_order="left"
    )
    if n_moved := shifted.filter(moves).height:
        report.notes.append(f"{n_moved} SBR lines moved with their games' scheduled first pitch")
    shifted = shifted.with_columns(
        entered_at_utc=pl.when(moves)
        .then(pl.col("entered_at_utc") + pl.col("moved_by"))
        .otherwise(pl.col("entered_at_utc"))
    ).drop("moved_by")
    merged, line_counts = upsert(
        shifted,
        new_lines,
        ODDS_KEY,
        ODDS_MARKETS,
        skipped=len(line_problems) + orphan_lines.height,
    )
    if replace:
        ours = (pl.col("book") == BOOK) & pl.col("game_id").is_in(keys["game_id"].implode())
        merged, removed = remove(merged, ours, new_lines.select(ODDS_KEY))
        line_counts = dataclasses.replace(line_counts, removed=removed)
    scheduled = moved.with_columns(first_pitch_utc=pl.coalesce("scheduled", "first_pitch_utc"))
    found = matched.filter(pl.col("game_id").is_not_null())
    listings = listings_of(found)
    resolved = resolve_listings(listings, games)
    report.notes += listing_notes(games, listings.height, resolved)
    listed = apply_listings(scheduled.select(games.columns), resolved, found["game_id"], BOOK)
    _, game_counts = upsert(
        games,
        listed.filter(pl.col("game_id").is_in(found["game_id"].implode())),
        ["game_id"],
        skipped=len(game_problems) + report.unmatched.height,
    )
    report.tables = {"games": game_counts, "odds_lines": line_counts}
    return listed, merged, report
