"""Player, lineup, workload and carried-over team features on small frames whose answers
are worked out by hand."""

from datetime import UTC, datetime, timedelta

import polars as pl
import pytest

from mlbcore.data.schema import (
    BATTER_SPLITS,
    GAMES,
    LINEUPS,
    PITCHER_SPLITS,
    TEAM_GAMES,
    empty_table,
)
from mlbcore.data.snapshot import Snapshot
from mlbcore.errors import MlbError
from mlbcore.feature_cache.cached_features import features_for
from mlbcore.features.build import build_features
from mlbcore.features.registry import FEATURE_NAMES, FEATURES, SOURCES
from mlbcore.features.shrinkage import FALLBACK_K, league_priors, shrunk_rate
from mlbcore.features.team_carryover import PRIOR_SEASON_GAMES
from mlbcore.settings import load_settings


def _game(game_id, when, home, away, hs=3, as_=2, hsp="hp", asp="ap", minutes=180, dh=0):
    return {
        "game_id": game_id,
        "season": when.year,
        "date": when.date(),
        "first_pitch_utc": when,
        "game_end_utc": when + timedelta(minutes=minutes),
        "home_team": home,
        "away_team": away,
        "home_starting_pitcher_id": hsp,
        "away_starting_pitcher_id": asp,
        "park_id": f"{home}01",
        "day_night": "N",
        "doubleheader": dh,
        "innings": 9,
        "home_score": hs,
        "away_score": as_,
    }


def _at(month: int, day: int, hour: int = 23, year: int = 2016) -> datetime:
    return datetime(year, month, day, hour, 5, tzinfo=UTC)


def _split(season, player, own_hand, facing, pa, **counts) -> dict:
    row = dict.fromkeys(BATTER_SPLITS.names()[4:], 0) | counts
    return {"season": season, "id": player, "own": own_hand, "facing": facing, "pa": pa, **row}


def _pitcher_splits(rows: list[dict]) -> pl.DataFrame:
    frame = pl.DataFrame(rows).rename(
        {"id": "pitcher_id", "own": "pitcher_hand", "facing": "batter_hand"}
    )
    return frame.with_columns(plate_appearances=pl.col("pa")).select(
        [pl.col(c).cast(t) for c, t in PITCHER_SPLITS.items()]
    )


def _batter_splits(rows: list[dict]) -> pl.DataFrame:
    frame = pl.DataFrame(rows).rename(
        {"id": "batter_id", "own": "batter_hand", "facing": "pitcher_hand"}
    )
    return frame.with_columns(plate_appearances=pl.col("pa")).select(
        [pl.col(c).cast(t) for c, t in BATTER_SPLITS.items()]
    )


def _line(game_id, side, team, pitches, batters_faced, strikeouts=0, walks=0, hbp=0, hr=0):
    return {
        "game_id": game_id,
        "team": team,
        "side": side,
        "pitches": pitches,
        "batters_faced": batters_faced,
        "outs": 27,
        "strikeouts": strikeouts,
        "walks": walks,
        "hit_by_pitch": hbp,
        "home_runs": hr,
        "runs_allowed": 0,
    }


def _snapshot(games, **tables) -> Snapshot:
    typed = {
        "lineups": LINEUPS,
        "team_games": TEAM_GAMES,
    }
    return Snapshot(
        games=pl.DataFrame(games, schema=GAMES),
        odds_lines=empty_table("odds_lines"),
        betting_splits=empty_table("betting_splits"),
        data_version="t",
        source="test",
        **{
            name: pl.DataFrame(value, schema=typed[name]) if isinstance(value, list) else value
            for name, value in tables.items()
        },
    )


def _rows(features: pl.DataFrame) -> dict[str, dict]:
    return {row["game_id"]: row for row in features.to_dicts()}


# --- shrinkage ----------------------------------------------------------------------------


def test_shrunk_rate_adds_k_trials_at_the_league_rate():
    frame = pl.DataFrame({"events": [20, 0], "trials": [50, 0]})
    shrunk = frame.select(shrunk_rate(pl.col("events"), pl.col("trials"), pl.lit(0.2), pl.lit(50)))
    # (20 + 50 x 0.2) / (50 + 50) = 0.3; no trials at all: the league rate
    assert shrunk.to_series().to_list() == pytest.approx([0.3, 0.2])


def test_k_by_the_method_of_moments_on_two_kinds_of_player():
    # 20 players at 10/100 and 20 at 30/100: league 0.2, observed spread 0.01, sampling
    # part 40 x 0.16 / 4000 = 0.0016, talent spread 0.0084, k = 0.16 / 0.0084.
    totals = pl.DataFrame({"season": [2015] * 40, "k": [10] * 20 + [30] * 20, "bf": [100] * 40})
    priors = league_priors(totals, ["season"], "k_rate", "k", "bf").row(0, named=True)
    assert priors["k_rate_league"] == pytest.approx(0.2)
    assert priors["k_rate_k"] == pytest.approx(0.16 / 0.0084)


def test_k_falls_back_to_its_fixed_value_when_the_spread_is_only_sampling_noise():
    same = pl.DataFrame({"season": [2015] * 40, "k": [20] * 40, "bf": [100] * 40})
    few = pl.DataFrame({"season": [2015] * 4, "k": [10, 10, 30, 30], "bf": [100] * 4})
    for totals in (same, few):
        priors = league_priors(totals, ["season"], "k_rate", "k", "bf").row(0, named=True)
        assert priors["k_rate_k"] == FALLBACK_K["k_rate"]


def test_the_spread_of_a_rate_with_outcomes_above_one_uses_its_squares():
    # Extra bases per at bat: 20 players at 10/100, 20 at 30/100, every extra base a double
    # (squares = events): the same numbers as the 0/1 case but variance 0.2 - 0.04.
    totals = pl.DataFrame(
        {"season": [2015] * 40, "xb": [10] * 20 + [30] * 20, "ab": [100] * 40}
    ).with_columns(sq=pl.col("xb"))
    priors = league_priors(totals, ["season"], "iso", "xb", "ab", "sq").row(0, named=True)
    assert priors["iso_k"] == pytest.approx(0.16 / 0.0084)
    # Home runs only (3 bases each, squares 9 per home run): variance 0.6 - 0.04 = 0.56.
    homers = totals.with_columns(sq=3 * pl.col("xb"))
    tau2 = 0.01 - 40 * 0.56 / 4000
    priors = league_priors(homers, ["season"], "iso", "xb", "ab", "sq").row(0, named=True)
    assert priors["iso_k"] == pytest.approx(0.56 / tau2)


# --- starting pitcher ---------------------------------------------------------------------


def _pitcher_case() -> Snapshot:
    games = [
        _game("AAA201604050", _at(4, 5), "AAA", "BBB", hsp="ace", asp="rook"),
        # ace's second start: the first was over by its cutoff
        _game("AAA201604100", _at(4, 10), "AAA", "BBB", hsp="ace", asp="rook"),
        # cutoff while the 04-10 game is still on: its line (40 strikeouts) must not count
        _game("AAA201604110", _at(4, 11, 1, year=2016), "AAA", "BBB", hsp="ace", asp="rook"),
    ]
    splits = _pitcher_splits(
        [
            _split(2015, "ace", "L", "R", 100, strikeouts=30, walks=5, hit_by_pitch=1, home_runs=2),
            _split(2015, "other", "R", "R", 300, strikeouts=30, walks=30, home_runs=10),
            _split(2014, "ace", "L", "L", 300, strikeouts=30, walks=24, home_runs=6),
            # his own season's line is known only after it: never used
            _split(2016, "ace", "R", "R", 900, strikeouts=400, walks=0, home_runs=0),
            _split(2016, "rook", "R", "R", 900, strikeouts=400, walks=0, home_runs=0),
        ]
    )
    lines = [
        _line("AAA201604050", "home", "AAA", 150, 40, strikeouts=10, walks=3, hbp=1, hr=1),
        _line("AAA201604050", "away", "BBB", 150, 40, strikeouts=40),
        _line("AAA201604100", "home", "AAA", 150, 40, strikeouts=40),
    ]
    return _snapshot(games, pitcher_splits=splits, team_games=lines)


def test_starter_strength_shrinks_prior_seasons_and_adds_his_finished_starts():
    rows = _rows(build_features(_pitcher_case()))
    # League (2015, the latest prior season): K 60/400, BB+HBP 36/400, HR 12/400; fewer
    # than 30 pitchers, so k is the fixed value of each rate.
    k = FALLBACK_K
    league = {"k_rate": 60 / 400, "bb_rate": 36 / 400, "hr_rate": 12 / 400}
    # ace: 2015 in full, 2014 at 2/3; at 04-10 also his 04-05 start's team line.
    prior = {"k_rate": 30 + 20, "bb_rate": 6 + 16, "hr_rate": 2 + 4}
    start = {"k_rate": 10, "bb_rate": 4, "hr_rate": 1}
    first, second, late = rows["AAA201604050"], rows["AAA201604100"], rows["AAA201604110"]
    for rate in league:
        alone = (prior[rate] + k[rate] * league[rate]) / (100 + 200 + k[rate])
        assert first[f"home_sp_{rate}"] == pytest.approx(alone)
        updated = (prior[rate] + start[rate] + k[rate] * league[rate]) / (340 + k[rate])
        assert second[f"home_sp_{rate}"] == pytest.approx(updated)
        assert late[f"home_sp_{rate}"] == pytest.approx(updated)  # 04-10 not over yet
    assert second["home_sp_fip"] == pytest.approx(
        13 * second["home_sp_hr_rate"]
        + 3 * second["home_sp_bb_rate"]
        - 2 * second["home_sp_k_rate"]
    )
    assert first["home_sp_prior_batters_faced"] == 400  # what he really faced, unweighted
    assert first["home_sp_throws_left"] == 1  # his 2015 rows, not his 2016 ones
    assert "home_sp_prior_season" not in first["missing_features"]
    assert "players" in first["sources"]


def test_a_starter_without_a_prior_season_gets_the_league_prior_and_is_marked():
    rows = _rows(build_features(_pitcher_case()))
    rookie = rows["AAA201604050"]
    assert rookie["away_sp_k_rate"] == pytest.approx(60 / 400)  # his 2016 line ignored
    assert rookie["away_sp_prior_batters_faced"] == 0
    assert rookie["away_sp_throws_left"] is None  # unknown hand: missing
    assert "away_sp_prior_season" in rookie["missing_features"]
    assert "away_sp_k_rate" not in rookie["missing_features"]
    assert "home_sp_prior_season" not in rookie["missing_features"]
    # By 04-10 his 04-05 start is over: his team's line of it (BBB, 40 strikeouts in 40)
    # is his evidence, not AAA's line of the same game.
    assert rows["AAA201604100"]["away_sp_k_rate"] == pytest.approx(
        (40 + FALLBACK_K["k_rate"] * 60 / 400) / (40 + FALLBACK_K["k_rate"])
    )


# --- lineups ------------------------------------------------------------------------------


def _lineup(game_id, side, ids):
    return [
        {"game_id": game_id, "side": side, "batting_order": i, "player_id": p, "position": i}
        for i, p in enumerate(ids, start=1)
    ]


def _lineup_case() -> Snapshot:
    games = [
        _game("AAA201604050", _at(4, 5), "AAA", "BBB", hsp="righty", asp="lefty"),
        _game("AAA201604060", _at(4, 6), "AAA", "BBB", hsp="righty", asp="unknown"),
    ]
    nine = ["star", *[f"new{i}" for i in range(8)]]
    batters = _batter_splits(
        [
            # star: 30 on base in 100 PA against lefties, 40 in 100 against righties
            _split(2015, "star", "R", "L", 100, hits=20, walks=10, at_bats=90, total_bases=38),
            _split(
                2015,
                "star",
                "R",
                "R",
                100,
                hits=30,
                walks=8,
                hit_by_pitch=2,
                at_bats=90,
                total_bases=45,
            ),
            _split(2015, "other", "L", "L", 100, hits=15, walks=5, at_bats=95, total_bases=25),
            _split(2015, "other", "L", "R", 100, hits=25, walks=10, at_bats=90, total_bases=35),
            _split(2016, "new0", "L", "L", 100, hits=99, at_bats=100, total_bases=300),
        ]
    )
    pitchers = _pitcher_splits(
        [
            _split(2015, "lefty", "L", "R", 100, strikeouts=20),
            _split(2015, "righty", "R", "R", 100, strikeouts=20),
        ]
    )
    lineups = _lineup("AAA201604050", "home", nine) + _lineup("AAA201604060", "home", nine)
    return _snapshot(games, lineups=lineups, batter_splits=batters, pitcher_splits=pitchers)


def test_lineup_strength_is_against_the_opposing_starters_hand_shrunk_and_averaged():
    rows = _rows(build_features(_lineup_case()))
    k_obp, k_iso = FALLBACK_K["obp"], FALLBACK_K["iso"]
    # Against lefties (2015): on base 30 + 20 of 200, extra bases 18 + 10 of 185.
    obp_l, iso_l = 50 / 200, 28 / 185
    star_obp = (30 + k_obp * obp_l) / (100 + k_obp)
    star_iso = (18 + k_iso * iso_l) / (90 + k_iso)
    home = rows["AAA201604050"]  # AAA faces the lefty
    assert home["home_lineup_obp"] == pytest.approx((star_obp + 8 * obp_l) / 9)
    assert home["home_lineup_iso"] == pytest.approx((star_iso + 8 * iso_l) / 9)
    assert home["home_lineup_prior_share"] == pytest.approx(1 / 9)
    assert "home_lineup_prior_season" in home["missing_features"]
    assert home["away_lineup_obp"] is None  # BBB has no lineup in the data
    assert "away_lineup_prior_season" not in home["missing_features"]


def test_an_unknown_opposing_hand_pools_both_hands():
    rows = _rows(build_features(_lineup_case()))
    k_obp = FALLBACK_K["obp"]
    pooled = (50 + 75) / 400  # both batters, both hands, 2015
    star = (30 + 40 + k_obp * pooled) / (200 + k_obp)
    assert rows["AAA201604060"]["home_lineup_obp"] == pytest.approx((star + 8 * pooled) / 9)


def test_lineup_features_can_be_switched_off_and_the_shape_stays(monkeypatch):
    snapshot = _lineup_case()
    on, off = build_features(snapshot), build_features(snapshot, lineups=False)
    assert on.columns == off.columns
    lineup = [f.name for f in FEATURES if f.source == "lineups"]
    assert off.select(lineup).null_count().row(0) == (off.height,) * len(lineup)
    assert on["home_lineup_obp"].null_count() == 0
    assert not off["sources"].explode().is_in(["lineups"]).any()
    # The setting, validated at the edge, reaches the builder.
    monkeypatch.setenv("FEATURES__LINEUPS", "false")
    settings = load_settings()
    assert settings.features.lineups is False
    assert features_for(snapshot, settings).equals(off)
    monkeypatch.setenv("FEATURES__LINEUPS", "sometimes")
    with pytest.raises(MlbError, match="FEATURES__LINEUPS"):
        load_settings()


# --- workload -----------------------------------------------------------------------------


def test_workload_counts_the_days_before_and_earlier_games_today_once_over():
    games = [
        _game("AAA201604010", _at(4, 1), "AAA", "BBB"),  # 4 days before: outside
        _game("AAA201604020", _at(4, 2), "AAA", "BBB"),
        _game("AAA201604040", _at(4, 4), "AAA", "BBB"),
        _game("AAA201604051", _at(4, 5, 17), "AAA", "BBB", dh=1),  # over by the nightcap's cutoff
        _game("AAA201604052", _at(4, 5, 21), "AAA", "BBB", dh=2),
        _game("AAA201604053", _at(4, 5, 23, year=2016), "AAA", "BBB", minutes=240),
    ]
    lines = [
        _line(g["game_id"], side, team, pitches, bf)
        for g, pitches, bf in zip(
            games, (101, 102, 104, 150, 160, 170), (31, 32, 34, 40, 41, 42), strict=True
        )
        for side, team in (("home", "AAA"), ("away", "BBB"))
    ]
    snapshot = _snapshot(games, team_games=lines)
    rows = _rows(build_features(snapshot))
    nightcap = rows["AAA201604052"]
    # the day before (04-04) and today's opener; 3 days: 04-02 too, never 04-01
    assert nightcap["home_pitches_last_1d"] == 104 + 150
    assert nightcap["home_pitches_last_3d"] == 102 + 104 + 150
    assert nightcap["home_batters_faced_last_3d"] == 32 + 34 + 40
    assert nightcap["away_pitches_last_3d"] == 102 + 104 + 150
    # 23:05 game: the nightcap (21:05-00:05) is still on at its cutoff (22:05)
    assert rows["AAA201604053"]["home_pitches_last_1d"] == 104 + 150
    assert rows["AAA201604040"]["home_pitches_last_1d"] == 0  # nothing on 04-03
    assert rows["AAA201604040"]["home_pitches_last_3d"] == 102 + 101
    assert "workload" in nightcap["sources"]
    # The first game of the data: no line known yet, so whether the source covers the
    # season is unknown at its cutoff (later lines' existence is not known either).
    assert rows["AAA201604010"]["home_pitches_last_3d"] is None

    no_count = [
        dict(line, pitches=None) if line["game_id"].endswith("40") else line for line in lines
    ]
    unknown = _rows(build_features(_snapshot(games, team_games=no_count)))["AAA201604052"]
    assert unknown["home_pitches_last_1d"] is None  # a line without pitches: unknown
    assert unknown["home_batters_faced_last_3d"] == 32 + 34 + 40


# --- missing sources, carried-over team strength ------------------------------------------


def test_without_player_tables_their_features_are_missing_and_unmarked():
    games = [_game("AAA201604050", _at(4, 5), "AAA", "BBB")]
    row = build_features(_snapshot(games)).to_dicts()[0]
    new_sources = ("players", "lineups", "workload")
    new = [f.name for f in FEATURES if f.source in new_sources]
    assert all(row[name] is None for name in new)
    assert set(new) <= set(row["missing_features"])
    assert not any(m.endswith("_prior_season") for m in row["missing_features"])
    assert not set(new_sources) & set(row["sources"])
    assert set(new_sources) <= set(SOURCES)
    assert len(FEATURE_NAMES) == len(FEATURES)


def test_prior_season_run_differential_and_the_blend_toward_it():
    games = [
        # 2015: AAA +3 and -1 (+1 a game); BBB the reverse
        _game("AAA201509010", _at(9, 1, year=2015), "AAA", "BBB", hs=5, as_=2),
        _game("BBB201509020", _at(9, 2, year=2015), "BBB", "AAA", hs=3, as_=2),
        # 2016: AAA wins by 4, then plays again
        _game("AAA201604050", _at(4, 5), "AAA", "CCC", hs=6, as_=2),
        _game("AAA201604060", _at(4, 6), "AAA", "CCC", hs=1, as_=1),
    ]
    rows = _rows(build_features(_snapshot(games)))
    opener, second = rows["AAA201604050"], rows["AAA201604060"]
    assert opener["home_prior_season_run_diff_per_game"] == pytest.approx(1.0)
    assert opener["home_blended_run_diff_per_game"] == pytest.approx(1.0)  # no game yet
    assert opener["away_prior_season_run_diff_per_game"] is None  # CCC: no 2015 in the data
    assert second["home_blended_run_diff_per_game"] == pytest.approx(
        (1 * 4 + PRIOR_SEASON_GAMES * 1.0) / (1 + PRIOR_SEASON_GAMES)
    )
    # CCC: -4 in one game, regressed toward 0 (league average) without a prior season
    assert second["away_blended_run_diff_per_game"] == pytest.approx(-4 / (1 + PRIOR_SEASON_GAMES))
    assert second["blended_run_diff_diff"] == pytest.approx(
        second["home_blended_run_diff_per_game"] - second["away_blended_run_diff_per_game"]
    )
    assert rows["AAA201509010"]["home_blended_run_diff_per_game"] is None  # nothing known


def test_the_demo_with_player_tables_fills_every_new_feature(demo_players):
    features = build_features(demo_players)
    workload = [f.name for f in FEATURES if f.source == "workload"]
    opening_day = features["date"] == features["date"].min()
    # Workload is unknown only before the first team line is in: on opening day.
    assert features.filter(~opening_day).select(workload).null_count().sum_horizontal()[0] == 0
    assert features.filter(opening_day).select(workload).null_count().sum_horizontal()[0] > 0
    new = [f.name for f in FEATURES if f.source in ("players", "lineups")]
    # Non-null apart from the starter's hand (unknown for pitchers without a prior season).
    present = features.select(new).null_count().row(0, named=True)
    assert {n for n, nulls in present.items() if nulls} <= {
        "home_sp_throws_left",
        "away_sp_throws_left",
    }
    marked = features["missing_features"].explode()
    assert marked.is_in(["home_sp_prior_season", "away_sp_prior_season"]).sum() > 0
