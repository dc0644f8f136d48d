"""Where a game is played: how the park plays (runs) and how far each team's body clock
moved since its last game (time zones crossed)."""

import polars as pl

from mlbcore.data.teams import local_time_zones, per_time_zone
from mlbcore.data.timing import finished_results
from mlbcore.features.declared import SIDES, Feature

# Declared output columns (the registry is built from these).
TRAVEL = tuple(
    Feature(
        f"{side}_tz_shift_hours",
        "travel",
        "schedule",
        f"{side} team: time zones crossed since its last game, east positive",
    )
    for side in SIDES
)
PARK = (
    Feature(
        "park_run_factor",
        "park",
        "results",
        "runs per game at this park / league's, shrunk toward 1, over the games finished by"
        " the cutoff in the 3 prior seasons and this season to date",
    ),
)

# Shrink a park's run rate toward the league's as if it had this many league-average
# games: a park with a handful of games says little about itself.
PARK_PRIOR_GAMES = 81
# Seasons before the game's own that its park factor looks back on: a fixed look-back, so a
# game's factor is the same whichever seasons were imported around it.
PARK_LOOK_BACK_SEASONS = 3


def park_run_factor(games: pl.DataFrame) -> pl.DataFrame:
    """Runs per game at the game's park over the games finished there by the cutoff in
    the ``PARK_LOOK_BACK_SEASONS`` prior seasons and this season to date, relative to the
    league's over the same games, shrunk toward 1. One row per game_id; null when no game
    of the look-back has finished."""
    finished = (
        finished_results(games)
        .select(
            "park_id",
            "season",
            "result_known_at_utc",
            runs=(pl.col("home_score") + pl.col("away_score")).cast(pl.Float64),
        )
        .sort("result_known_at_utc", "park_id", "runs")
        # Running totals per season, so any look-back is a sum of seasons' totals.
        .with_columns(
            park_games=pl.int_range(1, pl.len() + 1).over("park_id", "season"),
            park_runs=pl.col("runs").cum_sum().over("park_id", "season"),
            league_games=pl.int_range(1, pl.len() + 1).over("season"),
            league_runs=pl.col("runs").cum_sum().over("season"),
        )
    )
    # One row per game and season of its look-back, each looked up at the game's cutoff.
    look_back = (
        games.select(
            "game_id",
            "park_id",
            "cutoff_utc",
            season=pl.int_ranges(
                pl.col("season") - PARK_LOOK_BACK_SEASONS, pl.col("season") + 1, dtype=pl.Int32
            ),
        )
        .explode("season")
        .sort("cutoff_utc")
    )
    asof = {"left_on": "cutoff_utc", "right_on": "result_known_at_utc", "check_sortedness": False}
    park = look_back.join_asof(
        finished.select("park_id", "season", "result_known_at_utc", "park_games", "park_runs"),
        by=["park_id", "season"],
        **asof,
    )
    league = look_back.join_asof(
        finished.select("season", "result_known_at_utc", "league_games", "league_runs"),
        by="season",
        **asof,
    )
    totals = (
        park.join(
            league.select("game_id", "season", "league_games", "league_runs"),
            on=["game_id", "season"],
        )
        .group_by("game_id")
        .agg(pl.col("park_games", "park_runs", "league_games", "league_runs").sum())
    )
    league_rate = pl.when(pl.col("league_games") > 0).then(
        pl.col("league_runs") / pl.col("league_games")
    )
    shrunk = (pl.col("park_runs") + PARK_PRIOR_GAMES * league_rate) / (
        pl.col("park_games") + PARK_PRIOR_GAMES
    )
    return games.select("game_id").join(
        totals.select("game_id", park_run_factor=shrunk / league_rate), on="game_id", how="left"
    )


def time_zone_shift(games: pl.DataFrame, side: str) -> pl.DataFrame:
    """Hours the ``side`` team's clock moved from its previous game's park to this one's
    (positive eastward). The schedule is public, so the previous game is the last one
    that started before this game's cutoff, finished or not."""
    offsets = games.select(
        "game_id",
        "first_pitch_utc",
        "cutoff_utc",
        team=pl.col(f"{side}_team"),
        home_team=pl.col("home_team"),
        away_team=pl.col("away_team"),
        utc_offset_hours=_utc_offset_hours(games),
    )
    appearances = pl.concat(
        [
            offsets.select("first_pitch_utc", "utc_offset_hours", team=pl.col(f"{who}_team"))
            for who in ("home", "away")
        ]
    ).sort("first_pitch_utc")
    previous = offsets.sort("cutoff_utc").join_asof(
        appearances.rename(
            {"utc_offset_hours": "previous_offset", "first_pitch_utc": "previous_at"}
        ),
        left_on="cutoff_utc",
        right_on="previous_at",
        by="team",
        check_sortedness=False,
    )
    return previous.select(
        "game_id",
        (pl.col("utc_offset_hours") - pl.col("previous_offset")).alias(f"{side}_tz_shift_hours"),
    )


def _utc_offset_hours(games: pl.DataFrame) -> pl.Series:
    """Each game's park's UTC offset at first pitch, in hours (daylight saving included)."""

    def hours(zone: str) -> pl.Series:
        local = games["first_pitch_utc"].dt.convert_time_zone(zone)
        return (local.dt.base_utc_offset() + local.dt.dst_offset()).dt.total_seconds() / 3600

    return per_time_zone(local_time_zones(games), hours, pl.Float64()).alias("utc_offset_hours")
