"""Team form as of each game's cutoff: season-to-date and rolling records, runs, rest.

Each finished game becomes two team rows stamped with the instant its result became
known; cumulative sums over those rows, looked up with an as-of join at every cutoff,
give each team's record exactly as it stood then, without a loop over games.
"""

from datetime import timedelta

import polars as pl

from mlbcore.data.timing import finished_results
from mlbcore.features.declared import per_side

# Declared output columns (the registry is built from these).
REST = per_side(
    "temporal",
    "results",
    {
        "days_since_last_game": "days since the team's last finished game (1 = played yesterday)",
        "games_last_7d": "finished games in the 7 days before the cutoff",
    },
)
FORM = per_side(
    "team",
    "results",
    {
        "games_played": "games played this season before the cutoff",
        "win_pct": "season-to-date win %",
        "runs_scored_per_game": "season-to-date runs scored per game",
        "runs_allowed_per_game": "season-to-date runs allowed per game",
        "run_diff_per_game": "season-to-date run differential per game",
        "pythagorean_win_pct": "season-to-date Pythagorean expectation (exponent 1.83)",
        "last10_win_pct": "win % over the last 10 finished games (across seasons)",
        "last10_runs_scored_per_game": "runs scored per game over the last 10 games",
        "last10_runs_allowed_per_game": "runs allowed per game over the last 10 games",
        "venue_win_pct": "season-to-date win % at home (home team) or on the road (away team)",
    },
)

LAST_N = 10  # "last 10" form, as broadcasts and bettors quote it
RECENT_DAYS = 7
PYTHAGOREAN_EXPONENT = 1.83  # Baseball-Reference's exponent for runs


def team_results(games: pl.DataFrame) -> pl.DataFrame:
    """One row per team per finished game, in the order results became known, with the
    team's running totals (all games, this season, this season at this venue)."""
    finished = finished_results(games)
    sides = [
        finished.select(
            "season",
            "date",
            "result_known_at_utc",
            "first_pitch_utc",
            "game_id",
            team=pl.col(f"{me}_team"),
            is_home=pl.lit(me == "home"),
            runs_scored=pl.col(f"{me}_score").cast(pl.Int32),
            runs_allowed=pl.col(f"{them}_score").cast(pl.Int32),
        )
        for me, them in (("home", "away"), ("away", "home"))
    ]
    # A team's results known at one instant (a doubleheader under the next-morning rule)
    # in the order they were played: "last 10" and the last game date never depend on how
    # a sort happened to order ties, nor, through that, on which other games are in the data.
    long = (
        pl.concat(sides)
        .sort("result_known_at_utc", "team", "first_pitch_utc", "game_id")
        .with_columns(one=pl.lit(1, pl.Int32))
    )
    counters = {
        "games": pl.col("one"),
        "wins": (pl.col("runs_scored") > pl.col("runs_allowed")).cast(pl.Int32),
        "runs_scored": pl.col("runs_scored"),
        "runs_allowed": pl.col("runs_allowed"),
    }
    return long.with_columns(
        *[expr.cum_sum().over("team").alias(f"cum_{name}") for name, expr in counters.items()],
        *[
            expr.cum_sum().over("team", "season").alias(f"season_{name}")
            for name, expr in counters.items()
        ],
        *[
            expr.cum_sum().over("team", "season", "is_home").alias(f"venue_{name}")
            for name, expr in counters.items()
            if name in ("games", "wins")
        ],
    ).with_columns(
        # Totals as they stood LAST_N games earlier, so the last-N window is a difference.
        *[
            pl.col(f"cum_{name}").shift(LAST_N).over("team").fill_null(0).alias(f"lag_{name}")
            for name in counters
        ]
    )


def _ratio(numerator: str, denominator: str) -> pl.Expr:
    return pl.when(pl.col(denominator) > 0).then(pl.col(numerator) / pl.col(denominator))


def team_form_features(games: pl.DataFrame, side: str) -> pl.DataFrame:
    """Form of the ``side`` ("home" or "away") team of every game as of its cutoff.

    ``games`` must carry ``cutoff_utc``. Returns one row per game_id with columns
    prefixed by the side.
    """
    results = team_results(games)
    appearances = games.select(
        "game_id", "season", "date", "cutoff_utc", team=pl.col(f"{side}_team")
    ).sort("cutoff_utc")
    asof = {"left_on": "cutoff_utc", "right_on": "result_known_at_utc", "check_sortedness": False}
    at_cutoff = appearances.join_asof(
        results.select(
            "team",
            "result_known_at_utc",
            *[pl.col(c) for c in results.columns if c.startswith(("cum_", "season_", "lag_"))],
            last_season=pl.col("season"),
            last_date=pl.col("date"),
        ),
        by="team",
        **asof,
    )
    week_ago = appearances.with_columns(
        cutoff_utc=pl.col("cutoff_utc") - timedelta(days=RECENT_DAYS)
    ).join_asof(
        results.select("team", "result_known_at_utc", games_week_ago=pl.col("cum_games")),
        by="team",
        **asof,
    )
    at_venue = appearances.with_columns(is_home=pl.lit(side == "home")).join_asof(
        results.select(
            "team", "is_home", "result_known_at_utc", "season", "venue_games", "venue_wins"
        ),
        by=["team", "is_home"],
        **asof,
        suffix="_venue",
    )
    same_season = pl.col("last_season") == pl.col("season")
    this_season = {
        name: pl.when(same_season).then(pl.col(f"season_{name}")).otherwise(0)
        for name in ("games", "wins", "runs_scored", "runs_allowed")
    }
    frame = (
        at_cutoff.with_columns(**{f"s_{k}": v for k, v in this_season.items()})
        .join(week_ago.select("game_id", "games_week_ago"), on="game_id")
        .join(
            at_venue.select(
                "game_id",
                venue_games=pl.when(pl.col("season_venue") == pl.col("season")).then(
                    pl.col("venue_games")
                ),
                venue_wins=pl.col("venue_wins"),
            ),
            on="game_id",
        )
        .with_columns(
            last_n_games=(pl.col("cum_games") - pl.col("lag_games")),
            last_n_wins=(pl.col("cum_wins") - pl.col("lag_wins")),
            last_n_rs=(pl.col("cum_runs_scored") - pl.col("lag_runs_scored")),
            last_n_ra=(pl.col("cum_runs_allowed") - pl.col("lag_runs_allowed")),
        )
    )
    has_history = pl.col("cum_games").is_not_null()
    rs, ra = pl.col("s_runs_scored").cast(pl.Float64), pl.col("s_runs_allowed").cast(pl.Float64)
    features = frame.select(
        "game_id",
        # Counts are null, not 0, for a team with no finished game in the data at all:
        # nothing is known yet, and completeness should say so.
        games_played=pl.when(has_history).then(pl.col("s_games")),
        win_pct=_ratio("s_wins", "s_games"),
        runs_scored_per_game=_ratio("s_runs_scored", "s_games"),
        runs_allowed_per_game=_ratio("s_runs_allowed", "s_games"),
        run_diff_per_game=pl.when(pl.col("s_games") > 0).then((rs - ra) / pl.col("s_games")),
        pythagorean_win_pct=pl.when(rs + ra > 0).then(
            rs**PYTHAGOREAN_EXPONENT / (rs**PYTHAGOREAN_EXPONENT + ra**PYTHAGOREAN_EXPONENT)
        ),
        last10_win_pct=_ratio("last_n_wins", "last_n_games"),
        last10_runs_scored_per_game=_ratio("last_n_rs", "last_n_games"),
        last10_runs_allowed_per_game=_ratio("last_n_ra", "last_n_games"),
        venue_win_pct=_ratio("venue_wins", "venue_games"),
        days_since_last_game=(pl.col("date") - pl.col("last_date")).dt.total_days(),
        games_last_7d=pl.when(has_history).then(
            pl.col("cum_games") - pl.col("games_week_ago").fill_null(0)
        ),
    )
    return features.rename({c: f"{side}_{c}" for c in features.columns if c != "game_id"})
