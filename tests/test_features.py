import dataclasses
from datetime import UTC, date, datetime, timedelta

import polars as pl
import pytest

from mlbcore.data.schema import BETTING_SPLITS, GAMES, ODDS_LINES
from mlbcore.data.snapshot import Snapshot
from mlbcore.data.timing import cutoff_utc
from mlbcore.features import (
    derived,
    lineup_strength,
    market,
    park_travel,
    pitcher_form,
    starting_pitcher,
    team_carryover,
    team_form,
    workload,
)
from mlbcore.features.build import build_features
from mlbcore.features.declared import SIDES, of_side
from mlbcore.features.registry import FEATURE_NAMES, FEATURE_SET_VERSION, FEATURES, SOURCES


def _game(game_id, day, hour, home, away, hs, as_, hsp="h1", asp="a1", minutes=180, dh=0):
    first = datetime(2016, 4, day, hour, 5, tzinfo=UTC)
    return {
        "game_id": game_id,
        "season": 2016,
        "date": date(2016, 4, day),
        "first_pitch_utc": first,
        "game_end_utc": first + timedelta(minutes=minutes),
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


def _snapshot(games, lines=(), splits=()) -> Snapshot:
    return Snapshot(
        games=pl.DataFrame(games, schema=GAMES),
        odds_lines=pl.DataFrame(list(lines), schema=ODDS_LINES),
        betting_splits=pl.DataFrame(list(splits), schema=BETTING_SPLITS),
        data_version="t",
        source="test",
    )


def _line(game_id, at, ml_home, ml_away, total=8.5):
    return {
        "game_id": game_id,
        "book": "b",
        "entered_at_utc": at,
        "moneyline_home": ml_home,
        "moneyline_away": ml_away,
        "total": total,
        "over_price": -110,
        "under_price": -110,
        "run_line_home": -1.5,
        "run_line_home_price": 140,
        "run_line_away_price": -160,
    }


def test_every_registered_feature_is_built_in_registry_order_with_quality_columns(demo_snapshot):
    features = build_features(demo_snapshot)
    assert [c for c in features.columns if c in FEATURE_NAMES] == list(FEATURE_NAMES)
    assert {"completeness", "missing_features", "sources", "cutoff_utc"} <= set(features.columns)
    assert features.height == demo_snapshot.games.height
    assert len({f.name for f in FEATURES}) == len(FEATURES)
    assert FEATURE_SET_VERSION.startswith("v")


def _declared_columns_of_each_builder(snapshot: Snapshot) -> list[tuple[str, list, list]]:
    """(builder, the columns it returned, the names it declares for them) for every builder,
    on both sides where it has them."""
    games = snapshot.games.with_columns(cutoff_utc(60))
    cases = []
    for side in SIDES:
        starters = starting_pitcher.starting_pitcher_features(
            games, snapshot.pitcher_splits, snapshot.team_games, side
        )
        them = "away" if side == "home" else "home"
        opposing = starting_pitcher.starting_pitcher_features(
            games, snapshot.pitcher_splits, snapshot.team_games, them
        ).select("game_id", throws_left=f"{them}_sp_throws_left")
        built = {
            "team_form": (
                team_form.team_form_features(games, side),
                (*team_form.REST, *team_form.FORM),
            ),
            "pitcher_form": (
                pitcher_form.pitcher_form_features(games, side),
                pitcher_form.FEATURES,
            ),
            "starting_pitcher": (starters, starting_pitcher.FEATURES),
            "lineup_strength": (
                lineup_strength.lineup_features(
                    games, snapshot.lineups, snapshot.batter_splits, opposing, side
                ),
                lineup_strength.FEATURES,
            ),
            "workload": (
                workload.pitching_workload(games, snapshot.team_games, side),
                workload.FEATURES,
            ),
            "time_zone_shift": (park_travel.time_zone_shift(games, side), park_travel.TRAVEL),
        }
        for name, (frame, declared) in built.items():
            columns = [c for c in frame.columns if c != "game_id" and not c.startswith("marker_")]
            cases.append((f"{name} ({side})", sorted(columns), sorted(of_side(declared, side))))
    carried = [team_carryover.prior_season_features(games, side) for side in SIDES]
    cases.append(
        (
            "team_carryover",
            sorted(
                [c for frame in carried for c in frame.columns if c != "game_id"]
                + list(team_carryover.blended_columns())
            ),
            sorted(f.name for f in team_carryover.FEATURES),
        )
    )
    whole_game = {
        "park_run_factor": (park_travel.park_run_factor(games), park_travel.PARK),
        "market": (market.market_features(games, snapshot.odds_lines, None), market.MARKET),
        "splits": (market.splits_features(games, snapshot.betting_splits), market.SPLITS),
    }
    for name, (frame, declared) in whole_game.items():
        columns = [c for c in frame.columns if c != "game_id"]
        cases.append((name, sorted(columns), sorted(f.name for f in declared)))
    return cases


def test_each_builder_returns_exactly_the_columns_it_declares(demo_players):
    for builder, columns, declared in _declared_columns_of_each_builder(demo_players):
        assert columns == declared, builder


def test_the_registry_is_the_builders_declarations_each_name_once(demo_players):
    names = [f.name for f in FEATURES]
    assert len(names) == len(set(names))
    declared = {
        name
        for _, _, names_of_builder in _declared_columns_of_each_builder(demo_players)
        for name in names_of_builder
    } | {f.name for f in (*derived.CALENDAR, *derived.DERIVED)}
    assert declared == set(names)
    # Every computed feature's expression runs on the built frame's inputs.
    assert all(f.expression is not None for f in (*derived.CALENDAR, *derived.DERIVED))


def test_team_form_counts_only_games_finished_by_the_cutoff():
    games = [
        _game("AAA201604010", 1, 23, "AAA", "BBB", 5, 3),
        _game("BBB201604020", 2, 23, "BBB", "AAA", 4, 2, hsp="h2", asp="a2"),
        # AAA's third game starts 30 min after the second ends: its cutoff is before that end.
        _game("AAA201604030", 3, 2, "AAA", "BBB", 1, 0, minutes=200),
    ]
    features = build_features(_snapshot(games)).sort("first_pitch_utc")
    first, second, third = features.to_dicts()
    assert first["home_games_played"] is None and first["home_win_pct"] is None  # no history yet
    assert second["away_games_played"] == 1 and second["away_win_pct"] == 1.0  # AAA won game 1
    assert second["home_runs_scored_per_game"] == 3.0
    assert third["home_games_played"] == 1  # game 2 ended after game 3's cutoff
    assert third["home_win_pct"] == 1.0
    assert third["home_days_since_last_game"] == 2


def test_pitcher_form_uses_his_own_previous_starts():
    games = [
        _game("AAA201604010", 1, 23, "AAA", "BBB", 5, 3, hsp="ace", asp="bum"),
        _game("BBB201604060", 6, 23, "BBB", "AAA", 7, 2, hsp="bum", asp="ace"),
        _game("AAA201604110", 11, 23, "AAA", "BBB", 1, 0, hsp="ace", asp="x"),
    ]
    third = build_features(_snapshot(games)).sort("first_pitch_utc").to_dicts()[2]
    assert third["home_sp_starts"] == 2
    assert third["home_sp_runs_allowed_per_start"] == pytest.approx((3 + 7) / 2)
    assert third["home_sp_runs_allowed_per_9"] == pytest.approx(9 * 10 / 18)
    assert third["home_sp_days_since_last_start"] == 5
    assert third["away_sp_starts"] is None and third["away_sp_runs_allowed_per_start"] is None


def test_market_features_use_the_last_line_at_or_before_the_cutoff():
    game = _game("AAA201604010", 1, 23, "AAA", "BBB", 5, 3)
    cutoff = game["first_pitch_utc"] - timedelta(minutes=60)
    lines = [
        _line(game["game_id"], cutoff - timedelta(hours=20), -120, 110, 8.0),
        _line(game["game_id"], cutoff, -150, 130, 8.5),  # exactly at the cutoff: counts
        _line(game["game_id"], cutoff + timedelta(minutes=1), -300, 250, 9.5),  # after: ignored
    ]
    row = build_features(_snapshot([game], lines)).to_dicts()[0]
    p, q = 150 / 250, 100 / 230
    assert row["market_no_vig_home_prob"] == pytest.approx(p / (p + q))
    assert row["market_overround"] == pytest.approx(p + q - 1)
    assert row["market_total"] == 8.5 and row["market_total_move"] == 0.5
    assert row["market_moneyline_moves"] == 2
    assert row["market_minutes_since_last_move"] == 0.0
    open_p, open_q = 120 / 220, 100 / 210
    assert row["market_home_prob_move"] == pytest.approx(p / (p + q) - open_p / (open_p + open_q))


def test_a_game_without_lines_or_splits_has_those_features_missing_and_lower_completeness():
    game = _game("AAA201604010", 1, 23, "AAA", "BBB", 5, 3)
    row = build_features(_snapshot([game])).to_dicts()[0]
    assert row["market_no_vig_home_prob"] is None
    assert "market_no_vig_home_prob" in row["missing_features"]
    assert row["sources"] == ["schedule"]
    assert 0 < row["completeness"] < 0.2


def test_splits_at_the_cutoff_and_sharp_intensity():
    game = _game("AAA201604010", 1, 23, "AAA", "BBB", 5, 3)
    cutoff = game["first_pitch_utc"] - timedelta(minutes=60)
    splits = [
        {
            "game_id": game["game_id"],
            "source": "s",
            "captured_at_utc": cutoff - timedelta(hours=2),
            "market": "moneyline",
            "side": "home",
            "ticket_pct": 70.0,
            "money_pct": 55.0,
        },
        {
            "game_id": game["game_id"],
            "source": "s",
            "captured_at_utc": cutoff + timedelta(hours=1),
            "market": "moneyline",
            "side": "home",
            "ticket_pct": 10.0,
            "money_pct": 90.0,
        },
    ]
    row = build_features(_snapshot([game], splits=splits)).to_dicts()[0]
    assert row["splits_ml_home_ticket_pct"] == 70.0
    assert row["ml_sharp_intensity"] == -15.0
    assert row["ml_sharp_vs_public"] == pytest.approx(-15.0 * (50 - 70) / 100)


def test_time_zone_shift_follows_the_team_across_the_country():
    games = [
        {**_game("NYN201604010", 1, 23, "NYN", "LAN", 5, 3), "park_id": "NYC20"},
        {**_game("LAN201604030", 3, 23, "LAN", "NYN", 5, 3), "park_id": "LOS03"},
    ]
    second = build_features(_snapshot(games)).sort("first_pitch_utc").to_dicts()[1]
    assert second["away_tz_shift_hours"] == -3.0  # the Mets flew west
    assert second["home_tz_shift_hours"] == -3.0  # the Dodgers came home from New York


def test_park_run_factor_uses_finished_games_at_the_park_shrunk_toward_one():
    games = [
        {**_game("COL201604010", 1, 1, "COL", "SFN", 10, 10), "park_id": "DEN02"},
        {**_game("SFN201604010", 1, 2, "SFN", "COL", 1, 1), "park_id": "SFO03"},
        {**_game("COL201604050", 5, 1, "COL", "SFN", 0, 0), "park_id": "DEN02"},
    ]
    third = build_features(_snapshot(games)).sort("first_pitch_utc").to_dicts()[2]
    league = (20 + 2) / 2
    assert third["park_run_factor"] == pytest.approx(((20 + 81 * league) / 82) / league)
    assert third["park_run_factor"] > 1


def test_pitcher_form_follows_the_announced_starter_and_sources_say_which_sides_were_listed():
    games = [
        _game("AAA201604010", 1, 23, "AAA", "BBB", 5, 3, hsp="ace", asp="bum"),
        # "ace" was announced for AAA but "sub" started; BBB had no listing matched.
        _game("AAA201604060", 6, 23, "AAA", "BBB", 7, 2, hsp="sub", asp="bum"),
        _game("AAA201604110", 11, 23, "AAA", "BBB", 1, 0, hsp="ace", asp="bum"),
    ]
    listed = pl.DataFrame(games, schema=GAMES).with_columns(
        home_starter_listed_id=pl.when(pl.col("game_id") == "AAA201604060").then(pl.lit("ace")),
        away_starter_listed_id=pl.lit(None, pl.String),
    )
    snapshot = _snapshot(games)
    rows = build_features(dataclasses.replace(snapshot, games=listed)).sort("first_pitch_utc")
    first, second, third = rows.to_dicts()
    # The second game's home pitcher features are ace's (one start), not sub's (none).
    assert second["home_sp_starts"] == 1 and second["home_sp_runs_allowed_per_start"] == 3.0
    assert second["away_sp_starts"] == 1  # bum, from the game log: no listing
    assert second["sources"][-1:] == ["home_starter_listed"]
    assert "away_starter_listed" not in second["sources"]
    # His form counts only what he really started: the second game was sub's.
    assert third["home_sp_starts"] == 1 and third["home_sp_days_since_last_start"] == 10
    assert "home_starter_listed" not in first["sources"] + third["sources"]
    # Without listings (the demo, older snapshots) the game log's starter is used.
    unlisted = build_features(snapshot).sort("first_pitch_utc").to_dicts()[1]
    assert unlisted["home_sp_starts"] is None  # sub had never started


def test_the_demo_has_no_listed_starters(demo_snapshot):
    sources = build_features(demo_snapshot)["sources"].explode()
    assert sources.is_in(["home_starter_listed", "away_starter_listed"]).sum() == 0
    assert sources.is_in(list(SOURCES)).all()


def _in_season(game: dict, year: int) -> dict:
    """The same game, played in ``year``."""
    moved = {k: game[k].replace(year=year) for k in ("date", "first_pitch_utc", "game_end_utc")}
    return {**game, **moved, "season": year, "game_id": game["game_id"].replace("2016", str(year))}


def test_park_run_factor_looks_back_three_seasons_and_this_one_only():
    def at(park, day, runs, year):
        home = park[:3]
        game = _game(f"{home}20160{day}0", day, 1, home, "SFN", runs, 0)
        return _in_season({**game, "park_id": park}, year)

    games = [
        at("COL01", 1, 30, 2012),  # four seasons back: outside the look-back
        at("SFO01", 1, 2, 2012),
        at("COL01", 1, 12, 2013),
        at("SFO01", 2, 4, 2013),
        at("COL01", 1, 10, 2016),
        at("SFO01", 2, 6, 2016),
        at("COL01", 5, 0, 2016),  # the game itself: not finished by its cutoff
    ]
    last = build_features(_snapshot(games)).sort("first_pitch_utc").to_dicts()[-1]
    league = (12 + 4 + 10 + 6) / 4
    expected = ((12 + 10) + 81 * league) / (2 + 81) / league
    assert last["park_run_factor"] == pytest.approx(expected)


def test_a_games_park_factor_does_not_depend_on_which_seasons_were_imported(shared_data, tmp_path):
    from mlbcore.data.snapshot import load_snapshot
    from mlbcore.importers.jobs import import_retrosheet

    def factors_2016(first_season: int) -> pl.DataFrame:
        out = tmp_path / str(first_season)
        logs = [shared_data / "retrosheet" / f"GL{y}.TXT" for y in range(first_season, 2017)]
        import_retrosheet(logs, out)
        return (
            build_features(load_snapshot(out))
            .filter(pl.col("season") == 2016)
            .select("game_id", "park_run_factor")
        )

    all_seasons, fewer = factors_2016(2010), factors_2016(2013)
    assert all_seasons.height > 2400
    assert all_seasons["park_run_factor"].null_count() == 0
    assert all_seasons.sort("game_id").equals(fewer.sort("game_id"))


MOVEMENT = (
    "market_home_prob_move",
    "market_moneyline_moves",
    "market_minutes_since_last_move",
    "market_total_move",
    "market_total_moves",
)


@pytest.mark.parametrize("book", ["sbr", "b"])
def test_movement_is_missing_where_the_book_keeps_only_an_open_and_a_close(book):
    game = _game("AAA201604010", 1, 23, "AAA", "BBB", 5, 3)
    first_pitch = game["first_pitch_utc"]
    # the SBR archive's two lines: the open stamped 24 h out, the close at first pitch
    lines = [
        {**_line(game["game_id"], first_pitch - timedelta(hours=24), -120, 110), "book": book},
        {**_line(game["game_id"], first_pitch, -150, 130, 9.0), "book": book},
    ]
    row = build_features(_snapshot([game], lines)).to_dicts()[0]
    p, q = 120 / 220, 100 / 210
    assert row["market_no_vig_home_prob"] == pytest.approx(p / (p + q))  # the open, known
    assert row["market_total"] == 8.5
    if book == "sbr":
        assert all(row[name] is None for name in MOVEMENT)
        assert set(MOVEMENT) <= set(row["missing_features"])
    else:  # a book that posts every change: no move since the open is a fact
        assert [row[name] for name in MOVEMENT] == [0.0, 1.0, 23 * 60.0, 0.0, 1.0]
