"""The snapshot schema: the tables every data source (demo generator, importers, database)
fills, with their column types.

Times are UTC instants in columns whose names end in ``_utc``; ``date`` is the local
calendar date of the game at its park, as baseball people say it.
"""

import polars as pl

SCHEMA_VERSION = "1"

UTC = pl.Datetime("us", "UTC")

GAMES = pl.Schema(
    {
        "game_id": pl.String,  # Retrosheet form: home team, yyyymmdd, game number (NYN201604030)
        "season": pl.Int32,
        "date": pl.Date,  # local date at the park
        "first_pitch_utc": UTC,
        "game_end_utc": UTC,  # when the final out was made; null if unknown (see features)
        "home_team": pl.String,
        "away_team": pl.String,
        "home_starting_pitcher_id": pl.String,
        "away_starting_pitcher_id": pl.String,
        "park_id": pl.String,
        "day_night": pl.String,  # "D" or "N"
        "doubleheader": pl.Int8,  # 0 single game, 1 or 2 game of a doubleheader
        "innings": pl.Int8,
        "home_score": pl.Int16,
        "away_score": pl.Int16,
    }
)

# Columns added to ``games`` after schema version 1, all nullable. Snapshots written before
# them, and sources that do not know them (the demo generator), have none: they load with
# nulls, and a column that is null throughout is left out of the content hash, so adding
# these changed no existing data version and needs no new schema version.
GAMES_ADDED = pl.Schema(
    {
        # The game log's starters by name, to resolve the names books list (Retrosheet).
        "home_starting_pitcher_name": pl.String,
        "away_starting_pitcher_name": pl.String,
        # The starter an odds source announced with its lines, as a Retrosheet id; null
        # where no listing was matched and resolved (features then use the game log's).
        "home_starter_listed_id": pl.String,
        "away_starter_listed_id": pl.String,
        # The book whose listing that is ("pinnacle" outranks "sbr"); null with the id.
        "home_starter_source": pl.String,
        "away_starter_source": pl.String,
    }
)

ODDS_LINES = pl.Schema(
    {
        "game_id": pl.String,
        "book": pl.String,
        "entered_at_utc": UTC,  # when the book posted this line
        "moneyline_home": pl.Int32,  # American odds, e.g. -150, +130
        "moneyline_away": pl.Int32,
        "total": pl.Float64,  # total runs line, e.g. 8.5
        "over_price": pl.Int32,
        "under_price": pl.Int32,
        "run_line_home": pl.Float64,  # run line for the home team, e.g. -1.5
        "run_line_home_price": pl.Int32,
        "run_line_away_price": pl.Int32,
    }
)

BETTING_SPLITS = pl.Schema(
    {
        "game_id": pl.String,
        "source": pl.String,
        "captured_at_utc": UTC,
        "market": pl.String,  # "moneyline" or "total"
        "side": pl.String,  # "home"/"away" for moneyline, "over"/"under" for total
        "ticket_pct": pl.Float64,  # share of bets, 0-100
        "money_pct": pl.Float64,  # share of money staked, 0-100
    }
)

TABLES: dict[str, pl.Schema] = {
    "games": GAMES,
    "odds_lines": ODDS_LINES,
    "betting_splits": BETTING_SPLITS,
}

ADDED_COLUMNS: dict[str, pl.Schema] = {"games": GAMES_ADDED}


def full_schema(name: str) -> pl.Schema:
    """A table's columns with those added since schema version 1 (as stored in PostgreSQL)."""
    return pl.Schema({**TABLES[name], **ADDED_COLUMNS.get(name, {})})


def with_added_columns(name: str, frame: pl.DataFrame) -> pl.DataFrame:
    """``frame`` with every added column of the table it lacks, as typed nulls."""
    added = ADDED_COLUMNS.get(name, pl.Schema())
    return frame.with_columns(
        [pl.lit(None, t).alias(c) for c, t in added.items() if c not in frame.columns]
    )


# Sort order that makes a table's content canonical (for hashing and for as-of joins).
# Every column takes part, so rows that tie on time still have one order and the content
# hash does not depend on the order rows arrived in.
SORT_KEYS: dict[str, list[str]] = {
    "games": ["first_pitch_utc", "game_id"],
    "odds_lines": [
        "game_id",
        "book",
        "entered_at_utc",
        *[c for c in ODDS_LINES.names() if c not in ("game_id", "book", "entered_at_utc")],
    ],
    "betting_splits": [
        "game_id",
        "source",
        "market",
        "side",
        "captured_at_utc",
        "ticket_pct",
        "money_pct",
    ],
}
