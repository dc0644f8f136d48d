"""Lineup strength as of the cutoff: the starting nine's on-base rate and isolated power
in their prior seasons against the hand of the starter they face, each shrunk toward the
league's against that hand, averaged over the lineup.

Lineups are posted hours before first pitch, so a game's own lineup is known at its
cutoff; the splits are prior seasons' (``prior_seasons``: 3 seasons, Marcel weights
5/4/3). When the opposing starter's hand is unknown (no prior season of his, or a switch
pitcher), both hands are pooled, batters' and league's alike.
"""

import polars as pl

from mlbcore.features.declared import per_side
from mlbcore.features.prior_seasons import (
    BATTER_SEASON_WEIGHTS,
    latest_league_priors,
    weighted_counts,
)
from mlbcore.features.shrinkage import league_priors, shrunk_rate

# Declared output columns (the registry is built from these).
FEATURES = per_side(
    "lineup",
    "lineups",
    {
        "lineup_obp": (
            "starting nine's mean on-base rate (H+BB+HBP)/PA against the opposing starter's"
            " hand, prior seasons shrunk toward the league's (both hands when his is unknown)"
        ),
        "lineup_iso": "starting nine's mean isolated power (TB-H)/AB, as lineup_obp",
        "lineup_prior_share": "share of the starting nine with a prior season in the splits",
    },
)

POOLED = "pooled"  # the pitcher_hand of both hands together

# rate: (events, trials, squared outcomes per trial or None for a 0/1 outcome)
BATTER_RATES: dict[str, tuple[pl.Expr, str, pl.Expr | None]] = {
    # On-base rate per plate appearance, as the task defines it: (H + BB + HBP) / PA.
    "obp": (pl.col("hits") + pl.col("walks") + pl.col("hit_by_pitch"), "plate_appearances", None),
    # Isolated power, extra bases per at bat: (TB - H) / AB. An at bat's extra bases are
    # 1 (double), 2 (triple) or 3 (home run); with triples counted as doubles the squares
    # are (TB - H - 3 HR) + 9 HR, enough for the sampling variance of the shrinkage.
    "iso": (
        pl.col("total_bases") - pl.col("hits"),
        "at_bats",
        pl.col("total_bases") - pl.col("hits") + 6 * pl.col("home_runs"),
    ),
}


def batter_season_totals(batter_splits: pl.DataFrame) -> pl.DataFrame:
    """(season, batter_id, pitcher_hand, events and trials of every rate): per season
    against left- and right-handers (the batter's own stance summed) and against both
    (``pitcher_hand`` = ``POOLED``)."""
    sums = [
        *[events.sum().alias(rate) for rate, (events, _, _) in BATTER_RATES.items()],
        *[
            s.sum().alias(f"{rate}_squares")
            for rate, (_, _, s) in BATTER_RATES.items()
            if s is not None
        ],
        pl.col("plate_appearances").sum(),
        pl.col("at_bats").sum(),
    ]
    by_hand = batter_splits.group_by("season", "batter_id", "pitcher_hand").agg(sums)
    pooled = batter_splits.group_by("season", "batter_id").agg(sums)
    return pl.concat(
        [by_hand, pooled.with_columns(pitcher_hand=pl.lit(POOLED))], how="diagonal"
    ).filter(pl.col("pitcher_hand").is_in(["L", "R", POOLED]))


def batter_league_priors(batter_splits: pl.DataFrame) -> pl.DataFrame:
    """Per split season and pitcher hand (``POOLED`` included): ``{rate}_league`` and
    ``{rate}_k`` of every rate."""
    totals = batter_season_totals(batter_splits)
    by = ["season", "pitcher_hand"]
    priors = [
        league_priors(
            totals, by, rate, rate, trials, f"{rate}_squares" if squares is not None else None
        )
        for rate, (_, trials, squares) in BATTER_RATES.items()
    ]
    return priors[0].join(priors[1], on=by)


def opposing_hand(throws_left: pl.Expr) -> pl.Expr:
    """The split a lineup is judged on: the opposing starter's hand, pooled if unknown."""
    return (
        pl.when(throws_left == 1)
        .then(pl.lit("L"))
        .when(throws_left == 0)
        .then(pl.lit("R"))
        .otherwise(pl.lit(POOLED))
    )


def lineup_features(
    games: pl.DataFrame,
    lineups: pl.DataFrame,
    batter_splits: pl.DataFrame,
    opposing_throws_left: pl.DataFrame,
    side: str,
) -> pl.DataFrame:
    """Strength of the ``side`` team's starting lineup of each game: ``{side}_lineup_obp``,
    ``{side}_lineup_iso``, ``{side}_lineup_prior_share`` (share of its batters with a prior
    season in the look-back) and the marker ``marker_{side}_lineup_prior_season`` (any
    batter without one: he counts at the league rate). ``opposing_throws_left`` is
    (game_id, throws_left) of the starter the lineup faces. Null for a game without a
    lineup, or whose season's look-back has no splits."""
    seasons = games["season"]
    totals = batter_season_totals(batter_splits)
    counts = weighted_counts(
        totals,
        seasons,
        BATTER_SEASON_WEIGHTS,
        ["batter_id", "pitcher_hand"],
        {
            **{rate: pl.col(rate) for rate in BATTER_RATES},
            "plate_appearances": pl.col("plate_appearances"),
            "at_bats": pl.col("at_bats"),
        },
        "plate_appearances",
    )
    with_prior = counts.filter(pl.col("pitcher_hand") == POOLED).select(
        "season", "batter_id", has_prior=pl.lit(True)
    )
    league = latest_league_priors(
        batter_league_priors(batter_splits), seasons, BATTER_SEASON_WEIGHTS, ["pitcher_hand"]
    )
    batters = (
        lineups.filter(pl.col("side") == side)
        .select("game_id", "batting_order", batter_id="player_id")
        .join(games.select("game_id", "season"), on="game_id")
        .join(
            opposing_throws_left.select(
                "game_id", pitcher_hand=opposing_hand(pl.col("throws_left"))
            ),
            on="game_id",
            how="left",
        )
        .with_columns(pl.col("pitcher_hand").fill_null(POOLED))
        .join(league, on=["season", "pitcher_hand"], how="left")
        .join(counts, on=["season", "batter_id", "pitcher_hand"], how="left")
        .join(with_prior, on=["season", "batter_id"], how="left")
    )
    per_batter = batters.select(
        "game_id",
        "batting_order",
        "batter_id",
        known_league=pl.col("obp_league").is_not_null(),
        has_prior=pl.col("has_prior").fill_null(False),
        **{
            rate: shrunk_rate(
                pl.col(rate).fill_null(0),
                pl.col(trials).fill_null(0),
                pl.col(f"{rate}_league"),
                pl.col(f"{rate}_k"),
            )
            for rate, (_, trials, _) in BATTER_RATES.items()
        },
    )
    # Means in one order of batters, whatever order the joins left them in.
    per_batter = per_batter.sort("game_id", "batting_order", "batter_id")
    features = per_batter.group_by("game_id", maintain_order=True).agg(
        lineup_obp=pl.col("obp").mean(),
        lineup_iso=pl.col("iso").mean(),
        lineup_prior_share=pl.when(pl.col("known_league").all()).then(
            pl.col("has_prior").cast(pl.Float64).mean()
        ),
        marker_lineup_prior_season=pl.col("known_league").all() & ~pl.col("has_prior").all(),
    )
    features = (
        games.select("game_id")
        .join(features, on="game_id", how="left")
        .with_columns(pl.col("marker_lineup_prior_season").fill_null(False))
    )
    return features.rename(
        {c: c.replace("lineup_", f"{side}_lineup_", 1) for c in features.columns if c != "game_id"}
    )
