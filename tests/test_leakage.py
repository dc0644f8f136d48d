"""The cutoff holds: anything time-stamped after a game's cutoff cannot change its features.

``features_hold`` is the property, for any feature builder: rebuild after a mutation of
what was not known at a game's cutoff, and the game's features must not move. The
hypothesis tests run it on the real ``build_features``; the planted-leak test plants known
leaks in the builder and asserts that the same property, drawing from the same strategies,
finds each one. A leakage test that cannot fail is a defect.
"""

import dataclasses
import sys
from collections.abc import Callable
from datetime import date, datetime, timedelta

import polars as pl
import pytest
from hypothesis import HealthCheck, Phase, find, given, settings
from hypothesis import strategies as st
from hypothesis.errors import NoSuchExample

import mlbcore.data.timing as timing
import mlbcore.features.build as build_module
import mlbcore.features.derived as derived
import mlbcore.features.prior_seasons as prior_seasons
from mlbcore.data.schema import GAMES, full_schema
from mlbcore.data.snapshot import Snapshot, load_snapshot
from mlbcore.features.build import build_features
from mlbcore.features.registry import FEATURE_NAMES

CUTOFF_MINUTES = 60
Build = Callable[[Snapshot, int], pl.DataFrame]

# Columns of the games table known before first pitch (the schedule and the announced
# starters), and those a game log fills only once the game is over.
PRE_GAME_COLUMNS = frozenset(
    {
        "game_id",
        "season",
        "date",
        "first_pitch_utc",
        "home_team",
        "away_team",
        "home_starting_pitcher_id",
        "away_starting_pitcher_id",
        # the game log's starters' names (to resolve listings) and the announced starters,
        # posted with the lines
        "home_starting_pitcher_name",
        "away_starting_pitcher_name",
        "home_starter_listed_id",
        "away_starter_listed_id",
        "home_starter_source",
        "away_starter_source",
        "park_id",
        "day_night",
        "doubleheader",
    }
)
POST_GAME_COLUMNS = ("game_end_utc", "innings", "home_score", "away_score")

MUTATIONS = (
    "rescore_later_results",
    "rewrite_post_game_columns",
    "delete_later_games",
    "reprice_later_lines",
    "delete_later_lines",
    "add_lines_after_cutoff",
    "change_later_splits",
    "another_book_prices_later_games",
    "another_source_splits_later_games",
)
# What the player tables hold that a game may not know: its own and later seasons'
# splits, team lines of games not over at its cutoff, other games' lineups.
PLAYER_MUTATIONS = (
    "rewrite_this_and_later_seasons_splits",
    "rewrite_unfinished_team_lines",
    "rewrite_other_games_lineups",
)


def known_at() -> pl.Expr:
    """When a game's result was known, written here independently of the feature code:
    its end, else 10:00 UTC the day after its local date."""
    next_morning = (
        pl.col("date").cast(pl.Datetime("us")) + timedelta(hours=34)
    ).dt.replace_time_zone("UTC")
    return pl.coalesce(pl.col("game_end_utc"), next_morning)


def test_every_column_of_the_games_table_is_classed_as_pre_or_post_game():
    """A new column (attendance, winning pitcher, ...) must be classed here, so that the
    property test mutates it if a game log fills it after the game."""
    assert set(full_schema("games").names()) == PRE_GAME_COLUMNS | set(POST_GAME_COLUMNS)


def _rewritten(column: str, shift: int, erase: bool) -> pl.Expr:
    """A different value of a post-game column: later for a time, changed or erased (the
    game not played yet) for a count or score."""
    dtype = GAMES[column]
    if dtype == pl.Datetime("us", "UTC"):
        # Only later: an end moved before the cutoff would be a result known in time.
        return pl.col(column) + timedelta(minutes=shift)
    return pl.lit(None, dtype) if erase else (pl.col(column) + shift).cast(dtype)


def mutate(snapshot: Snapshot, game_id: str, cutoff: datetime, kind: str, seed: int) -> Snapshot:
    """Change or delete only what is time-stamped strictly after ``cutoff``: the game's own
    result and columns, results of games in progress or not yet known, later games, lines
    and splits."""
    games, lines, splits = snapshot.games, snapshot.odds_lines, snapshot.betting_splits
    players = {
        "lineups": snapshot.lineups,
        "team_games": snapshot.team_games,
        "pitcher_splits": snapshot.pitcher_splits,
        "batter_splits": snapshot.batter_splits,
    }
    shift = (seed % 7) + 1
    # Includes the game itself, a doubleheader opener still in progress, and games
    # without an end time until the next morning.
    unknown = known_at() > cutoff
    if kind == "rescore_later_results":
        games = games.with_columns(
            home_score=pl.when(unknown)
            .then(pl.col("away_score") + shift)
            .otherwise(pl.col("home_score")),
            away_score=pl.when(unknown).then(pl.col("home_score")).otherwise(pl.col("away_score")),
            game_end_utc=pl.when(unknown)
            .then(pl.col("game_end_utc") + timedelta(minutes=shift))
            .otherwise(pl.col("game_end_utc")),
        )
    elif kind == "rewrite_post_game_columns":
        erase = seed % 3 == 0
        games = games.with_columns(
            pl.when(unknown).then(_rewritten(c, shift, erase)).otherwise(pl.col(c)).alias(c)
            for c in POST_GAME_COLUMNS
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
    elif kind in PLAYER_MUTATIONS:
        players = mutate_players(snapshot, game_id, cutoff, kind, seed)
    else:
        raise ValueError(kind)
    return dataclasses.replace(
        snapshot,
        games=games,
        odds_lines=lines,
        betting_splits=splits,
        data_version="mutated",
        **players,
    )


def mutate_players(
    snapshot: Snapshot, game_id: str, cutoff: datetime, kind: str, seed: int
) -> dict[str, pl.DataFrame]:
    """The player tables with what ``game_id`` may not know at ``cutoff`` changed: every
    split row of its season and later (counts, hands, and with odd seeds duplicated rows),
    team lines of games not over by the cutoff (its own included; deleted on seeds
    divisible by 3), and the lineups of every other game (other batters, or none)."""
    shift = (seed % 7) + 1
    tables = {
        "lineups": snapshot.lineups,
        "team_games": snapshot.team_games,
        "pitcher_splits": snapshot.pitcher_splits,
        "batter_splits": snapshot.batter_splits,
    }
    season = snapshot.games.filter(pl.col("game_id") == game_id)["season"][0]
    if kind == "rewrite_this_and_later_seasons_splits":
        flip = {"L": "R", "R": "L"}
        for name, hand in (("pitcher_splits", "pitcher_hand"), ("batter_splits", "batter_hand")):
            table = tables[name]
            unknown = pl.col("season") >= season
            counts = ("strikeouts", "walks", "home_runs", "hits", "total_bases", "at_bats")
            changed = table.with_columns(
                *[
                    pl.when(unknown).then(pl.col(c) + shift * (i + 1)).otherwise(pl.col(c))
                    for i, c in enumerate(counts)
                ],
                plate_appearances=pl.when(unknown)
                .then(pl.col("plate_appearances") * 2 + shift)
                .otherwise(pl.col("plate_appearances")),
                **{hand: pl.when(unknown).then(pl.col(hand).replace(flip)).otherwise(pl.col(hand))},
            )
            if seed % 2:
                changed = pl.concat([changed, changed.filter(unknown)])
            tables[name] = changed
    elif kind == "rewrite_unfinished_team_lines":
        unfinished = snapshot.games.filter(
            (known_at() > cutoff) | pl.col("home_score").is_null() | pl.col("away_score").is_null()
        )["game_id"].implode()
        over = ~pl.col("game_id").is_in(unfinished)
        if seed % 3 == 0:
            tables["team_games"] = tables["team_games"].filter(over)
        else:
            tables["team_games"] = tables["team_games"].with_columns(
                pl.when(over).then(pl.col(c)).otherwise(pl.col(c) * 2 + shift).alias(c)
                for c in ("pitches", "batters_faced", "strikeouts", "walks", "home_runs")
            )
    elif kind == "rewrite_other_games_lineups":
        other = pl.col("game_id") != game_id
        lineups = tables["lineups"]
        if seed % 2:
            lineups = lineups.filter(~other)
        else:
            lineups = lineups.with_columns(
                player_id=pl.when(other)
                .then(pl.col("player_id").shift(shift).over("side").fill_null("nobody"))
                .otherwise(pl.col("player_id"))
            )
        tables["lineups"] = lineups
    return tables


def _row(features: pl.DataFrame, game_id: str) -> dict[str, object]:
    return (
        features.filter(pl.col("game_id") == game_id)
        .select(*FEATURE_NAMES, "completeness", "missing_features", "sources")
        .to_dicts()[0]
    )


# Unmutated features per (builder, snapshot): the builder and snapshot are kept alive
# with them, so an id is never reused for another.
_BASELINES: dict[tuple[int, int], tuple[Build, Snapshot, pl.DataFrame]] = {}


def _baseline(build: Build, snapshot: Snapshot) -> pl.DataFrame:
    key = (id(build), id(snapshot))
    if key not in _BASELINES:
        _BASELINES[key] = (build, snapshot, build(snapshot, CUTOFF_MINUTES))
    return _BASELINES[key][2]


def features_hold(build: Build, snapshot: Snapshot, game_id: str, kind: str, seed: int) -> bool:
    """The property: ``game_id``'s features (and quality columns) built by ``build`` are
    the same after ``mutate``-ing what was unknown at its cutoff."""
    game = snapshot.games.filter(pl.col("game_id") == game_id).row(0, named=True)
    cutoff = game["first_pitch_utc"] - timedelta(minutes=CUTOFF_MINUTES)
    before = _row(_baseline(build, snapshot), game_id)
    after = _row(build(mutate(snapshot, game_id, cutoff, kind, seed), CUTOFF_MINUTES), game_id)
    return after == before


def game_pools(snapshot: Snapshot) -> dict[str, list[str]]:
    """Games to draw on purpose, by the situation at their cutoff: any game; the second
    game of a doubleheader; a game whose cutoff falls while another game with an end time
    is in progress; and one whose cutoff falls after another game without an end time
    began but before its next-morning instant."""
    games = snapshot.games.with_columns(
        cutoff=pl.col("first_pitch_utc") - timedelta(minutes=CUTOFF_MINUTES), known=known_at()
    )
    others = games.select(
        other_id="game_id",
        other_start="first_pitch_utc",
        other_known="known",
        other_timed=pl.col("game_end_utc").is_not_null(),
    )
    unknown_at_cutoff = (
        games.select("game_id", "cutoff")
        .join(others, how="cross")
        .filter(
            (pl.col("other_id") != pl.col("game_id"))
            & (pl.col("other_start") <= pl.col("cutoff"))
            & (pl.col("other_known") > pl.col("cutoff"))
        )
    )

    def ids(frame: pl.DataFrame) -> list[str]:
        return sorted(frame["game_id"].unique().to_list())

    return {
        "any": ids(games),
        "doubleheader_second": ids(games.filter(pl.col("doubleheader") == 2)),
        "others_in_progress": ids(unknown_at_cutoff.filter(pl.col("other_timed"))),
        "others_awaiting_next_morning": ids(unknown_at_cutoff.filter(~pl.col("other_timed"))),
    }


def cases(
    snapshot: Snapshot, mutations: tuple[str, ...] = MUTATIONS
) -> st.SearchStrategy[tuple[str, str, int]]:
    """(game_id, mutation, seed), the game drawn from each non-empty pool of
    ``game_pools`` in turn, so that the rare situations are not left to a uniform draw."""
    game = st.one_of(*(st.sampled_from(ids) for ids in game_pools(snapshot).values() if ids))
    return st.tuples(game, st.sampled_from(mutations), st.integers(0, 10_000))


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_nothing_after_the_cutoff_changes_a_games_features(early_season, data):
    game_id, kind, seed = data.draw(cases(early_season), label="case")
    assert features_hold(build_features, early_season, game_id, kind, seed)


def test_the_early_season_has_every_situation_to_draw(early_season):
    pools = game_pools(early_season)
    assert len(pools["doubleheader_second"]) >= 2
    assert len(pools["others_in_progress"]) >= 50
    assert len(pools["others_awaiting_next_morning"]) >= 50


# --- planted leaks: each must make the property fail --------------------------------------


def _stamped_at_first_pitch(games: pl.DataFrame) -> pl.DataFrame:
    """Leak: a result counted from first pitch, so games in progress at a cutoff leak."""
    return timing.finished_results(games).with_columns(
        result_known_at_utc=pl.col("first_pitch_utc")
    )


def _without_next_morning_rule(games: pl.DataFrame) -> pl.DataFrame:
    """Leak: a game without an end time counted from first pitch (no next-morning rule)."""
    return timing.finished_results(games).with_columns(
        result_known_at_utc=pl.coalesce("game_end_utc", "first_pitch_utc")
    )


def _plant_finished_results(leaky: Callable[[pl.DataFrame], pl.DataFrame], only: str = ""):
    """Plant ``leaky`` in every feature module that uses the one rule (or in ``only``)."""

    def plant(mp: pytest.MonkeyPatch) -> None:
        modules = [
            module
            for name, module in sys.modules.items()
            if name.startswith(f"mlbcore.features.{only}")
            and module is not timing
            and getattr(module, "finished_results", None) is timing.finished_results
        ]
        # team form, pitcher form and the park factor; a mutant that plants nothing is void
        assert len(modules) >= (1 if only else 3), modules
        for module in modules:
            mp.setattr(module, "finished_results", leaky)

    return plant


def _plant_own_column_as_feature(expression: pl.Expr):
    def plant(mp: pytest.MonkeyPatch) -> None:
        mp.setattr(derived, "doubleheader_game", lambda: expression)

    return plant


def _plant_lines_after_cutoff(mp: pytest.MonkeyPatch) -> None:
    """Leak: the market read at first pitch instead of at the cutoff."""
    real = build_module.market_features

    def leaky(games: pl.DataFrame, odds_lines: pl.DataFrame, book: str | None) -> pl.DataFrame:
        late = games.with_columns(cutoff_utc=pl.col("first_pitch_utc"))
        return real(late, odds_lines, book)

    mp.setattr(build_module, "market_features", leaky)


PLANTED_LEAKS = {
    "result_counted_from_first_pitch": _plant_finished_results(_stamped_at_first_pitch),
    # Team form alone: only the second game of a doubleheader can see it (the review's case).
    "team_result_counted_from_first_pitch": _plant_finished_results(
        _stamped_at_first_pitch, only="team_form"
    ),
    "no_next_morning_rule": _plant_finished_results(_without_next_morning_rule),
    "own_innings_as_a_feature": _plant_own_column_as_feature(pl.col("innings")),
    "own_duration_as_a_feature": _plant_own_column_as_feature(
        (pl.col("game_end_utc") - pl.col("first_pitch_utc")).dt.total_minutes()
    ),
    "lines_after_the_cutoff": _plant_lines_after_cutoff,
}


def first_counterexample(
    build: Build, snapshot: Snapshot, mutations: tuple[str, ...] = MUTATIONS
) -> tuple[str, str, int] | None:
    """The property over ``cases``, searched deterministically (a fixed seed, no shrinking):
    the first case where the features move, or None."""
    search = settings(
        max_examples=150, derandomize=True, database=None, phases=[Phase.generate], deadline=None
    )
    try:
        return find(
            cases(snapshot, mutations),
            lambda case: not features_hold(build, snapshot, *case),
            settings=search,
        )
    except NoSuchExample:
        return None


def assert_caught(leak: str, plant, snapshot: Snapshot, *mutations) -> None:
    """The property search finds a case where the builder with ``plant`` applied moves
    features, and the real builder holds on that very case (so it is the leak)."""

    def leaky_build(snapshot: Snapshot, cutoff_minutes: int) -> pl.DataFrame:
        with pytest.MonkeyPatch.context() as mp:
            plant(mp)
            return build_features(snapshot, cutoff_minutes)

    case = first_counterexample(leaky_build, snapshot, *mutations)
    assert case is not None, f"the leakage property does not notice {leak}"
    assert features_hold(build_features, snapshot, *case)


@pytest.mark.parametrize("leak", PLANTED_LEAKS)
def test_the_property_test_catches_each_planted_leak(early_season, leak):
    assert_caught(leak, PLANTED_LEAKS[leak], early_season)


def test_doubleheader_second_game_sees_the_first_only_if_it_was_known_by_the_cutoff(
    demo_snapshot,
):
    games = demo_snapshot.games.with_columns(
        cutoff_utc=pl.col("first_pitch_utc") - timedelta(minutes=CUTOFF_MINUTES)
    )
    openers = games.filter(pl.col("doubleheader") == 1).select(
        "home_team", "date", opener_known=known_at()
    )
    seconds = games.filter(pl.col("doubleheader") == 2).join(openers, on=["home_team", "date"])
    features = build_features(demo_snapshot, CUTOFF_MINUTES).select("game_id", "home_games_played")
    seen = seconds.join(features, on="game_id").with_columns(
        known_in_time=pl.col("opener_known") <= pl.col("cutoff_utc")
    )
    # Games the home team finished by the cutoff, counted independently of the feature code.
    finished = games.select(
        team=pl.concat_list("home_team", "away_team"), known=known_at(), season=pl.col("season")
    ).explode("team")
    expected = (
        seen.join(finished, left_on=["home_team", "season"], right_on=["team", "season"])
        .filter(pl.col("known") <= pl.col("cutoff_utc"))
        .group_by("game_id")
        .len()
    )
    checked = seen.join(expected, on="game_id", how="left").with_columns(pl.col("len").fill_null(0))
    assert checked.filter(pl.col("known_in_time")).height > 0, "demo needs a day-night doubleheader"
    assert checked.filter(~pl.col("known_in_time")).height > 0, (
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
@given(data=st.data())
def test_the_cutoff_holds_on_real_data_too(real_april, data):
    game_id, kind, seed = data.draw(cases(real_april), label="case")
    assert features_hold(build_features, real_april, game_id, kind, seed)


# --- player tables: splits of prior seasons only, team lines once over, own lineup only ----


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_nothing_unknown_at_the_cutoff_in_the_player_tables_changes_a_games_features(
    early_season_players, data
):
    case = data.draw(cases(early_season_players, PLAYER_MUTATIONS + MUTATIONS), label="case")
    assert features_hold(build_features, early_season_players, *case)


def _plant_this_seasons_splits(mp: pytest.MonkeyPatch) -> None:
    """Leak: the look-back starts at the game's own season (its whole-season splits)."""
    real = prior_seasons.look_back

    def leaky(seasons: pl.Series, weights: tuple[float, ...]) -> pl.DataFrame:
        frame = real(seasons, weights)
        return frame.with_columns(split_season=pl.col("split_season") + 1)

    modules = [
        m
        for name, m in sys.modules.items()
        if name.startswith("mlbcore.features.") and getattr(m, "look_back", None) is real
    ]
    assert len(modules) >= 2, modules  # the look-back itself and the starter's hand
    for module in modules:
        mp.setattr(module, "look_back", leaky)


def _plant_next_games_lineup(mp: pytest.MonkeyPatch) -> None:
    """Leak: each game reads the lineup of another game (the next one by id)."""
    real = build_module.lineup_features

    def leaky(games, lineups, batter_splits, opposing, side):
        ids = lineups.select("game_id").unique().sort("game_id")
        moved = ids.with_columns(previous=pl.col("game_id").shift(1))
        lineups = (
            lineups.join(moved, on="game_id")
            .drop_nulls("previous")
            .with_columns(game_id="previous")
            .drop("previous")
        )
        return real(games, lineups, batter_splits, opposing, side)

    mp.setattr(build_module, "lineup_features", leaky)


PLANTED_PLAYER_LEAKS = {
    "this_seasons_splits": _plant_this_seasons_splits,
    # Only a doubleheader's nightcap can see its opener's line before the opener is over.
    "team_line_counted_from_first_pitch": _plant_finished_results(
        _stamped_at_first_pitch, only="workload"
    ),
    "another_games_lineup": _plant_next_games_lineup,
}


@pytest.mark.parametrize("leak", PLANTED_PLAYER_LEAKS)
def test_the_property_test_catches_each_planted_player_leak(early_season_players, leak):
    assert_caught(leak, PLANTED_PLAYER_LEAKS[leak], early_season_players, PLAYER_MUTATIONS)


def _features_of(snapshot: Snapshot, game_id: str) -> dict[str, object]:
    return _row(build_features(snapshot, CUTOFF_MINUTES), game_id)


def test_a_prior_seasons_row_and_a_finished_teams_line_do_move_the_features(
    early_season_players,
):
    """The converse: what a game may know does reach its features, so the property above
    holds for a reason and not because the features ignore the player tables."""
    snapshot = early_season_players
    games = snapshot.games.sort("first_pitch_utc")
    game = games.row(games.height - 1, named=True)  # late enough to have finished starts
    season, pitcher = game["season"], game["home_starting_pitcher_id"]
    before = _features_of(snapshot, game["game_id"])
    assert "home_sp_prior_season" not in before["missing_features"], "pick a seasoned starter"

    last_season = pl.col("season") == season - 1
    his = snapshot.pitcher_splits.with_columns(
        strikeouts=pl.when(last_season & (pl.col("pitcher_id") == pitcher))
        .then(pl.col("strikeouts") + 50)
        .otherwise(pl.col("strikeouts"))
    )
    after = _features_of(dataclasses.replace(snapshot, pitcher_splits=his), game["game_id"])
    assert after["home_sp_k_rate"] > before["home_sp_k_rate"]

    lineup = snapshot.lineups.filter(
        (pl.col("game_id") == game["game_id"]) & (pl.col("side") == "home")
    )["player_id"].implode()
    hits = snapshot.batter_splits.with_columns(
        hits=pl.when(last_season & pl.col("batter_id").is_in(lineup))
        .then(pl.col("hits") + 30)
        .otherwise(pl.col("hits"))
    )
    after = _features_of(dataclasses.replace(snapshot, batter_splits=hits), game["game_id"])
    assert after["home_lineup_obp"] > before["home_lineup_obp"]

    # The team's line of its last game before this one, over long before the cutoff.
    previous = games.filter(
        (pl.col("first_pitch_utc") < game["first_pitch_utc"] - timedelta(hours=12))
        & ((pl.col("home_team") == game["home_team"]) | (pl.col("away_team") == game["home_team"]))
    ).tail(1)["game_id"]
    lines = snapshot.team_games.with_columns(
        pitches=pl.when(
            pl.col("game_id").is_in(previous.implode()) & (pl.col("team") == game["home_team"])
        )
        .then(pl.col("pitches") + 40)
        .otherwise(pl.col("pitches"))
    )
    after = _features_of(dataclasses.replace(snapshot, team_games=lines), game["game_id"])
    assert after["home_pitches_last_3d"] == before["home_pitches_last_3d"] + 40
