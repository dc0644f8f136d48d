"""Assemble every feature for every game as of its cutoff, with per-game quality."""

from collections.abc import Sequence

import polars as pl

from mlbcore.data.schema import empty_table, with_added_columns
from mlbcore.data.snapshot import Snapshot
from mlbcore.data.timing import cutoff_utc
from mlbcore.features import derived
from mlbcore.features.declared import SIDES, expressions
from mlbcore.features.lineup_strength import lineup_features
from mlbcore.features.market import market_features, splits_features
from mlbcore.features.park_travel import park_run_factor, time_zone_shift
from mlbcore.features.pitcher_form import pitcher_form_features
from mlbcore.features.registry import FEATURE_NAMES, FEATURES, SOURCES
from mlbcore.features.starting_pitcher import starting_pitcher_features
from mlbcore.features.team_carryover import blended_columns, prior_season_features
from mlbcore.features.team_form import team_form_features
from mlbcore.features.workload import pitching_workload

MARKER_PREFIX = "marker_"  # boolean helper columns: True adds their name to missing_features

GAME_COLUMNS = (
    "game_id",
    "season",
    "date",
    "first_pitch_utc",
    "cutoff_utc",
    "home_team",
    "away_team",
)


def build_features(
    snapshot: Snapshot,
    cutoff_minutes: int = 60,
    market_book: str | None = None,
    *,
    lineups: bool = True,
) -> pl.DataFrame:
    """One row per game: identity columns, every feature of ``FEATURES`` computed only
    from information time-stamped at or before ``first_pitch_utc - cutoff_minutes``, and
    quality columns (``completeness``, ``missing_features``, ``sources``; ``sources`` also
    names each side whose starter is the one announced with the odds, see
    ``listed_starters``; ``missing_features`` also names each side whose starter, or any
    of whose starting nine, had no prior season: ``home_sp_prior_season``,
    ``away_lineup_prior_season``, ...).

    Results of other games count once they were known (``game_end_utc``, or the
    next-morning rule for sources without end times); lines and splits count if posted
    at or before the cutoff; player splits only of seasons before the game's. With
    ``lineups`` off the lineup features are missing in every game.
    """
    games = snapshot.games.with_columns(cutoff_utc(cutoff_minutes))
    starting_nines = snapshot.lineups if lineups else empty_table("lineups")
    per_side = [
        builder(games, side)
        for builder in (team_form_features, pitcher_form_features, prior_season_features)
        for side in SIDES
    ]
    starters = {
        side: starting_pitcher_features(games, snapshot.pitcher_splits, snapshot.team_games, side)
        for side in SIDES
    }
    players = [
        *starters.values(),
        *[
            lineup_features(
                games,
                starting_nines,
                snapshot.batter_splits,
                starters[them].select("game_id", throws_left=f"{them}_sp_throws_left"),
                me,
            )
            for me, them in (("home", "away"), ("away", "home"))
        ],
        *[pitching_workload(games, snapshot.team_games, side) for side in SIDES],
    ]
    frame = games.select(*GAME_COLUMNS, **expressions(derived.CALENDAR))
    for part in (
        *per_side,
        *players,
        park_run_factor(games),
        time_zone_shift(games, "home"),
        time_zone_shift(games, "away"),
        market_features(games, snapshot.odds_lines, market_book),
        splits_features(games, snapshot.betting_splits),
    ):
        frame = frame.join(part, on="game_id", how="left")
    # Features of features, once every side's columns are in: the blend needs the form
    # and the prior season, the differences and interactions their inputs.
    frame = frame.with_columns(**blended_columns()).with_columns(**expressions(derived.DERIVED))
    markers = [c for c in frame.columns if c.startswith(MARKER_PREFIX)]
    features = frame.select(
        *GAME_COLUMNS, *[pl.col(n).cast(pl.Float64) for n in FEATURE_NAMES], *markers
    )
    features = (
        features.with_columns(*quality_columns(markers))
        .drop(markers)
        .sort("first_pitch_utc", "game_id")
    )
    return (
        features.join(listed_starters(games), on="game_id", how="left", maintain_order="left")
        .with_columns(sources=pl.concat_list("sources", "listed").list.drop_nulls())
        .drop("listed")
    )


def listed_starters(games: pl.DataFrame) -> pl.DataFrame:
    """(game_id, listed): "home_starter_listed" and "away_starter_listed" for each side
    whose pitcher features describe the announced starter; a side absent from the list
    fell back to the game log's starter (no listing matched, or none was imported)."""
    games = with_added_columns("games", games)
    return games.select(
        "game_id",
        listed=pl.concat_list(
            [
                pl.when(pl.col(f"{side}_starter_listed_id").is_not_null()).then(
                    pl.lit(f"{side}_starter_listed")
                )
                for side in ("home", "away")
            ]
        ),
    )


def quality_columns(markers: Sequence[str] = ()) -> list[pl.Expr]:
    """Completeness (share of features present), the missing ones, and the sources that
    contributed at least one feature. Each of the boolean ``markers`` columns that is
    true adds its name (without ``MARKER_PREFIX``) to ``missing_features``: a value that
    is present but stands in for missing evidence (a league prior for a player without a
    prior season)."""
    present = [pl.col(n).is_not_null() & pl.col(n).is_not_nan() for n in FEATURE_NAMES]
    by_source = {
        source: [p for f, p in zip(FEATURES, present, strict=True) if f.source == source]
        for source in SOURCES
    }
    return [
        (pl.sum_horizontal(present) / len(FEATURE_NAMES)).alias("completeness"),
        pl.concat_list(
            [pl.when(~p).then(pl.lit(n)) for n, p in zip(FEATURE_NAMES, present, strict=True)]
            + [pl.when(pl.col(m)).then(pl.lit(m.removeprefix(MARKER_PREFIX))) for m in markers]
        )
        .list.drop_nulls()
        .alias("missing_features"),
        pl.concat_list(
            [pl.when(pl.any_horizontal(ps)).then(pl.lit(s)) for s, ps in by_source.items()]
        )
        .list.drop_nulls()
        .alias("sources"),
    ]
