"""Starting-pitcher strength as of the cutoff: strikeout, walk and home-run rates per
batter faced, from his prior seasons' splits, shrunk toward the league's, then updated
with his starts this season as they finish.

Prior seasons: the look-back of ``prior_seasons`` (3 seasons, Marcel weights 3/2/1),
never the game's own season. The league rate and the prior strength ``k`` are those of
the most recent season of the look-back that has splits, ``k`` by the method of moments
(``shrinkage``). This season: the TEAM_GAMES pitching line of his team in each game he
started whose result was known by the cutoff, added as further trials. Team lines,
because the files do not split starters from relievers: his in-season evidence includes
his bullpen's batters (about a third of a start's).
"""

import polars as pl

from mlbcore.data.schema import with_added_columns
from mlbcore.data.timing import finished_results
from mlbcore.features.declared import per_side
from mlbcore.features.pitcher_form import starter_id
from mlbcore.features.prior_seasons import (
    PITCHER_SEASON_WEIGHTS,
    latest_league_priors,
    look_back,
    weighted_counts,
)
from mlbcore.features.shrinkage import league_priors, shrunk_rate

# Declared output columns (the registry is built from these).
FEATURES = per_side(
    "pitcher",
    "players",
    {
        "sp_k_rate": (
            "starter's strikeouts per batter faced: prior seasons shrunk toward the league's,"
            " plus his team's lines in his starts this season finished by the cutoff"
        ),
        "sp_bb_rate": "starter's walks and hit batters per batter faced, as sp_k_rate",
        "sp_hr_rate": "starter's home runs per batter faced, as sp_k_rate",
        "sp_fip": "starter's FIP-like composite per batter faced: 13 HR + 3 BB - 2 K rates",
        "sp_prior_batters_faced": "batters the starter faced in the 3 prior seasons",
        "sp_throws_left": "1 if the starter throws left-handed, 0 right (prior seasons' splits)",
    },
)

# What batters did against him, per batter faced (plate appearances).
RATE_EVENTS = {
    "k_rate": pl.col("strikeouts"),
    "bb_rate": pl.col("walks") + pl.col("hit_by_pitch"),  # walks include intentional ones
    "hr_rate": pl.col("home_runs"),
}
FIP_WEIGHTS = {"hr_rate": 13.0, "bb_rate": 3.0, "k_rate": -2.0}  # FIP's, per batter faced


def pitcher_season_totals(pitcher_splits: pl.DataFrame) -> pl.DataFrame:
    """(season, pitcher_id, k_rate, bb_rate, hr_rate, batters_faced): each season's
    events of every rate and batters faced, both batter hands together."""
    return pitcher_splits.group_by("season", "pitcher_id").agg(
        *[expr.sum().alias(rate) for rate, expr in RATE_EVENTS.items()],
        batters_faced=pl.col("plate_appearances").sum(),
    )


def pitcher_league_priors(pitcher_splits: pl.DataFrame) -> pl.DataFrame:
    """Per split season: ``{rate}_league`` and ``{rate}_k`` of every rate."""
    totals = pitcher_season_totals(pitcher_splits)
    priors = [
        league_priors(totals, ["season"], rate, rate, "batters_faced") for rate in RATE_EVENTS
    ]
    frame = priors[0]
    for other in priors[1:]:
        frame = frame.join(other, on="season")
    return frame


def pitcher_priors(pitcher_splits: pl.DataFrame, seasons: pl.Series) -> pl.DataFrame:
    """(season, pitcher_id, weighted events of each rate, batters_faced weighted and
    ``batters_faced_raw``, throws_left) for each game season, from its look-back."""
    counts = weighted_counts(
        pitcher_season_totals(pitcher_splits),
        seasons,
        PITCHER_SEASON_WEIGHTS,
        ["pitcher_id"],
        {**{rate: pl.col(rate) for rate in RATE_EVENTS}, "batters_faced": pl.col("batters_faced")},
        "batters_faced",
    )
    return counts.join(pitcher_hands(pitcher_splits, seasons), on=["season", "pitcher_id"])


def pitcher_hands(pitcher_splits: pl.DataFrame, seasons: pl.Series) -> pl.DataFrame:
    """(season, pitcher_id, throws_left): 1 left, 0 right, as his rows of the most recent
    season of the look-back say; null for a pitcher listed with both hands (a switch
    pitcher) or whose rows disagree."""
    hands = pitcher_splits.group_by("season", "pitcher_id").agg(
        throws_left=pl.when(pl.col("pitcher_hand").n_unique() == 1).then(
            pl.col("pitcher_hand").first().replace_strict({"L": 1, "R": 0}, default=None)
        )
    )
    return (
        look_back(seasons, PITCHER_SEASON_WEIGHTS)
        .join(hands.rename({"season": "split_season"}), on="split_season")
        .sort("offset")
        .group_by("season", "pitcher_id", maintain_order=True)
        .agg(pl.col("throws_left").first().cast(pl.Int8))
    )


def starts_this_season(games: pl.DataFrame, team_games: pl.DataFrame) -> pl.DataFrame:
    """One row per finished start with a team line: the pitcher, the instant its result
    was known, and his running totals this season (events of each rate, batters faced)
    of his team's lines in his starts, in the order they became known."""
    finished = finished_results(games)
    starts = pl.concat(
        [
            finished.select(
                "game_id",
                "season",
                "result_known_at_utc",
                pitcher_id=pl.col(f"{side}_starting_pitcher_id"),
                side=pl.lit(side),
            )
            for side in ("home", "away")
        ]
    ).filter(pl.col("pitcher_id").is_not_null())
    lines = team_games.select(
        "game_id",
        "side",
        *[expr.alias(rate) for rate, expr in RATE_EVENTS.items()],
        "batters_faced",
    )
    counters = [*RATE_EVENTS, "batters_faced"]
    return (
        starts.join(lines, on=["game_id", "side"])
        .sort("result_known_at_utc", "pitcher_id", "game_id")
        .select(
            "pitcher_id",
            "result_known_at_utc",
            pl.col("season").alias("line_season"),
            *[
                pl.col(c).cum_sum().over("pitcher_id", "season").alias(f"season_{c}")
                for c in counters
            ],
        )
    )


def sp_fip() -> pl.Expr:
    """A FIP-like composite per batter faced: 13 HR + 3 (BB + HBP) - 2 K rates (lower is
    better); FIP's constant and innings scale are left out."""
    rates = [w * pl.col(f"sp_{rate}") for rate, w in FIP_WEIGHTS.items()]
    return rates[0] + rates[1] + rates[2]  # null when any rate is (no sum_horizontal)


def starting_pitcher_features(
    games: pl.DataFrame, pitcher_splits: pl.DataFrame, team_games: pl.DataFrame, side: str
) -> pl.DataFrame:
    """Strength of the ``side`` team's starter (the announced one, else the game log's,
    see ``starter_id``) as of each game's cutoff: ``{side}_sp_k_rate``, ``_bb_rate``,
    ``_hr_rate``, ``_fip``, ``_prior_batters_faced``, ``_throws_left``, and the marker
    ``marker_{side}_sp_prior_season`` (his rates are the league's prior alone: no prior
    season in the look-back). All null for a season whose look-back has no splits."""
    seasons = games["season"]
    league = latest_league_priors(
        pitcher_league_priors(pitcher_splits), seasons, PITCHER_SEASON_WEIGHTS, []
    )
    at_cutoff = (
        with_added_columns("games", games)  # snapshots without listings: the game log's
        .select("game_id", "season", "cutoff_utc", pitcher_id=starter_id(side))
        .join(league, on="season", how="left")
        .join(pitcher_priors(pitcher_splits, seasons), on=["season", "pitcher_id"], how="left")
        .sort("cutoff_utc")
        .join_asof(
            starts_this_season(games, team_games),
            left_on="cutoff_utc",
            right_on="result_known_at_utc",
            by="pitcher_id",
            check_sortedness=False,
        )
    )
    this_season = pl.col("line_season") == pl.col("season")
    evidence = {
        c: pl.col(c).fill_null(0) + pl.when(this_season).then(pl.col(f"season_{c}")).otherwise(0)
        for c in [*RATE_EVENTS, "batters_faced"]
    }
    known_league = pl.col("k_rate_league").is_not_null()
    features = at_cutoff.select(
        "game_id",
        *[
            shrunk_rate(
                evidence[rate],
                evidence["batters_faced"],
                pl.col(f"{rate}_league"),
                pl.col(f"{rate}_k"),
            ).alias(f"sp_{rate}")
            for rate in RATE_EVENTS
        ],
        sp_prior_batters_faced=pl.when(known_league).then(pl.col("batters_faced_raw").fill_null(0)),
        sp_throws_left=pl.col("throws_left"),
        marker_sp_prior_season=known_league & pl.col("batters_faced_raw").is_null(),
    ).with_columns(sp_fip=sp_fip())
    return features.rename(
        {c: c.replace("sp_", f"{side}_sp_", 1) for c in features.columns if c != "game_id"}
    )
