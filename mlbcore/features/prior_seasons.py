"""Which seasons' player splits a game may use, and how much each counts.

A season's split file holds its whole-season totals, so it is known only after the
season: a game of season S looks back on seasons S-1, S-2, S-3, never on S. Recent
seasons say more about a player than old ones: Marcel's weights (Tango's projection
system: 5/4/3 for batters, 3/2/1 for pitchers), scaled so that the last season counts
in full and older ones as fewer trials of evidence.
"""

import polars as pl

PITCHER_SEASON_WEIGHTS = (1.0, 2 / 3, 1 / 3)
BATTER_SEASON_WEIGHTS = (1.0, 0.8, 0.6)


def look_back(seasons: pl.Series, weights: tuple[float, ...]) -> pl.DataFrame:
    """(season, split_season, offset, weight): for each game season, the prior seasons it
    uses, ``offset`` seasons back (1 = the season before), each with its weight."""
    offsets = pl.DataFrame(
        {"offset": range(1, len(weights) + 1), "weight": weights},
        schema={"offset": pl.Int32, "weight": pl.Float64},
    )
    return (
        seasons.unique()
        .cast(pl.Int32)
        .to_frame("season")
        .join(offsets, how="cross")
        .with_columns(split_season=pl.col("season") - pl.col("offset"))
    )


def weighted_counts(
    splits: pl.DataFrame,
    seasons: pl.Series,
    weights: tuple[float, ...],
    by: list[str],
    counts: dict[str, pl.Expr],
    trials: str,
) -> pl.DataFrame:
    """Per game season and ``by`` group: each count summed over the look-back seasons
    with their weights, and ``{trials}_raw``, the unweighted trials (what the player
    really faced). Groups without rows in the look-back are absent."""
    rows = look_back(seasons, weights).join(
        splits.rename({"season": "split_season"}), on="split_season"
    )
    # Weighted float sums in one fixed order: a join's row order is not, and a different
    # order changes the last bits of a sum (a game's features must not move by a hair).
    rows = rows.sort("season", *by, "offset")
    return rows.group_by("season", *by, maintain_order=True).agg(
        *[(expr * pl.col("weight")).sum().alias(name) for name, expr in counts.items()],
        pl.col(trials).sum().alias(f"{trials}_raw"),
    )


def latest_league_priors(
    priors: pl.DataFrame, seasons: pl.Series, weights: tuple[float, ...], by: list[str]
) -> pl.DataFrame:
    """For each game season (and ``by`` group), the league priors of the most recent
    season of its look-back that has any (``priors`` is keyed by ``season`` of the split
    file). Seasons with none in their look-back are absent: their features are null."""
    return (
        look_back(seasons, weights)
        .join(priors.rename({"season": "split_season"}), on="split_season")
        .sort("offset")
        .group_by("season", *by, maintain_order=True)
        .first()
        .drop("split_season", "offset", "weight")
    )
