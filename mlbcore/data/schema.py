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
