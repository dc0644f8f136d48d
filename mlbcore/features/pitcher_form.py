"""Starting-pitcher form as of each game's cutoff, from the games he started before it.

Runs allowed are the team's runs allowed in his starts and innings are the game's
innings: that is what game logs record for every start (bullpen runs included), so
the same features work on the demo season and on Retrosheet.
"""

import polars as pl

from mlbcore.data.schema import with_added_columns
from mlbcore.data.timing import finished_results
from mlbcore.features.declared import per_side

# Declared output columns (the registry is built from these).
FEATURES = per_side(
    "pitcher",
    "results",
    {
        "sp_starts": "the starting pitcher's starts this season",
        "sp_runs_allowed_per_start": "team runs allowed per start in his starts this season",
        "sp_runs_allowed_per_9": "team runs allowed per 9 innings in his starts this season",
        "sp_team_win_pct": "team win % in his starts this season",
        "sp_last3_runs_allowed_per_start": "team runs allowed per start over his last 3 starts",
        "sp_days_since_last_start": "days since his previous start",
    },
)

LAST_N_STARTS = 3


def starter_id(side: str) -> pl.Expr:
    """The ``side`` team's starter whose form a game's features describe: the one an odds
    source announced, else (no listing matched) the game log's starter. No leak: books
    post their lines with the announced starter, so he is known before the cutoff; his
    past starts are still the game log's, who really started them."""
    return pl.coalesce(f"{side}_starter_listed_id", f"{side}_starting_pitcher_id")


def pitcher_starts(games: pl.DataFrame) -> pl.DataFrame:
    """One row per finished start with the pitcher's running totals (career in the data,
    this season, and as of three starts ago)."""
    finished = finished_results(games)
    starts = pl.concat(
        [
            finished.select(
                "season",
                "date",
                "result_known_at_utc",
                pitcher_id=pl.col(f"{me}_starting_pitcher_id"),
                runs_allowed=pl.col(f"{them}_score").cast(pl.Int32),
                innings=pl.col("innings").cast(pl.Int32),
                team_won=(pl.col(f"{me}_score") > pl.col(f"{them}_score")).cast(pl.Int32),
            )
            for me, them in (("home", "away"), ("away", "home"))
        ]
    ).filter(pl.col("pitcher_id").is_not_null())
    counters = ("runs_allowed", "innings", "team_won")
    starts = starts.sort("result_known_at_utc", "pitcher_id").with_columns(one=pl.lit(1, pl.Int32))
    starts = starts.with_columns(
        *[pl.col(c).cum_sum().over("pitcher_id", "season").alias(f"season_{c}") for c in counters],
        season_starts=pl.col("one").cum_sum().over("pitcher_id", "season"),
        cum_starts=pl.col("one").cum_sum().over("pitcher_id"),
        cum_runs_allowed=pl.col("runs_allowed").cum_sum().over("pitcher_id"),
    )
    return starts.with_columns(
        lag_starts=pl.col("cum_starts").shift(LAST_N_STARTS).over("pitcher_id").fill_null(0),
        lag_runs_allowed=pl.col("cum_runs_allowed")
        .shift(LAST_N_STARTS)
        .over("pitcher_id")
        .fill_null(0),
    )


def pitcher_form_features(games: pl.DataFrame, side: str) -> pl.DataFrame:
    """Form of the ``side`` team's starting pitcher of every game as of its cutoff."""
    starts = pitcher_starts(games)
    at_cutoff = (
        with_added_columns("games", games)  # snapshots without listings: the game log's
        .select("game_id", "season", "date", "cutoff_utc", pitcher_id=starter_id(side))
        .sort("cutoff_utc")
        .join_asof(
            starts.drop("runs_allowed", "innings", "team_won", "one").rename(
                {"season": "last_season", "date": "last_date"}
            ),
            left_on="cutoff_utc",
            right_on="result_known_at_utc",
            by="pitcher_id",
            check_sortedness=False,
        )
    )
    same_season = (pl.col("last_season") == pl.col("season")) & pl.col(
        "season_starts"
    ).is_not_null()
    starts_this_season = pl.when(same_season).then(pl.col("season_starts")).otherwise(0)
    last_n = pl.col("cum_starts") - pl.col("lag_starts")
    features = at_cutoff.select(
        "game_id",
        sp_starts=pl.when(pl.col("cum_starts").is_not_null()).then(starts_this_season),
        sp_runs_allowed_per_start=pl.when(same_season).then(
            pl.col("season_runs_allowed") / pl.col("season_starts")
        ),
        sp_runs_allowed_per_9=pl.when(same_season & (pl.col("season_innings") > 0)).then(
            9.0 * pl.col("season_runs_allowed") / pl.col("season_innings")
        ),
        sp_team_win_pct=pl.when(same_season).then(
            pl.col("season_team_won") / pl.col("season_starts")
        ),
        sp_last3_runs_allowed_per_start=pl.when(last_n > 0).then(
            (pl.col("cum_runs_allowed") - pl.col("lag_runs_allowed")) / last_n
        ),
        sp_days_since_last_start=(pl.col("date") - pl.col("last_date")).dt.total_days(),
    )
    return features.rename({c: f"{side}_{c}" for c in features.columns if c != "game_id"})
