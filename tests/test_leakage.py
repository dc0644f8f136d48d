"""The cutoff holds: anything time-stamped after a game's cutoff cannot change its features."""

from datetime import date, datetime, timedelta

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mlbcore.data.snapshot import Snapshot, load_snapshot
from mlbcore.features.build import build_features
from mlbcore.features.registry import FEATURE_NAMES
from mlbcore.features.timing import result_known_at_utc

CUTOFF_MINUTES = 60
MUTATIONS = (
    "rescore_later_results",
    "delete_later_games",
    "reprice_later_lines",
    "delete_later_lines",
    "add_lines_after_cutoff",
    "change_later_splits",
    "another_book_prices_later_games",
    "another_source_splits_later_games",
)


def _row(features: pl.DataFrame, game_id: str) -> dict[str, object]:
    return (
        features.filter(pl.col("game_id") == game_id)
        .select(*FEATURE_NAMES, "completeness", "missing_features", "sources")
        .to_dicts()[0]
    )


def mutate(snapshot: Snapshot, game_id: str, cutoff: datetime, kind: str, seed: int) -> Snapshot:
    """Change or delete only what is time-stamped strictly after ``cutoff`` (the game
    itself stays, with its own result changed only by ``rescore_later_results``)."""
    games, lines, splits = snapshot.games, snapshot.odds_lines, snapshot.betting_splits
    shift = (seed % 7) + 1
    if kind == "rescore_later_results":
        # Includes the game's own result and a doubleheader opener still in progress; for
        # games without an end time, the instant their result counts as known.
        later = result_known_at_utc() > cutoff
        games = games.with_columns(
            home_score=pl.when(later)
            .then(pl.col("away_score") + shift)
            .otherwise(pl.col("home_score")),
            away_score=pl.when(later).then(pl.col("home_score")).otherwise(pl.col("away_score")),
            game_end_utc=pl.when(later)
            .then(pl.col("game_end_utc") + timedelta(minutes=shift))
            .otherwise(pl.col("game_end_utc")),
        )
    elif kind == "delete_later_games":
        other_later = (pl.col("first_pitch_utc") > cutoff) & (pl.col("game_id") != game_id)
        games = games.filter(
            ~other_later | (pl.col("first_pitch_utc").rank("ordinal") % shift != 0)
        )
    elif kind == "reprice_later_lines":
        later = pl.col("entered_at_utc") > cutoff
        lines = lines.with_columns(
            moneyline_home=pl.when(later)
            .then(pl.lit(-400 - shift))
            .otherwise(pl.col("moneyline_home")),
            total=pl.when(later).then(pl.col("total") + shift).otherwise(pl.col("total")),
        )
    elif kind == "delete_later_lines":
        lines = lines.filter(pl.col("entered_at_utc") <= cutoff)
    elif kind == "add_lines_after_cutoff":
        extra = lines.filter(pl.col("entered_at_utc") <= cutoff).group_by("game_id").last()
        extra = extra.with_columns(
            entered_at_utc=pl.lit(cutoff) + timedelta(seconds=shift),
            moneyline_home=pl.lit(250),
            moneyline_away=pl.lit(-300),
        ).select(lines.columns)
        lines = pl.concat([lines, extra])
    elif kind == "another_book_prices_later_games":
        # A book that outranks the current one, pricing only games after the cutoff
        # (posted at any time): it must not change which book this game's features use.
        later_ids = games.filter(
            (pl.col("first_pitch_utc") > cutoff) & (pl.col("game_id") != game_id)
        )["game_id"].implode()
        extra = lines.filter(pl.col("game_id").is_in(later_ids)).with_columns(
            book=pl.lit("pinnacle"), moneyline_home=pl.lit(-200 - shift)
        )
        lines = pl.concat([lines, extra])
    elif kind == "another_source_splits_later_games":
        later_ids = games.filter(
            (pl.col("first_pitch_utc") > cutoff) & (pl.col("game_id") != game_id)
        )["game_id"].implode()
        extra = splits.filter(pl.col("game_id").is_in(later_ids)).with_columns(
            source=pl.lit("aaa_first_alphabetically"), ticket_pct=pl.lit(float(shift))
        )
        splits = pl.concat([splits, extra])
    elif kind == "change_later_splits":
        later = pl.col("captured_at_utc") > cutoff
        splits = splits.with_columns(
            money_pct=pl.when(later).then(pl.lit(100.0 - shift)).otherwise(pl.col("money_pct"))
        )
    return Snapshot(games, lines, splits, "mutated", "test")


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    game_index=st.integers(min_value=0, max_value=299),
    kind=st.sampled_from(MUTATIONS),
    seed=st.integers(min_value=0, max_value=10_000),
)
def test_nothing_after_the_cutoff_changes_a_games_features(early_season, game_index, kind, seed):
    games = early_season.games.sort("first_pitch_utc")
    game = games.row(game_index, named=True)
    cutoff = game["first_pitch_utc"] - timedelta(minutes=CUTOFF_MINUTES)
    before = _row(build_features(early_season, CUTOFF_MINUTES), game["game_id"])
    after = _row(
        build_features(mutate(early_season, game["game_id"], cutoff, kind, seed), CUTOFF_MINUTES),
        game["game_id"],
    )
    assert after == before


def test_doubleheader_second_game_sees_the_first_only_if_it_ended_before_the_cutoff(demo_snapshot):
    games = demo_snapshot.games.with_columns(
        cutoff_utc=pl.col("first_pitch_utc") - timedelta(minutes=CUTOFF_MINUTES)
    )
    openers = games.filter(pl.col("doubleheader") == 1).select(
        "home_team", "date", opener_end=pl.col("game_end_utc")
    )
    seconds = games.filter(pl.col("doubleheader") == 2).join(openers, on=["home_team", "date"])
    features = build_features(demo_snapshot, CUTOFF_MINUTES).select("game_id", "home_games_played")
    seen = seconds.join(features, on="game_id").with_columns(
        ended_in_time=pl.col("opener_end") <= pl.col("cutoff_utc")
    )
    # Games the home team finished by the cutoff, counted independently of the feature code.
    finished = games.select(
        team=pl.concat_list("home_team", "away_team"),
        end=pl.col("game_end_utc"),
        season=pl.col("season"),
    ).explode("team")
    expected = (
        seen.join(finished, left_on=["home_team", "season"], right_on=["team", "season"])
        .filter(pl.col("end") <= pl.col("cutoff_utc"))
        .group_by("game_id")
        .len()
    )
    checked = seen.join(expected, on="game_id", how="left").with_columns(pl.col("len").fill_null(0))
    assert checked.filter(pl.col("ended_in_time")).height > 0, "demo needs a day-night doubleheader"
    assert checked.filter(~pl.col("ended_in_time")).height > 0, (
        "demo needs a traditional doubleheader"
    )
    assert (checked["home_games_played"] == checked["len"]).all()


@pytest.fixture(scope="module")
def real_april(real_snapshot_dir) -> Snapshot:
    """Real 2016 games to early May (Retrosheet, Pinnacle, SBR): no end times, two books."""
    snapshot = load_snapshot(real_snapshot_dir)
    games = snapshot.games.filter(
        pl.col("date").is_between(date(2016, 4, 3), date(2016, 5, 3))
    ).sort("first_pitch_utc")
    ids = games["game_id"].implode()
    return Snapshot(
        games=games,
        odds_lines=snapshot.odds_lines.filter(pl.col("game_id").is_in(ids)),
        betting_splits=snapshot.betting_splits.filter(pl.col("game_id").is_in(ids)),
        data_version="real-april",
        source="test",
    )


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    game_index=st.integers(min_value=0, max_value=350),
    kind=st.sampled_from(MUTATIONS),
    seed=st.integers(min_value=0, max_value=10_000),
)
def test_the_cutoff_holds_on_real_data_too(real_april, game_index, kind, seed):
    game = real_april.games.row(game_index, named=True)
    cutoff = game["first_pitch_utc"] - timedelta(minutes=CUTOFF_MINUTES)
    before = _row(build_features(real_april, CUTOFF_MINUTES), game["game_id"])
    mutated = mutate(real_april, game["game_id"], cutoff, kind, seed)
    assert _row(build_features(mutated, CUTOFF_MINUTES), game["game_id"]) == before
