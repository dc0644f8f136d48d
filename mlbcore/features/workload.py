"""Pitching workload as of the cutoff: how much the team's arms threw in the days before.

Team totals (starters and bullpen together, as TEAM_GAMES records them): a tired bullpen
shows as many pitches the day before, and what share of that the bullpen threw is left
to the model. Windows are local dates: "last 1 day" is the day before the game's date,
"last 3 days" the three days before it; an earlier game of the same date (a
doubleheader's opener) counts in both once it was over by the cutoff. Every line counts
only once its game's result was known by the cutoff (``finished_results``).
"""

import polars as pl

from mlbcore.data.timing import finished_results
from mlbcore.features.declared import per_side

# Declared output columns (the registry is built from these).
FEATURES = per_side(
    "workload",
    "workload",
    {
        "pitches_last_1d": "pitches the team threw the day before (and earlier today, if over)",
        "pitches_last_3d": "pitches the team threw in the 3 days before (and earlier today)",
        "batters_faced_last_3d": "batters the team's pitchers faced in the 3 days before",
    },
)

WINDOW_DAYS = (1, 3)


def team_lines(games: pl.DataFrame, team_games: pl.DataFrame) -> pl.DataFrame:
    """(season, team, date, result_known_at_utc, pitches, batters_faced): every finished game's
    pitching line of each team, the team named as the games table names it."""
    finished = finished_results(games)
    sides = pl.concat(
        [
            finished.select(
                "game_id",
                "season",
                "date",
                "result_known_at_utc",
                team=f"{side}_team",
                side=pl.lit(side),
            )
            for side in ("home", "away")
        ]
    )
    return sides.join(
        team_games.select("game_id", "side", "pitches", "batters_faced"), on=["game_id", "side"]
    ).drop("game_id", "side")


def pitching_workload(games: pl.DataFrame, team_games: pl.DataFrame, side: str) -> pl.DataFrame:
    """``{side}_pitches_last_1d``, ``_pitches_last_3d`` and ``_batters_faced_last_3d`` of
    every game. 0 when the team threw nothing in the window; null where no team line of
    this season or the one before was known by the cutoff (none imported, or the first
    games of the data), and pitches null when a line in the window has no pitch count."""
    lines = team_lines(games, team_games)
    # Does the source cover this season? Judged only from lines known by the cutoff (the
    # existence of later lines is not known either): the latest one is of this season or
    # the one before (opening day, before any line of the season is in).
    latest = (
        games.select("game_id", "season", "cutoff_utc")
        .sort("cutoff_utc")
        .join_asof(
            lines.select("result_known_at_utc", latest_season="season").sort("result_known_at_utc"),
            left_on="cutoff_utc",
            right_on="result_known_at_utc",
        )
        .select("game_id", in_covered=pl.col("latest_season") >= pl.col("season") - 1)
    )
    days_back = max(WINDOW_DAYS)
    # Each game once per date of its window (the game's own date included), so the lines
    # are found with an equality join on (team, date) rather than a loop.
    window = (
        games.select(
            "game_id",
            "cutoff_utc",
            game_date="date",
            team=f"{side}_team",
            date=pl.date_ranges(pl.col("date") - pl.duration(days=days_back), pl.col("date")),
        )
        .explode("date")
        .join(lines, on=["team", "date"])
        .filter(pl.col("result_known_at_utc") <= pl.col("cutoff_utc"))
        .with_columns(days_before=(pl.col("game_date") - pl.col("date")).dt.total_days())
    )

    def total(column: str, days: int) -> pl.Expr:
        within = pl.col("days_before") <= days
        counted = pl.col(column).filter(within)
        # A line without a pitch count makes the sum unknown, not smaller.
        return pl.when(counted.null_count() == 0).then(counted.sum())

    sums = window.group_by("game_id").agg(
        lines_in_window=pl.lit(True),
        pitches_last_1d=total("pitches", 1),
        pitches_last_3d=total("pitches", 3),
        batters_faced_last_3d=total("batters_faced", 3),
    )
    names = ["pitches_last_1d", "pitches_last_3d", "batters_faced_last_3d"]
    features = (
        games.select("game_id")
        .join(latest, on="game_id", how="left")
        .join(sums, on="game_id", how="left")
        .select(
            "game_id",
            # No line in the window: nothing thrown (0), unlike a line without pitches.
            *[
                pl.when(pl.col("in_covered") & pl.col("lines_in_window").is_null())
                .then(0)
                .when(pl.col("in_covered"))
                .then(pl.col(n))
                .alias(n)
                for n in names
            ],
        )
    )
    return features.rename({n: f"{side}_{n}" for n in names})
