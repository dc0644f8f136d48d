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

# The starting nine of each side as the game log lists them. Lineups are posted hours
# before first pitch, so they are known at the cutoff (README, "Features").
LINEUPS = pl.Schema(
    {
        "game_id": pl.String,
        "side": pl.String,  # "home" or "away"
        "batting_order": pl.Int8,  # 1-9
        "player_id": pl.String,  # Retrosheet id, as in the split files
        "position": pl.Int8,  # 1 pitcher ... 9 right field, 10 designated hitter
    }
)

# One row per team per finished game (retrosplits teams-YYYY.csv): the team's pitching
# line. A result: known only once its game is over (the game's end, see features).
TEAM_GAMES = pl.Schema(
    {
        "game_id": pl.String,
        "team": pl.String,  # Retrosheet team code
        "side": pl.String,  # "home" or "away"
        "pitches": pl.Int32,  # P_PITCH; null where the source has no pitch count
        "batters_faced": pl.Int32,  # P_TBF
        "outs": pl.Int32,  # P_OUT
        "strikeouts": pl.Int32,  # P_SO
        "walks": pl.Int32,  # P_BB
        "hit_by_pitch": pl.Int32,  # P_HP
        "home_runs": pl.Int32,  # P_HR
        "runs_allowed": pl.Int32,  # P_R
    }
)

# Whole regular-season lines per player and platoon split (retrosplits
# pitching-/batting-platoon-YYYY.csv). Known only after the season: a game may use
# PRIOR seasons' rows, never its own season's.
_SPLIT_COUNTS = {
    "plate_appearances": pl.Int32,  # B_PA
    "at_bats": pl.Int32,  # B_AB
    "hits": pl.Int32,  # B_H
    "total_bases": pl.Int32,  # B_TB
    "home_runs": pl.Int32,  # B_HR
    "walks": pl.Int32,  # B_BB (intentional ones included)
    "intentional_walks": pl.Int32,  # B_IBB
    "strikeouts": pl.Int32,  # B_SO
    "hit_by_pitch": pl.Int32,  # B_HP
    "sacrifice_flies": pl.Int32,  # B_SF
}
PITCHER_SPLITS = pl.Schema(
    {
        "season": pl.Int32,
        "pitcher_id": pl.String,
        "pitcher_hand": pl.String,  # "L" / "R"
        "batter_hand": pl.String,  # "L" / "R" (as the batter stood)
        **_SPLIT_COUNTS,  # what batters did against him
    }
)
BATTER_SPLITS = pl.Schema(
    {
        "season": pl.Int32,
        "batter_id": pl.String,
        "batter_hand": pl.String,
        "pitcher_hand": pl.String,
        **_SPLIT_COUNTS,
    }
)

TABLES: dict[str, pl.Schema] = {
    "games": GAMES,
    "odds_lines": ODDS_LINES,
    "betting_splits": BETTING_SPLITS,
    "lineups": LINEUPS,
    "team_games": TEAM_GAMES,
    "pitcher_splits": PITCHER_SPLITS,
    "batter_splits": BATTER_SPLITS,
}

# Tables added after schema version 1: a snapshot written before them has no file for
# them and loads them empty, and an empty one is left out of the content hash, so adding
# them changed no existing data version and needs no new schema version.
ADDED_TABLES: tuple[str, ...] = ("lineups", "team_games", "pitcher_splits", "batter_splits")

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
    "lineups": ["game_id", "side", "batting_order", "player_id", "position"],
    "team_games": ["game_id", "team", *TEAM_GAMES.names()[2:]],
    "pitcher_splits": PITCHER_SPLITS.names(),
    "batter_splits": BATTER_SPLITS.names(),
}


def empty_table(name: str) -> pl.DataFrame:
    return pl.DataFrame(schema=full_schema(name))


def table_problem(name: str, frame: pl.DataFrame) -> str | None:
    """What makes ``frame`` unfit to be table ``name``, or None: a column of the schema it
    lacks (those added since schema version 1 may be absent), or a column of another type."""
    missing = [c for c in TABLES[name].names() if c not in frame.columns]
    if missing:
        return f"table {name} lacks column(s) {', '.join(missing)}"
    wrong = [
        f"{c} is {frame.schema[c]}, not {t}"
        for c, t in full_schema(name).items()
        if c in frame.columns and frame.schema[c] != t
    ]
    return f"table {name}: {'; '.join(wrong)}" if wrong else None


def games_problem(games: pl.DataFrame) -> str | None:
    """What breaks the rules every other table and feature leans on, or None: each game
    once (joins would multiply rows), and a first pitch for each (every cutoff is one)."""
    if games["game_id"].null_count():
        return f"{games['game_id'].null_count()} game(s) have no game_id"
    twice = games.filter(pl.col("game_id").is_duplicated())["game_id"].unique().sort()
    if twice.len():
        return f"{twice.len()} game_id(s) appear more than once, e.g. {', '.join(twice.head(3))}"
    no_first_pitch = games.filter(pl.col("first_pitch_utc").is_null())["game_id"]
    if no_first_pitch.len():
        return (
            f"{no_first_pitch.len()} game(s) have no first_pitch_utc, "
            f"e.g. {', '.join(str(g) for g in no_first_pitch.head(3))}"
        )
    return None
