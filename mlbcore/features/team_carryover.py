"""Team strength carried over from the prior season.

Early in a season a team's record is mostly noise; its previous season says more. The
prior season's run differential per game (its finished games, all known months before
any cutoff of the next season) and a blend that regresses this season's run
differential to date toward it, the prior counting as ``PRIOR_SEASON_GAMES`` games.
"""

import polars as pl

from mlbcore.data.timing import finished_results
from mlbcore.features.declared import SIDES, per_side

# Declared output columns (the registry is built from these). The blend is computed from
# the frame that holds the prior season and the form, see ``blended_columns``.
PRIOR = "prior_season_run_diff_per_game"
BLEND = "blended_run_diff_per_game"
FEATURES = per_side(
    "team",
    "results",
    {
        PRIOR: "run differential per game in the previous season",
        BLEND: (
            "run differential per game to date regressed toward the previous season's"
            " (which counts as 30 games)"
        ),
    },
)

# The prior season counts as this many games of this season's: by the end of May a
# team's own record outweighs it. Run differential's year-to-year correlation (about
# 0.5) puts the point where the two are equally informative near 30 to 40 games.
PRIOR_SEASON_GAMES = 30


def season_run_diff(games: pl.DataFrame) -> pl.DataFrame:
    """(team, season, run_diff_per_game): each team's whole-season run differential per
    finished game."""
    finished = finished_results(games)
    sides = pl.concat(
        [
            finished.select(
                "season",
                team=f"{me}_team",
                run_diff=(pl.col(f"{me}_score") - pl.col(f"{them}_score")).cast(pl.Float64),
            )
            for me, them in (("home", "away"), ("away", "home"))
        ]
    )
    return sides.group_by("team", "season").agg(run_diff_per_game=pl.col("run_diff").mean())


def prior_season_features(games: pl.DataFrame, side: str) -> pl.DataFrame:
    """``{side}_prior_season_run_diff_per_game``: the team's run differential per game in
    the season before the game's; null where that season is not in the data."""
    prior = season_run_diff(games).with_columns(season=pl.col("season") + 1)
    return (
        games.select("game_id", "season", team=f"{side}_team")
        .join(prior, on=["team", "season"], how="left")
        .select("game_id", pl.col("run_diff_per_game").alias(f"{side}_{PRIOR}"))
    )


def blended_run_diff_per_game(side: str) -> pl.Expr:
    """This season's run differential per game to date, regressed toward the prior
    season's: (G x this + PRIOR_SEASON_GAMES x prior) / (G + PRIOR_SEASON_GAMES). Without
    a prior season in the data it regresses toward 0, the league average; null when
    neither is known (a team with no finished game in the data)."""
    played = pl.col(f"{side}_games_played")
    prior = pl.col(f"{side}_{PRIOR}")
    this = pl.col(f"{side}_run_diff_per_game")
    g = played.fill_null(0).cast(pl.Float64)
    blended = (g * this.fill_null(0.0) + PRIOR_SEASON_GAMES * prior.fill_null(0.0)) / (
        g + PRIOR_SEASON_GAMES
    )
    return pl.when(played.is_not_null() | prior.is_not_null()).then(blended)


def blended_columns() -> dict[str, pl.Expr]:
    """Both sides' blend under its declared name, for a frame holding their form and
    prior season."""
    return {f"{side}_{BLEND}": blended_run_diff_per_game(side) for side in SIDES}
